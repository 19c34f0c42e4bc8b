package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Concurrent filings get distinct, consecutive references; what the requester typed is
// sealed at rest; the queue lists open requests soonest due first.
func TestRequestsNumberSealAndQueue(t *testing.T) {
	db := storetest.New(t)
	v := storetest.Vault(db.DB)
	ctx := context.Background()
	subject := "u_requester"
	if _, err := v.NewSubject(ctx, subject); err != nil {
		t.Fatal(err)
	}
	reqs := store.NewRequests(db.DB, v)
	received := rights.NewDate(2026, time.November, 23)
	var wg sync.WaitGroup
	refs := make([]string, 20)
	errs := make([]error, 20)
	for i := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kind := []rights.Kind{rights.View, rights.Delete}[i%2]
			r := &rights.Request{Kind: kind, Subject: subject, Channel: rights.ChannelWeb, Received: received,
				Scope: "我在 2025 年申請補助的資料 0912-345-678", Purposes: []string{"newsletter"}}
			rights.File(r, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), nil)
			errs[i] = reqs.Create(ctx, r)
			refs[i] = r.Ref
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, ref := range refs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[ref] || !rights.ValidRef(ref) || !strings.HasPrefix(ref, "2026-") {
			t.Fatalf("reference %q repeated or malformed (%v)", ref, refs)
		}
		seen[ref] = true
	}
	for n := 1; n <= 20; n++ {
		if !seen[rights.FormatRef(2026, int64(n))] {
			t.Fatalf("reference number %d missing: %v", n, refs)
		}
	}
	got, err := reqs.ByRef(ctx, refs[0])
	if err != nil || !strings.Contains(got.Scope, "0912-345-678") {
		t.Fatalf("read back: %v %+v", err, got)
	}
	if strings.Contains(storetest.Dump(t, db), "0912-345-678") {
		t.Fatal("the request's text is stored in plaintext")
	}
	open, err := reqs.Open(ctx)
	if err != nil || len(open) != 20 {
		t.Fatalf("queue: %v, %d", err, len(open))
	}
	// View requests are due in 15 days (8 December), delete in 30 (23 December): view first.
	if open[0].Kind != rights.View || open[0].Due != rights.NewDate(2026, time.December, 8) || open[19].Due != rights.NewDate(2026, time.December, 23) {
		t.Fatalf("queue order: first %+v, last %+v", open[0], open[19])
	}
	mine, err := reqs.ForSubject(ctx, subject)
	if err != nil || len(mine) != 20 {
		t.Fatalf("the requester's list: %v %d", err, len(mine))
	}
	// The list as a page shows it: the same requests in the same order, with what a row
	// needs and no sealed text opened.
	listed, err := reqs.ListForSubject(ctx, subject)
	if err != nil || len(listed) != len(mine) {
		t.Fatalf("the requester's short list: %v %d", err, len(listed))
	}
	for i, r := range listed {
		m := mine[i]
		if r.Ref != m.Ref || r.Kind != m.Kind || r.State != m.State || r.Received != m.Received || r.Due != m.Due ||
			!r.Filed.Equal(m.Filed) || r.Version != m.Version || r.Channel != m.Channel || r.Subject != m.Subject || r.Scope != "" {
			t.Fatalf("row %d: listed %+v, whole %+v", i, r, m)
		}
	}
	// Once the person's data key is destroyed, neither list shows their requests.
	if err := v.Destroy(ctx, subject); err != nil {
		t.Fatal(err)
	}
	mine, _ = reqs.ForSubject(ctx, subject)
	listed, err = reqs.ListForSubject(ctx, subject)
	if err != nil || len(listed) != 0 || len(mine) != 0 {
		t.Fatalf("after the key is destroyed: %v, listed %d, whole %d", err, len(listed), len(mine))
	}
}

// A filing cut off between its queue entry and its request leaves an entry that answers
// "not found"; the hourly run drops it once a day old, and never a stored request's.
func TestDropUnfinishedFilings(t *testing.T) {
	db := storetest.New(t)
	v := storetest.Vault(db.DB)
	ctx := context.Background()
	if _, err := v.NewSubject(ctx, "u_a"); err != nil {
		t.Fatal(err)
	}
	reqs := store.NewRequests(db.DB, v)
	file := func(day int) string {
		r := &rights.Request{Kind: rights.View, Subject: "u_a", Channel: rights.ChannelWeb, Received: rights.NewDate(2026, time.November, day), Scope: "全部"}
		rights.File(r, time.Date(2026, 11, day, 9, 0, 0, 0, time.UTC), nil)
		if err := reqs.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r.Ref
	}
	kept, cutOld, cutNew := file(20), file(20), file(23)
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	for _, ref := range []string{cutOld, cutNew} { // as if the portal died before the second write
		if _, err := client.Database(db.Name).Collection("requests").DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := reqs.DropUnfinished(ctx, rights.NewDate(2026, time.November, 22))
	if err != nil || n != 1 {
		t.Fatalf("dropped %d (%v), want 1", n, err)
	}
	open, err := reqs.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, r := range open {
		refs = append(refs, r.Ref)
	}
	if strings.Join(refs, ",") != kept+","+cutNew && strings.Join(refs, ",") != cutNew+","+kept {
		t.Fatalf("queue after the run: %v, want %s and the recent %s", refs, kept, cutNew)
	}
}

// The queue is decoded once while its documents stay the same in memory: a filing, an
// assignment and a closed request each show at the next read, and what one reader
// changes in its list is not what the next one reads.
func TestQueueReadAgainAfterEachChange(t *testing.T) {
	db := storetest.New(t)
	v := storetest.Vault(db.DB)
	ctx := context.Background()
	if _, err := v.NewSubject(ctx, "u_a"); err != nil {
		t.Fatal(err)
	}
	reqs := store.NewRequests(db.DB, v)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	file := func(kind rights.Kind) *rights.Request {
		r := &rights.Request{Kind: kind, Subject: "u_a", Channel: rights.ChannelWeb, Received: rights.NewDate(2026, time.November, 23), Scope: "全部"}
		rights.File(r, now, nil)
		if err := reqs.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	queue := func() []*rights.Request {
		t.Helper()
		open, err := reqs.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return open
	}
	del := file(rights.Delete)
	if q := queue(); len(q) != 1 || q[0].Ref != del.Ref {
		t.Fatalf("queue: %+v", q)
	}
	view := file(rights.View) // due sooner: first
	q := queue()
	if len(q) != 2 || q[0].Ref != view.Ref || q[1].Ref != del.Ref {
		t.Fatalf("after a second filing: %+v", q)
	}
	q[0].Assignee, q[0].State = "u_someone", rights.Closed
	if q = queue(); q[0].Assignee != "" || q[0].State != view.State {
		t.Fatalf("a reader's change reached the next read: %+v", q[0])
	}
	if _, err := reqs.Update(ctx, view.Ref, view.Version, now.Add(time.Minute), rights.Assign("u_lead", "u_officer")); err != nil {
		t.Fatal(err)
	}
	if q = queue(); q[0].Ref != view.Ref || q[0].Assignee != "u_officer" {
		t.Fatalf("after the assignment: %+v", q[0])
	}
	// The queue shared between readers says the same after each change, and its slice is
	// each reader's own.
	shared := func() []*rights.Request {
		t.Helper()
		open, err := reqs.OpenShared(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return open
	}
	for i := range 3 {
		sq := shared()
		if len(sq) != 2 || sq[0].Ref != view.Ref || sq[0].Assignee != "u_officer" || sq[1].Ref != del.Ref {
			t.Fatalf("shared read %d: %+v", i, sq)
		}
		sq[0], sq[1] = sq[1], sq[0]
	}
	if _, err := reqs.Update(ctx, view.Ref, view.Version+1, now.Add(90*time.Second), rights.Assign("u_lead", "u_third")); err != nil {
		t.Fatal(err)
	}
	if sq := shared(); len(sq) != 2 || sq[0].Ref != view.Ref || sq[0].Assignee != "u_third" {
		t.Fatalf("shared after the second assignment: %+v", sq)
	}
	if sq := shared(); sq[0].Assignee != "u_third" {
		t.Fatalf("shared read again: %+v", sq[0])
	}
	// The person's list, read the same way row by row.
	list := func() map[string]*rights.Request {
		t.Helper()
		rs, err := reqs.ListForSubject(ctx, "u_a")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*rights.Request{}
		for _, r := range rs {
			out[r.Ref] = r
		}
		return out
	}
	l := list()
	if len(l) != 2 || l[view.Ref].Assignee != "u_third" || l[del.Ref].Assignee != "" {
		t.Fatalf("list: %+v", l)
	}
	l[del.Ref].State = rights.Closed
	if _, err := reqs.Update(ctx, del.Ref, del.Version, now.Add(2*time.Minute), rights.Assign("u_lead", "u_other")); err != nil {
		t.Fatal(err)
	}
	if l = list(); l[del.Ref].Assignee != "u_other" || l[del.Ref].State != del.State || l[del.Ref].Version != del.Version+1 {
		t.Fatalf("list after the assignment: %+v", l[del.Ref])
	}
	if third := file(rights.Copy); len(list()) != 3 || list()[third.Ref] == nil {
		t.Fatalf("list after a third filing: %+v", list())
	}
}
