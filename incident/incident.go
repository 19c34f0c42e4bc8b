// Package incident records security incidents involving personal data (PDPA Art. 12 and
// Enforcement Rules Art. 12(2)(4), 22): what happened, which data and how many people,
// the measures taken, and the two 72-hour clocks from discovery — the report to the
// competent authority and the notice to the people affected, which must state the facts
// and the measures. Records are kept five years.
package incident

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
)

// Window is the time from discovery within which the authority is told and the people
// affected are notified.
const Window = 72 * time.Hour

// KeepFor is how long a record is kept.
const KeepFor = 5 * 365 * 24 * time.Hour

// MaxAgeYears bounds how long ago, when the record is saved, the incident was discovered.
const MaxAgeYears = 10

// Incident is one recorded incident.
type Incident struct {
	ID         string
	Version    int64
	Discovered time.Time
	Recorded   time.Time
	RecordedBy string // account id
	Title      string
	What       string // what happened: the facts the people are told
	Data       string // which personal data
	People     int    // how many people are affected (estimated)
	Measures   string // measures taken: told to the people too
	// WhatEN and MeasuresEN are the same in English, for the people who read the portal
	// in English (empty: they get the text above).
	WhatEN     string
	MeasuresEN string
	Affected   []string
	// The report to the authority.
	ReportedAt time.Time
	ReportRef  string
	// The notice to the people affected.
	NotifiedAt time.Time
	Notified   int
	// Told are the accounts whose notice is queued (or who were erased since: nobody left
	// to tell). People added later, or missed by a send cut off part-way, are not in it.
	Told []string
	// Emails and Letters are people without a portal account, told by e-mail or by a
	// letter printed for post (personal data: sealed at rest with the texts).
	Emails  []Contact
	Letters []Contact
	// AnnouncedAt is when the public announcement was published (zero: none);
	// Impracticable says why individual notice would not do (ER Art. 22).
	AnnouncedAt   time.Time
	Impracticable string
	// Rounds are the notices given, one per channel and press, oldest first.
	Rounds    []Round
	Updated   time.Time
	UpdatedBy string
}

// The channels by which people are told.
const (
	ByAccount      = "account"      // mail to a portal account: its inbox and its address
	ByEmail        = "email"        // e-mail to an address, no account needed
	ByPost         = "post"         // a letter printed for post
	ByAnnouncement = "announcement" // a public announcement on the portal
)

// Contact is one person without a portal account.
type Contact struct {
	Name    string
	Email   string // told by e-mail
	Address string // told by post
	Lang    string // the language of the mail or letter
	ToldAt  time.Time
	// Letter names the letter posted to the person (LetterName), so its document
	// number stays the same however often the print run is opened.
	Letter string
}

// Round is one notice given: by which channel, to how many, when and by whom.
type Round struct {
	Channel string
	Count   int
	At      time.Time
	By      string
}

// Limits of the texts.
const (
	MaxTitle = 200
	MaxText  = 5000
)

// Validate checks a record before it is saved.
func (i *Incident) Validate(now time.Time) error {
	inv := &apperr.Invalid{}
	text := func(field, v string, max int, required bool) {
		switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
		case required && n == 0:
			inv.Add(field, "incident.required")
		case n > max:
			inv.Add(field, "incident.too_long", max)
		}
	}
	text("title", i.Title, MaxTitle, true)
	text("what", i.What, MaxText, true)
	text("data", i.Data, MaxText, true)
	text("measures", i.Measures, MaxText, false)
	text("what_en", i.WhatEN, MaxText, false)
	text("measures_en", i.MeasuresEN, MaxText, false)
	switch {
	case i.Discovered.IsZero():
		inv.Add("discovered", "incident.required")
	case i.Discovered.After(now):
		inv.Add("discovered", "incident.future")
	case i.Discovered.Before(now.AddDate(-MaxAgeYears, 0, 0)):
		// Older is a typing mistake (year 0001 would overflow the clocks), and the
		// record is destroyed after KeepFor anyway.
		inv.Add("discovered", "incident.too_old", MaxAgeYears)
	}
	text("impracticable", i.Impracticable, MaxText, false)
	if i.People < 0 || i.People > 100_000_000 {
		inv.Add("people", "incident.people")
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	return nil
}

// Due is when both clocks run out.
func (i *Incident) Due() time.Time { return i.Discovered.Add(Window) }

// Clock is where one of the 72-hour duties stands.
type Clock struct {
	Done    bool
	At      time.Time     // when it was done
	Late    bool          // done after the window, or still open after it
	Left    time.Duration // time left while open (negative when late)
	Overdue bool
}

func clock(done, due, now time.Time) Clock {
	if !done.IsZero() {
		return Clock{Done: true, At: done, Late: done.After(due)}
	}
	left := due.Sub(now)
	return Clock{Left: left, Overdue: left < 0, Late: left < 0}
}

// ReportClock is the report to the authority.
func (i *Incident) ReportClock(now time.Time) Clock { return clock(i.ReportedAt, i.Due(), now) }

// NotifyClock is the notice to the people affected.
func (i *Incident) NotifyClock(now time.Time) Clock { return clock(i.NotifiedAt, i.Due(), now) }

// Texts returns the facts and measures for a reader of lang.
func (i *Incident) Texts(lang string) (what, measures string) {
	what, measures = i.What, i.Measures
	if lang == "en" {
		if strings.TrimSpace(i.WhatEN) != "" {
			what = i.WhatEN
		}
		if strings.TrimSpace(i.MeasuresEN) != "" {
			measures = i.MeasuresEN
		}
	}
	return what, measures
}

// KeepUntil is when the record may be destroyed.
func (i *Incident) KeepUntil() time.Time { return i.Recorded.Add(KeepFor) }

// Store keeps the incidents.
type Store interface {
	// Save creates (Version 0) or replaces the version read (apperr.ErrStale otherwise).
	Save(ctx context.Context, i *Incident) error
	Get(ctx context.Context, id string) (*Incident, error)
	List(ctx context.Context) ([]*Incident, error)
	// DeleteRecordedBefore destroys the records kept their five years.
	DeleteRecordedBefore(ctx context.Context, t time.Time) (int, error)
}

// Untold returns the affected accounts whose notice has not been queued yet.
func (i *Incident) Untold() []string {
	var out []string
	for _, id := range i.Affected {
		if !slices.Contains(i.Told, id) {
			out = append(out, id)
		}
	}
	return out
}
