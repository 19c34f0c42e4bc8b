// Package handlers is the web layer: one route table, the middleware, one error mapper
// and a file per area. It sees domain types only, never bson.
package handlers

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"hash/maphash"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/forms"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/ratelimit"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/static"
	"github.com/example/pdpa-portal/templates"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the handlers need, wired by cmd/portal.
type Deps struct {
	Log *slog.Logger
	// Disk reads the free space of the data directory and the database's size (nil: a
	// MongoDB elsewhere, whose disk its operator watches).
	Disk     func(ctx context.Context) (DiskSpace, error)
	DB       Pinger
	Users    account.Users
	Sessions account.Sessions
	Setup    *account.Setup
	Accounts *account.Service
	Reviews  account.Reviews
	Mail     mail.Store
	// MailBacklog counts the mail waiting to be sent, for the metrics (nil: not counted).
	MailBacklog interface {
		Backlog(ctx context.Context) (int64, error)
	}
	// MailWords words mail kept as codes in a reader's language: the inbox's, as the
	// delivery worker does for the recipient.
	MailWords *mail.Mailer
	Notices   consent.Notices
	Consents  *consent.Service
	// Notice administration: the draft and published versions, the purpose catalogue,
	// acknowledgements of new versions, and consent statistics.
	Drafts       consent.Drafts
	Catalogue    consent.Catalogue
	Acks         consent.Acks
	ConsentStats consent.StatsSource
	// Calendar is the agency's office calendar (days off) for the deadline rules.
	Calendar rights.CalendarStore
	// CalendarDays changes the calendar and re-computes the due dates it moves.
	CalendarDays *rights.CalendarService
	// Search finds requests by the requester's e-mail (keyed hash, then their own list).
	Search *rights.Search
	// Fulfil keeps the fulfilment target of decided requests (the queue's second clock).
	Fulfil rights.FulfilSetting
	// Quotas keeps the administrator's quota, Usage what each requester used of it (nil:
	// Options.Quota applies, and only to filings).
	Quotas   rights.QuotaSetting
	Usage    rights.Usage
	Requests rights.Requests
	Timeline rights.Timeline
	Fees     rights.FeeSchedule
	Messages rights.Messages
	Guests   rights.Guests
	Packages export.Packages
	// Builder builds copy packages in the background (export.Builder).
	Builder PackageBuilder
	// Disclosures is the register of disclosures to others.
	Disclosures disclosure.Register
	// DisclosureService records disclosures and their new versions.
	DisclosureService *disclosure.Service
	// Inventory is the agency's personal data files (Art. 17).
	Inventory inventory.Inventory
	// Flags are on/off settings (the public transparency page).
	Flags interface {
		Flag(ctx context.Context, name string) (bool, error)
		SetFlag(ctx context.Context, name string, on bool) error
	}
	// Files are the attachments of requests.
	Files attachments.Store
	// Agency is the contact line of written notices (the same details as consent receipts).
	Agency receipt.Controller
	// Letters numbers written notices and keeps what the administrator sets for them.
	Letters *letters.Service
	// Casework carries out the officer's actions on requests and tells the requester.
	Casework *casework.Service
	// RequestStats reads the monthly request statistics.
	RequestStats interface {
		Stats(ctx context.Context, from, to string) ([]rights.MonthStats, error)
	}
	// ReceiptKeys verifies consent receipts: the signing key and any retired ones.
	ReceiptKeys map[string]ed25519.PublicKey
	Now         func() time.Time
	// APITokens are the bearer tokens of the agency's other systems (the consent API).
	APITokens apitoken.Store
	// Counter counts page views for the traffic report (nil: counting is off).
	Counter *analytics.Counter
	// Audit is the hash-chained audit trail (nil: nothing is recorded, in a few tests).
	Audit audit.Store
	// Retention keeps the retention periods and shows the scheduled deletion's runs.
	Retention RetentionSettings
	// Incidents are the security incident records (Art. 12).
	Incidents incident.Store
	// IncidentNotices tells the people affected: by mail, by post, by announcement.
	IncidentNotices *incident.Service
	// Backups is the record of the operator's `portal backup` runs (nil: not shown).
	Backups interface {
		BackupStatus(ctx context.Context, kind backup.Kind) (backup.Status, error)
	}
}

// PackageBuilder builds copy packages in the background.
type PackageBuilder interface {
	Start(r *rights.Request, lang string)
	// Wait waits for the packages being built.
	Wait()
}

// Options are the web settings from the configuration.
type Options struct {
	// DiskLow: under this much free space /readyz reports not ready (PORTAL_DISK_LOW);
	// UploadsLow, a higher floor: new attachments are refused (PORTAL_UPLOADS_LOW);
	// DiskWarnPercent: administrators are warned on /staff at this much use.
	DiskLow, UploadsLow Threshold
	DiskWarnPercent     int
	// DiskInterval is how long a reading of the disk is reused (default 2 s).
	DiskInterval   time.Duration
	HashKey        []byte // securecookie HMAC key (32 or 64 bytes)
	BlockKey       []byte // securecookie AES key (32 bytes)
	TrustedProxies []netip.Prefix
	MaxBody        int64
	Sessions       account.SessionPolicy
	// RateLimit is the number of sign-in, sign-up and reset attempts one address may make
	// per RateWindow, for each of the three forms (defaults 10 per 15 minutes).
	RateLimit  int
	RateWindow time.Duration
	// SignUpFloor and ResetFloor are the least time a sign-up or reset request takes to
	// answer, so the extra work done for a new (or existing) address does not show in the
	// timing (defaults 800 ms and 400 ms).
	SignUpFloor, ResetFloor time.Duration
	// Quota bounds one person's filings; a zero field sets no limit.
	Quota rights.Quota
	// AnalyticsK is the traffic report's threshold: a figure under it is hidden (default
	// 5, never below analytics.MinK).
	AnalyticsK int
	// UploadGrace and UploadMinRate pace the attachment routes' read deadline: an upload
	// may take UploadGrace plus its size at UploadMinRate bytes a second (defaults 60 s
	// and 20 KB/s), whatever the server's ReadTimeout.
	UploadGrace   time.Duration
	UploadMinRate int64
}

// Server holds the parsed templates, catalogues and dependencies.
type Server struct {
	Deps
	opt    Options
	cat    *i18n.Catalog
	pages  *templates.Set
	hashes map[string]string
	// staticFiles are the embedded files with their compressed bodies.
	staticFiles map[string]*staticFile
	cookies     *securecookie.SecureCookie
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
	engine       *gin.Engine

	signInLimit, signUpLimit, resetLimit *ratelimit.Limiter
	passwordLimit                        *ratelimit.Limiter // checks of the current password, per address and per account
	guestCodeLimit                       *ratelimit.Limiter // codes mailed per guest request
	notice                               noticeCache
	public                               publicPages
	rows                                 renderedRows
	inventory                            inventoryCache
	announced                            announcementCache
	// The latest reading of the disk (disk.go).
	diskMu    sync.Mutex
	diskAt    time.Time
	diskLast  DiskSpace
	diskOK    bool
	officers  officerCache
	preparing atomic.Bool // the database is being prepared (SetPreparing)
	metrics   *metrics
}

// New builds the server; it fails only on a build defect (a template that does not parse).
func New(d Deps, opt Options) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	if d.Now == nil {
		d.Now = time.Now
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 1 << 20
	}
	if opt.Sessions.Idle == 0 {
		opt.Sessions = account.DefaultSessionPolicy
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	hashes, err := static.Hashes()
	if err != nil {
		return nil, err
	}
	if opt.RateLimit <= 0 {
		opt.RateLimit = 10
	}
	if opt.SignUpFloor == 0 {
		opt.SignUpFloor = 800 * time.Millisecond
	}
	if opt.ResetFloor == 0 {
		opt.ResetFloor = 400 * time.Millisecond
	}
	if opt.UploadGrace <= 0 {
		opt.UploadGrace = 60 * time.Second
	}
	if opt.UploadMinRate <= 0 {
		opt.UploadMinRate = forms.MinUploadRate
	}
	if opt.AnalyticsK == 0 {
		opt.AnalyticsK = analytics.DefaultK
	}
	opt.AnalyticsK = max(opt.AnalyticsK, analytics.MinK)
	if d.Counter != nil {
		d.Counter.Buffer.SetReferrerK(opt.AnalyticsK)
	}
	if opt.RateWindow <= 0 {
		opt.RateWindow = 15 * time.Minute
	}
	s := &Server{Deps: d, opt: opt, cat: cat, hashes: hashes}
	if d.Casework != nil {
		// The letters as documents are the web layer's: this server's copy of the
		// service renders them with its own pages. So are the configured quota and the
		// watch of the disk.
		cw := *d.Casework
		cw.Docs, cw.Quota, cw.Space = s, opt.Quota, s
		s.Casework = &cw
	}
	if s.staticFiles, err = loadStatic(); err != nil {
		return nil, err
	}
	s.signInLimit = ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	s.signUpLimit = ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	s.resetLimit = ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	s.passwordLimit = ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	s.guestCodeLimit = ratelimit.New(guestCodeMails, time.Hour, d.Now)
	s.cookies = securecookie.New(opt.HashKey, opt.BlockKey)
	s.cookieSeed = maphash.MakeSeed()
	s.cookies.MaxAge(int(opt.Sessions.Absolute / time.Second))
	s.visitorLegacy = securecookie.New(opt.HashKey, opt.BlockKey)
	s.visitorLegacy.MaxAge(int(visitorAge / time.Second))
	if s.visitorCodec, err = analytics.NewVisitorCodec(append(append([]byte(nil), opt.HashKey...), opt.BlockKey...), visitorCookie, visitorAge); err != nil {
		return nil, err
	}
	s.pages, err = templates.Parse(template.FuncMap{"dict": dict, "hasRole": hasRole, "hasPrefix": strings.HasPrefix,
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
	s.metrics = newMetrics(s)
	s.engine = s.routes()
	return s, nil
}

// Handler is the whole site: cross-origin protection around the Gin engine.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answered by refuseCrossOrigin inside Gin, where the refusal is audited.
		s.engine.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), crossOriginKey{}, true)))
	}))
	return cop.Handler(headAsGet(s.engine))
}

// Pages exposes the template set so tests can check every page is rendered.
func (s *Server) Pages() *templates.Set { return s.pages }

// dict builds a map for passing several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// hasRole lets templates ask about a role by name.
func hasRole(u *account.User, role string) bool { return u != nil && u.Has(account.Role(role)) }

// Route is one entry of the route table.
type Route struct{ Method, Path string }

// Routes lists the route table, so tests can check every route against the access rules.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}

// SetReceiptKeys replaces the trusted receipt keys (tests of key rotation).
func (s *Server) SetReceiptKeys(keys map[string]ed25519.PublicKey) { s.ReceiptKeys = keys }

// SetPreparing says whether the database is still being prepared at start-up (indexes, a
// one-time upgrade of an older layout): meanwhile pages and the API answer 503 with
// Retry-After and /readyz says not ready, so nobody sees a person's page half built.
func (s *Server) SetPreparing(on bool) { s.preparing.Store(on) }

// Preparing reports whether the database is still being prepared.
func (s *Server) Preparing() bool { return s.preparing.Load() }
