package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// A granted copy request is fulfilled with a package (export.Builder builds it in the
// background), downloadable by the requester only until it expires, each download
// recorded, and deleted at expiry by the retention run.

// Wait waits for background work (copy packages) to finish: at shutdown, and in tests.
func (s *Server) Wait() { s.Builder.Wait() }

func (s *Server) requesterPackage(c *gin.Context) {
	if r, ok := s.myRequestByRef(c); ok {
		s.PackageDownload(c, r)
	}
}

func (s *Server) guestPackage(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		s.PackageDownload(c, r)
	}
}

// rebuildPackage builds a failed or expired package again.
func (s *Server) rebuildPackage(c *gin.Context, r *rights.Request) {
	res, err := s.Casework.RebuildPackage(c.Request.Context(), casework.Command{Ref: r.Ref}, c.GetString(web.KeyLang))
	if s.actFailed(c, r, "package", nil, err) {
		return
	}
	s.actDone(c, r, res)
}
