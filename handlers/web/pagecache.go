package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// publicPages keeps the public pages as an anonymous visitor gets them, rendered once
// per variant: the same words go to every visitor, and rendering them is most of a
// page's cost. A variant's key holds everything the page shows that can differ: the
// page and its path, the language, the notice banner (the version not yet dismissed),
// the cookie banner, whether counting is on, and the page's own content version (the
// notice's version, the visitor's cookie choice). Per-visitor headers (the visitor
// cookie, Set-Cookie of any kind) are written per request and never kept.
//
// Nothing has to be invalidated: a change of what a page shows is a change of its key.
// A notice published on another instance is seen here when the notice cache (5 s)
// reads the new version, no later than the uncached pages saw it before.
type publicPages struct {
	mu sync.RWMutex
	m  map[string]*cachedPage
}

// publicPagesMax bounds the variants kept; past it the cache starts again (the keys in
// use come back at once; old notice versions do not).
const publicPagesMax = 512

type cachedPage struct {
	plain, gz pageVariant // gz: the same ETag marked -gz
	modified  fixedHeader // when this variant was rendered
}

// pageVariant is a cached page's body as sent, with its headers made once.
type pageVariant struct {
	body        []byte
	etag        string
	etagH, lenH fixedHeader
}

func newPageVariant(body []byte, etag string) pageVariant {
	return pageVariant{body: body, etag: etag, etagH: fixed("ETag", etag), lenH: fixed("Content-Length", strconv.Itoa(len(body)))}
}

var (
	varyEncoding   = fixed("Vary", "Accept-Encoding")
	gzipEncoding   = fixed("Content-Encoding", "gzip")
	privateNoCache = fixed("Cache-Control", "private, no-cache")
)

// keyRevalidated marks a 304 from the page cache: the visitor saw the page again.
const keyRevalidated = "page_revalidated"

// RenderPublic renders a public page through the cache when the visitor is anonymous
// and nothing on the page is theirs alone; anyone else gets it rendered as usual.
// content names the version of what the page shows beyond the layout.
func (s *Core) RenderPublic(c *gin.Context, page string, v *View, content string) {
	r := c.Request
	if r.Method != http.MethodGet || r.URL.RawQuery != "" || v.User != nil || len(v.Flashes) > 0 || len(v.Problems) > 0 {
		s.Render(c, http.StatusOK, page, v)
		return
	}
	key := strings.Join([]string{page, v.Lang, v.Path, strconv.Itoa(v.Banner), strconv.FormatBool(v.CookieBanner),
		strconv.FormatBool(s.Counter != nil), content}, "\x00")
	s.public.mu.RLock()
	e := s.public.m[key]
	s.public.mu.RUnlock()
	if e == nil {
		var buf bytes.Buffer
		v.Nav = navFor(v)
		if err := s.Templates.Execute(&buf, v.Lang, page, v); err != nil {
			s.Render(c, http.StatusOK, page, v) // renders the error page and logs
			return
		}
		e = newCachedPage(buf.Bytes(), s.Now().UTC().Format(http.TimeFormat))
		s.public.mu.Lock()
		if s.public.m == nil || len(s.public.m) >= publicPagesMax {
			s.public.m = map[string]*cachedPage{}
		}
		s.public.m[key] = e
		s.public.mu.Unlock()
	}
	pv := &e.plain
	h := c.Writer.Header()
	varyEncoding.Set(h)
	if accepts(r, "gzip") {
		pv = &e.gz
		gzipEncoding.Set(h)
	}
	// Each visit asks again (no-cache), and only the visitor's own browser keeps it.
	privateNoCache.Set(h)
	pv.etagH.Set(h)
	// Informational only: the date cannot tell which variant a browser holds (the
	// same page with or without a banner), so only the ETag answers 304.
	e.modified.Set(h)
	if etagMatches(r.Header.Get("If-None-Match"), pv.etag) {
		c.Set(keyRevalidated, true)
		h.Del("Content-Encoding")
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	htmlType.Set(h)
	pv.lenH.Set(h)
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(pv.body)
}

func newCachedPage(body []byte, modified string) *cachedPage {
	sum := sha256.Sum256(body)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	etag := hex.EncodeToString(sum[:12])
	return &cachedPage{
		plain:    newPageVariant(bytes.Clone(body), `"`+etag+`"`),
		gz:       newPageVariant(gz.Bytes(), `"`+etag+`-gz"`),
		modified: fixed("Last-Modified", modified),
	}
}

// accepts reports whether Accept-Encoding names the coding and does not refuse it with q=0.
func accepts(r *http.Request, coding string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// etagMatches is If-None-Match's weak comparison against one ETag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
