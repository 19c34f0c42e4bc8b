package public

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

func (h *Handlers) Privacy(c *gin.Context) error {
	// Read through the banner's cache: the notice is the most visited page, and a version
	// changes only by publishing (which clears the cache on this instance; others within
	// NoticeCacheTTL).
	n, err := h.CurrentNotice(c.Request.Context())
	if err != nil {
		return err
	}
	h.RenderPublic(c, "privacy", h.View(c, "privacy.title", web.PrivacyPage{Notice: n}), strconv.Itoa(n.Version))
	return nil
}

// NoticeVersion shows one published version in full, as it was published, so a person
// can read what they agreed to under it. Anything but a published version's number is
// not found.
func (h *Handlers) NoticeVersion(c *gin.Context) error {
	v, err := strconv.Atoi(c.Param("n"))
	if err != nil || v < 1 || strconv.Itoa(v) != c.Param("n") {
		return apperr.ErrNotFound
	}
	ctx := c.Request.Context()
	n, err := h.Notices.Version(ctx, v)
	if err != nil {
		return err
	}
	cur, err := h.CurrentNotice(ctx)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "privacy", h.View(c, "privacy.title", web.PrivacyPage{Notice: n, Current: cur.Version}))
	return nil
}
