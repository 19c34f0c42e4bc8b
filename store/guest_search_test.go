package store_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// A paper requester written before guests were searchable (no keys on the guest, no
// lists, the phone only on the request) is listed by IndexGuests, once, under the name
// and the phone of their request; once erased, no list names them.
func TestGuestsIndexFromBeforeAndAfterErasure(t *testing.T) {
	db := storetest.New(t)
	c := ctx(t)
	v := storetest.Vault(db.DB)
	guests := store.NewGuests(db.DB, v, storetest.EmailKey)
	reqs := store.NewRequests(db.DB, v)
	g := &rights.Guest{ID: ids.New("g"), Name: "王小明", Lang: "zh-TW", Confirmed: true, Created: time.Now()}
	if err := guests.Create(c, g); err != nil {
		t.Fatal(err)
	}
	r := &rights.Request{Kind: rights.View, Subject: g.ID, Channel: rights.ChannelPaper, Received: rights.NewDate(2026, time.November, 23), Scope: "all",
		Contact: rights.Contact{Name: "王小明", Phone: "0912-345-678", Address: "臺北市中正區範例路 2 號"}}
	rights.File(r, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), nil)
	if err := reqs.Create(c, r); err != nil {
		t.Fatal(err)
	}
	raw, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Disconnect(c)
	if _, err := raw.Database(db.Name).Collection("guests").UpdateOne(c, bson.D{{Key: "_id", Value: g.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "search_keys", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Database(db.Name).Collection("lists").DeleteMany(c, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^guest_people:"}}}}); err != nil {
		t.Fatal(err)
	}
	if found, _, _ := guests.GuestsByTerm(c, account.QueryTerm("王小明"), 20); len(found) != 0 {
		t.Fatal("found without an index")
	}
	if n, err := guests.IndexGuests(c, reqs); err != nil || n != 1 {
		t.Fatalf("indexed %d, %v", n, err)
	}
	if n, err := guests.IndexGuests(c, reqs); err != nil || n != 0 {
		t.Fatalf("indexed again: %d, %v", n, err)
	}
	for _, q := range []string{"王小明", "+886 912 345 678", "0912345678"} {
		if ids, more, err := guests.GuestsByTerm(c, account.QueryTerm(q), 20); err != nil || more || len(ids) != 1 || ids[0] != g.ID {
			t.Fatalf("%q: %v %v", q, ids, err)
		}
	}
	if _, err := store.NewEraser(db.DB, v, store.NewFiles(db.DB, v)).Erase(c, g.ID, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := raw.Database(db.Name).Collection("lists").CountDocuments(c, bson.D{{Key: "ids", Value: g.ID}}); n != 0 {
		t.Fatalf("the erased guest is still on %d lists", n)
	}
}
