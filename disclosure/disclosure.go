// Package disclosure is the register of every disclosure of personal data to others:
// who received what, when, on which legal ground, about whom. Records are never edited
// silently: each change is a new version with who and when. It imports neither gin nor
// mongo.
package disclosure

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// Grounds a disclosure may rest on: the eight exceptions of the agency's notice (seed
// 003 §參) and, for use outside the purpose, the seven of PDPA Art. 16.
var Grounds = []string{
	"notice-1", "notice-2", "notice-3", "notice-4", "notice-5", "notice-6", "notice-7", "notice-8",
	"art16-1", "art16-2", "art16-3", "art16-4", "art16-5", "art16-6", "art16-7",
}

// RecipientKinds are the kinds of body that receive data.
var RecipientKinds = []string{"judicial", "government", "contractor", "research", "private", "individual", "other"}

// Record is one disclosure, or a series of repeated disclosures to the same recipient
// for the same purpose (First, Frequency, Last).
type Record struct {
	ID               string
	First            rights.Date // the date of the disclosure, or of the first of a series
	Last             rights.Date // the last of a series (zero: a single one, or ongoing)
	Frequency        string      // empty for a single disclosure
	RecipientName    string
	RecipientAddress string
	RecipientKind    string
	Categories       []string // official data category codes (C001 …)
	Description      string
	Ground           string
	Reference        string   // the legal reference or document number
	Subjects         []string // the people concerned, by user id
	Count            int      // de-identified data: how many people, no links
	WithheldUntil    rights.Date
	Officer          string
	Version          int
	Changed          time.Time
	ChangedBy        string
}

// Visible reports whether the subjects may see the record on day today: an
// investigating authority may have asked that they not be told until a date.
func (r *Record) Visible(today rights.Date) bool {
	return r.WithheldUntil.IsZero() || !today.Before(r.WithheldUntil)
}

// Limits on what an officer types.
const (
	MaxText        = 200
	MaxDescription = 2000
	MaxSubjects    = 1000
	MaxCategories  = 30
)

// Validate checks a record before it is saved.
func Validate(r *Record) *apperr.Invalid {
	v := &apperr.Invalid{}
	text := func(field, value string, max int, required bool) {
		switch {
		case required && strings.TrimSpace(value) == "":
			v.Add(field, "field.required")
		case utf8.RuneCountInString(value) > max:
			v.Add(field, "field.too_long", max)
		}
	}
	if !r.First.Valid() {
		v.Add("first", "disclosure.date_required")
	}
	if !r.Last.IsZero() && (r.Frequency == "" || r.Last.Before(r.First)) {
		v.Add("last", "disclosure.last_invalid")
	}
	text("frequency", r.Frequency, MaxText, false)
	text("recipient_name", r.RecipientName, MaxText, true)
	text("recipient_address", r.RecipientAddress, MaxText, true)
	if !oneOf(r.RecipientKind, RecipientKinds) {
		v.Add("recipient_kind", "disclosure.kind_invalid")
	}
	if len(r.Categories) == 0 {
		v.Add("categories", "disclosure.categories_required")
	}
	if len(r.Categories) > MaxCategories {
		v.Add("categories", "field.too_many", MaxCategories)
	}
	for _, c := range r.Categories {
		if !validCategory(c) {
			v.Add("categories", "disclosure.category_invalid", c)
			break
		}
	}
	text("description", r.Description, MaxDescription, true)
	if !oneOf(r.Ground, Grounds) {
		v.Add("ground", "disclosure.ground_invalid")
	}
	text("reference", r.Reference, MaxText, true)
	switch {
	case len(r.Subjects) == 0 && r.Count <= 0:
		v.Add("subjects", "disclosure.subjects_required")
	case len(r.Subjects) > 0 && r.Count > 0:
		v.Add("subjects", "disclosure.subjects_or_count")
	case len(r.Subjects) > MaxSubjects:
		v.Add("subjects", "field.too_many", MaxSubjects)
	}
	if r.Count < 0 || r.Count > 100_000_000 {
		v.Add("count", "disclosure.count_invalid")
	}
	return v
}

// validCategory accepts an official category code: C and three digits (C001 … C140).
func validCategory(c string) bool {
	if len(c) != 4 || c[0] != 'C' {
		return false
	}
	for _, d := range c[1:] {
		if d < '0' || d > '9' {
			return false
		}
	}
	return true
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Filter selects records for the officers' list.
type Filter struct {
	Recipient string // a part of the recipient's name
	Ground    string
	From, To  rights.Date
}

// Match reports whether r is selected by f.
func (f Filter) Match(r *Record) bool {
	switch {
	case f.Recipient != "" && !strings.Contains(strings.ToLower(r.RecipientName), strings.ToLower(f.Recipient)),
		f.Ground != "" && r.Ground != f.Ground,
		!f.From.IsZero() && r.First.Before(f.From) && (r.Last.IsZero() || r.Last.Before(f.From)),
		!f.To.IsZero() && r.First.After(f.To):
		return false
	}
	return true
}

// Register stores the records and their versions.
type Register interface {
	// Save stores a new record (ID empty) or a new version of one whose Version is still
	// r.Version; apperr.ErrStale otherwise.
	Save(ctx context.Context, r *Record) error
	Get(ctx context.Context, id string) (*Record, error)
	// List returns the records that may fall between from and to (a zero date leaves
	// that end open), the most recent first; Filter selects among them exactly.
	List(ctx context.Context, from, to rights.Date) ([]*Record, error)
	Versions(ctx context.Context, id string) ([]*Record, error)
	// ForSubject lists the records naming a person, newest first.
	ForSubject(ctx context.Context, subject string) ([]*Record, error)
}
