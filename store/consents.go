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
)

// Consents implements consent.Store: events in consent_events (insert only), the current
// state per purpose in the person's users document under "consents".
type Consents struct{ db *DB }

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

// Append writes the event, then the state, under the person's lock: the embedded engine
// does not make a read-then-write atomic by itself (doclock.go).
func (c *Consents) Append(ctx context.Context, e *consent.Event) (bool, error) {
	defer c.db.locks.lock(collUsers, e.Subject)()
	states, err := c.States(ctx, e.Subject)
	if err != nil {
		return false, err
	}
	if cur, ok := states[e.Purpose]; ok {
		if (cur.Action == e.Action && cur.NoticeVersion == e.NoticeVersion) || (e.Action == consent.Withdraw && !cur.Granted) {
			return false, nil
		}
	}
	d := consentEventDoc{ID: e.ID, Subject: e.Subject, Purpose: e.Purpose, Action: string(e.Action), NoticeVersion: e.NoticeVersion,
		At: e.At.UTC(), Channel: e.Channel, Method: e.Method, Lang: e.Lang, WordingHash: e.WordingHash, Receipt: e.Receipt, RecordedBy: e.RecordedBy, Reference: e.Reference, Seq: nextSeq()}
	if _, err := c.db.coll(collConsentEvents).InsertOne(ctx, d); err != nil {
		return false, fmt.Errorf("record consent: %w", translate(err))
	}
	st := consentStateDoc{Granted: e.Action == consent.Grant, Action: string(e.Action), NoticeVersion: e.NoticeVersion, At: e.At.UTC(), EventID: e.ID}
	res, err := c.db.coll(collUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: e.Subject}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "consents." + e.Purpose, Value: st}}}})
	if err != nil {
		return false, fmt.Errorf("record consent state: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return false, fmt.Errorf("record consent of %s: %w", e.Subject, apperr.ErrNotFound)
	}
	return true, nil
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
// the person's lock (seq), which is the order the state followed.
func (c *Consents) History(ctx context.Context, subject string, limit int) ([]*consent.Event, error) {
	cur, err := c.db.coll(collConsentEvents).Find(ctx, bson.D{{Key: "subject", Value: subject}},
		options.Find().SetSort(bson.D{{Key: "seq", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("consent history: %w", translate(err))
	}
	var docs []consentEventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("consent history: %w", translate(err))
	}
	out := make([]*consent.Event, len(docs))
	for i := range docs {
		out[i] = eventFromDoc(&docs[i])
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

// Stats counts current consents from the people's documents and grants and withdrawals
// per month (Asia/Taipei) from the events since a date. Only counts leave this function.
func (c *Consents) Stats(ctx context.Context, since time.Time) (*consent.Stats, error) {
	out := &consent.Stats{Current: map[string]int{}, Months: map[string]map[string]int{}}
	cur, err := c.db.coll(collUsers).Find(ctx, bson.D{{Key: "consents", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "consents", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("consent statistics: %w", translate(err))
	}
	for cur.Next(ctx) {
		var d struct {
			Consents map[string]consentStateDoc `bson:"consents"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("consent statistics: %w", err)
		}
		for p, st := range d.Consents {
			if st.Granted {
				out.Current[p]++
			}
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("consent statistics: %w", translate(err))
	}
	ev, err := c.db.coll(collConsentEvents).Find(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: since.UTC()}}}},
		options.Find().SetProjection(bson.D{{Key: "purpose", Value: 1}, {Key: "action", Value: 1}, {Key: "at", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("consent statistics: %w", translate(err))
	}
	taipei := time.FixedZone("Asia/Taipei", 8*3600)
	for ev.Next(ctx) {
		var d consentEventDoc
		if err := ev.Decode(&d); err != nil {
			return nil, fmt.Errorf("consent statistics: %w", err)
		}
		if d.Action != string(consent.Grant) && d.Action != string(consent.Withdraw) {
			continue
		}
		k := d.Purpose + "|" + d.Action
		if out.Months[k] == nil {
			out.Months[k] = map[string]int{}
		}
		out.Months[k][d.At.In(taipei).Format("2006-01")]++
	}
	if err := ev.Err(); err != nil {
		return nil, fmt.Errorf("consent statistics: %w", translate(err))
	}
	return out, nil
}
