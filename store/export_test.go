package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/audit"
)

// PostForTest writes an event's postings alone, as an append that then lost its number
// would have left them.
func (a *Audit) PostForTest(ctx context.Context, e *audit.Event) error {
	unlock := a.db.locks.lock(collAuditHead, auditHeadID)
	defer unlock()
	return a.post(ctx, e)
}

// SetSeedChunkForTest makes Seed write in chunks of about n events (so a test's few
// thousand take several) until the returned function is called.
func SetSeedChunkForTest(n int) (restore func()) {
	old := seedChunk
	seedChunk = n
	return func() { seedChunk = old }
}

// DeleteMatchingForTest is deleteMatching, for a test of its size limit.
func (d *DB) DeleteMatchingForTest(ctx context.Context, coll string, filter any) (int, error) {
	return d.deleteMatching(ctx, coll, filter.(bson.D))
}

// BeforeStateForTest makes fn run inside each append, between reading the person's
// state and writing it: where another instance's append can come between.
func (c *Consents) BeforeStateForTest(fn func()) { c.beforeState = fn }
