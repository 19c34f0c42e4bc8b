package rights

import (
	"fmt"
	"time"
)

// Quota bounds what one person files, so that nobody (or a script with their session)
// floods the officers' queue: requests still in the agency's hands, and filings in any
// 24 hours. Requests an officer enters from paper or the counter do not count against
// it, and neither do guests' (they have no account to count by). The portal's defaults
// (PORTAL_QUOTA_OPEN 20, PORTAL_QUOTA_PER_DAY 10) are generous for a person and small
// for a script.
type Quota struct {
	Open   int
	PerDay int
}

// QuotaError is a filing refused by the quota: the catalogue key saying which, and the
// limit reached.
type QuotaError struct {
	Key   string
	Limit int
}

func (e *QuotaError) Error() string { return fmt.Sprintf("quota: %s (%d)", e.Key, e.Limit) }

// Check reports a *QuotaError when one more filing beside mine (the person's requests)
// at now would go over q; a zero field sets no limit.
func (q Quota) Check(mine []*Request, now time.Time) error {
	open, today := 0, 0
	for _, r := range mine {
		if r.EnteredBy != "" {
			continue // taken from paper or at the counter by an officer
		}
		if r.State.Open() {
			open++
		}
		if now.Sub(r.Filed) < 24*time.Hour {
			today++
		}
	}
	switch {
	case q.Open > 0 && open >= q.Open:
		return &QuotaError{Key: "request.quota_open", Limit: q.Open}
	case q.PerDay > 0 && today >= q.PerDay:
		return &QuotaError{Key: "request.quota_day", Limit: q.PerDay}
	}
	return nil
}
