package rights

import (
	"testing"
	"time"
)

// Open requests and the last 24 hours' filings count; an officer's paper entries and
// settled requests do not; a zero limit is no limit.
func TestQuotaCheck(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	mine := []*Request{
		{State: Review, Filed: now.Add(-time.Hour)},
		{State: Closed, Filed: now.Add(-2 * time.Hour)},
		{State: Submitted, Filed: now.Add(-30 * time.Hour)},
		{State: Submitted, Filed: now.Add(-time.Hour), EnteredBy: "u_officer"},
	}
	if err := (Quota{Open: 3, PerDay: 3}).Check(mine, now); err != nil {
		t.Fatalf("under both limits: %v", err)
	}
	if err, ok := (Quota{Open: 2, PerDay: 3}).Check(mine, now).(*QuotaError); !ok || err.Key != "request.quota_open" || err.Limit != 2 {
		t.Fatalf("two open: %v", err)
	}
	if err, ok := (Quota{Open: 3, PerDay: 2}).Check(mine, now).(*QuotaError); !ok || err.Key != "request.quota_day" {
		t.Fatalf("two today: %v", err)
	}
	if err := (Quota{}).Check(mine, now); err != nil {
		t.Fatalf("no limits: %v", err)
	}
}
