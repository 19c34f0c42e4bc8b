package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/store/storetest"
)

// The embedded engine deletes a DeleteMany's documents in one SQL statement with a
// parameter each, which SQLite refuses beyond 32 766: the first audit purge at 100 000
// citizens stopped there. Deleting by string _id goes one by one; more numbered ones than
// that limit (an older audit trail) go in ranges.
func TestDeletingMoreThanSQLiteTakesInOneStatement(t *testing.T) {
	db := storetest.New(t)
	raw := rawDB(t, db)
	c := background.Job(context.Background(), "test")
	fill := func(coll string, n int, id func(int) any) {
		for i := 0; i < n; i += 1000 {
			docs := make([]any, 0, 1000)
			for j := i; j < i+1000; j++ {
				docs = append(docs, bson.D{{Key: "_id", Value: id(j)}, {Key: "last_seen", Value: time.Unix(int64(j), 0)}})
			}
			if _, err := raw.Collection(coll).InsertMany(c, docs); err != nil {
				t.Fatal(err)
			}
		}
	}
	fill("sessions", 2000, func(j int) any { return fmt.Sprintf("s%06d", j) })
	got, err := db.DeleteMatchingForTest(c, "sessions", bson.D{{Key: "last_seen", Value: bson.D{{Key: "$lt", Value: time.Unix(1990, 0)}}}})
	if err != nil || got != 1990 {
		t.Fatalf("deleted %d, %v; want 1990", got, err)
	}
	if left := count(t, db, "sessions"); left != 10 {
		t.Fatalf("%d left, want 10", left)
	}
	const numbered = 33_000
	fill("audit_events", numbered, func(j int) any { return int64(j + 1) }) // an older trail's numbers
	if _, err := raw.Collection("audit_events").InsertOne(c, bson.D{{Key: "_id", Value: "000000000001"}}); err != nil {
		t.Fatal(err)
	}
	got, err = db.DeleteMatchingForTest(c, "audit_events", bson.D{{Key: "_id", Value: bson.D{{Key: "$type", Value: "number"}}}})
	if err != nil || got != numbered {
		t.Fatalf("deleted %d numbered events, %v; want %d", got, err, numbered)
	}
	if left := count(t, db, "audit_events"); left != 1 {
		t.Fatalf("%d events left, want the one with a string id", left)
	}
}
