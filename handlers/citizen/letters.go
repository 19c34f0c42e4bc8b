package citizen

import (
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

// RequesterLetter shows the requester a written notice about their own request: the
// extension notice or the decision letter, as a printable A4 page.
func (h *Handlers) RequesterLetter(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		return apperr.ErrNotFound
	}
	return h.RenderLetter(c, r, false)
}
