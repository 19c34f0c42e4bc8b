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
	Staging  StagedStore
	Requests Requests
	Timeline Timeline
	Now      func() time.Time
	// Teller tells each requester whose due date moved (nil: nobody is told).
	Teller Teller
}

// Teller tells a requester of a step on their request, by mail, letter or the post run
// as they are reached (casework.Service.Tell).
type Teller interface {
	Tell(ctx context.Context, r *Request, kind string)
}

// tellMoved tells each requester whose due date moved; the timeline entry is stored
// already. It runs for what a change moved even when the change stopped part-way.
func (s *CalendarService) tellMoved(ctx context.Context, moved []Moved) {
	if s.Teller == nil {
		return
	}
	for _, m := range moved {
		s.Teller.Tell(ctx, m.Request, "request_due_moved")
	}
}

// Moved is a request whose decision due date a calendar change moved.
type Moved struct {
	Request *Request // as stored after the change
	From    Date     // the due date before
}

// MaxDayOffReason is the longest reason for a day off added by hand (it is a calendar
// note, which an import limits alike).
const MaxDayOffReason = 100

// Import stores the entries and re-computes the open requests they affect, telling each
// requester whose due date moved. It returns
// how many dates were stored and the requests whose due date moved. Each moved request
// says why: the notes of the changed dates that moved it (春節, 颱風停班), or that the
// official calendar did when the file gave none.
func (s *CalendarService) Import(ctx context.Context, entries []DayEntry, by string) (int, []Moved, error) {
	n, changed, err := s.Store.Import(ctx, entries)
	if err != nil {
		return 0, nil, err
	}
	why := reasons{notes: make(map[Date]string, len(entries)), fallback: Keyed("calendar.reason_official")}
	for _, e := range entries {
		why.notes[e.Date] = e.Note
	}
	moved, err := s.recompute(ctx, changed, by, why)
	s.tellMoved(ctx, moved)
	return n, moved, err
}

// Change makes one date a day off with its reason (off: a typhoon day, a day the agency
// closes), or takes a listed date off the calendar with its reason (a day off that did
// not happen, a date imported by mistake: it is then a working day, or a rest day if a
// Saturday or Sunday). Either way the requesters whose due date moves are told, and their
// timelines say why. The
// date is written as YYYY-MM-DD.
func (s *CalendarService) Change(ctx context.Context, date, reason string, off bool, by string) ([]Moved, error) {
	d, reason, err := checkChange(date, reason)
	if err != nil {
		return nil, err
	}
	if !off {
		removed, err := s.Store.Remove(ctx, d)
		if err != nil {
			return nil, err
		}
		if !removed {
			return nil, (&apperr.Invalid{}).Add("date", "calendar.not_listed", d.String())
		}
		moved, err := s.recompute(ctx, []Date{d}, by, reasons{fallback: Typed(reason)})
		s.tellMoved(ctx, moved)
		return moved, err
	}
	_, changed, err := s.Store.Import(ctx, []DayEntry{{Date: d, DayOff: true, Note: reason}})
	if err != nil {
		return nil, err
	}
	moved, err := s.recompute(ctx, changed, by, reasons{fallback: Typed(reason)})
	s.tellMoved(ctx, moved)
	return moved, err
}

// checkChange reads a date added as a day off or removed by hand, and its reason.
func checkChange(date, reason string) (Date, string, error) {
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

// Preview counts the open requests whose due date Change would move, so the
// administrator is told before it happens. It checks the input as Change does and
// changes nothing, except a removal's reason: that is asked beside the count.
func (s *CalendarService) Preview(ctx context.Context, date, reason string, off bool) (int, error) {
	var d Date
	var err error
	if off {
		d, reason, err = checkChange(date, reason)
	} else {
		v := &apperr.Invalid{}
		d, _ = dayOffDate(v, date)
		err = v.OrNil()
	}
	if err != nil {
		return 0, err
	}
	if !off {
		cal, err := s.Store.Days(ctx, d, d)
		if err != nil {
			return 0, err
		}
		if _, listed := cal.Entry(d); !listed {
			return 0, (&apperr.Invalid{}).Add("date", "calendar.not_listed", d.String())
		}
	}
	moves, err := s.plan(ctx, []Date{d}, func(cal *Days) {
		if off {
			cal.Set(DayEntry{Date: d, DayOff: true, Note: reason})
		} else {
			delete(cal.m, d)
		}
	})
	return len(moves), err
}

// Move is a due date a calendar change would move.
type Move struct {
	Ref      string
	From, To Date
}

// plan lists, in reference order, the open requests whose due date would move if edit
// were applied to the calendar; changed are the dates the edit touches.
func (s *CalendarService) plan(ctx context.Context, changed []Date, edit func(*Days)) ([]Move, error) {
	if len(changed) == 0 {
		return nil, nil
	}
	open, err := s.Requests.Open(ctx)
	if err != nil {
		return nil, err
	}
	todo, from, to := touched(open, slices.MinFunc(changed, Date.Compare), slices.MaxFunc(changed, Date.Compare))
	if len(todo) == 0 {
		return nil, nil
	}
	cal, err := s.Store.Days(ctx, from, to.AddDays(60))
	if err != nil {
		return nil, err
	}
	edit(cal)
	var moves []Move
	for _, r := range todo {
		if due := DueUnder(r, cal); due != r.Due {
			moves = append(moves, Move{Ref: r.Ref, From: r.Due, To: due})
		}
	}
	slices.SortFunc(moves, func(a, b Move) int { return strings.Compare(a.Ref, b.Ref) })
	return moves, nil
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
func (s *CalendarService) recompute(ctx context.Context, changed []Date, by string, why reasons) ([]Moved, error) {
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
	// One request that cannot be written (the database away for a moment) does not stop
	// the others: the calendar is saved already, so a request skipped here would keep its
	// old date, and importing the same file again would find nothing changed.
	var moved []Moved
	var errs []error
	for _, q := range todo {
		m, err := s.redate(ctx, q.Ref, cal, by, func(from, to Date) Word { return why.between(from, to, changed) })
		if err != nil {
			errs = append(errs, fmt.Errorf("re-compute the due date of %s: %w", q.Ref, err))
			continue
		}
		if m != nil {
			moved = append(moved, *m)
		}
	}
	return moved, errors.Join(errs...)
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
func (s *CalendarService) redate(ctx context.Context, ref string, cal Calendar, by string, because func(from, to Date) Word) (*Moved, error) {
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
		// The dates are worded for each reader; the reason is the calendar's own text, or
		// a catalogue key.
		moved := Say("timeline.due_moved", Typed(old.String()), Typed(due.String()))
		if w := because(old, due); w != (Word{}) {
			moved = Say("timeline.due_moved_because", Typed(old.String()), Typed(due.String()), w)
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

// reasons say why due dates moved: the notes of the changed dates (an imported file's
// 備註), else the fallback (a reason typed by hand, "the official calendar"); the zero
// reasons say nothing.
type reasons struct {
	notes    map[Date]string
	fallback Word
}

// maxReasons is how many notes one timeline entry names: a due date pushed past the
// Lunar New Year names 春節, not each of its days.
const maxReasons = 3

// between is why a due date moved from one date to another: the distinct notes of the
// changed dates between them (both included), in date order.
func (w reasons) between(from, to Date, changed []Date) Word {
	if to.Before(from) {
		from, to = to, from
	}
	days := slices.Clone(changed)
	slices.SortFunc(days, Date.Compare)
	var said []string
	for _, d := range days {
		note := w.notes[d]
		if d.Before(from) || d.After(to) || note == "" || slices.Contains(said, note) {
			continue
		}
		if len(said) == maxReasons {
			said = append(said, "…")
			break
		}
		said = append(said, note)
	}
	if len(said) == 0 {
		return w.fallback
	}
	return Typed(strings.Join(said, "、"))
}
