package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

// requesterDownload serves an attachment of the requester's own request.
func (s *Server) requesterDownload(c *gin.Context) {
	r, ok := s.RequestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	s.Download(c, r)
}

// requesterMessage is the requester's message on their own request.
func (s *Server) requesterMessage(c *gin.Context) {
	r, ok := s.RequestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	if err := s.PostMessage(c, r, "requester", func(status int, vals map[string]string, inv *apperr.Invalid) {
		s.RenderRequestPage(c, status, r, vals, inv)
	}); err != nil {
		s.Fail(c, err)
	}
}
