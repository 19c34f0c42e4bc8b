// Package casework is the officer's work on a rights request: each action of the request
// page and the fulfilment of a decision, as one method taking a typed command, and the
// telling of the requester (mail, letters, the post run) that goes with each step. It
// sits between the web layer and the domain: it imports domain packages and declares the
// narrow interfaces it needs of the stores, never the web framework, the driver or a
// template.
package casework

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
)

// Users are the accounts casework reads and changes: a correction, a restriction, a
// stop, the disputed mark; a paper request's writer is looked up by address.
type Users interface {
	ByID(ctx context.Context, id string) (*account.User, error)
	ByEmail(ctx context.Context, email string) (*account.User, error)
	Update(ctx context.Context, u *account.User) error
}

// Guests are the requesters without an account: read to tell them, made with a filing,
// and sent codes.
type Guests interface {
	Guest(ctx context.Context, id string) (*rights.Guest, error)
	Create(ctx context.Context, g *rights.Guest) error
	IssueCode(ctx context.Context, ref, bind, code string, now time.Time) error
}

// Mailer queues mail.
type Mailer interface {
	Send(ctx context.Context, m mail.Mail) error
}

// Consents withdraws a purpose on a request's behalf.
type Consents interface {
	WithdrawOnRequest(ctx context.Context, subject, purposeID, officer, ref, lang string) (*consent.Event, error)
}

// Notices reads the current privacy notice (its purposes).
type Notices interface {
	Current(ctx context.Context) (*consent.Notice, error)
}

// Disclosures reads one record of the register.
type Disclosures interface {
	Get(ctx context.Context, id string) (*disclosure.Record, error)
}

// Inventory reads the agency's personal data files.
type Inventory interface {
	Get(ctx context.Context, id string) (*inventory.File, error)
	List(ctx context.Context) ([]*inventory.File, error)
}

// Packages reads a request's copy package.
type Packages interface {
	Get(ctx context.Context, ref string) (*export.Package, error)
	Read(ctx context.Context, ref string, now time.Time) (*export.Package, io.ReadCloser, error)
}

// LetterDocs renders a request's letters as documents of their own, to be mailed before
// the data behind them is erased (the web layer holds the letter's page).
type LetterDocs interface {
	LetterFiles(ctx context.Context, r *rights.Request) ([]mail.File, error)
}

// FilingClaims are the filings a person has in flight: admitted under the quota, not yet
// stored. A claim is a compare-and-set on the person's document, so of two filings
// admitted at once on two instances one is told to look again.
type FilingClaims interface {
	// Filings returns the person's requests, the references of their filings in flight
	// and the version of those claims.
	Filings(ctx context.Context, subject string, now time.Time) (mine []*rights.Request, pending []string, version int64, err error)
	// Claim records ref as in flight if the claims are still at version; false when
	// another filing changed them first.
	Claim(ctx context.Context, subject, ref string, version int64, now time.Time) (bool, error)
	// Unclaim drops the claim of a filing refused after it was admitted.
	Unclaim(ctx context.Context, subject, ref string, now time.Time) error
}

// PackageBuilder starts building the copy package of a fulfilled copy request in the
// background (export.Builder).
type PackageBuilder interface {
	Start(r *rights.Request, lang string)
	// Begin claims the package first: export.ErrBuilding when another build holds it.
	Begin(ctx context.Context, r *rights.Request, lang string) error
}

// Service files requests and carries out the officer's actions on them.
type Service struct {
	Log         *slog.Logger
	Now         func() time.Time
	Requests    rights.Requests
	Timeline    rights.Timeline
	Users       Users
	Guests      Guests
	Mailer      Mailer
	Letters     *letters.Service
	Fees        rights.FeeSchedule
	Calendar    rights.CalendarStore
	Consents    Consents
	Notices     Notices
	Disclosures Disclosures
	Inventory   Inventory
	Eraser      rights.Eraser
	Packages    Packages
	Cat         *i18n.Catalog
	// PackageTTL is how long a copy package can be downloaded, as the mail says
	// (export.PackageTTL when zero, as for the builder).
	PackageTTL time.Duration
	Builder    PackageBuilder
	// Docs are the web layer's: the letters as documents.
	Docs LetterDocs

	// Filing and messages.
	Messages Messages
	Files    Files
	Withdraw MailWithdrawer
	// Quota is the configured quota, in force until an administrator saves one in
	// Quotas; Usage counts what each requester used of it (nil: only filings count).
	Quota  rights.Quota
	Quotas rights.QuotaSetting
	Usage  rights.Usage
	// Filings admit one person's filings under the quota one at a time, across
	// instances.
	Filings FilingClaims
	// Space is the web layer's: whether the disk has room for attachments.
	Space Space
}
