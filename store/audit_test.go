package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

func appendEvents(t *testing.T, a *store.Audit, n int, at time.Time) {
	t.Helper()
	for i := range n {
		e := &audit.Event{At: at.Add(time.Duration(i) * time.Second), Actor: "u1", Role: "officer", Action: "POST /officer/requests/:ref/:action",
			Target: fmt.Sprintf("2026-%06d", i), Outcome: audit.OK, Details: map[string]string{"action": "review", "status": "303"}, Addr: "10.0.0.1"}
		if err := a.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// rawEvents is the collection as an operator with mongosh (or an intruder) reaches it.
func rawEvents(t *testing.T, db *storetest.DB) *mongo.Collection {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(db.Name).Collection("audit_events")
}

// Appends from many goroutines make one unbroken chain numbered 1..n.
func TestAuditConcurrentAppendsChain(t *testing.T) {
	db := storetest.New(t)
	a := store.NewAudit(db.DB)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				e := &audit.Event{At: time.Now(), Actor: fmt.Sprintf("u%d", g), Action: "POST /requests", Outcome: audit.OK, Details: map[string]string{"i": fmt.Sprint(i)}}
				if err := a.Append(context.Background(), e); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	n, brk, err := audit.Verify(context.Background(), a)
	if err != nil || brk != nil || n != 200 {
		t.Fatalf("verify: %d events, %v, %v", n, brk, err)
	}
	if seq, _, _ := a.Head(context.Background()); seq != 200 {
		t.Fatalf("head %d", seq)
	}
}

// Changing, removing or reordering a stored event is found, and the first broken event
// is named; so is an event removed from the end.
func TestAuditVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for name, tamper := range map[string]func(c *mongo.Collection) int64{
		"changed": func(c *mongo.Collection) int64 {
			_, _ = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "000000000007"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "actor", Value: "someone-else"}}}})
			return 7
		},
		"removed": func(c *mongo.Collection) int64 {
			_, _ = c.DeleteOne(ctx, bson.D{{Key: "_id", Value: "000000000005"}})
			return 5
		},
		"rehashed": func(c *mongo.Collection) int64 {
			// Changed and re-hashed by someone who knows the scheme: the next link breaks.
			var e audit.Event
			var d bson.M
			_ = c.FindOne(ctx, bson.D{{Key: "_id", Value: "000000000004"}}).Decode(&d)
			e = audit.Event{Seq: 4, At: d["at"].(bson.DateTime).Time(), Actor: "forged", Role: d["role"].(string), Action: d["action"].(string),
				Target: d["target"].(string), Outcome: d["outcome"].(string), Addr: d["addr"].(string), Prev: d["prev"].(string),
				Details: map[string]string{"action": "review", "status": "303"}}
			e.Hash = e.Sum()
			_, _ = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "000000000004"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "actor", Value: "forged"}, {Key: "hash", Value: e.Hash}}}})
			return 5
		},
		"truncated": func(c *mongo.Collection) int64 {
			_, _ = c.DeleteOne(ctx, bson.D{{Key: "_id", Value: "000000000010"}})
			_, _ = c.DeleteOne(ctx, bson.D{{Key: "_id", Value: "000000000009"}})
			return 9
		},
	} {
		t.Run(name, func(t *testing.T) {
			db := storetest.New(t)
			a := store.NewAudit(db.DB)
			appendEvents(t, a, 10, at)
			want := tamper(rawEvents(t, db))
			_, brk, err := audit.Verify(ctx, a)
			if err != nil || brk == nil || brk.Seq != want {
				t.Fatalf("verify: %+v, %v; want a break at %d", brk, err, want)
			}
		})
	}
}

// An append that stopped after storing its event but before moving the head (a crash)
// is repaired by the next append, and the chain stays whole.
func TestAuditInterruptedAppendIsRepaired(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB)
	appendEvents(t, a, 3, time.Now())
	seq, hash, _ := a.Head(ctx)
	orphan := &audit.Event{At: time.Now(), Actor: "u9", Action: "POST /requests", Outcome: audit.OK}
	orphan.Seal(seq, hash)
	if _, err := rawEvents(t, db).InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%012d", orphan.Seq)}, {Key: "seq", Value: orphan.Seq}, {Key: "at", Value: orphan.At}, {Key: "actor", Value: orphan.Actor},
		{Key: "role", Value: ""}, {Key: "action", Value: orphan.Action}, {Key: "outcome", Value: orphan.Outcome}, {Key: "prev", Value: orphan.Prev}, {Key: "hash", Value: orphan.Hash}}); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := audit.Verify(ctx, a); err != nil || brk != nil {
		t.Fatalf("an interrupted append reads as a break: %+v %v", brk, err)
	}
	appendEvents(t, a, 1, time.Now())
	n, brk, err := audit.Verify(ctx, a)
	if err != nil || brk != nil || n != 5 {
		t.Fatalf("after the repair: %d, %+v, %v", n, brk, err)
	}
}

// Verification beside a live portal: events appended while it walks are not a break.
func TestAuditVerifyWhileAppending(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB)
	appendEvents(t, a, 50, time.Now())
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				appendEvents(t, a, 1, time.Now())
			}
		}
	}()
	for range 5 {
		if _, brk, err := audit.Verify(ctx, a); err != nil || brk != nil {
			close(stop)
			<-done
			t.Fatalf("verify beside appends: %+v %v", brk, err)
		}
	}
	close(stop)
	<-done
}

// A head left behind by several events (a backup taken while events were appended)
// catches up at the next append, and the chain verifies throughout.
func TestAuditHeadBehindCatchesUp(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB)
	appendEvents(t, a, 3, time.Now())
	seq, hash, _ := a.Head(ctx)
	c, _ := mongo.Connect(options.Client().ApplyURI(db.URI))
	defer c.Disconnect(ctx)
	appendEvents(t, a, 120, time.Now())
	if _, err := c.Database(db.Name).Collection("audit_head").ReplaceOne(ctx, bson.D{{Key: "_id", Value: "head"}},
		bson.D{{Key: "_id", Value: "head"}, {Key: "seq", Value: seq}, {Key: "hash", Value: hash}}); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := audit.Verify(ctx, a); err != nil || brk != nil {
		t.Fatalf("head behind: %+v %v", brk, err)
	}
	appendEvents(t, a, 1, time.Now())
	n, brk, err := audit.Verify(ctx, a)
	if err != nil || brk != nil || n != 124 {
		t.Fatalf("after catching up: %d %+v %v", n, brk, err)
	}
}

// Purging events older than three years leaves a sealed checkpoint: the rest still
// verifies, a purge too soon is refused, and a forged checkpoint is found.
func TestAuditPurgeBehindACheckpoint(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	a := store.NewAudit(db.DB).WithKey([]byte("checkpoint key"))
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	appendEvents(t, a, 10, now.AddDate(-4, 0, 0)) // four years ago
	appendEvents(t, a, 5, now.AddDate(-1, 0, 0))
	if _, err := a.Purge(ctx, now.AddDate(-2, 0, 0), now); err == nil {
		t.Fatal("events younger than three years were purged")
	}
	n, err := a.Purge(ctx, now.AddDate(-3, 0, 0), now)
	if err != nil || n != 10 {
		t.Fatalf("purge: %d %v", n, err)
	}
	checked, brk, err := audit.Verify(ctx, a)
	if err != nil || brk != nil || checked != 5 {
		t.Fatalf("after the purge: %d %+v %v", checked, brk, err)
	}
	appendEvents(t, a, 2, now)
	if _, brk, _ := audit.Verify(ctx, a); brk != nil {
		t.Fatalf("appending after a purge: %+v", brk)
	}
	// Without the key the checkpoint cannot be trusted; with a forged one it is refused.
	if _, brk, _ := audit.Verify(ctx, store.NewAudit(db.DB)); brk == nil {
		t.Fatal("a checkpoint verified without the key")
	}
	c, _ := mongo.Connect(options.Client().ApplyURI(db.URI))
	defer c.Disconnect(ctx)
	if _, err := c.Database(db.Name).Collection("audit_head").UpdateOne(ctx, bson.D{{Key: "_id", Value: "checkpoint"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: int64(12)}}}}); err != nil {
		t.Fatal(err)
	}
	if _, brk, _ := audit.Verify(ctx, a); brk == nil || !strings.Contains(brk.Reason, "seal") {
		t.Fatalf("a forged checkpoint: %+v", brk)
	}
}
