package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/internal/background"
)

// seedChunk is how many events Seed writes between moves of the head.
const seedChunk = 50_000

// Seed appends many events at once (demo data, benchmarks): it chains them after the
// head in memory exactly as Append would (numbers, times that never go backwards,
// hashes), then writes their postings and the events in batches and moves the head,
// every seedChunk events. The embedded engine commits each write with an fsync, so
// writing a thousand documents in one insert is what makes it fast. It holds the head's
// lock throughout; an event that another instance appended meanwhile makes it fail
// with apperr.ErrConflict (before the head moves past it).
func (a *Audit) Seed(ctx context.Context, events []*audit.Event) error {
	unlock := a.db.locks.lock(collAuditHead, auditHeadID)
	defer unlock()
	head, err := a.head(ctx)
	if err != nil {
		return err
	}
	if head.Seq > 0 && head.Format < auditFormat {
		if _, err := a.migrateLocked(background.Job(ctx, "audit migration")); err != nil {
			return err
		}
		if head, err = a.head(ctx); err != nil {
			return err
		}
	}
	for start := 0; start < len(events); start += seedChunk {
		chunk := events[start:min(start+seedChunk, len(events))]
		p := postings{}
		docs := make([]any, len(chunk))
		seq, hash, at := head.Seq, head.Hash, head.At
		for i, e := range chunk {
			if e.At.Before(at) {
				e.At = at
			}
			e.Seal(seq, hash)
			seq, hash, at = e.Seq, e.Hash, e.At
			p.add(e)
			docs[i] = newAuditDoc(e)
		}
		if err := a.postBulk(ctx, p); err != nil {
			return err
		}
		// Ordered: on a number already taken, nothing after it is written.
		if _, err := a.db.coll(collAuditEvents).InsertMany(ctx, docs, options.InsertMany().SetOrdered(true)); err != nil {
			err = translate(err)
			if errors.Is(err, apperr.ErrConflict) {
				return fmt.Errorf("audit seed: another append took a number: %w", err)
			}
			return fmt.Errorf("audit seed: %w", err)
		}
		last := chunk[len(chunk)-1]
		if err := a.moveHead(ctx, head.Seq, last.Seq, last.Hash, last.At); err != nil {
			return err
		}
		head = auditHead{ID: auditHeadID, Seq: last.Seq, Hash: last.Hash, At: last.At, Format: auditFormat}
	}
	return nil
}
