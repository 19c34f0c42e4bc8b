package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/twtime"
)

// Consents implements consent.Store: events in consent_events (insert only), the current
// state per purpose in the person's users document under "consents".
type Consents struct {
	db *DB
	// beforeState, in tests, runs between an append's read of the state and its write.
	beforeState func()
}

var _ consent.Store = (*Consents)(nil)

// NewConsents returns the consent store.
func NewConsents(db *DB) *Consents { return &Consents{db: db} }

type consentEventDoc struct {
	ID            string    `bson:"_id"`
	Subject       string    `bson:"subject"`
	Purpose       string    `bson:"purpose"`
	Action        string    `bson:"action"`
	NoticeVersion int       `bson:"notice_version"`
	At            time.Time `bson:"at"`
	Channel       string    `bson:"channel"`
	Method        string    `bson:"method"`
	Lang          string    `bson:"lang"`
	WordingHash   string    `bson:"wording_hash"`
	Receipt       string    `bson:"receipt,omitempty"`
	RecordedBy    string    `bson:"recorded_by,omitempty"`
	Reference     string    `bson:"reference,omitempty"`
	// Seq orders events recorded in the same instant: it only ever grows.
	Seq int64 `bson:"seq"`
}

var lastSeq atomic.Int64

// nextSeq is the wall clock in nanoseconds, made strictly increasing in this process.
func nextSeq() int64 {
	for {
		last := lastSeq.Load()
		next := max(time.Now().UnixNano(), last+1)
		if lastSeq.CompareAndSwap(last, next) {
			return next
		}
	}
}

type consentStateDoc struct {
	Granted       bool      `bson:"granted"`
	Action        string    `bson:"action"`
	NoticeVersion int       `bson:"notice_version"`
	At            time.Time `bson:"at"`
	EventID       string    `bson:"event_id"`
}

// Append writes the event, then the state, then the counters, under the person's lock:
// the embedded engine does not make a read-then-write atomic by itself (doclock.go). The
// person's list names the event first, so a crash leaves at worst a listed id without
// its event (skipped by History), never an event History cannot find.
//
// In Shared mode (several instances) the lock holds only within this process, so the
// state is a compare-and-set on the purpose's last event: an instance that loses the
// race removes the event it wrote and decides again on the state that won.
func (c *Consents) Append(ctx context.Context, e *consent.Event) (bool, error) {
	defer c.db.locks.lock(collUsers, e.Subject)()
	for range 10 {
		done, changed, err := c.tryAppend(ctx, e)
		if done || err != nil {
			return changed, err
		}
	}
	return false, fmt.Errorf("record consent of %s: %w", e.Subject, apperr.ErrConflict)
}

func (c *Consents) tryAppend(ctx context.Context, e *consent.Event) (done, changed bool, err error) {
	states, err := c.States(ctx, e.Subject)
	if err != nil {
		return false, false, err
	}
	cur, had := states[e.Purpose]
	if had {
		if (cur.Action == e.Action && cur.NoticeVersion == e.NoticeVersion) || (e.Action == consent.Withdraw && !cur.Granted) {
			return true, false, nil
		}
	}
	d := consentEventDoc{ID: e.ID, Subject: e.Subject, Purpose: e.Purpose, Action: string(e.Action), NoticeVersion: e.NoticeVersion,
		At: e.At.UTC(), Channel: e.Channel, Method: e.Method, Lang: e.Lang, WordingHash: e.WordingHash, Receipt: e.Receipt, RecordedBy: e.RecordedBy, Reference: e.Reference, Seq: nextSeq()}
	if err := c.db.listAdd(ctx, listConsents, e.Subject, e.ID); err != nil {
		return false, false, fmt.Errorf("record consent: %w", err)
	}
	if _, err := c.db.coll(collConsentEvents).InsertOne(ctx, d); err != nil {
		return false, false, fmt.Errorf("record consent: %w", translate(err))
	}
	st := consentStateDoc{Granted: e.Action.Holds(), Action: string(e.Action), NoticeVersion: e.NoticeVersion, At: e.At.UTC(), EventID: e.ID}
	if c.beforeState != nil {
		c.beforeState()
	}
	filter := bson.D{{Key: "_id", Value: e.Subject}}
	if !c.db.single {
		if had {
			filter = append(filter, bson.E{Key: "consents." + e.Purpose + ".event_id", Value: cur.EventID})
		} else {
			filter = append(filter, bson.E{Key: "consents." + e.Purpose, Value: bson.D{{Key: "$exists", Value: false}}})
		}
	}
	res, err := c.db.coll(collUsers).UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "consents." + e.Purpose, Value: st}}}})
	if err != nil {
		return false, false, fmt.Errorf("record consent state: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		if _, err := c.States(ctx, e.Subject); err != nil {
			return false, false, fmt.Errorf("record consent of %s: %w", e.Subject, err) // the person is gone
		}
		// Another instance changed this purpose first: the event did not happen.
		if _, err := c.db.coll(collConsentEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: e.ID}}); err != nil {
			return false, false, fmt.Errorf("record consent: %w", translate(err))
		}
		return false, false, nil
	}
	delta := 0
	switch {
	case st.Granted && !(had && cur.Granted):
		delta = 1
	case !st.Granted && had && cur.Granted:
		delta = -1
	}
	if err := c.count(ctx, e.Purpose, d.Action, d.At, delta); err != nil {
		return true, true, err
	}
	return true, true, nil
}

// consentCountsCurrent is the counter document of current consents per purpose; the
// others are one per month (Asia/Taipei), "2026-12", with grants and withdrawals per
// purpose. The statistics page reads these, never the events.
const consentCountsCurrent = "current"

// count moves the counters for one recorded event: the month's grants or withdrawals,
// and the current consents when the person's state turned. (The counters follow the
// events; a crash between an event and its count leaves the count one short, which the
// administrators' page would show as a small difference, never a wrong state.)
func (c *Consents) count(ctx context.Context, purpose, action string, at time.Time, delta int) error {
	if action == string(consent.Grant) || action == string(consent.Withdraw) {
		month := at.In(twtime.Zone).Format("2006-01")
		unlock := c.db.locks.lock(collConsentCounts, month)
		_, err := c.db.coll(collConsentCounts).UpdateOne(ctx, bson.D{{Key: "_id", Value: month}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: action + "." + purpose, Value: 1}}}}, options.UpdateOne().SetUpsert(true))
		unlock()
		if err != nil {
			return fmt.Errorf("count consent: %w", translate(err))
		}
	}
	return c.moveCurrent(ctx, map[string]int{purpose: delta})
}

// moveCurrent adds to the current consents per purpose.
func (c *Consents) moveCurrent(ctx context.Context, deltas map[string]int) error {
	inc := bson.D{}
	for p, n := range deltas {
		if n != 0 {
			inc = append(inc, bson.E{Key: "n." + p, Value: n})
		}
	}
	if len(inc) == 0 {
		return nil
	}
	defer c.db.locks.lock(collConsentCounts, consentCountsCurrent)()
	_, err := c.db.coll(collConsentCounts).UpdateOne(ctx, bson.D{{Key: "_id", Value: consentCountsCurrent}},
		bson.D{{Key: "$inc", Value: inc}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("count consent: %w", translate(err))
	}
	return nil
}

// States reads the current state per purpose from the person's document (an _id lookup).
func (c *Consents) States(ctx context.Context, subject string) (map[string]consent.State, error) {
	var d struct {
		Consents map[string]consentStateDoc `bson:"consents"`
	}
	err := c.db.coll(collUsers).FindOne(ctx, bson.D{{Key: "_id", Value: subject}}, options.FindOne().SetProjection(bson.D{{Key: "consents", Value: 1}})).Decode(&d)
	if err != nil {
		return nil, fmt.Errorf("consent state: %w", translate(err))
	}
	out := make(map[string]consent.State, len(d.Consents))
	for p, s := range d.Consents {
		out[p] = consent.State{Purpose: p, Granted: s.Granted, Action: consent.Action(s.Action), NoticeVersion: s.NoticeVersion, At: s.At, EventID: s.EventID}
	}
	return out, nil
}

// History lists a person's events, newest first: in the order they were appended under
// the person's lock, which is the order the state followed. It reads the person's list,
// then the newest events by _id.
func (c *Consents) History(ctx context.Context, subject string, limit int) ([]*consent.Event, error) {
	ids, err := c.db.listIDs(ctx, listConsents, subject)
	if err != nil {
		return nil, fmt.Errorf("consent history: %w", err)
	}
	var out []*consent.Event
	for i := len(ids) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		e, err := c.Event(ctx, ids[i])
		if errors.Is(err, apperr.ErrNotFound) {
			continue // listed by an append that did not finish
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Event returns one event by id.
func (c *Consents) Event(ctx context.Context, id string) (*consent.Event, error) {
	var d consentEventDoc
	if err := c.db.coll(collConsentEvents).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		if errors.Is(translate(err), apperr.ErrNotFound) {
			return nil, fmt.Errorf("consent event: %w", apperr.ErrNotFound)
		}
		return nil, fmt.Errorf("consent event: %w", translate(err))
	}
	return eventFromDoc(&d), nil
}

func eventFromDoc(d *consentEventDoc) *consent.Event {
	return &consent.Event{ID: d.ID, Subject: d.Subject, Purpose: d.Purpose, Action: consent.Action(d.Action), NoticeVersion: d.NoticeVersion,
		At: d.At, Channel: d.Channel, Method: d.Method, Lang: d.Lang, WordingHash: d.WordingHash, Receipt: d.Receipt, RecordedBy: d.RecordedBy, Reference: d.Reference}
}

var _ consent.StatsSource = (*Consents)(nil)

type consentCountsDoc struct {
	ID       string         `bson:"_id"`
	N        map[string]int `bson:"n,omitempty"`        // current consents (the "current" document)
	Grant    map[string]int `bson:"grant,omitempty"`    // a month's grants per purpose
	Withdraw map[string]int `bson:"withdraw,omitempty"` // a month's withdrawals per purpose
}

// Stats reads the counters: current consents per purpose, and grants and withdrawals
// per month (Asia/Taipei) from since's month to this one. Only counts are stored there.
func (c *Consents) Stats(ctx context.Context, since time.Time) (*consent.Stats, error) {
	out := &consent.Stats{Current: map[string]int{}, Months: map[string]map[string]int{}}
	read := func(id string) (*consentCountsDoc, error) {
		var d consentCountsDoc
		err := translate(c.db.coll(collConsentCounts).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d))
		if errors.Is(err, apperr.ErrNotFound) {
			return &d, nil
		}
		if err != nil {
			return nil, fmt.Errorf("consent statistics: %w", err)
		}
		return &d, nil
	}
	cur, err := read(consentCountsCurrent)
	if err != nil {
		return nil, err
	}
	for p, n := range cur.N {
		if n > 0 {
			out.Current[p] = n
		}
	}
	last := time.Now()
	if y := since.AddDate(1, 0, 0); y.After(last) {
		last = y
	}
	end := last.In(twtime.Zone).Format("2006-01")
	start := since.In(twtime.Zone)
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, twtime.Zone); ; m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		d, err := read(month)
		if err != nil {
			return nil, err
		}
		for action, counts := range map[string]map[string]int{string(consent.Grant): d.Grant, string(consent.Withdraw): d.Withdraw} {
			for p, n := range counts {
				k := p + "|" + action
				if out.Months[k] == nil {
					out.Months[k] = map[string]int{}
				}
				out.Months[k][month] += n
			}
		}
		if month >= end {
			break
		}
	}
	return out, nil
}
