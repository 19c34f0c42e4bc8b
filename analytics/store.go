package analytics

import (
	"context"
	"errors"
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

	mu        sync.Mutex
	lastFlush time.Time
}

// Flush writes what the buffer holds. Days that could not be written go back into the
// buffer for the next flush; the error says why.
func (c *Counter) Flush(ctx context.Context, now time.Time) error {
	var failed []*Day
	var errs []error
	for _, d := range c.Buffer.Take() {
		if err := c.Store.Add(ctx, d); err != nil {
			failed = append(failed, d)
			errs = append(errs, err)
		}
	}
	c.Buffer.Restore(failed)
	if len(errs) == 0 {
		c.mu.Lock()
		c.lastFlush = now
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// LastFlush is when every buffered count was last written.
func (c *Counter) LastFlush() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastFlush
}
