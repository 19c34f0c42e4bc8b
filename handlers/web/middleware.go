package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
)

// Context keys.
const (
	KeyRequestID = "request_id"
	KeyLang      = "lang"
	keyUser      = "user"
	KeySession   = "session"
)

// Recoverer turns a panic into the 500 page; the stack goes to the log, never the page.
func (s *Core) Recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Log.Error("panic", "request_id", c.GetString(KeyRequestID), "panic", v, "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.RenderError(c, http.StatusInternalServerError, "")
			}
			c.Abort()
		}
	}()
	c.Next()
}

// AccessLog gives each request an id and logs one line for it. The query string is left
// out: it can carry one-time tokens.
func (s *Core) AccessLog(c *gin.Context) {
	start := time.Now()
	id := newRequestID()
	c.Set(KeyRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelWarn
	}
	s.Log.Log(c.Request.Context(), level, "request",
		"request_id", id, "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "bytes", c.Writer.Size(), "duration_ms", time.Since(start).Milliseconds())
}

func newRequestID() string { return ids.Hex(8) }

// contentSecurityPolicy allows no inline script, no framing and no foreign origins.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Core) SecurityHeaders(c *gin.Context) {
	setSecurityHeaders(c.Writer.Header(), s.isTLS(c.Request))
	c.Next()
}

// fixedHeader is a response header whose value is made once: a header set with Set
// allocates its value's slice on every response. The slice's capacity is its length, so
// an Add makes a new one; nothing writes into a header value in place.
type fixedHeader struct {
	key   string
	value []string
}

// Fixed is the header key: value, made once.
func fixed(key, value string) fixedHeader {
	return fixedHeader{key: http.CanonicalHeaderKey(key), value: []string{value}[:1:1]}
}

// Set sets the header on h.
func (f fixedHeader) Set(h http.Header) { h[f.key] = f.value }

var securityHeaders = []fixedHeader{
	fixed("Content-Security-Policy", contentSecurityPolicy),
	fixed("X-Content-Type-Options", "nosniff"),
	fixed("X-Frame-Options", "DENY"),
	fixed("Referrer-Policy", "same-origin"),
	fixed("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
	fixed("Cross-Origin-Opener-Policy", "same-origin"),
}

var hsts = fixed("Strict-Transport-Security", "max-age=31536000; includeSubDomains")

func setSecurityHeaders(h http.Header, tls bool) {
	for _, f := range securityHeaders {
		f.Set(h)
	}
	if tls {
		hsts.Set(h)
	}
}

// isTLS reports whether the browser reached us over TLS: directly, or through a trusted
// proxy that says so. Forwarded headers from anyone else are ignored.
func (s *Core) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if r.Header.Get("X-Forwarded-Proto") != "https" || len(s.Opt.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range s.Opt.TrustedProxies {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

// LimitBody refuses bodies over the limit: at once when the declared length is too big,
// and when reading past it otherwise (the form parser then reports *http.MaxBytesError).
func (s *Core) LimitBody(c *gin.Context) {
	limit, key := s.Opt.MaxBody, ""
	upload := s.route(c).Upload && strings.HasPrefix(c.ContentType(), "multipart/form-data")
	if upload {
		limit, key = uploadMaxBody, "files.too_large"
	}
	if c.Request.ContentLength > limit {
		s.RenderError(c, http.StatusRequestEntityTooLarge, key)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	if upload {
		c.Request.Body = newPacedBody(c.Request.Body, http.NewResponseController(c.Writer), s.Opt.UploadGrace, s.Opt.UploadMinRate)
	}
	c.Next()
	if cancel, ok := c.Get(keyDetached); ok {
		cancel.(context.CancelFunc)()
	}
}

// pacedBody is an upload's body whose read deadline moves on while bytes arrive: the
// server's fixed ReadTimeout would cut a 7 MB attachment at 100 KB/s. The upload may
// take grace plus its size at the minimum rate, so a slow but steady line gets through
// while a stalled or trickling one is still cut off. The write deadline follows, so
// the answer to a long upload can still be sent.
type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64 // bytes a second
	total int64
	set   time.Time // the deadline last set
}

// writeGrace is the time left to answer once an upload has been read.
const writeGrace = 120 * time.Second

func newPacedBody(body io.ReadCloser, rc *http.ResponseController, grace time.Duration, rate int64) *pacedBody {
	p := &pacedBody{ReadCloser: body, rc: rc, start: time.Now(), grace: grace, rate: rate}
	p.extend()
	return p
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	if n > 0 {
		p.total += int64(n)
		p.extend()
	}
	return n, err
}

// extend sets the deadlines for what has arrived; a move under a second is not worth
// the system calls. Connections that cannot take deadlines (tests' recorders) keep the
// server's.
func (p *pacedBody) extend() {
	d := p.start.Add(p.grace + time.Duration(p.total)*time.Second/time.Duration(p.rate))
	if d.Sub(p.set) < time.Second {
		return
	}
	p.set = d
	_ = p.rc.SetReadDeadline(d)
	_ = p.rc.SetWriteDeadline(d.Add(writeGrace))
}

// LangCookie remembers the visitor's choice of language (an essential cookie).
const LangCookie = "lang"

func (s *Core) Language(c *gin.Context) {
	c.Set(KeyLang, requestLang(c.Request))
	c.Next()
}

func requestLang(r *http.Request) string {
	if ck, err := r.Cookie(LangCookie); err == nil {
		if l := i18n.Normalize(ck.Value); l != "" {
			return l
		}
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// Session loads the signed-in user, if the request carries a valid session cookie, then
// opens the request's audit event (AuditBegin): the actor is known from here on.
func (s *Core) Session(c *gin.Context) {
	if s.loadSession(c) && s.AuditBegin(c) {
		c.Next()
	}
}

// loadSession is session's look-up; false when it has answered with an error.
func (s *Core) loadSession(c *gin.Context) bool {
	token, ok := s.readSessionCookie(c.Request)
	if !ok {
		return true
	}
	ctx := c.Request.Context()
	now := s.Now()
	se, err := s.Sessions.Get(ctx, account.TokenHash(token))
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		s.ClearSessionCookie(c)
		return true
	case err != nil:
		s.Fail(c, err)
		return false
	}
	user, err := s.Users.ByID(ctx, se.UserID)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		s.Fail(c, err)
		return false
	}
	if err != nil || user.Disabled || user.Expired(now) || !s.Opt.Sessions.Valid(se, user.IsStaff(), now) {
		_ = s.Sessions.Delete(ctx, se.ID)
		s.ClearSessionCookie(c)
		if err == nil && !user.Disabled {
			s.AddFlash(c, FlashInfo, "flash.session_expired")
		}
		return true
	}
	if s.Opt.Sessions.NeedsTouch(se, now) {
		// With the disk full the idle clock is not moved forward; reading still works.
		if err := s.Sessions.Touch(ctx, se.ID, now); err != nil && !errors.Is(err, apperr.ErrNotFound) && !apperr.IsStorageFull(err) {
			s.Fail(c, err)
			return false
		}
	}
	c.Set(KeySession, se)
	c.Set(keyUser, user)
	return true
}

func CurrentUser(c *gin.Context) *account.User {
	if v, ok := c.Get(keyUser); ok {
		return v.(*account.User)
	}
	return nil
}

// headKey marks a HEAD request served as its GET.
type headKey struct{}

// HeadAsGet answers HEAD wherever GET is answered (RFC 9110 §9.3.2): the request is
// routed as its GET and the body is dropped, so monitors and link checkers see the
// same status and headers. The route table keeps GET only.
func HeadAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		g := r.WithContext(context.WithValue(r.Context(), headKey{}, true))
		g.Method = http.MethodGet
		next.ServeHTTP(&headWriter{ResponseWriter: w}, g)
	})
}

// isHead reports whether the request came as HEAD (served by its GET).
func isHead(r *http.Request) bool { return r.Context().Value(headKey{}) != nil }

// headWriter keeps the headers and status of a response and drops its body.
type headWriter struct{ http.ResponseWriter }

func (w *headWriter) Write(p []byte) (int, error) { return len(p), nil }

// Flush passes on, so a streamed response (a CSV) works as its GET does.
func (w *headWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// uploadMaxBody is the body limit of an upload route: 20 MB of files and room for the
// form's text and the multipart framing.
const uploadMaxBody = attachments.MaxPerRequest + 1<<20
