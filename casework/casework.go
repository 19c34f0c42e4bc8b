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
	"github.com/example/pdpa-portal/rights"
)

// Users are the accounts casework reads and changes: a correction, a restriction, a
// stop, the disputed mark.
type Users interface {
	ByID(ctx context.Context, id string) (*account.User, error)
	Update(ctx context.Context, u *account.User) error
}

// Guests reads the requester of a request filed without an account.
type Guests interface {
	Guest(ctx context.Context, id string) (*rights.Guest, error)
}

// Mailer queues mail.
type Mailer interface {
	Send(ctx context.Context, m account.Mail) error
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
	LetterFiles(ctx context.Context, r *rights.Request) ([]account.MailFile, error)
}

// PackageBuilder starts building the copy package of a fulfilled copy request in the
// background (export.Builder).
type PackageBuilder interface {
	Start(r *rights.Request, lang string)
}

// Service carries out the officer's actions on requests.
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
}
