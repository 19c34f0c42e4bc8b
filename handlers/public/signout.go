package public

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/handlers/web"
)

// SignOut ends the session on the server, not just in the browser.
func (h *Handlers) SignOut(c *gin.Context) error {
	if v, ok := c.Get(web.KeySession); ok {
		if err := h.Sessions.Delete(c.Request.Context(), v.(*account.Session).ID); err != nil {
			return err
		}
	}
	h.ClearSessionCookie(c)
	h.AddFlash(c, web.FlashInfo, "flash.signed_out")
	c.Redirect(http.StatusSeeOther, "/")
	return nil
}
