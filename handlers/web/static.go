package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/static"
)

// staticFile is one embedded file, read and compressed once at start.
type staticFile struct {
	ctype        string
	body, gz, br []byte // gz, br: nil when compressing does not pay (images already packed)
}

// loadStatic reads every embedded file and compresses the ones that shrink by a tenth or
// more, with gzip and with brotli (a sixth smaller again on the stylesheet, and every
// current browser takes it), at their best levels, so no request compresses anything.
func loadStatic() (map[string]*staticFile, error) {
	out := map[string]*staticFile{}
	err := fs.WalkDir(static.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.Files.ReadFile(p)
		if err != nil {
			return err
		}
		f := &staticFile{ctype: mime.TypeByExtension(path.Ext(p)), body: b}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if gz.Len() < len(b)*9/10 {
			f.gz = gz.Bytes()
			var br bytes.Buffer
			bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
			_, _ = bw.Write(b)
			_ = bw.Close()
			f.br = br.Bytes()
		}
		out[p] = f
		return nil
	})
	return out, err
}

// Static serves embedded files. The current hash in the URL earns a year of caching; an
// old hash (a page from before a deploy) still gets the file, briefly cached. A browser
// that accepts brotli or gzip gets the compressed body made at start (brotli first).
func (s *Core) Static(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("path")), "/")
	want, ok := s.hashes[name]
	f := s.staticFiles[name]
	if !ok || f == nil {
		s.RenderError(c, http.StatusNotFound, "")
		return
	}
	h := c.Writer.Header()
	if c.Param("hash") == want {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=60")
	}
	body := f.body
	if f.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		switch {
		case accepts(c.Request, "br"):
			body = f.br
			h.Set("Content-Encoding", "br")
		case accepts(c.Request, "gzip"):
			body = f.gz
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Data(http.StatusOK, f.ctype, body)
}
