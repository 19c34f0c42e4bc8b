package citizen

import (
	"github.com/gin-gonic/gin"
)

// A granted copy request is fulfilled with a package (export.Builder builds it in the
// background), downloadable by the requester only until it expires, each download
// recorded, and deleted at expiry by the retention run.

// RequesterPackage serves a copy package to its requester.
func (h *Handlers) RequesterPackage(c *gin.Context) error {
	r, err := h.OwnRequest(c)
	if err != nil {
		return err
	}
	return h.PackageDownload(c, r)
}
