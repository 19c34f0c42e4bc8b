// Package wire puts the portal's parts together over one database: the stores, the
// services and the web server's dependencies. It is the one place they are wired, for
// the server, the command-line tools, the demo and the tests alike, so a new store is
// added here once.
package wire

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/retention"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/vault"
)

// Config is what the parts need besides the database.
type Config struct {
	Log *slog.Logger
	Now func() time.Time
	// MasterKey seals every person's data key (the vault); EmailKey makes the keyed
	// hashes of e-mail addresses; AuditKey seals the audit trail's checkpoint;
	// SketchKey hashes visitors into the traffic sketches (nil: no traffic counting).
	MasterKey, EmailKey, AuditKey, SketchKey []byte
	// Signer signs consent receipts; Retired are earlier signing keys whose receipts
	// still verify.
	Signer  *receipt.Signer
	Retired []ed25519.PublicKey
	// BaseURL is where the portal is reached: links in mail, receipts, letterheads.
	BaseURL  string
	Password account.PasswordPolicy
	// Kick, when set, wakes the mail worker after a message is queued.
	Kick chan struct{}
	// Guests says when unconfirmed guest requests are reminded of and closed
	// (rights.DefaultGuestPolicy when zero).
	Guests rights.GuestPolicy
}

// Portal is the wired parts. Deps is what the web server takes; the concrete stores are
// there for the command-line tools and the tests.
type Portal struct {
	DB          *store.DB
	Vault       *vault.Vault
	Users       *store.Users
	Sessions    *store.Sessions
	Notices     *store.Notices
	Setup       *account.Setup
	Mail        *store.Outbox
	Accounts    *account.Service
	Reviews     *store.Reviews
	Consents    *consent.Service
	ReceiptKeys map[string]ed25519.PublicKey
	APITokens   *store.APITokens
	Guests      *store.Guests
	Requests    *store.Requests
	Files       *store.Files
	Audit       *store.Audit
	Calendar    *store.Calendar
	Inventory   *store.Inventory
	Disclosures *store.Disclosures
	Purposes    *store.Purposes
	Analytics   *store.Analytics
	Counter     *analytics.Counter
	Deps        handlers.Deps
	Jobs        Jobs

	emailKey []byte
}

// Seeder returns a new bulk writer of people and their records over the portal's
// database, keyed as its Users store is (the demo and the benchmarks at scale).
func (p *Portal) Seeder() *store.Seeder { return store.NewSeeder(p.DB, p.Vault, p.emailKey) }

// Jobs are the background work, each beside its service and started by the command
// that serves, never by a page: the hourly retention run (which also sweeps unconfirmed
// guest requests and expired copy packages), the officers' daily digest, and the
// copy-package builder, which a fulfilment starts.
type Jobs struct {
	Retention *retention.Runner
	Guests    *rights.GuestSweep
	Digests   *rights.DigestJob
	Packages  *export.Builder
}

// Server builds the web server over d (p.Deps, perhaps adjusted) and hands the copy
// package builder the server's pages, which draw what a package holds.
func (p *Portal) Server(d handlers.Deps, opt handlers.Options) (*handlers.Server, error) {
	srv, err := handlers.New(d, opt)
	if err != nil {
		return nil, err
	}
	p.Jobs.Packages.Contents = srv
	return srv, nil
}

// New wires the parts over db.
func New(db *store.DB, c Config) (*Portal, error) {
	v, err := vault.New(c.MasterKey, store.NewKeys(db))
	if err != nil {
		return nil, err
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	p := &Portal{DB: db, Vault: v, emailKey: c.EmailKey}
	p.Users = store.NewUsers(db, c.EmailKey, v)
	p.Sessions = store.NewSessions(db)
	p.Notices = store.NewNotices(db)
	p.Reviews = store.NewReviews(db, v)
	p.APITokens = store.NewAPITokens(db)
	p.Guests = store.NewGuests(db, v, c.EmailKey)
	p.Mail = store.NewOutbox(db, v)
	p.Setup = &account.Setup{Users: p.Users, Tokens: store.NewSetupTokens(db), Policy: c.Password, Now: now}
	p.ReceiptKeys = receipt.Trusted(append([]ed25519.PublicKey{c.Signer.PublicKey()}, c.Retired...)...)
	agency := consent.DefaultController(c.BaseURL)
	p.Consents = &consent.Service{
		Store: store.NewConsents(db), Notices: p.Notices, NewID: func() string { return ids.New("ce") }, Now: now,
		Signer: &consent.ReceiptSigner{Signer: c.Signer, Controller: agency, PolicyURL: strings.TrimRight(c.BaseURL, "/") + "/privacy"},
	}
	mailer := &mail.Mailer{Outbox: p.Mail, Cat: i18n.MustLoad(), BaseURL: c.BaseURL, Now: now, Kick: c.Kick,
		Purposes: func(ctx context.Context) (map[string]consent.Text, error) {
			names := map[string]consent.Text{}
			n, err := p.Notices.Current(ctx)
			if errors.Is(err, apperr.ErrNotFound) {
				return names, nil
			} else if err != nil {
				return nil, err
			}
			for _, x := range n.Purposes {
				names[x.ID] = x.Name
			}
			return names, nil
		},
		LangOf: func(ctx context.Context, id string) string {
			if rights.IsGuest(id) {
				if g, err := p.Guests.Guest(ctx, id); err == nil {
					return g.Lang
				}
				return ""
			}
			if u, err := p.Users.ByID(ctx, id); err == nil {
				return u.Lang
			}
			return "" // erased, or not a person (a farewell's or an incident's own key)
		},
	}
	p.Accounts = &account.Service{
		Users: p.Users, Tokens: store.NewTokens(db), Guard: store.NewGuard(db, c.EmailKey), Sessions: p.Sessions, Reviews: p.Reviews,
		Mailer: mailer, Leases: store.NewLeases(db),
		Policy: c.Password, Now: now,
	}
	p.Requests = store.NewRequests(db, v)
	p.Files = store.NewFiles(db, v)
	p.Consents.People, p.Consents.Scans = consentPeople{p.Users}, p.Files
	p.Audit = store.NewAudit(db).WithKey(c.AuditKey)
	p.Analytics = store.NewAnalytics(db, now)
	if c.SketchKey != nil {
		p.Counter = &analytics.Counter{Buffer: analytics.NewBuffer(c.SketchKey), Store: p.Analytics}
	}
	p.Calendar, p.Inventory, p.Disclosures, p.Purposes = store.NewCalendar(db), store.NewInventory(db), store.NewDisclosures(db, v), store.NewPurposes(db)
	calendar, fees := p.Calendar, store.NewFees(db)
	incidents := store.NewIncidents(db, v)
	eraser := store.NewEraser(db, v, p.Files)
	eraser.Now = now
	packages, retained := store.NewPackages(db, v, p.Files), store.NewRetention(db, p.Requests, p.Files)
	packages.Now = now
	policy := c.Guests
	if policy == (rights.GuestPolicy{}) {
		policy = rights.DefaultGuestPolicy
	}
	p.Jobs.Guests = &rights.GuestSweep{Requests: p.Requests, Timeline: p.Requests, Guests: p.Guests, Mailer: mailer, Policy: policy, Now: now}
	calendarDays := &rights.CalendarService{Store: calendar, Staging: store.NewCalendarImports(db), Requests: p.Requests, Timeline: p.Requests, Now: now}
	p.Jobs.Retention = &retention.Runner{Store: retained, Packages: packages, Audit: p.Audit, Incidents: incidents, Requests: p.Requests,
		Guests: p.Jobs.Guests, Calendar: calendarDays, Log: c.Log, Now: now}
	p.Jobs.Digests = &rights.DigestJob{Log: store.NewDigests(db), Calendar: calendar, Requests: p.Requests, Fulfil: fees, Staff: p.Users,
		Sent: p.Mail, Mailer: mailer, Now: now}
	p.Jobs.Packages = &export.Builder{Packages: packages, Files: p.Files, Log: c.Log, Now: now}
	requestLetters := &letters.Service{Store: store.NewLetters(db)}
	disclosures, inv := p.Disclosures, p.Inventory
	usage := store.NewUsage(db, c.EmailKey)
	// The web server gives its copy the letters as documents, the configured quota and
	// its watch of the disk (handlers.New).
	cw := &casework.Service{Log: c.Log, Now: now, Cat: mailer.Cat, Requests: p.Requests, Timeline: p.Requests, Users: p.Users, Guests: p.Guests,
		Mailer: mailer, Letters: requestLetters, Fees: fees, Calendar: calendar, Consents: p.Consents, Notices: p.Notices,
		Disclosures: disclosures, Inventory: inv, Eraser: eraser, Packages: packages, Builder: p.Jobs.Packages,
		Messages: p.Requests, Files: p.Files, Withdraw: p.Mail, Quotas: fees, Usage: usage, Filings: p.Requests}
	// A calendar change tells the requesters whose due date it moved.
	calendarDays.Teller = cw
	p.Deps = handlers.Deps{
		Log: c.Log, DB: db, Now: now,
		Users: p.Users, Sessions: p.Sessions, Setup: p.Setup, Accounts: p.Accounts, Mail: p.Mail, MailBacklog: p.Mail, MailWords: mailer,
		Notices: p.Notices, Consents: p.Consents, ReceiptKeys: p.ReceiptKeys, APITokens: p.APITokens,
		Drafts: p.Notices, Catalogue: p.Purposes, Acks: store.NewAcks(db), ConsentStats: store.NewConsents(db),
		Calendar: calendar, CalendarDays: calendarDays,
		Requests: p.Requests, Timeline: p.Requests, Fees: fees, Fulfil: fees, Quotas: fees, Search: &rights.Search{Users: p.Users, Requests: p.Requests, Guests: p.Guests}, RequestStats: p.Requests,
		Messages: p.Requests, Files: p.Files, Packages: packages, Builder: p.Jobs.Packages, Casework: cw,
		Disclosures: disclosures, Inventory: inv, Agency: agency, Guests: p.Guests,
		DisclosureService: &disclosure.Service{Register: disclosures, People: p.Users, Documents: p.Files, Now: now},
		Letters:           requestLetters,
		Flags:             store.NewFlags(db), Audit: p.Audit, Retention: retained,
		Incidents: incidents, IncidentNotices: &incident.Service{Store: incidents, Users: p.Users, Mailer: p.Accounts.Mailer, Vault: v, Now: now},
		Backups: store.NewBackupRuns(db), Counter: p.Counter,
	}
	return p, nil
}

// consentPeople gives the consent service who holds an address, in its own terms.
type consentPeople struct{ users *store.Users }

func (p consentPeople) PersonByEmail(ctx context.Context, email string) (consent.Person, error) {
	u, err := p.users.ByEmail(ctx, email)
	if err != nil {
		return consent.Person{}, err
	}
	return consent.Person{ID: u.ID, Staff: u.IsStaff(), Verified: u.EmailVerified}, nil
}
