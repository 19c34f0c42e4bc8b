package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/rights"
)

// Cookies of the analytics: the visitor's choice (kept either way, so the banner is not
// asked again) and, only after Accept, the visitor cookie.
const (
	ChoiceCookie  = "portal_cookies"
	VisitorCookie = "portal_visit"
	ChoiceAccept  = "analytics"
	ChoiceRefuse  = "essential"
	// ChoiceAge: the choice is asked again after six months; VisitorAge: a visitor is
	// told apart for at most as long.
	ChoiceAge  = 180 * 24 * time.Hour
	VisitorAge = 180 * 24 * time.Hour
)

// CookieChoice is what the visitor has said about the analytics cookie.
type CookieChoice int

const (
	ChoiceNone     CookieChoice = iota // not asked yet: the banner shows
	ChoiceAccepted                     // Accept
	ChoiceRefused                      // Refuse
	ChoiceSignal                       // the browser sends DNT: 1 or Sec-GPC: 1, which always wins
)

func (s *Core) AnalyticsChoice(r *http.Request) CookieChoice {
	// Canonical header names: Get would make the canonical form of "DNT" anew each call.
	if strings.TrimSpace(r.Header.Get("Dnt")) == "1" || GPC(r) {
		return ChoiceSignal
	}
	value, ok := cookieValue(r, ChoiceCookie)
	if !ok {
		return ChoiceNone
	}
	switch value {
	case ChoiceAccept:
		return ChoiceAccepted
	case ChoiceRefuse:
		return ChoiceRefused
	}
	return ChoiceNone
}

// Count is the counting middleware. It decides from the request whether the page could
// be counted (a GET of a public page by a browser, not a prefetch), and then counts it
// when the page is written: a 200 HTML answer, to someone not under a processing
// restriction. The count goes into memory; the database sees it at the next flush.
func (s *Core) Count(c *gin.Context) {
	if s.Counter == nil || s.route(c).Uncounted || !countable(c) {
		c.Next()
		return
	}
	w := countingWriters.Get().(*countingWriter)
	*w = countingWriter{ResponseWriter: c.Writer, s: s, c: c}
	c.Writer = w
	c.Next()
	c.Writer = w.ResponseWriter
	// Gin's contexts are reused the same way: nothing holds the writer past the request.
	*w = countingWriter{}
	countingWriters.Put(w)
}

// countingWriters spare each counted request its writer.
var countingWriters = sync.Pool{New: func() any { return new(countingWriter) }}

// hit counts the answer to c once its status and headers are final.
func (s *Core) hit(c *gin.Context, w *countingWriter, status int, h http.Header) {
	// A page, not a download (an attachment is never a page view).
	page := status == http.StatusOK && strings.HasPrefix(h.Get("Content-Type"), "text/html") && h.Get("Content-Disposition") == ""
	// A page the browser already held and revalidated is seen again: a view too.
	if page || status == http.StatusNotModified && c.GetBool(keyRevalidated) {
		s.countView(c, h, w)
	}
}

func countable(c *gin.Context) bool {
	r := c.Request
	path := c.FullPath()
	if r.Method != http.MethodGet || isHead(r) || path == "" {
		return false
	}
	// Prefetches and prerenders are not views; neither is a page loaded into a frame.
	for _, h := range []string{"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"} {
		v := strings.ToLower(r.Header.Get(h))
		if strings.Contains(v, "prefetch") || strings.Contains(v, "prerender") || strings.Contains(v, "preview") {
			return false
		}
	}
	if d := r.Header.Get("Sec-Fetch-Dest"); d != "" && d != "document" {
		return false
	}
	return true
}

// dropVisitorCookie deletes the visitor cookie, with the flags it was set with.
func (s *Core) dropVisitorCookie(r *http.Request) string {
	return (&http.Cookie{Name: VisitorCookie, Value: "", Path: "/", MaxAge: -1, // #nosec G124 -- Secure when served over TLS, as when it was set
		HttpOnly: true, Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode}).String()
}

// stopsReach reports whether one of u's stopped purposes reaches r on the portal.
func stopsReach(u *account.User, r rights.StopReach) bool {
	for p := range u.Stopped {
		if rights.ReachOf(p) == r {
			return true
		}
	}
	return false
}

// countView counts one page view; with the visitor's consent it also advances the
// visitor cookie, written into the headers before they are sent.
func (s *Core) countView(c *gin.Context, h http.Header, w *countingWriter) {
	r := c.Request
	// A restriction of everything, or a stop of the statistics purpose, leaves the person
	// out of the counts.
	if u := CurrentUser(c); u != nil && (u.IsStaff() || !u.Restricted.IsZero() || stopsReach(u, rights.ReachCounting)) {
		if _, ok := cookieValue(r, VisitorCookie); ok && !u.IsStaff() {
			// Not counted, and not told apart later either (after signing out).
			h.Add("Set-Cookie", s.dropVisitorCookie(r))
		}
		return
	}
	agent := s.agents.Classify(r.UserAgent())
	if agent.Bot {
		return
	}
	now := s.Now()
	hit := analytics.Hit{Time: now, Path: c.FullPath(), Lang: browserLang(r.Header.Get("Accept-Language")),
		Referrer: referrerDomain(r), Agent: agent, Network: s.clientNetwork(c, w.net[:0])}
	switch s.AnalyticsChoice(r) {
	case ChoiceAccepted:
		var prev *analytics.Visitor
		resend := true
		if value, ok := cookieValue(r, VisitorCookie); ok {
			if v, ok := s.visitorCodec.Decode(value, now); ok {
				prev, resend = &v, false
			} else if !analytics.IsVisitorCodec(value) {
				var v analytics.Visitor
				if s.visitorLegacy.Decode(VisitorCookie, value, &v) == nil {
					prev = &v
				}
			}
		}
		step := analytics.Advance(prev, now, analytics.NewVisitorID)
		// Sealed and sent again only when it changed: a view within the same second
		// leaves the cookie the browser holds as it is.
		if resend || *prev != step.Next {
			h.Add("Set-Cookie", s.visitorSetCookie(step.Next, s.isTLS(r)))
		}
		s.Counter.Buffer.RecordVisit(hit, step)
		return
	default:
		// Refused (or a signal, or not asked yet): a visitor cookie left from before goes.
		if _, ok := cookieValue(r, VisitorCookie); ok {
			h.Add("Set-Cookie", s.dropVisitorCookie(r))
		}
	}
	s.Counter.Buffer.Record(hit)
}

// visitorSeal is a visitor cookie as last sent, Set-Cookie header and all.
type visitorSeal struct {
	v      analytics.Visitor
	secure bool
	header string
}

// visitorSetCookie is the Set-Cookie header carrying v. Sealing it and writing the header
// cost about 2 µs; views a browser sends before the answer to the one before has come
// (several pages opened at once) all carry the same older cookie and, within a second,
// get the same new one. So the last header made for each of 64 slots, chosen by the
// visitor's random id, is sent again while v is the same.
func (s *Core) visitorSetCookie(v analytics.Visitor, secure bool) string {
	slot := &s.visitorSeals[v.ID[0]%byte(len(s.visitorSeals))]
	if e := slot.Load(); e != nil && e.v == v && e.secure == secure {
		return e.header
	}
	e := &visitorSeal{v: v, secure: secure, header: (&http.Cookie{Name: VisitorCookie, Value: s.visitorCodec.Encode(v), Path: "/", MaxAge: int(VisitorAge / time.Second), // #nosec G124 -- Secure when served over TLS (a plain-HTTP portal's browser would drop it), HttpOnly, SameSite=Lax
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}).String()}
	slot.Store(e)
	return e.header
}

// countingWriter calls s.hit once, when the status and headers are final but not sent.
type countingWriter struct {
	gin.ResponseWriter
	s    *Core
	c    *gin.Context
	done bool
	// net holds the view's network, so that it is not an allocation of its own.
	net [16]byte
}

func (w *countingWriter) fire(status int) {
	if !w.done {
		w.done = true
		w.s.hit(w.c, w, status, w.Header())
	}
}

func (w *countingWriter) WriteHeader(code int) { w.fire(code); w.ResponseWriter.WriteHeader(code) }
func (w *countingWriter) WriteHeaderNow()      { w.fire(w.Status()); w.ResponseWriter.WriteHeaderNow() }
func (w *countingWriter) Write(b []byte) (int, error) {
	w.fire(w.Status())
	return w.ResponseWriter.Write(b)
}
func (w *countingWriter) WriteString(s string) (int, error) {
	w.fire(w.Status())
	return w.ResponseWriter.WriteString(s)
}

// cookieValue is r.Cookie(name).Value, read from the Cookie headers in place: r.Cookie
// makes a list and a Cookie each time, and a counted view asked for two cookies three
// times. Same rules: the first valid cookie of that name, quotes removed, none at all
// past net/http's limit on the number of cookies.
func cookieValue(r *http.Request, name string) (string, bool) {
	lines := r.Header["Cookie"]
	// Each cookie past a line's first takes at least a byte: lines shorter than the
	// limit together need no counting.
	size := 0
	for _, line := range lines {
		size += len(line) + 1
	}
	if size > maxCookies {
		n := 0
		for _, line := range lines {
			n += strings.Count(line, ";") + 1
		}
		if n > maxCookies {
			return "", false
		}
	}
	for _, line := range lines {
		line = textproto.TrimString(line)
		var part string
		for len(line) > 0 {
			part, line, _ = strings.Cut(line, ";")
			k, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

// maxCookies is net/http's default limit on the cookies of a request (GODEBUG
// httpcookiemaxnum).
const maxCookies = 3000

// validCookieValue: net/http's bytes of a cookie value (RFC 6265, and spaces and commas).
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// clientNetwork is network(c.ClientIP()), appended to dst. A browser that reaches the
// portal directly is its connection's address: read in place, where Gin's ClientIP
// parses it into a net.IP and makes a string of it again. Anything else (a trusted
// proxy, a Unix socket, an address Gin would not parse) is left to Gin.
func (s *Core) clientNetwork(c *gin.Context, dst []byte) []byte {
	ap, err := netip.ParseAddrPort(c.Request.RemoteAddr)
	if err != nil || ap.Addr().Zone() != "" {
		return network(dst, c.ClientIP())
	}
	if la, ok := c.Request.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && strings.HasPrefix(la.Network(), "unix") {
		return network(dst, c.ClientIP())
	}
	a := ap.Addr().Unmap()
	for _, p := range s.Opt.TrustedProxies {
		if p.Contains(a) {
			return network(dst, c.ClientIP())
		}
	}
	return appendNetwork(dst, a)
}

// network is the address's network (IPv4 /24, IPv6 /48), the only part of it that is
// used, and only as a hash in a sketch; appended to dst.
func network(dst []byte, ip string) []byte {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	return appendNetwork(dst, a.Unmap())
}

func appendNetwork(dst []byte, a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return append(dst, b[:3]...)
	}
	b := a.As16()
	return append(dst, b[:6]...)
}

// referrerDomain is the other site a visitor came from: its domain name only, "internal"
// within this site, Direct without a referrer, and Other for an address or anything
// that is not a plain domain name.
func referrerDomain(r *http.Request) string {
	ref := r.Referer()
	if ref == "" {
		return analytics.Direct
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return analytics.Other
	}
	host := strings.ToLower(u.Hostname())
	self := r.Host
	if h, _, err := net.SplitHostPort(self); err == nil {
		self = h
	}
	if host == strings.ToLower(self) {
		return "internal"
	}
	host = strings.TrimPrefix(host, "www.")
	if len(host) > 100 || !strings.Contains(host, ".") {
		return analytics.Other
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return analytics.Other
	}
	for _, ch := range host {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-') {
			return analytics.Other
		}
	}
	return host
}

// browserLanguages are the languages the report names; any other counts as Other.
var browserLanguages = map[string]string{
	"zh-tw": "zh-TW", "zh-hant": "zh-TW", "zh-hant-tw": "zh-TW", "zh-hk": "zh-HK", "zh-hant-hk": "zh-HK", "zh-mo": "zh-HK",
	"zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-hans-cn": "zh-CN", "zh-sg": "zh-CN", "zh": "zh",
	"en": "en", "ja": "ja", "ko": "ko", "vi": "vi", "th": "th", "id": "id", "ms": "ms", "tl": "tl", "fil": "tl",
	"fr": "fr", "de": "de", "es": "es",
}

// browserLang is the visitor's first preferred language, reduced to the report's list.
func browserLang(accept string) string {
	first, _, _ := strings.Cut(accept, ",")
	first, _, _ = strings.Cut(first, ";")
	first = strings.TrimSpace(first)
	// Lower-cased on the stack: strings.ToLower made a string of each "zh-TW".
	var lower [16]byte
	if len(first) <= len(lower) {
		for i := 0; i < len(first); i++ {
			lower[i] = first[i]
			if 'A' <= first[i] && first[i] <= 'Z' {
				lower[i] += 'a' - 'A'
			}
		}
		if l, ok := browserLanguages[string(lower[:len(first)])]; ok {
			return l
		}
	}
	first = strings.ToLower(first)
	if l, ok := browserLanguages[first]; ok {
		return l
	}
	if base, _, ok := strings.Cut(first, "-"); ok && base != "zh" {
		if l, ok := browserLanguages[base]; ok {
			return l
		}
	}
	return analytics.Other
}

// GPC reports whether the browser asks not to sell or share (Global Privacy Control).
func GPC(r *http.Request) bool { return strings.TrimSpace(r.Header.Get("Sec-Gpc")) == "1" }
