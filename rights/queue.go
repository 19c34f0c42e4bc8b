package rights

import (
	"net/url"
	"slices"
	"sort"
	"strconv"

	"github.com/example/pdpa-portal/apperr"
)

// QueueFilter narrows the officers' queue of open requests. Each field is "" (any) or
// one of the values the queue offers for it, listed below in the order it offers them:
// the address's decoding, the page's choices and the CSV export all read these.
type QueueFilter struct {
	Kind  string // a Kind
	State string // one of QueueStates
	// Assignee is AssignedToMe, Unassigned or an officer's id.
	Assignee string
	Due      string // one of QueueDues
	Clock    string // one of QueueClocks
	Unread   bool   // only requests with replies no officer has opened
}

// The values the queue's filters take.
var (
	QueueStates = []State{Submitted, Identity, Review, Extended, Decided}
	QueueClocks = []string{ClockDecision, ClockPayment, ClockFulfil, ClockClose}
	// QueueDues: past the date, due today, or due within so many days.
	QueueDues = []string{DueOverdue, DueToday, "3", "7", "14"}
)

// Special values of the due and assignee filters.
const (
	DueOverdue   = "overdue"
	DueToday     = "today"
	AssignedToMe = "me"
	Unassigned   = "none"
)

// Check names, by their field in the address, the filters holding a value the queue
// does not offer.
func (f QueueFilter) Check() error {
	inv := &apperr.Invalid{}
	if f.Kind != "" && !slices.Contains(Kinds, Kind(f.Kind)) {
		inv.Add("kind", "validation.invalid_value")
	}
	if f.State != "" && !slices.Contains(QueueStates, State(f.State)) {
		inv.Add("state", "validation.invalid_value")
	}
	if f.Due != "" && !slices.Contains(QueueDues, f.Due) {
		inv.Add("due", "validation.invalid_value")
	}
	if f.Clock != "" && !slices.Contains(QueueClocks, f.Clock) {
		inv.Add("clock", "validation.invalid_value")
	}
	return inv.OrNil()
}

// Query is the filter as the queue's address carries it (its pages, its CSV export).
func (f QueueFilter) Query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"kind": f.Kind, "state": f.State, "assignee": f.Assignee, "due": f.Due, "clock": f.Clock} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Unread {
		q.Set("unread", "1")
	}
	return q
}

// Apply sorts the open requests soonest first by the clock each runs against (those
// without a target, awaiting payment or refused, after the rest) and returns those the
// filter keeps; me is the officer looking.
func (f QueueFilter) Apply(open []*Request, clocks map[string]Clock, me string, today Date) []*Request {
	sort.SliceStable(open, func(i, j int) bool {
		a, b := clocks[open[i].Ref].Due, clocks[open[j].Ref].Due
		if a.IsZero() || b.IsZero() {
			return !a.IsZero() && b.IsZero()
		}
		return a.Before(b)
	})
	within, numeric := strconv.Atoi(f.Due)
	var kept []*Request
	for _, r := range open {
		ck := clocks[r.Ref]
		left := DaysLeft(ck.Due, today)
		switch {
		case f.Clock != "" && ck.Kind != f.Clock,
			f.Due != "" && ck.Due.IsZero(),
			f.Kind != "" && string(r.Kind) != f.Kind,
			f.State != "" && string(r.State) != f.State,
			f.Assignee == AssignedToMe && r.Assignee != me,
			f.Assignee == Unassigned && r.Assignee != "",
			f.Assignee != "" && f.Assignee != AssignedToMe && f.Assignee != Unassigned && r.Assignee != f.Assignee,
			f.Due == DueOverdue && left >= 0,
			f.Due == DueToday && left != 0,
			numeric == nil && left > within,
			f.Unread && r.Unread == 0:
			continue
		}
		kept = append(kept, r)
	}
	return kept
}
