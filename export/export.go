// Package export describes everything the portal holds on one person, for the view page
// and the copy package (data.json). It imports neither gin nor mongo; the schema is
// documented in SCHEMA.md beside this file.
package export

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/example/pdpa-portal/apperr"
)

// SchemaVersion changes when a field changes meaning or disappears.
const SchemaVersion = 1

// PersonalData is one person's data as the portal holds it.
type PersonalData struct {
	Schema    int       `json:"schema"`
	Generated time.Time `json:"generated"`
	Agency    string    `json:"agency"`
	Profile   Profile   `json:"profile"`
	// Consents is the current decision per purpose of the current notice.
	Consents []ConsentState `json:"consents"`
	// ConsentHistory is every consent event, newest first.
	ConsentHistory []ConsentEvent `json:"consentHistory"`
	Requests       []Request      `json:"requests"`
	// Disclosures are the disclosures of the person's data to others that they may see.
	Disclosures []Disclosure `json:"disclosures"`
}

// Disclosure is one record of the register naming the person.
type Disclosure struct {
	Date          string   `json:"date"`
	Last          string   `json:"lastDate,omitempty"`
	Frequency     string   `json:"frequency,omitempty"`
	Recipient     string   `json:"recipient"`
	RecipientKind string   `json:"recipientKind"`
	Categories    []string `json:"categories"`
	Ground        string   `json:"ground"`
	GroundText    string   `json:"groundText"`
}

// Profile is the account.
type Profile struct {
	Email         string     `json:"email"`
	EmailVerified bool       `json:"emailVerified"`
	Name          string     `json:"name"`
	Phone         string     `json:"phone,omitempty"`
	Address       string     `json:"address,omitempty"`
	MailLanguage  string     `json:"mailLanguage,omitempty"`
	Created       time.Time  `json:"created"`
	LastSignIn    *time.Time `json:"lastSignIn,omitempty"`
	Restricted    *time.Time `json:"processingRestrictedSince,omitempty"`
	// Stopped are the purposes an approved stop request restricted one by one.
	Stopped  []StoppedPurpose `json:"stoppedPurposes,omitempty"`
	Disputed []string         `json:"disputedFields,omitempty"`
}

// StoppedPurpose is one purpose whose processing an approved stop request restricts.
type StoppedPurpose struct {
	Purpose string    `json:"purpose"`
	Name    string    `json:"name"`
	Since   time.Time `json:"since"`
}

// ConsentState is the decision on one purpose.
type ConsentState struct {
	Purpose string     `json:"purpose"`
	Name    string     `json:"name"`
	Granted bool       `json:"granted"`
	Since   *time.Time `json:"since,omitempty"`
	// LegalBasis is set for a purpose that rests on the law or the service, not consent.
	LegalBasis string `json:"legalBasis,omitempty"`
}

// ConsentEvent is one grant or withdrawal.
type ConsentEvent struct {
	At            time.Time `json:"at"`
	Purpose       string    `json:"purpose"`
	Action        string    `json:"action"`
	Channel       string    `json:"channel"`
	NoticeVersion int       `json:"noticeVersion"`
	ReceiptID     string    `json:"receiptId,omitempty"`
}

// Request is one rights request with what was said and decided.
type Request struct {
	Ref      string   `json:"ref"`
	Kind     string   `json:"kind"`
	State    string   `json:"state"`
	Received string   `json:"received"`
	Due      string   `json:"due"`
	Scope    string   `json:"scope,omitempty"`
	Purposes []string `json:"purposes,omitempty"`
	// PurposeNames name Purposes, in the reader's language.
	PurposeNames []string `json:"purposeNames,omitempty"`
	// Whole: the request concerns the whole account (a deletion closes it, a stop
	// restricts everything) rather than the purposes named.
	Whole       bool      `json:"wholeAccount,omitempty"`
	Field       string    `json:"field,omitempty"`
	Proposed    string    `json:"proposed,omitempty"`
	Explanation string    `json:"explanation,omitempty"`
	Principal   string    `json:"principal,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Timeline    []Step    `json:"timeline"`
	Messages    []Message `json:"messages,omitempty"`
	Files       []File    `json:"files,omitempty"`
}

// Step is one public step of a request.
type Step struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Note   string    `json:"note,omitempty"`
	// Said is what the portal recorded (what fulfilling did), as message keys and their
	// parameters, so the file holds no wording of one language.
	Said []Said `json:"said,omitempty"`
}

// Said is one sentence of the portal's: a message key and its parameters.
type Said struct {
	Key  string `json:"key"`
	Args []Word `json:"args,omitempty"`
}

// Word is one parameter: a text, a message key, a purpose's id, or a name in both
// languages.
type Word struct {
	Text    string `json:"text,omitempty"`
	Key     string `json:"key,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	ZH      string `json:"zh-TW,omitempty"`
	EN      string `json:"en,omitempty"`
}

// Message is one message on a request.
type Message struct {
	At    time.Time `json:"at"`
	From  string    `json:"from"`
	Body  string    `json:"body,omitempty"`
	Files []string  `json:"files,omitempty"`
}

// File is an attachment; in a copy package its content is under files/<ref>/<id>-<name>.
type File struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	Path string `json:"path,omitempty"`
}

// Package is a copy package: a ZIP of data.json, an offline index.html and the files,
// built in the background, downloadable by the requester until it expires.
type Package struct {
	Ref       string
	Subject   string
	State     string // PackageBuilding, PackageReady or PackageFailed
	Done      int    // parts written so far, of Total
	Total     int
	Size      int64
	Created   time.Time
	Expires   time.Time
	Downloads []time.Time
}

// Package states.
const (
	PackageBuilding = "building"
	PackageReady    = "ready"
	PackageFailed   = "failed"
)

// BuildLease is how long a build holds its package without reporting progress: a build
// not heard from for that long (its instance stopped mid-build) counts as failed, so the
// package can be built again and does not hold up an erasure.
const BuildLease = 10 * time.Minute

// ErrBuilding: another build of the package, at this instance or another, holds it; or
// this build was superseded by a newer one and stopped.
var ErrBuilding = fmt.Errorf("copy package being built: %w", apperr.ErrStale)

// Percent is the share of the package built.
func (p *Package) Percent() int {
	if p.Total == 0 {
		return 0
	}
	return p.Done * 100 / p.Total
}

// PackageWriter receives a package as it is built: one build, which holds the package
// while it reports progress within BuildLease.
type PackageWriter interface {
	io.Writer
	// Progress records how many parts are written and renews the build's hold; it
	// reports ErrBuilding once a newer build has taken the package.
	Progress(done int) error
	// Finish makes the package downloadable, or with an error marks it failed; a
	// superseded build leaves the package to the newer one and removes what it wrote.
	Finish(buildErr error) error
}

// Packages stores copy packages.
type Packages interface {
	// Create claims the package for a new build, replacing any earlier package; it
	// reports ErrBuilding while another build holds it.
	Create(ctx context.Context, ref, subject string, total int, now, expires time.Time) (PackageWriter, error)
	Get(ctx context.Context, ref string) (*Package, error)
	// Open streams a ready, unexpired package and records the download.
	Open(ctx context.Context, ref string, now time.Time) (*Package, io.ReadCloser, error)
	// Read streams a ready, unexpired package without recording a download (the
	// farewell before an erasure, which may still fail and be tried again).
	Read(ctx context.Context, ref string, now time.Time) (*Package, io.ReadCloser, error)
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
}
