package audit

import (
	"context"
	"strings"
	"time"
)

// Query selects events for the administrators' page and its CSV: every filter set must
// match, and the events come newest first.
type Query struct {
	Actor  string    // the actor exactly (an account id, "token:…", "guest", anonymous, system)
	Action string    // text the action contains, in any case
	Target string    // the target exactly
	From   time.Time // events at or after this instant (zero: from the first)
	To     time.Time // events before this instant (zero: up to the newest)
	Before int64     // events numbered below this (0: from the newest); a page's continuation
	Limit  int       // stop after this many events (0: no limit)
	// Budget bounds the events read to fill the answer (0: no bound), so a filter that
	// matches little cannot keep a page busy; the answer then says where it stopped.
	Budget int
}

// Matches reports whether e passes the query's filters other than the dates and Before
// (which select a range of sequence numbers).
func (q *Query) Matches(e *Event) bool {
	if q.Actor != "" && e.Actor != q.Actor || q.Target != "" && e.Target != q.Target {
		return false
	}
	return q.Action == "" || ContainsFold(e.Action, q.Action)
}

// ContainsFold reports whether s contains sub, ignoring case.
func ContainsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// Result says how far a search went.
type Result struct {
	Head int64 // the newest event's number when the search began
	// Older is the Before of the next page: events below it may still match (0: none do).
	Older int64
	// Searched is set when the budget ran out before the page was full: the number of the
	// oldest event read, from which the administrator may continue.
	Searched int64
}

// Searcher finds events without reading the whole trail.
type Searcher interface {
	// Search calls fn with each event q selects, newest first, until the limit or the
	// budget is reached; an error from fn stops it and is returned.
	Search(ctx context.Context, q Query, fn func(*Event) error) (Result, error)
}

// Store is the trail with its search, as the portal's pages use it.
type Store interface {
	Trail
	Searcher
}
