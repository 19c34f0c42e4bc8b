// Package handlers is the web layer's top: it builds the core (handlers/web) and the
// audiences' handlers (public, citizen, staff, officer, admin, webmaster, api), and holds the
// one route table. The web layer sees domain types only, never bson.
package handlers

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

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
	"github.com/example/pdpa-portal/handlers/admin"
	"github.com/example/pdpa-portal/handlers/api"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/citizen"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/handlers/officer"
	"github.com/example/pdpa-portal/handlers/public"
	"github.com/example/pdpa-portal/handlers/staff"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/handlers/webmaster"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/ratelimit"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
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
	// Quotas keeps the administrator's quota (nil: Options.Quota applies, and only to filings).
	Quotas   rights.QuotaSetting
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

// Server is the site: the core every page shares, the audiences' handlers built on it,
// and the one route table (routes.go) that joins them.
type Server struct {
	*web.Core
	*cases.Cases // the letters and packages as documents, for the casework service
	Deps
	engine *gin.Engine

	public    *public.Handlers
	citizen   *citizen.Handlers
	staff     *staff.Handlers
	officer   *officer.Handlers
	admin     *admin.Handlers
	webmaster *webmaster.Handlers
	api       *api.Handlers

	receipts  *web.Receipts  // the trusted receipt keys (SetReceiptKeys)
	disk      *web.DiskWatch // the free space of the data directory
	preparing atomic.Bool    // the database is being prepared (SetPreparing)
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
	core, err := web.NewCore(web.Shared{Log: d.Log, Now: d.Now, Users: d.Users, Sessions: d.Sessions, Accounts: d.Accounts,
		Audit: d.Audit, Counter: d.Counter, Notices: d.Notices, Acks: d.Acks}, opt)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, Core: core}
	if d.Casework != nil {
		// The letters as documents are the web layer's: this server's copy of the
		// service renders them with its own pages. So are the configured quota and the
		// watch of the disk.
		cw := *d.Casework
		cw.Docs, cw.Quota, cw.Space = s, opt.Quota, s
		s.Casework = &cw
	}
	// Each form's attempts are limited per client (and the current password's checks per
	// account too); the sign-up limit also bounds the verification links sent again.
	signInLimit := ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	signUpLimit := ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	resetLimit := ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	passwordLimit := ratelimit.New(opt.RateLimit, opt.RateWindow, d.Now)
	s.disk = web.NewDiskWatch(d.Disk, opt, d.Log)
	s.receipts = web.NewReceipts(d.Consents, d.ReceiptKeys, d.Log)
	// What anonymous visitors read is kept a few seconds; administrators' saves forget it.
	files := web.NewInventoryCache(d.Inventory, d.Now)
	announced := web.NewAnnouncementCache(d.Incidents, d.Now, d.Log)
	stats := web.NewRequestStats(core, d.RequestStats, d.Flags)
	s.Cases = cases.New(core, cases.Services{Requests: d.Requests, Timeline: d.Timeline, Guests: d.Guests, Messages: d.Messages, Fees: d.Fees,
		Inventory: d.Inventory, Consents: d.Consents, Disclosures: d.Disclosures, Files: d.Files, Packages: d.Packages, Letters: d.Letters,
		Casework: s.Casework, Agency: d.Agency, Disk: s.disk})
	s.public = public.New(s.Cases, public.Services{Setup: d.Setup, Requests: d.Requests, Guests: d.Guests, Fees: d.Fees,
		Consents: d.Consents, Drafts: d.Drafts, Incidents: d.Incidents, Casework: s.Casework, Receipts: s.receipts,
		PublicFiles: files, Announcements: announced, Stats: stats,
		SignInLimit: signInLimit, SignUpLimit: signUpLimit, ResetLimit: resetLimit})
	s.citizen = citizen.New(s.Cases, citizen.Services{Requests: d.Requests, Consents: d.Consents, Casework: s.Casework, Mail: d.Mail,
		MailWords: d.MailWords, Receipts: s.receipts, SignUpLimit: signUpLimit, PasswordLimit: passwordLimit})
	s.officer = officer.New(s.Cases, officer.Services{Requests: d.Requests, Timeline: d.Timeline, Guests: d.Guests, Messages: d.Messages,
		Fees: d.Fees, Fulfil: d.Fulfil, Search: d.Search, Consents: d.Consents, Drafts: d.Drafts,
		Disclosures: d.Disclosures, DisclosureService: d.DisclosureService, Files: d.Files, Letters: d.Letters, Casework: s.Casework,
		Disk: s.disk})
	s.staff = staff.New(core, staff.Services{Requests: d.Requests, Calendar: d.Calendar, Fulfil: d.Fulfil, Backups: d.Backups, Disk: s.disk})
	s.admin = admin.New(core, admin.Services{APITokens: d.APITokens, Drafts: d.Drafts, Catalogue: d.Catalogue,
		ConsentStats: d.ConsentStats, Calendar: d.Calendar, CalendarDays: d.CalendarDays, Fulfil: d.Fulfil, Quotas: d.Quotas,
		Fees: d.Fees, Inventory: d.Inventory, Flags: d.Flags, Agency: d.Agency, Letters: d.Letters, Casework: s.Casework,
		Retention: d.Retention, Incidents: d.Incidents, IncidentNotices: d.IncidentNotices, PublicFiles: files,
		Announcements: announced, Stats: stats})
	s.webmaster = webmaster.New(core)
	s.api = api.New(s.Cases, api.Services{APITokens: d.APITokens, Consents: d.Consents, Requests: d.Requests, Timeline: d.Timeline,
		Messages: d.Messages, Disclosures: d.Disclosures, Inventory: d.Inventory, Casework: s.Casework, Receipts: s.receipts})
	s.metrics = newMetrics(s)
	s.engine = s.routes()
	return s, nil
}

// Handler is the whole site: cross-origin protection around the Gin engine.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answered by RefuseCrossOrigin inside Gin, where the refusal is audited.
		s.engine.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), web.CrossOriginKey{}, true)))
	}))
	return cop.Handler(web.HeadAsGet(s.engine))
}

// Pages exposes the template set so tests can check every page is rendered.
func (s *Server) Pages() *templates.Set { return s.Templates }

// Route is one entry of the route table, with what the table declares of it.
type Route struct {
	Method, Path string
	web.RouteProps
}

// Routes lists the route table, so tests can check every route against the access rules
// and its declared properties.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path, RouteProps: s.RouteProps(r.Method, r.Path)})
	}
	return out
}

// SetReceiptKeys replaces the trusted receipt keys (tests of key rotation).
func (s *Server) SetReceiptKeys(keys map[string]ed25519.PublicKey) {
	s.ReceiptKeys = keys
	s.receipts.SetKeys(keys)
}

// SetPreparing says whether the database is still being prepared at start-up (indexes, a
// one-time upgrade of an older layout): meanwhile pages and the API answer 503 with
// Retry-After and /readyz says not ready, so nobody sees a person's page half built.
func (s *Server) SetPreparing(on bool) { s.preparing.Store(on) }

// Preparing reports whether the database is still being prepared.
func (s *Server) Preparing() bool { return s.preparing.Load() }

// Options, Threshold and DiskSpace are the core's, RetentionSettings the
// administrators', named here for the configuration.
type (
	RetentionSettings = admin.RetentionSettings
	Options           = web.Options
	Threshold         = web.Threshold
	DiskSpace         = web.DiskSpace
)

// Wait waits for background work (copy packages) to finish: at shutdown, and in tests.
func (s *Server) Wait() { s.Builder.Wait() }
