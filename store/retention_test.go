package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/pdpa-portal/retention"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Two instances' hourly runs: the one that ran releases the lease at the end, and the
// other, ticking later in the same hour, still finds the hour done and skips it; after
// the lease's end it runs.
func TestRetentionReleasedLeaseKeepsTheHour(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	a, b := store.NewRetention(db.DB, nil, nil), store.NewRetention(db.DB, nil, nil)
	if ok, err := a.Acquire(ctx, retention.LeaseName, "a", retention.LeaseTTL, t0); !ok || err != nil {
		t.Fatalf("first acquire: %v %v", ok, err)
	}
	if err := a.Release(ctx, retention.LeaseName, "a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Acquire(ctx, retention.LeaseName, "b", retention.LeaseTTL, t0.Add(20*time.Minute)); ok || err != nil {
		t.Fatalf("the other instance took the released lease within the hour: %v %v", ok, err)
	}
	if holder, until, err := b.Lease(ctx, retention.LeaseName); holder != "" || !until.IsZero() || err != nil {
		t.Fatalf("a finished run is shown as running: %q %v %v", holder, until, err)
	}
	if ok, err := b.Acquire(ctx, retention.LeaseName, "b", retention.LeaseTTL, t0.Add(retention.LeaseTTL+time.Minute)); !ok || err != nil {
		t.Fatalf("the next hour's acquire: %v %v", ok, err)
	}
	if holder, _, err := a.Lease(ctx, retention.LeaseName); holder != "b" || err != nil {
		t.Fatalf("holder %q %v, want b", holder, err)
	}
	// A release by an instance that no longer holds the lease changes nothing.
	if err := a.Release(ctx, retention.LeaseName, "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.Acquire(ctx, retention.LeaseName, "a", retention.LeaseTTL, t0.Add(retention.LeaseTTL+2*time.Minute)); ok {
		t.Fatal("a stale release gave the lease away")
	}
}
