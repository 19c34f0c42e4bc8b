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
	"github.com/example/pdpa-portal/internal/background"
)

// Audit keeps the audit trail: one document per event whose _id is its sequence number
// as twelve decimal digits ("000000001234"), and a head document naming the newest
// event. The _id is a string because the embedded engine answers only {_id: <string>}
// from an index (a numeric _id decodes the whole collection); the padding keeps string
// order equal to number order. The number itself is in seq, which the hash covers.
//
// Appending claims the next number with a unique insert, then moves the head with a
// compare-and-set: several instances append safely, and a crash between the two steps
// is repaired by the next append. Postings (audit_index.go) find events by actor,
// action and target without reading the others.
type Audit struct {
	db    *DB
	key   []byte   // seals the checkpoint of purged events
	known *seenSet // actions this process knows are in the vocabulary
}

var _ audit.Store = (*Audit)(nil)

// NewAudit returns the audit trail store.
func NewAudit(db *DB) *Audit { return &Audit{db: db, known: newSeenSet()} }

// WithKey returns the store sealing and checking checkpoints with key (derived from the
// master key): without it, nothing can be purged and a checkpoint does not verify.
func (a *Audit) WithKey(key []byte) *Audit { return &Audit{db: a.db, key: key, known: a.known} }

const (
	auditHeadID       = "head"
	auditCheckpointID = "checkpoint"
	// auditFormat marks a head whose trail has string _ids (format 1, the first, had
	// numeric ones; see MigrateIDs).
	auditFormat = 2
)

// auditID is an event's _id.
func auditID(seq int64) string { return fmt.Sprintf("%012d", seq) }

type auditDoc struct {
	ID      any               `bson:"_id"` // a string; a number in a trail not yet migrated
	Seq     int64             `bson:"seq,omitempty"`
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

func newAuditDoc(e *audit.Event) auditDoc {
	return auditDoc{ID: auditID(e.Seq), Seq: e.Seq, At: e.At, Actor: e.Actor, Role: e.Role, Action: e.Action, Target: e.Target,
		Outcome: e.Outcome, Details: e.Details, Addr: e.Addr, Prev: e.Prev, Hash: e.Hash}
}

// seq is the event's number: the seq field, or a numeric _id written before it existed.
func (d *auditDoc) seq() int64 {
	if d.Seq != 0 {
		return d.Seq
	}
	switch v := d.ID.(type) {
	case int64:
		return v
	case int32:
		return int64(v)
	case float64:
		return int64(v)
	}
	return 0
}

func (d *auditDoc) event() *audit.Event {
	return &audit.Event{Seq: d.seq(), At: d.At.UTC(), Actor: d.Actor, Role: d.Role, Action: d.Action, Target: d.Target,
		Outcome: d.Outcome, Details: d.Details, Addr: d.Addr, Prev: d.Prev, Hash: d.Hash}
}

type auditHead struct {
	ID     string    `bson:"_id"`
	Seq    int64     `bson:"seq"`
	Hash   string    `bson:"hash"`
	At     time.Time `bson:"at"`
	Format int       `bson:"format,omitempty"`
}

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

// checkpointDoc reads the checkpoint as stored, unverified (nil when nothing was purged).
func (a *Audit) checkpointDoc(ctx context.Context) (*checkpointDoc, error) {
	var d checkpointDoc
	err := translate(a.db.coll(collAuditHead).FindOne(ctx, bson.D{{Key: "_id", Value: auditCheckpointID}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint: %w", err)
	}
	return &d, nil
}

// Checkpoint returns the checkpoint of purged events, after checking its seal.
func (a *Audit) Checkpoint(ctx context.Context) (*audit.Checkpoint, error) {
	d, err := a.checkpointDoc(ctx)
	if err != nil || d == nil {
		return nil, err
	}
	if len(a.key) == 0 || !hmac.Equal([]byte(d.Seal), []byte(a.seal(d.Seq, d.Hash, d.At))) {
		return nil, audit.ErrBadCheckpoint
	}
	return &audit.Checkpoint{Seq: d.Seq, Hash: d.Hash, At: d.At}, nil
}

// firstKept is the lowest number a page may show: after the checkpoint (read unverified:
// it only bounds where to stop looking), or 1.
func (a *Audit) firstKept(ctx context.Context) (int64, error) {
	cp, err := a.checkpointDoc(ctx)
	if err != nil || cp == nil {
		return 1, err
	}
	return cp.Seq + 1, nil
}

// Purge deletes the events from before t, which must be no later than audit.KeepFrom(now)
// (three calendar years back). The checkpoint is written first (the last purged event's number and hash,
// sealed), then the events go, oldest first, each by its _id: a crash between leaves
// events the checkpoint already stands for, which verification skips and the next purge
// deletes. It is a background job's work.
func (a *Audit) Purge(ctx context.Context, t, now time.Time) (int, error) {
	if background.Name(ctx) == "" {
		ctx = background.Job(ctx, "audit purge")
	}
	if len(a.key) == 0 {
		return 0, errors.New("audit purge: no key to seal the checkpoint")
	}
	if t.After(audit.KeepFrom(now)) {
		return 0, fmt.Errorf("audit purge: events are kept at least %d calendar years (from %s)", audit.MinYears, audit.KeepFrom(now).Format(time.DateOnly))
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
	// Finish a purge a crash interrupted: it deleted upwards, so what remains ends at the
	// checkpoint's event.
	n, err := a.deleteDown(ctx, from-1)
	if err != nil {
		return n, err
	}
	// The first event at or after t (numbers grow with time).
	first, err := a.firstAtOrAfter(ctx, from, head, t)
	if err != nil {
		return n, err
	}
	last := first - 1
	if last < from {
		return n, nil
	}
	e, err := a.Get(ctx, last)
	if err != nil {
		return n, err
	}
	d := checkpointDoc{ID: auditCheckpointID, Seq: last, Hash: e.Hash, At: e.At.UTC(), Seal: a.seal(last, e.Hash, e.At)}
	if _, err := a.db.coll(collAuditHead).ReplaceOne(ctx, bson.D{{Key: "_id", Value: auditCheckpointID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return n, fmt.Errorf("audit checkpoint: %w", translate(err))
	}
	for seq := from; seq <= last; seq++ {
		res, err := a.db.coll(collAuditEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: auditID(seq)}})
		if err != nil {
			return n, fmt.Errorf("audit purge: %w", translate(err))
		}
		n += int(res.DeletedCount)
	}
	if blockOf(from) < blockOf(last+1) {
		if err := a.prunePostings(ctx, blockOf(last+1)); err != nil {
			return n, err
		}
	}
	return n, nil
}

// deleteDown deletes events from seq downwards while they are there.
func (a *Audit) deleteDown(ctx context.Context, seq int64) (int, error) {
	n := 0
	for ; seq > 0; seq-- {
		res, err := a.db.coll(collAuditEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: auditID(seq)}})
		if err != nil {
			return n, fmt.Errorf("audit purge: %w", translate(err))
		}
		if res.DeletedCount == 0 {
			return n, nil
		}
		n++
	}
	return n, nil
}

// firstAtOrAfter is the smallest number in [lo, head] whose event is at or after t
// (head+1 when none is), by bisection over Get: times never go backwards along the chain.
// A number with no event (removed by hand) is passed over, looking upwards.
func (a *Audit) firstAtOrAfter(ctx context.Context, lo, head int64, t time.Time) (int64, error) {
	hi := head + 1
	for lo < hi {
		mid := lo + (hi-lo)/2
		probe := mid
		var e *audit.Event
		for ; probe < hi; probe++ {
			var err error
			e, err = a.Get(ctx, probe)
			if err == nil {
				break
			}
			if !errors.Is(err, apperr.ErrNotFound) {
				return 0, err
			}
		}
		switch {
		case probe == hi: // nothing stored in [mid, hi)
			hi = mid
		case e.At.Before(t):
			lo = probe + 1
		default:
			hi = mid
		}
	}
	return lo, nil
}

// Head returns the newest event's number and hash.
func (a *Audit) Head(ctx context.Context) (int64, string, error) {
	h, err := a.head(ctx)
	return h.Seq, h.Hash, err
}

// head reads the head document (zero when the trail is empty).
func (a *Audit) head(ctx context.Context) (auditHead, error) {
	var h auditHead
	err := translate(a.db.coll(collAuditHead).FindOne(ctx, bson.D{{Key: "_id", Value: auditHeadID}}).Decode(&h))
	if errors.Is(err, apperr.ErrNotFound) {
		return auditHead{}, nil
	}
	if err != nil {
		return auditHead{}, fmt.Errorf("audit head: %w", err)
	}
	return h, nil
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
	// The head's lock also serialises every write to the postings (see audit_index.go).
	unlock := a.db.locks.lock(collAuditHead, auditHeadID)
	defer unlock()
	head, err := a.head(ctx)
	if err != nil {
		return false, err
	}
	if head.Seq > 0 && head.Format < auditFormat {
		// A trail from before string _ids that start-up has not converted (a command run
		// on its own after a restore): convert it first, so that no number is claimed
		// once as a number and once as a string.
		if _, err := a.migrateLocked(background.Job(ctx, "audit migration")); err != nil {
			return false, err
		}
		if head, err = a.head(ctx); err != nil {
			return false, err
		}
	}
	// Times never go backwards along the chain (an event stamped before it waited for
	// the lock takes the previous one's time), so dates can be found by bisection.
	if e.At.Before(head.At) {
		e.At = head.At
	}
	e.Seal(head.Seq, head.Hash)
	// Postings first: one left by an append that then loses its number, or crashes, is
	// harmless (a search reads the event and checks it); an event without them would
	// be missed by every filter.
	if err := a.post(ctx, e); err != nil {
		return false, err
	}
	_, err = a.db.coll(collAuditEvents).InsertOne(ctx, newAuditDoc(e))
	if err = translate(err); errors.Is(err, apperr.ErrConflict) {
		// The number is taken: another instance appended, or an append stopped before
		// moving the head. Move the head to that event and try again.
		taken, err := a.Get(ctx, e.Seq)
		if err != nil {
			return false, err
		}
		return false, a.moveHead(ctx, head.Seq, taken.Seq, taken.Hash, taken.At)
	} else if err != nil {
		return false, fmt.Errorf("audit event: %w", err)
	}
	return true, a.moveHead(ctx, head.Seq, e.Seq, e.Hash, e.At)
}

// moveHead sets the head from seq "from" to the given event; if another instance moved
// it first, nothing changes (the next append reads the new head).
func (a *Audit) moveHead(ctx context.Context, from, seq int64, hash string, at time.Time) error {
	next := auditHead{ID: auditHeadID, Seq: seq, Hash: hash, At: at.UTC(), Format: auditFormat}
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
	if err := translate(a.db.coll(collAuditEvents).FindOne(ctx, bson.D{{Key: "_id", Value: auditID(seq)}}).Decode(&d)); err != nil {
		return nil, fmt.Errorf("audit event %d: %w", seq, err)
	}
	return d.event(), nil
}

// getAny is Get that also finds an event stored with a numeric _id (a trail not yet
// migrated): that look-up reads the whole collection, so only background work uses it.
func (a *Audit) getAny(ctx context.Context, seq int64) (*audit.Event, error) {
	e, err := a.Get(ctx, seq)
	if !errors.Is(err, apperr.ErrNotFound) {
		return e, err
	}
	var d auditDoc
	if err := translate(a.db.coll(collAuditEvents).FindOne(ctx, bson.D{{Key: "_id", Value: seq}}).Decode(&d)); err != nil {
		return nil, fmt.Errorf("audit event %d: %w", seq, err)
	}
	return d.event(), nil
}
