package rights

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/example/pdpa-portal/apperr"
)

// CalendarService changes the office calendar and re-computes the decision due dates the
// change moves: a due date fixed at filing under last year's calendar (or none) would
// otherwise fall on a holiday loaded later, or ignore a typhoon day.
type CalendarService struct {
	Store    CalendarStore
	Requests Requests
	Timeline Timeline
	Now      func() time.Time
}

// Moved is a request whose decision due date a calendar change moved.
type Moved struct {
	Request *Request // as stored after the change
	From    Date     // the due date before
}

// MaxDayOffReason is the longest reason for a day off added by hand (it is a calendar
// note, which an import limits alike).
const MaxDayOffReason = 100

// Import stores the entries and re-computes the open requests they affect. It returns
// how many dates were stored and the requests whose due date moved.
func (s *CalendarService) Import(ctx context.Context, entries []DayEntry, by string) (int, []Moved, error) {
	n, changed, err := s.Store.Import(ctx, entries)
	if err != nil {
		return 0, nil, err
	}
	moved, err := s.recompute(ctx, changed, by, "")
	return n, moved, err
}

// AddDayOff marks one date as a day off with its reason (a typhoon day, a day the agency
// closes), written as YYYY-MM-DD.
func (s *CalendarService) AddDayOff(ctx context.Context, date, reason, by string) ([]Moved, error) {
	d, reason, err := checkDayOff(date, reason)
	if err != nil {
		return nil, err
	}
	_, changed, err := s.Store.Import(ctx, []DayEntry{{Date: d, DayOff: true, Note: reason}})
	if err != nil {
		return nil, err
	}
	return s.recompute(ctx, changed, by, reason)
}

// checkDayOff reads a day off added by hand: its date and its reason.
func checkDayOff(date, reason string) (Date, string, error) {
	v := &apperr.Invalid{}
	d, ok := dayOffDate(v, date)
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		v.Add("reason", "field.required")
	case len([]rune(reason)) > MaxDayOffReason:
		v.Add("reason", "field.too_long", MaxDayOffReason)
	case strings.IndexFunc(reason, unicode.IsControl) >= 0:
		v.Add("reason", "calendar.reason_control")
	}
	if err := v.OrNil(); err != nil {
		return Date{}, "", err
	}
	if !ok {
		return Date{}, "", v
	}
	return d, reason, nil
}

// Preview counts the open requests whose due date a change would move — date made a
// day off with reason (off), or taken off the calendar — so the administrator is told
// before it happens. It checks the input as the change does and changes nothing.
func (s *CalendarService) Preview(ctx context.Context, date, reason string, off bool) (int, error) {
	var d Date
	if off {
		var err error
		if d, _, err = checkDayOff(date, reason); err != nil {
			return 0, err
		}
	} else {
		v := &apperr.Invalid{}
		var ok bool
		if d, ok = dayOffDate(v, date); !ok {
			return 0, v
		}
	}
	open, err := s.Requests.Open(ctx)
	if err != nil {
		return 0, err
	}
	todo, from, to := touched(open, d, d)
	if len(todo) == 0 || d.Before(from) {
		from = d
	}
	if to.Before(d) {
		to = d
	}
	cal, err := s.Store.Days(ctx, from, to.AddDays(60))
	if err != nil {
		return 0, err
	}
	after := NewDays(nil)
	if cal != nil {
		for k, e := range cal.m {
			after.m[k] = e
		}
	}
	if off {
		after.Set(DayEntry{Date: d, DayOff: true, Note: reason})
	} else {
		if _, listed := after.Entry(d); !listed {
			return 0, (&apperr.Invalid{}).Add("date", "calendar.not_listed", d.String())
		}
		delete(after.m, d)
	}
	n := 0
	for _, r := range todo {
		if DueUnder(r, after) != r.Due {
			n++
		}
	}
	return n, nil
}

// Remove takes a listed date off the calendar (a day off that did not happen, a date
// imported by mistake): it is then a working day, or a rest day if a Saturday or Sunday.
func (s *CalendarService) Remove(ctx context.Context, date, by string) ([]Moved, error) {
	v := &apperr.Invalid{}
	d, ok := dayOffDate(v, date)
	if !ok {
		return nil, v
	}
	removed, err := s.Store.Remove(ctx, d)
	if err != nil {
		return nil, err
	}
	if !removed {
		return nil, v.Add("date", "calendar.not_listed", d.String())
	}
	return s.recompute(ctx, []Date{d}, by, "")
}

// dayOffDate reads the date of a day added or removed by hand; its years are those any
// date form takes.
func dayOffDate(v *apperr.Invalid, s string) (Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		v.Add("date", "field.required")
		return Date{}, false
	}
	d, err := ParseDate(s)
	if err != nil || d.Year < 1970 || d.Year > 2099 {
		v.Add("date", "calendar.day_bad")
		return Date{}, false
	}
	return d, true
}

// DueUnder is the decision due date of r under cal: from receipt, then the extension if
// one was taken, counted from the original due date as Extend says.
func DueUnder(r *Request, cal Calendar) Date {
	due := DueDate(r.Kind, r.Received, cal)
	if r.Extension != nil {
		due = Extend(due, r.Kind, cal)
	}
	return due
}

// awaitsDecision reports whether r still runs against its decision due date.
func awaitsDecision(r *Request) bool { return r.State.Deciding() && r.Decision == nil }

// recompute moves the due date of each open, undecided request whose period the changed
// dates touch: received before the last changed date, due on or after the first. A
// request due before every changed date, or received after all of them, keeps its date.
// The open requests are the queue's small collection, never every request.
func (s *CalendarService) recompute(ctx context.Context, changed []Date, by, reason string) ([]Moved, error) {
	if len(changed) == 0 {
		return nil, nil
	}
	lo, hi := slices.MinFunc(changed, Date.Compare), slices.MaxFunc(changed, Date.Compare)
	open, err := s.Requests.Open(ctx)
	if err != nil {
		return nil, err
	}
	todo, from, to := touched(open, lo, hi)
	if len(todo) == 0 {
		return nil, nil
	}
	// A removed day off can bring a date forward, an added one push it back: the margin
	// covers the longest chain of days off a year has (the Lunar New Year) twice over.
	cal, err := s.Store.Days(ctx, from, to.AddDays(60))
	if err != nil {
		return nil, err
	}
	var moved []Moved
	for _, q := range todo {
		m, err := s.redate(ctx, q.Ref, cal, by, reason)
		if err != nil {
			return moved, fmt.Errorf("re-compute the due date of %s: %w", q.Ref, err)
		}
		if m != nil {
			moved = append(moved, *m)
		}
	}
	return moved, nil
}

// touched are the open, undecided requests whose period dates from lo to hi touch, and
// the span of their periods.
func touched(open []*Request, lo, hi Date) (todo []*Request, from, to Date) {
	for _, r := range open {
		if !awaitsDecision(r) || !r.Received.Before(hi) || r.Due.Before(lo) {
			continue
		}
		todo = append(todo, r)
		if from.IsZero() || r.Received.Before(from) {
			from = r.Received
		}
		if to.IsZero() || r.Due.After(to) {
			to = r.Due
		}
	}
	return todo, from, to
}

// redate re-computes one request's due date as a conditional update, reading it again if
// an officer acted on it meanwhile.
func (s *CalendarService) redate(ctx context.Context, ref string, cal Calendar, by, reason string) (*Moved, error) {
	for attempt := 0; ; attempt++ {
		r, err := s.Requests.ByRef(ctx, ref)
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, nil // an unfinished filing's queue entry
		}
		if err != nil {
			return nil, err
		}
		if !awaitsDecision(r) {
			return nil, nil
		}
		old, due := r.Due, DueUnder(r, cal)
		if due == old {
			return nil, nil
		}
		// The dates are worded for each reader; the reason is the administrator's own text.
		moved := Say("timeline.due_moved", Typed(old.String()), Typed(due.String()))
		if reason != "" {
			moved = Say("timeline.due_moved_because", Typed(old.String()), Typed(due.String()), Typed(reason))
		}
		updated, err := s.Timeline.Update(ctx, ref, r.Version, s.Now(), func(r *Request, now time.Time) (Step, error) {
			if r.Due != old || !awaitsDecision(r) {
				return Step{}, ErrChanged
			}
			r.Due = due
			n := addNotice(r, LetterDueMoved, now)
			n.OldDue, n.NewDue = old, due
			return Step{Action: "due_recomputed", ActorID: by, Role: "officer", Said: []Said{moved}}, nil
		})
		if errors.Is(err, ErrChanged) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &Moved{Request: updated, From: old}, nil
	}
}
