package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// A person's filing claims for the quota: a claim made on the version read stands, one
// made on a version another claim changed meanwhile is refused (that filing looks
// again); a claim counts until its request is stored and readable, or until it runs
// out; a refused filing's claim can be dropped.
func TestQuotaFilingClaims(t *testing.T) {
	db := storetest.New(t)
	v := storetest.Vault(db.DB)
	ctx := context.Background()
	subject := "u_quota"
	if _, err := v.NewSubject(ctx, subject); err != nil {
		t.Fatal(err)
	}
	a, b := store.NewRequests(db.DB, v), store.NewRequests(db.DB, v) // two instances
	now := t0
	mine, pending, version, err := a.Filings(ctx, subject, now)
	if err != nil || len(mine) != 0 || len(pending) != 0 || version != 0 {
		t.Fatalf("no filings yet: %v %v %d %v", mine, pending, version, err)
	}
	if ok, err := a.Claim(ctx, subject, "2026-000001", version, now); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, err := b.Claim(ctx, subject, "2026-000002", version, now); ok || err != nil {
		t.Fatalf("a claim on the version another claim changed: %v %v", ok, err)
	}
	_, pending, version, err = b.Filings(ctx, subject, now)
	if err != nil || !slices.Equal(pending, []string{"2026-000001"}) {
		t.Fatalf("pending %v %v", pending, err)
	}
	if ok, err := b.Claim(ctx, subject, "2026-000002", version, now); !ok || err != nil {
		t.Fatalf("a claim on the version read again: %v %v", ok, err)
	}
	// The first filing is stored: it counts as a request, no longer as a claim.
	r := &rights.Request{Ref: "2026-000001", Kind: rights.View, Subject: subject, Channel: rights.ChannelWeb, Received: rights.DateOf(now), Scope: "all"}
	rights.File(r, now, nil)
	if err := a.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	mine, pending, _, err = a.Filings(ctx, subject, now)
	if err != nil || len(mine) != 1 || !slices.Equal(pending, []string{"2026-000002"}) {
		t.Fatalf("after the first is stored: %d requests, pending %v, %v", len(mine), pending, err)
	}
	// The second is refused after its claim: the claim goes.
	if err := b.Unclaim(ctx, subject, "2026-000002", now); err != nil {
		t.Fatal(err)
	}
	if _, pending, version, err = a.Filings(ctx, subject, now); err != nil || len(pending) != 0 {
		t.Fatalf("after the unclaim: pending %v %v", pending, err)
	}
	// A claim whose filing never finished (its instance stopped) runs out.
	if ok, err := a.Claim(ctx, subject, "2026-000003", version, now); !ok || err != nil {
		t.Fatalf("third claim: %v %v", ok, err)
	}
	if _, pending, _, _ = b.Filings(ctx, subject, now.Add(20*time.Minute)); len(pending) != 0 {
		t.Fatalf("a claim 20 minutes old still counts: %v", pending)
	}
}
