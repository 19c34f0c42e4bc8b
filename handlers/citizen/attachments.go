package citizen

import (
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

// RequesterDownload serves an attachment of the requester's own request.
func (h *Handlers) RequesterDownload(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		return apperr.ErrNotFound
	}
	return h.Download(c, r)
}

// RequesterMessage is the requester's message on their own request.
func (h *Handlers) RequesterMessage(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		return apperr.ErrNotFound
	}
	return h.PostMessage(c, r, "requester", func(status int, vals map[string]string, inv *apperr.Invalid) error {
		return h.RenderRequestPage(c, status, r, vals, inv)
	})
}
