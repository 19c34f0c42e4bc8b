package handlers

import (
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/static"
)

// static serves embedded files. The current hash in the URL earns a year of caching; an
// old hash (a page from before a deploy) still gets the file, briefly cached.
func (s *Server) static(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("path")), "/")
	want, ok := s.hashes[name]
	if !ok {
		s.renderError(c, http.StatusNotFound, "")
		return
	}
	b, err := static.Files.ReadFile(name)
	if err != nil {
		s.renderError(c, http.StatusNotFound, "")
		return
	}
	if c.Param("hash") == want {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=60")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Data(http.StatusOK, ctype, b)
}
