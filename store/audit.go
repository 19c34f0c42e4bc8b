package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
)

// Audit keeps the audit trail: one document per event with its sequence number as _id
// (so reading back is a look-up, never a scan), and a head document naming the newest
// event. Appending claims the next number with a unique insert, then moves the head
// with a compare-and-set: several instances append safely, and a crash between the two
// steps is repaired by the next append.
type Audit struct {
	db  *DB
	key []byte // seals the checkpoint of purged events
}

var _ audit.Trail = (*Audit)(nil)

// NewAudit returns the audit trail store.
func NewAudit(db *DB) *Audit { return &Audit{db: db} }

// WithKey returns the store sealing and checking checkpoints with key (derived from the
// master key): without it, nothing can be purged and a checkpoint does not verify.
func (a *Audit) WithKey(key []byte) *Audit { return &Audit{db: a.db, key: key} }

const auditCheckpointID = "checkpoint"

type checkpointDoc struct {
	ID   string    `bson:"_id"`
	Seq  int64     `bson:"seq"`
	Hash string    `bson:"hash"`
	At   time.Time `bson:"at"`
	Seal string    `bson:"seal"`
}

func (a *Audit) seal(seq int64, hash string, at time.Time) string {
	m := hmac.New(sha256.New, a.key)
	fmt.Fprintf(m, "audit-checkpoint\x00%d\x00%s\x00%s", seq, hash, at.UTC().Format(time.RFC3339Nano))
	return hex.EncodeToString(m.Sum(nil))
}

// Checkpoint returns the checkpoint of purged events, after checking its seal.
func (a *Audit) Checkpoint(ctx context.Context) (*audit.Checkpoint, error) {
	var d checkpointDoc
	err := translate(a.db.coll(collAuditHead).FindOne(ctx, bson.D{{Key: "_id", Value: auditCheckpointID}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint: %w", err)
	}
	if len(a.key) == 0 || !hmac.Equal([]byte(d.Seal), []byte(a.seal(d.Seq, d.Hash, d.At))) {
		return nil, audit.ErrBadCheckpoint
	}
	return &audit.Checkpoint{Seq: d.Seq, Hash: d.Hash, At: d.At}, nil
}

// Purge deletes the events from before t, which must be at least audit.MinKeep before
// now. The checkpoint is written first (the last purged event's number and hash,
// sealed), then the events go: a crash between leaves events the checkpoint already
// stands for, which verification skips and the next purge deletes.
func (a *Audit) Purge(ctx context.Context, t, now time.Time) (int, error) {
	if len(a.key) == 0 {
		return 0, errors.New("audit purge: no key to seal the checkpoint")
	}
	if t.After(now.Add(-audit.MinKeep)) {
		return 0, fmt.Errorf("audit purge: events are kept at least %v", audit.MinKeep)
	}
	head, _, err := a.Head(ctx)
	if err != nil {
		return 0, err
	}
	cp, err := a.Checkpoint(ctx)
	if err != nil {
		return 0, err
	}
	from := int64(1)
	if cp != nil {
		from = cp.Seq + 1
	}
	// The first event at or after t, by bisection (numbers grow with time).
	lo, hi := from, head+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		e, err := a.Get(ctx, mid)
		if err != nil {
			return 0, err
		}
		if e.At.Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	last := lo - 1
	if last < from {
		if cp != nil { // finish a purge a crash interrupted
			res, err := a.db.coll(collAuditEvents).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lte", Value: cp.Seq}}}})
			if err != nil {
				return 0, fmt.Errorf("audit purge: %w", translate(err))
			}
			return int(res.DeletedCount), nil
		}
		return 0, nil
	}
	e, err := a.Get(ctx, last)
	if err != nil {
		return 0, err
	}
	d := checkpointDoc{ID: auditCheckpointID, Seq: last, Hash: e.Hash, At: e.At.UTC(), Seal: a.seal(last, e.Hash, e.At)}
	if _, err := a.db.coll(collAuditHead).ReplaceOne(ctx, bson.D{{Key: "_id", Value: auditCheckpointID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return 0, fmt.Errorf("audit checkpoint: %w", translate(err))
	}
	res, err := a.db.coll(collAuditEvents).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lte", Value: last}}}})
	if err != nil {
		return 0, fmt.Errorf("audit purge: %w", translate(err))
	}
	return int(res.DeletedCount), nil
}

const auditHeadID = "head"

type auditDoc struct {
	Seq     int64             `bson:"_id"`
	At      time.Time         `bson:"at"`
	Actor   string            `bson:"actor"`
	Role    string            `bson:"role"`
	Action  string            `bson:"action"`
	Target  string            `bson:"target,omitempty"`
	Outcome string            `bson:"outcome"`
	Details map[string]string `bson:"details,omitempty"`
	Addr    string            `bson:"addr,omitempty"`
	Prev    string            `bson:"prev"`
	Hash    string            `bson:"hash"`
}

type auditHead struct {
	ID   string    `bson:"_id"`
	Seq  int64     `bson:"seq"`
	Hash string    `bson:"hash"`
	At   time.Time `bson:"at"`
}

func (d *auditDoc) event() *audit.Event {
	return &audit.Event{Seq: d.Seq, At: d.At.UTC(), Actor: d.Actor, Role: d.Role, Action: d.Action, Target: d.Target,
		Outcome: d.Outcome, Details: d.Details, Addr: d.Addr, Prev: d.Prev, Hash: d.Hash}
}

// Head returns the newest event's number and hash.
func (a *Audit) Head(ctx context.Context) (int64, string, error) {
	var h auditHead
	err := translate(a.db.coll(collAuditHead).FindOne(ctx, bson.D{{Key: "_id", Value: auditHeadID}}).Decode(&h))
	if errors.Is(err, apperr.ErrNotFound) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return h.Seq, h.Hash, nil
}

// Append seals e after the head and stores it.
func (a *Audit) Append(ctx context.Context, e *audit.Event) error {
	// Each failed try moves the head forward by one stored event (another instance's, or
	// one stored before a crash or a restore left the head behind), so the loop ends
	// once the head has caught up; the bound only guards against a runaway.
	for range 100_000 {
		done, err := a.tryAppend(ctx, e)
		if err != nil || done {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: audit trail head kept moving", apperr.ErrConflict)
}

func (a *Audit) tryAppend(ctx context.Context, e *audit.Event) (bool, error) {
	unlock := a.db.locks.lock(collAuditHead, auditHeadID)
	defer unlock()
	var head auditHead
	err := translate(a.db.coll(collAuditHead).FindOne(ctx, bson.D{{Key: "_id", Value: auditHeadID}}).Decode(&head))
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return false, fmt.Errorf("audit head: %w", err)
	}
	seq, hash := head.Seq, head.Hash
	// Times never go backwards along the chain (an event stamped before it waited for
	// the lock takes the previous one's time), so dates can be found by bisection.
	if e.At.Before(head.At) {
		e.At = head.At
	}
	e.Seal(seq, hash)
	d := auditDoc{Seq: e.Seq, At: e.At, Actor: e.Actor, Role: e.Role, Action: e.Action, Target: e.Target, Outcome: e.Outcome,
		Details: e.Details, Addr: e.Addr, Prev: e.Prev, Hash: e.Hash}
	_, err = a.db.coll(collAuditEvents).InsertOne(ctx, d)
	if err = translate(err); errors.Is(err, apperr.ErrConflict) {
		// The number is taken: another instance appended, or an append stopped before
		// moving the head. Move the head to that event and try again.
		taken, err := a.Get(ctx, e.Seq)
		if err != nil {
			return false, err
		}
		return false, a.moveHead(ctx, seq, taken.Seq, taken.Hash, taken.At)
	} else if err != nil {
		return false, fmt.Errorf("audit event: %w", err)
	}
	return true, a.moveHead(ctx, seq, e.Seq, e.Hash, e.At)
}

// moveHead sets the head from seq "from" to the given event; if another instance moved
// it first, nothing changes (the next append reads the new head).
func (a *Audit) moveHead(ctx context.Context, from, seq int64, hash string, at time.Time) error {
	next := auditHead{ID: auditHeadID, Seq: seq, Hash: hash, At: at.UTC()}
	if from == 0 {
		_, err := a.db.coll(collAuditHead).InsertOne(ctx, next)
		if err = translate(err); err != nil && !errors.Is(err, apperr.ErrConflict) {
			return fmt.Errorf("audit head: %w", err)
		}
		return nil
	}
	filter := bson.D{{Key: "_id", Value: auditHeadID}}
	if !a.db.single {
		filter = append(filter, bson.E{Key: "seq", Value: from})
	}
	if _, err := a.db.coll(collAuditHead).ReplaceOne(ctx, filter, next); err != nil {
		return fmt.Errorf("audit head: %w", translate(err))
	}
	return nil
}

// Get returns one event.
func (a *Audit) Get(ctx context.Context, seq int64) (*audit.Event, error) {
	var d auditDoc
	if err := translate(a.db.coll(collAuditEvents).FindOne(ctx, bson.D{{Key: "_id", Value: seq}}).Decode(&d)); err != nil {
		return nil, fmt.Errorf("audit event %d: %w", seq, err)
	}
	return d.event(), nil
}

// Walk reads every event in order.
func (a *Audit) Walk(ctx context.Context, fn func(*audit.Event) error) error {
	cur, err := a.db.coll(collAuditEvents).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("audit trail: %w", translate(err))
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d auditDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("audit trail: %w", err)
		}
		if err := fn(d.event()); err != nil {
			return err
		}
	}
	return translate(cur.Err())
}
