package handlers

import (
	"github.com/gin-gonic/gin"
)

// A granted copy request is fulfilled with a package (export.Builder builds it in the
// background), downloadable by the requester only until it expires, each download
// recorded, and deleted at expiry by the retention run.

func (s *Server) requesterPackage(c *gin.Context) {
	if r, ok := s.myRequestByRef(c); ok {
		s.PackageDownload(c, r)
	}
}
