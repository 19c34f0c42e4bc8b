package handlers

import (
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
	"github.com/gin-gonic/gin"
)

// officerDownload serves any request's attachment to an officer.
func (s *Server) officerDownload(c *gin.Context) {
	if r, ok := s.RequestByRef(c); ok {
		s.Download(c, r)
	}
}

// officerLetter shows an officer the same notice, to print and post.
func (s *Server) officerLetter(c *gin.Context) {
	r, ok := s.RequestByRef(c)
	if !ok {
		return
	}
	s.RenderLetter(c, r, true)
}

// rebuildPackage builds a failed or expired package again.
func (s *Server) rebuildPackage(c *gin.Context, r *rights.Request) {
	res, err := s.Casework.RebuildPackage(c.Request.Context(), casework.Command{Ref: r.Ref}, c.GetString(web.KeyLang))
	if s.actFailed(c, r, "package", nil, err) {
		return
	}
	s.actDone(c, r, res)
}
