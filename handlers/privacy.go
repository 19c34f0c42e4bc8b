package handlers

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
)

type privacyPage struct {
	Notice  *consent.Notice
	Preview bool // an administrator's preview of the draft
	// Current is the version in force when an earlier one is read at
	// /privacy/versions/{n}; 0 on /privacy itself.
	Current int
}

// Art8Item returns the number (1–6) of the PDPA Art. 8 item a section answers, or 0.
func (p privacyPage) Art8Item(key string) int {
	return slices.Index(consent.Art8Sections, key) + 1
}

func (s *Server) privacy(c *gin.Context) {
	// Read through the banner's cache: the notice is the most visited page, and a version
	// changes only by publishing (which clears the cache on this instance; others within
	// noticeCacheTTL).
	n, err := s.CurrentNotice(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.RenderPublic(c, "privacy", s.View(c, "privacy.title", privacyPage{Notice: n}), strconv.Itoa(n.Version))
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
	s.Render(c, http.StatusOK, "privacy", s.View(c, "privacy.title", privacyPage{Notice: n, Current: cur.Version}))
}
