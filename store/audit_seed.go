package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/internal/background"
)

// seedChunk is about how many events Seed writes between moves of the head (a chunk
// ends with a block of postings, so no block is written twice).
var seedChunk = 50_000

// Seed appends many events at once (demo data, benchmarks); see SeedAll.
func (a *Audit) Seed(ctx context.Context, events []*audit.Event) error {
	return a.SeedAll(ctx, slices.Values(events))
}

// SeedAll appends a sequence of events, oldest first, too many perhaps to hold at once
// (the demo's million): it chains them after the head exactly as Append would (numbers,
// times that never go backwards, hashes), then every seedChunk events writes the chunk's
// postings and events in batches and moves the head. Each key's directory of blocks is
// written once, at the end: merged chunk by chunk it cost a read and a write per key and
// chunk (the demo's audit trail took three minutes for 326 000 events). The embedded
// engine commits each write with an fsync, so writing a thousand documents in one insert
// is what makes it fast. It holds the head's lock throughout; an event that another
// instance appended meanwhile makes it fail with apperr.ErrConflict (before the head moves
// past it). Cut short, it leaves events whose keys' directories do not list them yet
// (seeding is for data that can be made again).
func (a *Audit) SeedAll(ctx context.Context, events iter.Seq[*audit.Event]) error {
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
	dirs := map[string][]int64{} // key → its blocks, ascending
	var chunk []*audit.Event
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		p := postings{}
		docs := make([]any, len(chunk))
		for i, e := range chunk {
			p.add(e)
			docs[i] = newAuditDoc(e)
		}
		for k, blocks := range p {
			for b := range blocks {
				if bs := dirs[k]; len(bs) == 0 || bs[len(bs)-1] < b {
					dirs[k] = append(bs, b)
				} else if !slices.Contains(bs, b) {
					dirs[k], _ = union(bs, []int64{b})
				}
			}
		}
		if err := a.postBlocks(ctx, p); err != nil {
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
		chunk = chunk[:0]
		return nil
	}
	seq, hash, at := head.Seq, head.Hash, head.At
	for e := range events {
		if e.At.Before(at) {
			e.At = at
		}
		e.Seal(seq, hash)
		seq, hash, at = e.Seq, e.Hash, e.At
		chunk = append(chunk, e)
		if len(chunk) >= seedChunk && (e.Seq+1)%auditBlock == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return a.postDirs(ctx, dirs)
}
