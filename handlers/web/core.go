package web

import (
	"hash/maphash"
	"html/template"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/static"
	"github.com/example/pdpa-portal/templates"
)

// Core is what every audience's handlers share: the catalogue, the templates, the
// Cookies, the caches of the layout, and the few services every page needs (who is
// signed in, the audit trail, the notice banner, the counting of views).
type Core struct {
	Shared

	Opt Options

	Cat       *i18n.Catalog
	Templates *templates.Set
	hashes    map[string]string
	// staticFiles are the embedded files with their compressed bodies.
	staticFiles map[string]*staticFile
	Cookies     *securecookie.SecureCookie
	// visitorCodec seals the analytics cookie, which outlives any session; visitorLegacy
	// reads the cookies sealed before it, which are sealed anew at their next view.
	visitorCodec  *analytics.VisitorCodec
	visitorLegacy *securecookie.SecureCookie
	// sessionCookies remember the session cookies opened lately (cookies.go).
	sessionCookies [64]atomic.Pointer[openedCookie]
	cookieSeed     maphash.Seed
	// agents and visitorSeals spare counting work a view repeats (analytics.go).
	agents       analytics.AgentCache
	visitorSeals [64]atomic.Pointer[visitorSeal]
	notice       noticeCache
	public       publicPages
	// routes are the route table's properties of each route (SetRoutes).
	routes map[string]*RouteProps
}

// Shared are the services every audience needs.
type Shared struct {
	Log      *slog.Logger
	Now      func() time.Time
	Users    account.Users
	Sessions account.Sessions
	Accounts *account.Service
	Audit    audit.Store
	Counter  *analytics.Counter
	Notices  consent.Notices
	Acks     consent.Acks
}

// NewCore builds the core; it fails only on a build defect (a template that does not
// parse).
func NewCore(sh Shared, opt Options) (*Core, error) {
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	hashes, err := static.Hashes()
	if err != nil {
		return nil, err
	}
	s := &Core{Shared: sh, Opt: opt, Cat: cat, hashes: hashes}
	if s.staticFiles, err = loadStatic(); err != nil {
		return nil, err
	}
	s.Cookies = securecookie.New(opt.HashKey, opt.BlockKey)
	s.cookieSeed = maphash.MakeSeed()
	s.Cookies.MaxAge(int(opt.Sessions.Absolute / time.Second))
	s.visitorLegacy = securecookie.New(opt.HashKey, opt.BlockKey)
	s.visitorLegacy.MaxAge(int(VisitorAge / time.Second))
	if s.visitorCodec, err = analytics.NewVisitorCodec(append(append([]byte(nil), opt.HashKey...), opt.BlockKey...), VisitorCookie, VisitorAge); err != nil {
		return nil, err
	}
	s.Templates, err = templates.Parse(template.FuncMap{"dict": dict, "hasRole": hasRole, "hasPrefix": strings.HasPrefix,
		"list": func(xs ...string) []string { return xs }, "neg": func(n int) int { return -n }, "inc": func(n int) int { return n + 1 },
		// hours is a duration in whole hours, counted away from zero (for the 72-hour clocks).
		"hours": func(d time.Duration) int {
			if d < 0 {
				d = -d
			}
			return int((d + time.Hour - 1) / time.Hour)
		}}, templates.Constants{Langs: i18n.Supported, T: func(lang, key string) string { return cat.T(lang, key) },
		Asset: func(name string) string { return assetURL(hashes, name) }})
	if err != nil {
		return nil, err
	}
	return s, nil
}
