package handlers

import (
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/consent"
)

type privacyPage struct {
	Notice  *consent.Notice
	Preview bool // an administrator's preview of the draft
}

// Art8Item returns the number (1–6) of the PDPA Art. 8 item a section answers, or 0.
func (p privacyPage) Art8Item(key string) int {
	return slices.Index(consent.Art8Sections, key) + 1
}

func (s *Server) privacy(c *gin.Context) {
	// Read through the banner's cache: the notice is the most visited page, and a version
	// changes only by publishing (which clears the cache on this instance; others within
	// noticeCacheTTL).
	n, err := s.currentNotice(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderPublic(c, "privacy", s.view(c, "privacy.title", privacyPage{Notice: n}), strconv.Itoa(n.Version))
}
