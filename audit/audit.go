// Package audit is the append-only trail of what people and the portal did: every staff
// action, citizen request and consent change, sign-in and administrative change, each
// event chained to the one before by a SHA-256 hash, so that changing, removing or
// reordering any stored event shows when the chain is verified.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/example/pdpa-portal/internal/twtime"
	"time"

	"github.com/example/pdpa-portal/internal/background"
)

// Outcomes of an action.
const (
	OK      = "ok"      // done
	Refused = "refused" // refused: bad input, no permission, a conflict, wrong password
	Failed  = "failed"  // the portal failed (5xx)
	// Pending opens a request that may change something, written before it acts; the
	// event with its outcome follows and names it (details "opened").
	Pending = "pending"
)

// Actors that are not an account.
const (
	ActorAnonymous = "anonymous"
	ActorSystem    = "system"
)

// Event is one entry of the trail.
type Event struct {
	Seq     int64
	At      time.Time
	Actor   string // account id, "token:<id>", "guest:<reference>", anonymous or system
	Role    string // the actor's roles, comma-separated (citizen for none)
	Action  string // what was asked, e.g. "POST /officer/requests/:ref/:action"
	Target  string // the record acted on (a reference, an account id), if any
	Outcome string
	// Details are small facts about the action (the route's parameters, the status
	// code, counts): never form contents or personal data.
	Details map[string]string
	// Addr is the network address, kept for staff only.
	Addr string
	Prev string // the previous event's hash (hex), "" for the first
	Hash string // this event's hash (hex)
}

// canonical is what the hash covers, in a fixed field order (map keys are sorted by
// encoding/json).
type canonical struct {
	Seq     int64             `json:"seq"`
	At      string            `json:"at"`
	Actor   string            `json:"actor"`
	Role    string            `json:"role"`
	Action  string            `json:"action"`
	Target  string            `json:"target"`
	Outcome string            `json:"outcome"`
	Details map[string]string `json:"details"`
	Addr    string            `json:"addr"`
	Prev    string            `json:"prev"`
}

// Sum computes the event's hash from its fields and Prev.
func (e *Event) Sum() string {
	details := e.Details
	if len(details) == 0 {
		details = nil // stored or not, an empty map reads back as none
	}
	b, _ := json.Marshal(canonical{Seq: e.Seq, At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor, Role: e.Role,
		Action: e.Action, Target: e.Target, Outcome: e.Outcome, Details: details, Addr: e.Addr, Prev: e.Prev})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Seal numbers the event after the chain's head and hashes it.
func (e *Event) Seal(headSeq int64, headHash string) {
	e.Seq, e.Prev = headSeq+1, headHash
	e.At = e.At.UTC().Truncate(time.Millisecond) // what the database keeps
	e.Hash = e.Sum()
}

// MinYears is the least time events are kept, in calendar years: older ones may be
// purged, behind a checkpoint.
const MinYears = 3

// KeepFrom is the oldest instant the trail must still hold at now: MinYears calendar
// years back (twtime.YearsBefore).
func KeepFrom(now time.Time) time.Time { return twtime.YearsBefore(now, MinYears) }

// Checkpoint stands for the events purged from the start of the trail: the last purged
// event's number and hash, sealed with a key only the portal holds, so verification
// resumes after it and a forged checkpoint shows.
type Checkpoint struct {
	Seq  int64
	Hash string
	At   time.Time
}

// ErrBadCheckpoint is a checkpoint whose seal does not verify.
var ErrBadCheckpoint = errors.New("the audit checkpoint's seal does not verify")

// Trail stores the events.
type Trail interface {
	// Checkpoint returns the verified checkpoint (nil when nothing was purged), or
	// ErrBadCheckpoint.
	Checkpoint(ctx context.Context) (*Checkpoint, error)
	// Append seals the event after the current head and stores it.
	Append(ctx context.Context, e *Event) error
	// Head is the newest event's sequence number and hash (0, "" when empty).
	Head(ctx context.Context) (int64, string, error)
	// Get returns one event by sequence number (apperr.ErrNotFound when absent).
	Get(ctx context.Context, seq int64) (*Event, error)
	// Walk calls fn for every event in sequence order, from the first stored.
	Walk(ctx context.Context, fn func(*Event) error) error
}

// Break is where verification found the chain broken.
type Break struct {
	Seq    int64  // the first event that does not verify (or the missing one)
	Reason string // in English, for the operator
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit trail broken at event %d: %s", b.Seq, b.Reason)
}

// Verify walks the whole trail and checks every link: numbers without gaps, each event
// pointing at the previous hash, each hash matching its fields, and the head naming an
// event that is there. The head is read first, so events appended while it runs (a live
// portal) are checked too and never mistaken for a break. It returns how many events it
// checked and the first break (nil when the chain is whole).
func Verify(ctx context.Context, t Trail) (int64, *Break, error) {
	ctx = background.Job(ctx, "audit verify") // it reads every event: never on a page
	headSeq, headHash, err := t.Head(ctx)
	if err != nil {
		return 0, nil, err
	}
	cp, err := t.Checkpoint(ctx)
	if errors.Is(err, ErrBadCheckpoint) {
		return 0, &Break{Seq: 0, Reason: "the checkpoint of purged events has a seal that does not verify"}, nil
	} else if err != nil {
		return 0, nil, err
	}
	var n, last int64
	prev, atHead := "", ""
	if cp != nil {
		last, prev = cp.Seq, cp.Hash
	}
	var brk *Break
	errStop := errors.New("stop")
	err = t.Walk(ctx, func(e *Event) error {
		if cp != nil && e.Seq <= cp.Seq {
			return nil // purged, or about to be: the checkpoint stands for them
		}
		switch {
		case e.Seq != last+1:
			brk = &Break{Seq: last + 1, Reason: fmt.Sprintf("event %d is missing (next stored is %d)", last+1, e.Seq)}
		case e.Prev != prev:
			brk = &Break{Seq: e.Seq, Reason: "it does not point at the previous event's hash"}
		case e.Sum() != e.Hash:
			brk = &Break{Seq: e.Seq, Reason: "its contents do not match its hash (changed after it was written)"}
		}
		if brk != nil {
			return errStop
		}
		if e.Seq == headSeq {
			atHead = e.Hash
		}
		n, last, prev = n+1, e.Seq, e.Hash
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return n, nil, err
	}
	if brk != nil {
		return n, brk, nil
	}
	// Events beyond the head are appends not yet (or never, after a crash) recorded in
	// it; events missing up to the head were removed.
	if headSeq > last {
		return n, &Break{Seq: last + 1, Reason: fmt.Sprintf("the head names event %d but the trail ends at %d (events removed from the end?)", headSeq, last)}, nil
	}
	if headSeq > 0 && (cp == nil || headSeq > cp.Seq) && atHead != headHash {
		return n, &Break{Seq: headSeq, Reason: "the head's hash does not match the event it names"}, nil
	}
	return n, nil, nil
}
