package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

func (s *Server) privacy(c *gin.Context) {
	// Read through the banner's cache: the notice is the most visited page, and a version
	// changes only by publishing (which clears the cache on this instance; others within
	// noticeCacheTTL).
	n, err := s.CurrentNotice(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.RenderPublic(c, "privacy", s.View(c, "privacy.title", web.PrivacyPage{Notice: n}), strconv.Itoa(n.Version))
}

// noticeVersion shows one published version in full, as it was published, so a person
// can read what they agreed to under it. Anything but a published version's number is
// not found.
func (s *Server) noticeVersion(c *gin.Context) {
	v, err := strconv.Atoi(c.Param("n"))
	if err != nil || v < 1 || strconv.Itoa(v) != c.Param("n") {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	n, err := s.Notices.Version(ctx, v)
	if err != nil {
		s.Fail(c, err)
		return
	}
	cur, err := s.CurrentNotice(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "privacy", s.View(c, "privacy.title", web.PrivacyPage{Notice: n, Current: cur.Version}))
}
