package analytics

import (
	"context"
	"errors"
	"github.com/example/pdpa-portal/internal/ids"
	"sync"
	"time"
)

// Store keeps the daily counters.
type Store interface {
	// Add adds one day's increment to what is stored. Several portal instances add at
	// the same time: counts add up and sketches merge.
	Add(ctx context.Context, d *Day) error
	// Range returns the days from..to (YYYY-MM-DD, inclusive): each day's totals and the
	// sum of everything.
	Range(ctx context.Context, from, to string) (*Range, error)
	// Roll summarises every finished month, so a long range reads a few documents.
	Roll(ctx context.Context, now time.Time) error
}

// Range is what the report is built from.
type Range struct {
	From, To string
	Days     []Totals // one per day of the range, in order, zero where nothing was counted
	Sum      *Day
}

// Counter buffers page views and writes them in batches.
type Counter struct {
	Buffer *Buffer
	Store  Store

	flushing  sync.Mutex // one flush at a time
	pending   []*Day     // increments whose write failed, retried under the same batch name (under flushing)
	mu        sync.Mutex // guards lastFlush and the pending count, so readers never wait on the database
	npending  int
	lastFlush time.Time
}

// Flush writes what the buffer holds, and what earlier flushes could not write. An
// increment that fails stays pending under its batch name: if the database did apply
// it (a timeout after the write), the store recognises the name and does not add it
// twice. Flushes run one at a time.
func (c *Counter) Flush(ctx context.Context, now time.Time) error {
	c.flushing.Lock()
	defer c.flushing.Unlock()
	todo := c.pending
	for _, d := range c.Buffer.Take() {
		d.Batch = newBatch()
		todo = append(todo, d)
	}
	c.pending = nil
	var errs []error
	for _, d := range todo {
		if err := c.Store.Add(ctx, d); err != nil {
			c.pending = append(c.pending, d)
			errs = append(errs, err)
		}
	}
	c.mu.Lock()
	c.npending = len(c.pending)
	if len(errs) == 0 {
		c.lastFlush = now
	}
	c.mu.Unlock()
	return errors.Join(errs...)
}

// Pending is how many day increments wait to be written.
func (c *Counter) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.npending + c.Buffer.Pending()
}

// LastFlush is when every buffered count was last written.
func (c *Counter) LastFlush() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastFlush
}

func newBatch() string { return ids.Hex(12) }
