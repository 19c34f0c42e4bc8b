package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/ratelimit"
)

// RequireUser sends anonymous visitors to sign in, returning them here afterwards.
func (s *Core) RequireUser(c *gin.Context) {
	if CurrentUser(c) == nil {
		target := "/signin"
		if c.Request.Method == http.MethodGet {
			target += "?" + url.Values{"next": {c.Request.URL.RequestURI()}}.Encode()
		}
		c.Redirect(http.StatusSeeOther, target)
		c.Abort()
		return
	}
	c.Next()
}

// RequireRole lets through only users holding one of roles; others get 403, anonymous
// visitors are sent to sign in.
func (s *Core) RequireRole(roles ...account.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := CurrentUser(c)
		if u == nil {
			s.RequireUser(c)
			return
		}
		for _, r := range roles {
			if u.Has(r) {
				c.Next()
				return
			}
		}
		s.RenderError(c, http.StatusForbidden, "error.role")
	}
}

// ForcePasswordChange keeps a user with a temporary or expired staff password on the
// change-password page until they choose a new one.
func (s *Core) ForcePasswordChange(c *gin.Context) {
	u := CurrentUser(c)
	if u == nil || !s.Accounts.NeedsPasswordChange(u) {
		c.Next()
		return
	}
	switch c.Request.URL.Path {
	case "/account/password", "/signout":
		c.Next()
		return
	}
	c.Redirect(http.StatusSeeOther, "/account/password")
	c.Abort()
}

// Limited counts an attempt from the client's address and under each of keys (an
// account); over the limit of any it returns the *LimitError to answer with.
func (s *Core) Limited(c *gin.Context, l *ratelimit.Limiter, keys ...string) error {
	if l == nil {
		return nil
	}
	ok, wait := l.Allow(ratelimit.Key(c.ClientIP()))
	for _, k := range keys {
		if kok, kwait := l.Allow(k); !kok {
			ok, wait = false, max(wait, kwait)
		}
	}
	if ok {
		return nil
	}
	return &LimitError{Wait: wait}
}

// LimitError is too many attempts: the answer is 429 with how long to wait.
type LimitError struct{ Wait time.Duration }

func (e *LimitError) Error() string { return "too many attempts" }
