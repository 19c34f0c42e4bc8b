package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// search collects what a query finds.
func search(t *testing.T, a *store.Audit, q audit.Query) ([]*audit.Event, audit.Result) {
	t.Helper()
	var out []*audit.Event
	res, err := a.Search(context.Background(), q, func(e *audit.Event) error { out = append(out, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out, res
}

func seqs(events []*audit.Event) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.Seq
	}
	return out
}

// mixedEvents are n events an hour apart from start: actors u0..u4 in turn (u4 only
// every 50th event), actions of three routes, targets on every other event.
func mixedEvents(n int, start time.Time) []*audit.Event {
	actions := []string{"POST /officer/requests/:ref/:action", "GET /officer/requests/:ref", "POST /signin"}
	out := make([]*audit.Event, n)
	for i := range out {
		actor := fmt.Sprintf("u%d", i%4)
		if i%50 == 49 {
			actor = "u4"
		}
		e := &audit.Event{At: start.Add(time.Duration(i) * time.Hour), Actor: actor, Role: "officer", Action: actions[i%3], Outcome: audit.OK,
			Details: map[string]string{"status": "200"}}
		if i%2 == 0 {
			e.Target = fmt.Sprintf("2026-%06d", i/10)
		}
		out[i] = e
	}
	return out
}

// want is what a reader would pick by hand: the events matching, newest first.
func want(events []*audit.Event, keep func(*audit.Event) bool) []int64 {
	var out []int64
	for i := len(events) - 1; i >= 0; i-- {
		if keep(events[i]) {
			out = append(out, events[i].Seq)
		}
	}
	return out
}

// Filters by actor, target, part of an action (any case) and dates find exactly the
// events a reader would pick, newest first, across blocks of postings; pages continue
// where the last one stopped.
func TestAuditSearchFilters(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	events := mixedEvents(2600, start)
	defer store.SetSeedChunkForTest(700)() // several chunks: directories written once, at the end
	if err := a.Seed(ctx, events[:2500]); err != nil {
		t.Fatal(err)
	}
	for _, e := range events[2500:] { // some through Append, as the portal writes them
		if err := a.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	from, to := start.Add(700*time.Hour), start.Add(1900*time.Hour)
	for name, tc := range map[string]struct {
		q    audit.Query
		keep func(*audit.Event) bool
	}{
		"everything":     {audit.Query{}, func(*audit.Event) bool { return true }},
		"a rare actor":   {audit.Query{Actor: "u4"}, func(e *audit.Event) bool { return e.Actor == "u4" }},
		"a common actor": {audit.Query{Actor: "u1"}, func(e *audit.Event) bool { return e.Actor == "u1" }},
		"a target":       {audit.Query{Target: "2026-000120"}, func(e *audit.Event) bool { return e.Target == "2026-000120" }},
		"part of an action, any case": {audit.Query{Action: "/OFFICER/"}, func(e *audit.Event) bool {
			return e.Action != "POST /signin"
		}},
		"an action and an actor": {audit.Query{Action: "signin", Actor: "u4"}, func(e *audit.Event) bool {
			return e.Action == "POST /signin" && e.Actor == "u4"
		}},
		"an action no event has": {audit.Query{Action: "DELETE"}, func(*audit.Event) bool { return false }},
		"an unknown actor":       {audit.Query{Actor: "nobody"}, func(*audit.Event) bool { return false }},
		"dates": {audit.Query{From: from, To: to}, func(e *audit.Event) bool {
			return !e.At.Before(from) && e.At.Before(to)
		}},
		"dates and an actor": {audit.Query{From: from, To: to, Actor: "u2"}, func(e *audit.Event) bool {
			return !e.At.Before(from) && e.At.Before(to) && e.Actor == "u2"
		}},
		"before a number": {audit.Query{Before: 1500, Target: "2026-000120"}, func(e *audit.Event) bool {
			return e.Seq < 1500 && e.Target == "2026-000120"
		}},
	} {
		t.Run(name, func(t *testing.T) {
			got, res := search(t, a, tc.q)
			if w := want(events, tc.keep); !slices.Equal(seqs(got), w) {
				t.Fatalf("found %d events %v…, want %d %v…", len(got), head(seqs(got)), len(w), head(w))
			}
			if res.Head != 2600 || res.Older != 0 || res.Searched != 0 {
				t.Fatalf("result %+v", res)
			}
		})
	}
	// Pages of 50 of one actor continue where the last stopped, to the end.
	var all []int64
	q := audit.Query{Actor: "u1", Limit: 50}
	for pages := 0; ; pages++ {
		got, res := search(t, a, q)
		all = append(all, seqs(got)...)
		if res.Older == 0 {
			break
		}
		if len(got) != 50 || pages > 20 {
			t.Fatalf("page %d: %d events, %+v", pages, len(got), res)
		}
		q.Before = res.Older
	}
	if w := want(events, func(e *audit.Event) bool { return e.Actor == "u1" }); !slices.Equal(all, w) {
		t.Fatalf("paged: %d events, want %d", len(all), len(w))
	}
	// A budget stops a search that finds little and says how far back it looked.
	got, res := search(t, a, audit.Query{Action: "nothing-matches-this", Actor: "u1", Budget: 100, Limit: 50})
	if len(got) != 0 || res.Searched == 0 || res.Older != res.Searched {
		t.Fatalf("budget: %d events, %+v", len(got), res)
	}
}

func head(s []int64) []int64 { return s[:min(5, len(s))] }

// A posting that points at an event of someone else (an append that lost its number to
// another instance) or at no event (removed) is passed over.
func TestAuditSearchChecksEachCandidate(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB)
	if err := a.Seed(ctx, mixedEvents(60, time.Now().Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	if _, err := rawEvents(t, db).DeleteOne(ctx, bson.D{{Key: "_id", Value: "000000000020"}}); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []int64{3, 20} {
		if err := store.NewAudit(db.DB).PostForTest(ctx, &audit.Event{Seq: seq, Actor: "u4", Action: "POST /signin"}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := search(t, a, audit.Query{Actor: "u4"}); !slices.Equal(seqs(got), []int64{50}) {
		t.Fatalf("found %v, want only u4's own event 50", seqs(got))
	}
}

// Seed stores what Append would have: the same numbers, times and hashes, a chain that
// verifies, and events the filters find.
func TestAuditSeedIsAppend(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	seeded, appended := storetest.New(t), storetest.New(t)
	s, p := store.NewAudit(seeded.DB), store.NewAudit(appended.DB)
	first := mixedEvents(40, start)
	for _, a := range []*store.Audit{s, p} {
		if err := a.Append(ctx, &audit.Event{At: start.Add(time.Hour), Actor: "u9", Action: "POST /x", Outcome: audit.OK}); err != nil {
			t.Fatal(err)
		}
	}
	// Times before the head's are raised to it, as Append does.
	if err := s.Seed(ctx, first); err != nil {
		t.Fatal(err)
	}
	for _, e := range mixedEvents(40, start) {
		if err := p.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for seq := int64(1); seq <= 41; seq++ {
		x, err1 := s.Get(ctx, seq)
		y, err2 := p.Get(ctx, seq)
		if err1 != nil || err2 != nil || x.Hash != y.Hash || !x.At.Equal(y.At) {
			t.Fatalf("event %d: seeded %+v %v, appended %+v %v", seq, x, err1, y, err2)
		}
	}
	if n, brk, err := audit.Verify(ctx, s); err != nil || brk != nil || n != 41 {
		t.Fatalf("verify: %d %+v %v", n, brk, err)
	}
	a1, _ := search(t, s, audit.Query{Target: "2026-000002"})
	a2, _ := search(t, p, audit.Query{Target: "2026-000002"})
	if len(a1) == 0 || !slices.Equal(seqs(a1), seqs(a2)) {
		t.Fatalf("target: seeded %v, appended %v", seqs(a1), seqs(a2))
	}
}

// Verification reads the collection in its stored order: events stored out of order,
// even far beyond the reorder buffer, still verify, and a removed one is still named.
func TestAuditWalkOutOfOrder(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB)
	if err := a.Seed(ctx, mixedEvents(3000, time.Now().Add(-4000*time.Hour))); err != nil {
		t.Fatal(err)
	}
	raw := rawEvents(t, db)
	// Events 10–19 and 2000 deleted and stored again: they now come last.
	for _, seq := range []int64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2000} {
		id := fmt.Sprintf("%012d", seq)
		var doc bson.D
		if err := raw.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	var walked []int64
	if err := a.Walk(background.Job(ctx, "test"), func(e *audit.Event) error { walked = append(walked, e.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(walked) != 3000 || !slices.IsSorted(walked) || walked[0] != 1 {
		t.Fatalf("walked %d events, sorted %v", len(walked), slices.IsSorted(walked))
	}
	if n, brk, err := audit.Verify(ctx, a); err != nil || brk != nil || n != 3000 {
		t.Fatalf("verify: %d %+v %v", n, brk, err)
	}
	if _, err := raw.DeleteOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%012d", 1500)}}); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := audit.Verify(ctx, a); err != nil || brk == nil || brk.Seq != 1500 {
		t.Fatalf("a removed event: %+v %v", brk, err)
	}
}

// A purge behind the checkpoint also removes the postings of whole purged blocks, and
// searches stop at the checkpoint.
func TestAuditPurgeRemovesPostings(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB).WithKey([]byte("checkpoint key"))
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	events := append(mixedEvents(2100, now.AddDate(-5, 0, 0)), mixedEvents(200, now.AddDate(-1, 0, 0))...) // 2 100 hours, over 3 years ago
	if err := a.Seed(ctx, events); err != nil {
		t.Fatal(err)
	}
	n, err := a.Purge(ctx, now.AddDate(-3, 0, 0), now)
	if err != nil || n != 2100 {
		t.Fatalf("purge: %d %v", n, err)
	}
	c := rawEvents(t, db).Database().Collection("audit_index")
	for _, id := range []string{"actor:u1#000000000", "actor:u1#000000001", "target:2026-000150#dir"} {
		if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err != mongo.ErrNoDocuments {
			t.Errorf("%s is still there: %v", id, err)
		}
	}
	got, res := search(t, a, audit.Query{Actor: "u1"})
	if w := want(events[2100:], func(e *audit.Event) bool { return e.Actor == "u1" }); !slices.Equal(seqs(got), w) || res.Older != 0 {
		t.Fatalf("after the purge: %v, want %v; %+v", head(seqs(got)), head(w), res)
	}
	if checked, brk, err := audit.Verify(ctx, a); err != nil || brk != nil || checked != 200 {
		t.Fatalf("verify: %d %+v %v", checked, brk, err)
	}
	// A key whose postings were pruned is found again once it has a new event.
	if err := a.Append(ctx, &audit.Event{At: now, Actor: "u1", Action: "POST /signin", Target: "2026-000150", Outcome: audit.OK}); err != nil {
		t.Fatal(err)
	}
	if got, _ := search(t, a, audit.Query{Target: "2026-000150"}); !slices.Equal(seqs(got), []int64{2301}) {
		t.Fatalf("a pruned target appended again: %v", seqs(got))
	}
}

// writeOldTrail writes events as the portal did before string _ids: the number as _id,
// no seq field, a head without a format.
func writeOldTrail(t *testing.T, db *storetest.DB, events []*audit.Event) {
	t.Helper()
	ctx := context.Background()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	d := c.Database(db.Name)
	var seq int64
	var hash string
	var docs []any
	for _, e := range events {
		e.Seal(seq, hash)
		seq, hash = e.Seq, e.Hash
		doc := bson.D{{Key: "_id", Value: e.Seq}, {Key: "at", Value: e.At}, {Key: "actor", Value: e.Actor}, {Key: "role", Value: e.Role},
			{Key: "action", Value: e.Action}}
		if e.Target != "" {
			doc = append(doc, bson.E{Key: "target", Value: e.Target})
		}
		doc = append(doc, bson.E{Key: "outcome", Value: e.Outcome})
		if len(e.Details) > 0 {
			doc = append(doc, bson.E{Key: "details", Value: e.Details})
		}
		docs = append(docs, append(doc, bson.E{Key: "prev", Value: e.Prev}, bson.E{Key: "hash", Value: e.Hash}))
	}
	if _, err := d.Collection("audit_events").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if _, err := d.Collection("audit_head").InsertOne(ctx, bson.D{{Key: "_id", Value: "head"}, {Key: "seq", Value: last.Seq},
		{Key: "hash", Value: last.Hash}, {Key: "at", Value: last.At}}); err != nil {
		t.Fatal(err)
	}
}

// A trail written with numeric _ids verifies as it is, is converted in one pass at
// start-up (hashes unchanged, no numeric _id left, postings built), is not converted
// twice, and goes on verifying and growing.
func TestAuditMigratesNumericIDs(t *testing.T) {
	ctx := background.Job(context.Background(), "test")
	db := storetest.New(t)
	events := mixedEvents(1200, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	writeOldTrail(t, db, events)
	a := store.NewAudit(db.DB)
	if n, brk, err := audit.Verify(ctx, a); err != nil || brk != nil || n != 1200 {
		t.Fatalf("the old trail: %d %+v %v", n, brk, err)
	}
	n, err := a.MigrateIDs(ctx)
	if err != nil || n != 1200 {
		t.Fatalf("migrate: %d %v", n, err)
	}
	if n, err := a.MigrateIDs(ctx); err != nil || n != 0 {
		t.Fatalf("migrated twice: %d %v", n, err)
	}
	raw := rawEvents(t, db)
	if left, _ := raw.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$type", Value: "number"}}}}); left != 0 {
		t.Fatalf("%d numeric _ids left", left)
	}
	for _, e := range []*audit.Event{events[0], events[777], events[1199]} {
		got, err := a.Get(ctx, e.Seq)
		if err != nil || got.Hash != e.Hash || got.Actor != e.Actor {
			t.Fatalf("event %d: %+v %v", e.Seq, got, err)
		}
	}
	got, _ := search(t, a, audit.Query{Actor: "u4"})
	if w := want(events, func(e *audit.Event) bool { return e.Actor == "u4" }); !slices.Equal(seqs(got), w) {
		t.Fatalf("actor after migration: %v, want %v", seqs(got), w)
	}
	if err := a.Append(ctx, &audit.Event{At: time.Now(), Actor: "u1", Action: "POST /x", Outcome: audit.OK}); err != nil {
		t.Fatal(err)
	}
	if n, brk, err := audit.Verify(ctx, a); err != nil || brk != nil || n != 1201 {
		t.Fatalf("after migration: %d %+v %v", n, brk, err)
	}
}

// A backup taken before string _ids restores, verifies, and is converted by the first
// append (a command run on its own) or start-up.
func TestAuditOldBackupRestores(t *testing.T) {
	ctx := context.Background()
	src := storetest.New(t)
	events := mixedEvents(300, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	writeOldTrail(t, src, events)
	path := filepath.Join(t.TempDir(), "old.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Backup(ctx, src.DB, f, store.BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.VerifyBackup(path); err != nil {
		t.Fatal(err)
	}
	dst := storetest.New(t)
	if _, err := store.Restore(ctx, dst.DB, path, store.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	a := store.NewAudit(dst.DB)
	if n, brk, err := audit.Verify(ctx, a); err != nil || brk != nil || n != 300 {
		t.Fatalf("restored: %d %+v %v", n, brk, err)
	}
	if err := a.Append(ctx, &audit.Event{At: time.Now(), Actor: audit.ActorSystem, Action: "restore", Outcome: audit.OK}); err != nil {
		t.Fatal(err)
	}
	if n, brk, err := audit.Verify(ctx, a); err != nil || brk != nil || n != 301 {
		t.Fatalf("after the first append: %d %+v %v", n, brk, err)
	}
	if got, _ := search(t, a, audit.Query{Target: events[20].Target}); len(got) == 0 {
		t.Fatal("the restored trail's postings were not built")
	}
}
