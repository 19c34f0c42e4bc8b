package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// The watcher that fails every test touching the database on a query a page cannot
// afford: here it is shown each kind of query and must judge each as the engines do.
func TestQueryWatcherJudgesEachFilter(t *testing.T) {
	db := storetest.New(t)
	var mu sync.Mutex
	var seen []store.Query
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI).SetMonitor(store.WatchQueries(store.SingleWriter, func(_ context.Context, q store.Query) {
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
	})))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	d := client.Database(db.Name)
	c := ctx(t)
	job := background.Job(c, "retention")
	cases := []struct {
		name    string
		run     func() error
		problem string // a fragment of the expected problem, "" for none
	}{
		{"a string _id", func() error {
			return ignoreNone(d.Collection("users").FindOne(c, bson.D{{Key: "_id", Value: "u1"}}).Err())
		}, ""},
		{"a numeric _id scans", func() error {
			return ignoreNone(d.Collection("users").FindOne(c, bson.D{{Key: "_id", Value: 7}}).Err())
		}, "request path"},
		{"a field with an index, on a page", func() error {
			return ignoreNone(d.Collection("sessions").FindOne(c, bson.D{{Key: "last_seen", Value: 1}}).Err())
		}, "request path"},
		{"the same in a background job", func() error {
			return ignoreNone(d.Collection("sessions").FindOne(job, bson.D{{Key: "last_seen", Value: 1}}).Err())
		}, ""},
		{"a field without an index, even in a job", func() error {
			_, err := d.Collection("sessions").DeleteMany(job, bson.D{{Key: "created", Value: 1}})
			return err
		}, "no MongoDB index"},
		{"an _id with a second condition", func() error {
			_, err := d.Collection("users").UpdateOne(c, bson.D{{Key: "_id", Value: "u1"}, {Key: "version", Value: 3}}, bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}})
			return err
		}, "request path"},
		{"everything of a bounded collection", func() error {
			cur, err := d.Collection("open_requests").Find(c, bson.D{})
			if err == nil {
				err = cur.Close(c)
			}
			return err
		}, ""},
		{"the first document of a growing collection", func() error {
			return ignoreNone(d.Collection("consent_events").FindOne(c, bson.D{}).Err())
		}, ""},
		{"counting a growing collection", func() error {
			_, err := d.Collection("consent_events").CountDocuments(c, bson.D{})
			return err
		}, "request path"},
		{"everything of a growing collection", func() error {
			cur, err := d.Collection("consent_events").Find(c, bson.D{})
			if err == nil {
				err = cur.Close(c)
			}
			return err
		}, "request path"},
	}
	for _, tc := range cases {
		mu.Lock()
		seen = nil
		mu.Unlock()
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		mu.Lock()
		got := seen
		mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("%s: watcher saw %d queries, want 1: %v", tc.name, len(got), got)
		}
		p := got[0].Problem()
		if tc.problem == "" && p != "" || tc.problem != "" && !strings.Contains(p, tc.problem) {
			t.Errorf("%s (%s): problem %q, want %q", tc.name, got[0], p, tc.problem)
		}
	}
}

func ignoreNone(err error) error {
	if err == mongo.ErrNoDocuments {
		return nil
	}
	return err
}
