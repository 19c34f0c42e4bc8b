package web

import (
	"hash/maphash"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/internal/ids"
)

const (
	SessionCookie = "portal_session"
	FlashCookie   = "portal_flash"
)

// Flash kinds.
const (
	FlashInfo    = "info"
	FlashSuccess = "success"
	FlashError   = "error"
	// FlashFiled carries a filing's reference, due date and kind to the confirmation
	// panel of the next page; it is not shown as a message.
	FlashFiled = "filed"
)

// Flash is a one-shot message shown on the next page, kept in a signed cookie so it
// needs no database and survives the redirect after a form.
type Flash struct {
	Kind string
	Key  string
	Args []any
}

func (s *Core) SetCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{ // #nosec G124 -- Secure when served over TLS (a plain-HTTP portal's browser would drop it), HttpOnly, SameSite=Lax
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.isTLS(c.Request), SameSite: http.SameSiteLaxMode,
	})
}

// StartSession signs the user in with a fresh session id (never one the browser sent),
// which defeats session fixation.
func (s *Core) StartSession(c *gin.Context, u *account.User) error {
	if old, ok := c.Get(KeySession); ok {
		_ = s.Sessions.Delete(c.Request.Context(), old.(*account.Session).ID)
	}
	token := ids.Token(32)
	now := s.Now()
	se := &account.Session{ID: account.TokenHash(token), UserID: u.ID, Created: now, LastSeen: now}
	// Only the families, so the person can tell their sessions apart on /account/sessions.
	if a := analytics.Classify(c.Request.UserAgent()); !a.Bot {
		se.Browser, se.OS = known(a.Browser), known(a.OS)
	}
	if err := s.Sessions.Create(c.Request.Context(), se); err != nil {
		return err
	}
	enc, err := s.Cookies.Encode(SessionCookie, token)
	if err != nil {
		return err
	}
	s.SetCookie(c, SessionCookie, enc, int(s.Opt.Sessions.Absolute/time.Second))
	return nil
}

func (s *Core) readSessionCookie(r *http.Request) (string, bool) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return "", false
	}
	slot := &s.sessionCookies[maphash.String(s.cookieSeed, ck.Value)%uint64(len(s.sessionCookies))]
	now := time.Now() // securecookie's own clock, which judges the cookie's age
	if e := slot.Load(); e != nil && e.value == ck.Value && now.Sub(e.at) >= 0 && now.Sub(e.at) < openedCookieTTL {
		return e.token, true
	}
	var token string
	if err := s.Cookies.Decode(SessionCookie, ck.Value, &token); err != nil || token == "" {
		return "", false
	}
	slot.Store(&openedCookie{value: ck.Value, token: token, at: now})
	return token, true
}

// openedCookie is a session cookie as sent and the token it opened to. Opening one (a
// MAC, a decryption, base64 twice) cost as much as reading the session and the person
// from memory; a signed-in browser sends the same cookie with every page. The session
// itself is still read and judged (revoked, idle, expired) on every request: only the
// opening is remembered, for at most openedCookieTTL, one cookie in each of 64 slots.
type openedCookie struct {
	value, token string
	at           time.Time
}

// openedCookieTTL keeps a remembered opening well inside the cookie's own age limit.
const openedCookieTTL = time.Minute

func (s *Core) ClearSessionCookie(c *gin.Context) { s.SetCookie(c, SessionCookie, "", -1) }

func (s *Core) AddFlash(c *gin.Context, kind, key string) { s.AddFlashArgs(c, kind, key) }

// AddFlashArgs adds a message with values for its placeholders (counts and the like,
// never personal data: flashes live in a cookie).
func (s *Core) AddFlashArgs(c *gin.Context, kind, key string, args ...any) {
	s.AddFlashes(c, Flash{Kind: kind, Key: key, Args: args})
}

// AddFlashes adds several messages at once (each call replaces the cookie the last one
// set in this response).
func (s *Core) AddFlashes(c *gin.Context, add ...Flash) {
	fl := append(s.readFlashes(c.Request), add...)
	if enc, err := s.Cookies.Encode(FlashCookie, fl); err == nil {
		s.SetCookie(c, FlashCookie, enc, 300)
	}
}

func (s *Core) readFlashes(r *http.Request) []Flash {
	ck, err := r.Cookie(FlashCookie)
	if err != nil {
		return nil
	}
	var fl []Flash
	if err := s.Cookies.Decode(FlashCookie, ck.Value, &fl); err != nil {
		return nil
	}
	return fl
}

// takeFlashes returns the pending messages and clears them.
func (s *Core) takeFlashes(c *gin.Context) []Flash {
	fl := s.readFlashes(c.Request)
	if len(fl) > 0 {
		s.SetCookie(c, FlashCookie, "", -1)
	}
	return fl
}
