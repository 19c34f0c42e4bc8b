package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/handlers/web"
)

// signOut ends the session on the server, not just in the browser.
func (s *Server) signOut(c *gin.Context) {
	if v, ok := c.Get(web.KeySession); ok {
		if err := s.Sessions.Delete(c.Request.Context(), v.(*account.Session).ID); err != nil {
			s.Fail(c, err)
			return
		}
	}
	s.ClearSessionCookie(c)
	s.AddFlash(c, web.FlashInfo, "flash.signed_out")
	c.Redirect(http.StatusSeeOther, "/")
}
