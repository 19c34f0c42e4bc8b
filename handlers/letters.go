package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

// requesterLetter shows the requester a written notice about their own request: the
// extension notice or the decision letter, as a printable A4 page.
func (s *Server) requesterLetter(c *gin.Context) {
	r, ok := s.RequestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	s.RenderLetter(c, r, false)
}
