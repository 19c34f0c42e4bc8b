package store

import (
	"container/heap"
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
)

// walkBuffer is how many events Walk holds while waiting for one that the stored order
// put later.
const walkBuffer = 1024

// Walk calls fn for every event after the checkpoint, in sequence order. It reads the
// collection in its stored order, which is the order of insertion, without asking the
// database to sort (the embedded engine would sort every event in memory): a small
// buffer puts events a little out of order back in order, and when the one expected
// next is not within it, Walk reads that one by number. It reads everything, so it is
// background work (audit.Verify marks its context).
func (a *Audit) Walk(ctx context.Context, fn func(*audit.Event) error) error {
	next, err := a.firstKept(ctx)
	if err != nil {
		return err
	}
	cur, err := a.db.coll(collAuditEvents).Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("audit trail: %w", translate(err))
	}
	defer cur.Close(ctx)
	buf := &eventHeap{}
	// drain hands on what the buffer can; with force (the collection is read through, or
	// the buffer is full) it settles the expected event by reading it, and if it is not
	// stored, goes on from the lowest buffered one (the caller sees the gap).
	drain := func(force bool) error {
		for buf.Len() > 0 {
			top := (*buf)[0]
			switch {
			case top.Seq < next: // handed on already (read by number, or stored twice during a migration)
				heap.Pop(buf)
				continue
			case top.Seq == next:
				heap.Pop(buf)
				if err := fn(top); err != nil {
					return err
				}
				next++
				continue
			case !force:
				return nil
			}
			e, err := a.getAny(ctx, next)
			if errors.Is(err, apperr.ErrNotFound) {
				e = heap.Pop(buf).(*audit.Event)
			} else if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
			next = e.Seq + 1
		}
		return nil
	}
	for cur.Next(ctx) {
		var d auditDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("audit trail: %w", err)
		}
		if e := d.event(); e.Seq >= next {
			heap.Push(buf, e)
		}
		if err := drain(buf.Len() > walkBuffer); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("audit trail: %w", translate(err))
	}
	return drain(true)
}

// eventHeap orders events by number, lowest first.
type eventHeap []*audit.Event

func (h eventHeap) Len() int           { return len(h) }
func (h eventHeap) Less(i, j int) bool { return h[i].Seq < h[j].Seq }
func (h eventHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)        { *h = append(*h, x.(*audit.Event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
