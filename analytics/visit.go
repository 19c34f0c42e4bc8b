package analytics

import (
	"sync/atomic"
	"time"

	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/internal/twtime"
)

// VisitGap ends a visit: a page view after a longer pause starts a new one, and the
// pause does not count as time online.
const VisitGap = 30 * time.Minute

// ClockSkew is how far (in seconds) a cookie's last view may lie in the future, from
// another instance whose clock runs ahead, and still count as this visitor.
const ClockSkew = 5

// Visitor is the analytics cookie's content: a random id that tells this browser apart
// from others (never stored on the server) and the current visit's start and last page
// view, in Unix seconds.
type Visitor struct {
	ID    [16]byte
	Start int64
	Last  int64
}

// NewVisitorID returns a random visitor id.
func NewVisitorID() [16]byte {
	var id [16]byte
	copy(id[:], ids.Bytes(16))
	return id
}

// Step is what one page view means for its visitor, decided from the cookie and the
// clock alone: there is no per-visitor state on the server.
type Step struct {
	Next     Visitor // the cookie to send back
	NewVisit bool    // the view starts a visit (counted on its day)
	// Online is the pause since the visit's previous view, counted as time online on the
	// view's day.
	Online time.Duration
	// The visit's length moved from one histogram bucket to another; both count on the
	// day the visit started. From is -1 for a new visit; From == To means no change.
	From, To int
	// VisitDay is the day (Asia/twtime.Zone) the visit started.
	VisitDay string
}

// Advance decides a page view at now for the visitor in the cookie (nil when the
// browser sent none or it did not decode). A cookie from the future or with an
// impossible visit is treated as absent, so a stale value cannot push odd durations
// into the counts.
func Advance(prev *Visitor, now time.Time, newID func() [16]byte) Step {
	t := now.Unix()
	if prev != nil && (prev.Last > t+ClockSkew || prev.Start > prev.Last || prev.Start <= 0) {
		prev = nil
	}
	if prev != nil && prev.Last > t {
		// Another instance's clock runs a little ahead: the same moment, not a new visitor.
		t = prev.Last
	}
	if prev == nil {
		v := Visitor{ID: newID(), Start: t, Last: t}
		return Step{Next: v, NewVisit: true, From: -1, To: Bucket(0), VisitDay: DayOf(now)}
	}
	gap := time.Duration(t-prev.Last) * time.Second
	if gap >= VisitGap {
		v := Visitor{ID: prev.ID, Start: t, Last: t}
		return Step{Next: v, NewVisit: true, From: -1, To: Bucket(0), VisitDay: DayOf(now)}
	}
	v := Visitor{ID: prev.ID, Start: prev.Start, Last: t}
	return Step{Next: v, Online: gap,
		From: Bucket(time.Duration(prev.Last-prev.Start) * time.Second), To: Bucket(time.Duration(t-prev.Start) * time.Second),
		VisitDay: DayOf(time.Unix(prev.Start, 0))}
}

// Buckets are the upper bounds of the visit-length histogram; the last bucket is
// open-ended. A visit of a single page has length zero.
var Buckets = []time.Duration{0, 30 * time.Second, time.Minute, 3 * time.Minute, 10 * time.Minute, 30 * time.Minute}

// NumBuckets is the number of histogram buckets (the bounds and one beyond).
const NumBuckets = 7

// Bucket returns the histogram bucket of a visit length.
func Bucket(d time.Duration) int {
	for i, b := range Buckets {
		if d <= b {
			return i
		}
	}
	return len(Buckets)
}

// DayOf is the report day (Asia/twtime.Zone) of a time, as YYYY-MM-DD.
func DayOf(t time.Time) string {
	u := t.Unix()
	if d := lastDay.Load(); d != nil && u >= d.from && u < d.to {
		return d.date
	}
	t = t.In(twtime.Zone)
	y, m, dd := t.Date()
	from := time.Date(y, m, dd, 0, 0, 0, 0, twtime.Zone)
	d := &dayName{from: from.Unix(), to: from.AddDate(0, 0, 1).Unix(), date: t.Format(time.DateOnly)}
	lastDay.Store(d)
	return d.date
}

// lastDay is the day DayOf named last: a counted view asks for its day and its visit's,
// nearly always today, and formatting it anew made two strings a view.
var lastDay atomic.Pointer[dayName]

type dayName struct {
	from, to int64 // Unix seconds: the day's first, and the next day's
	date     string
}
