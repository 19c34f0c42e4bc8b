package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
)

// MigrateIDs converts a trail written before string _ids (an older data directory, or
// a backup from then restored) and builds its postings: in one pass over the
// collection it inserts a copy of each event under its string _id (a copy already
// there from an interrupted run is skipped), then deletes the numeric ones and marks
// the head, so that later start-ups know with one look-up that nothing is left to do.
// The hashes do not change (they cover the number, not the _id). Appends in this
// process wait for it (it holds the head's lock); with several portals on one MongoDB,
// let the first one started finish it before starting the others. It returns how many
// events it converted.
func (a *Audit) MigrateIDs(ctx context.Context) (int, error) {
	head, err := a.head(ctx)
	if err != nil || head.Format >= auditFormat {
		return 0, err
	}
	unlock := a.db.locks.lock(collAuditHead, auditHeadID)
	defer unlock()
	return a.migrateLocked(ctx)
}

// migrateLocked is MigrateIDs for a caller holding the head's lock.
func (a *Audit) migrateLocked(ctx context.Context) (int, error) {
	head, err := a.head(ctx)
	if err != nil || head.Format >= auditFormat {
		return 0, err
	}
	events := a.db.coll(collAuditEvents)
	if head.Seq == 0 {
		// No head: an empty trail, or one whose first append stopped before writing the
		// head (the next append writes a marked head). Only numeric _ids need converting.
		var d auditDoc
		err := translate(events.FindOne(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$type", Value: "number"}}}}).Decode(&d))
		if errors.Is(err, apperr.ErrNotFound) {
			return 0, nil
		} else if err != nil {
			return 0, fmt.Errorf("audit migration: %w", err)
		}
	}
	// Postings come only from this run: a restore over a converted trail (--force) may
	// have left the replaced trail's.
	if _, err := a.db.deleteMatching(ctx, collAuditIndex, bson.D{}); err != nil {
		return 0, fmt.Errorf("audit migration: %w", err)
	}
	a.known.reset()
	a.db.postings.reset()
	cur, err := events.Find(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("audit migration: %w", translate(err))
	}
	defer cur.Close(ctx)
	n := 0
	var done bitset
	var batch []any
	p := postings{}
	flush := func() error {
		if err := a.postBulk(ctx, p); err != nil {
			return err
		}
		p = postings{}
		if len(batch) == 0 {
			return nil
		}
		_, err := events.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we.WriteError) {
					return fmt.Errorf("audit migration: %w", translate(err))
				}
			}
		} else if err != nil {
			return fmt.Errorf("audit migration: %w", translate(err))
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	for cur.Next(ctx) {
		var d auditDoc
		if err := cur.Decode(&d); err != nil {
			return n, fmt.Errorf("audit migration: %w", err)
		}
		e := d.event()
		if e.Seq <= 0 || done.has(e.Seq) {
			continue // a copy this run inserted, met again further on
		}
		done.set(e.Seq)
		if _, isString := d.ID.(string); !isString {
			batch = append(batch, newAuditDoc(e))
		}
		p.add(e) // every event's postings, converted now or before an interruption
		if len(p) > 20_000 || len(batch) >= 5_000 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("audit migration: %w", translate(err))
	}
	if err := flush(); err != nil {
		return n, err
	}
	if _, err := a.db.deleteMatching(ctx, collAuditEvents, bson.D{{Key: "_id", Value: bson.D{{Key: "$type", Value: "number"}}}}); err != nil {
		return n, fmt.Errorf("audit migration: %w", err)
	}
	if head.Seq > 0 {
		head.Format = auditFormat
		if _, err := a.db.coll(collAuditHead).ReplaceOne(ctx, bson.D{{Key: "_id", Value: auditHeadID}}, head); err != nil {
			return n, fmt.Errorf("audit migration: %w", translate(err))
		}
	}
	return n, nil
}

// bitset is a set of sequence numbers.
type bitset []uint64

func (b bitset) has(n int64) bool { return n/64 < int64(len(b)) && b[n/64]&(1<<(n%64)) != 0 }

func (b *bitset) set(n int64) {
	for int64(len(*b)) <= n/64 {
		*b = append(*b, 0)
	}
	(*b)[n/64] |= 1 << (n % 64)
}
