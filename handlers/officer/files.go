package officer

import (
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// OfficerDownload serves any request's attachment to an officer.
func (h *Handlers) OfficerDownload(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	return h.Download(c, r)
}

// OfficerLetter shows an officer the same notice, to print and post.
func (h *Handlers) OfficerLetter(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	return h.RenderLetter(c, r, true)
}

// rebuildPackage builds a failed or expired package again.
func (h *Handlers) rebuildPackage(c *gin.Context, r *rights.Request) error {
	res, err := h.casework.RebuildPackage(c.Request.Context(), casework.Command{Ref: r.Ref}, c.GetString(web.KeyLang))
	if err != nil {
		return h.actError(c, r, "package", nil, err)
	}
	h.actDone(c, r, res)
	return nil
}
