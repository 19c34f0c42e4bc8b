package store

import (
	"context"

	"github.com/example/pdpa-portal/audit"
)

// PostForTest writes an event's postings alone, as an append that then lost its number
// would have left them.
func (a *Audit) PostForTest(ctx context.Context, e *audit.Event) error {
	unlock := a.db.locks.lock(collAuditHead, auditHeadID)
	defer unlock()
	return a.post(ctx, e)
}
