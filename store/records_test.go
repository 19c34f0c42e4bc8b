package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Records written in clear by an earlier version still read, and the start-up's sealing
// pass leaves none of their texts in clear; a second pass costs one look-up.
func TestRecordsWrittenInClearAreSealedAtStart(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	raw := c.Database(db.Name)
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	disc := bson.D{{Key: "_id", Value: "d_old"}, {Key: "first", Value: "2026-11-20"}, {Key: "recipient_name", Value: "舊檢察署 Old Prosecutors"},
		{Key: "recipient_address", Value: "舊地址 Old Street 1"}, {Key: "recipient_kind", Value: "judicial"}, {Key: "categories", Value: bson.A{"C001"}},
		{Key: "description", Value: "舊說明 old description"}, {Key: "ground", Value: "notice-1"}, {Key: "reference", Value: "r"},
		{Key: "count", Value: 3}, {Key: "officer", Value: "u1"}, {Key: "version", Value: 1}, {Key: "changed", Value: now}, {Key: "changed_by", Value: "u1"}}
	mustInsert := func(coll string, doc any) {
		if _, err := raw.Collection(coll).InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	mustInsert("disclosures", disc)
	mustInsert("disclosure_history", bson.D{{Key: "_id", Value: "d_old"}, {Key: "versions", Value: bson.A{disc[1:]}}})
	mustInsert("incidents", bson.D{{Key: "_id", Value: "i_old"}, {Key: "version", Value: int64(1)}, {Key: "discovered", Value: now},
		{Key: "recorded", Value: now}, {Key: "recorded_by", Value: "u1"}, {Key: "title", Value: "舊事故 old incident"},
		{Key: "what", Value: "舊經過 old facts"}, {Key: "data", Value: "舊資料 old data"}, {Key: "people", Value: 2},
		{Key: "measures", Value: "舊措施 old measures"}, {Key: "affected", Value: bson.A{}}, {Key: "updated", Value: now}, {Key: "updated_by", Value: "u1"}})
	mustInsert("staff_reviews", bson.D{{Key: "_id", Value: "rv_old"}, {Key: "reviewer_id", Value: "u1"}, {Key: "reviewer_name", Value: "舊審查人 Old Reviewer"},
		{Key: "at", Value: now}, {Key: "accounts", Value: 4}})
	clear := []string{"Old Prosecutors", "Old Street", "old description", "old incident", "old facts", "old data", "old measures", "Old Reviewer"}

	v := storetest.Vault(db.DB)
	reg, incs, revs := store.NewDisclosures(db.DB, v), store.NewIncidents(db.DB, v), store.NewReviews(db.DB, v)
	check := func(when string) {
		t.Helper()
		d, err := reg.Get(ctx, "d_old")
		if err != nil || d.RecipientName != "舊檢察署 Old Prosecutors" || d.RecipientAddress != "舊地址 Old Street 1" || d.Description != "舊說明 old description" {
			t.Fatalf("%s: disclosure %+v %v", when, d, err)
		}
		vs, err := reg.Versions(ctx, "d_old")
		if err != nil || len(vs) != 1 || vs[0].Description != "舊說明 old description" {
			t.Fatalf("%s: history %+v %v", when, vs, err)
		}
		i, err := incs.Get(ctx, "i_old")
		if err != nil || i.Title != "舊事故 old incident" || i.What != "舊經過 old facts" || i.Data != "舊資料 old data" || i.Measures != "舊措施 old measures" {
			t.Fatalf("%s: incident %+v %v", when, i, err)
		}
		rs, err := revs.List(ctx, 10)
		if err != nil || len(rs) != 1 || rs[0].ReviewerName != "舊審查人 Old Reviewer" {
			t.Fatalf("%s: reviews %+v %v", when, rs, err)
		}
	}
	check("before sealing")
	n, err := store.SealRecords(ctx, db.DB, v)
	if err != nil || n != 4 {
		t.Fatalf("sealed %d records: %v", n, err)
	}
	dump := storetest.Dump(t, db)
	for _, s := range clear {
		if strings.Contains(dump, s) {
			t.Errorf("%q still stored in clear", s)
		}
	}
	check("after sealing")
	if n, err := store.SealRecords(ctx, db.DB, v); err != nil || n != 0 {
		t.Fatalf("a second pass: %d %v", n, err)
	}
}
