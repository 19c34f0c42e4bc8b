package store_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// An account written before the search index is listed by IndexPeople, once; an erased
// person is found by name no more.
func TestPeopleIndexFromBeforeAndAfterErasure(t *testing.T) {
	db := storetest.New(t)
	users := storetest.Users(db.DB)
	c := ctx(t)
	u := &account.User{ID: ids.New("u"), Email: "old@example.tw", Name: "林舊戶", Phone: "02-2345-6789", Created: time.Now()}
	if err := users.Create(c, u); err != nil {
		t.Fatal(err)
	}
	// As a database from before the index: no keys on the account, no lists.
	raw, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Disconnect(c)
	if _, err := raw.Database(db.Name).Collection("users").UpdateOne(c, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "search_keys", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Database(db.Name).Collection("lists").DeleteMany(c, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^people:"}}}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := users.ByTerm(c, account.QueryTerm("林舊戶")); len(got) != 0 {
		t.Fatal("found without an index")
	}
	if n, err := users.IndexPeople(c); err != nil || n != 1 {
		t.Fatalf("indexed %d, %v", n, err)
	}
	if n, err := users.IndexPeople(c); err != nil || n != 0 {
		t.Fatalf("indexed again: %d, %v", n, err)
	}
	for _, q := range []string{"林舊戶", "+886 2 2345 6789"} {
		if got, _, err := users.ByTerm(c, account.QueryTerm(q)); err != nil || len(got) != 1 || got[0].ID != u.ID {
			t.Fatalf("%q: %v %v", q, got, err)
		}
	}
	v := storetest.Vault(db.DB)
	if _, err := store.NewEraser(db.DB, v, store.NewFiles(db.DB, v)).Erase(c, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	n, _ := raw.Database(db.Name).Collection("lists").CountDocuments(c, bson.D{{Key: "ids", Value: u.ID}})
	if n != 0 {
		t.Fatalf("the erased person is still on %d search lists", n)
	}
}
