package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/store/storetest"
)

// idLookupSizes are the collection sizes the look-up benchmarks compare.
var idLookupSizes = []int{300, 10_000, 50_000}

// lookupCollections fills one collection per size with small documents (about 100
// bytes), keyed like request references, on a client of its own (as an operator's tool
// would connect).
func lookupCollections(b *testing.B) map[int]*mongo.Collection {
	colls, _ := lookupCollectionsPadded(b, idLookupSizes, 0)
	return colls
}

// lookupCollectionsPadded is lookupCollections with a string of pad bytes in every
// document (a request document with its timeline is about 2 400 bytes).
func lookupCollectionsPadded(b *testing.B, sizes []int, pad int) (map[int]*mongo.Collection, *storetest.DB) {
	b.Helper()
	db := storetest.New(b)
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	ctx := context.Background()
	out := map[int]*mongo.Collection{}
	for _, n := range sizes {
		coll := client.Database(db.Name).Collection(fmt.Sprintf("lookup_%d", n))
		if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "key", Value: 1}},
			Options: options.Index().SetUnique(true).SetName("key_unique")}); err != nil {
			b.Fatal(err)
		}
		const batch = 1000
		for start := 0; start < n; start += batch {
			docs := make([]any, 0, batch)
			for i := start; i < min(start+batch, n); i++ {
				docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("2026-%06d", i)}, {Key: "key", Value: fmt.Sprintf("k-%06d", i)},
					{Key: "kind", Value: "view"}, {Key: "state", Value: "closed"}, {Key: "n", Value: i}, {Key: "pad", Value: strings.Repeat("x", pad)}})
			}
			if _, err := coll.InsertMany(ctx, docs); err != nil {
				b.Fatal(err)
			}
		}
		out[n] = coll
	}
	return out, db
}

// BenchmarkIDLookup times FindOne({_id: value}) on collections of 300, 10 000 and
// 50 000 documents, first as FerretDB leaves them, then after Engine.IndexIDs: with the
// index the time does not grow with the collection.
func BenchmarkIDLookup(b *testing.B) {
	colls, db := lookupCollectionsPadded(b, idLookupSizes, 0)
	benchmarkIDLookup(b, "engine-as-is", colls, idLookupSizes)
	if err := db.Engine.IndexIDs(context.Background(), db.Name); err != nil {
		b.Fatal(err)
	}
	benchmarkIDLookup(b, "with-IndexIDs", colls, idLookupSizes)
}

// BenchmarkIDLookupLargeDocs is BenchmarkIDLookup on documents the size of a request's
// (about 2 400 bytes).
func BenchmarkIDLookupLargeDocs(b *testing.B) {
	sizes := []int{300, 10_000}
	colls, db := lookupCollectionsPadded(b, sizes, 2300)
	benchmarkIDLookup(b, "engine-as-is", colls, sizes)
	if err := db.Engine.IndexIDs(context.Background(), db.Name); err != nil {
		b.Fatal(err)
	}
	benchmarkIDLookup(b, "with-IndexIDs", colls, sizes)
}

func benchmarkIDLookup(b *testing.B, variant string, colls map[int]*mongo.Collection, sizes []int) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("%s/docs=%d", variant, n), func(b *testing.B) {
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				// Spread the look-ups over the collection, first to last document.
				id := fmt.Sprintf("2026-%06d", (i*7919)%n)
				var got bson.M
				if err := colls[n].FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil {
					b.Fatalf("%s: %v", id, err)
				}
				if got["_id"] != id {
					b.Fatalf("asked for %s, got %v", id, got["_id"])
				}
			}
		})
	}
}

// BenchmarkFieldLookup is the contrast: FindOne by another, uniquely indexed field on the
// same collections. Run it with a small -benchtime (each look-up may scan).
func BenchmarkFieldLookup(b *testing.B) {
	colls := lookupCollections(b)
	for _, n := range idLookupSizes {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				key := fmt.Sprintf("k-%06d", (i*7919)%n)
				var got bson.M
				if err := colls[n].FindOne(ctx, bson.D{{Key: "key", Value: key}}).Decode(&got); err != nil {
					b.Fatalf("%s: %v", key, err)
				}
			}
		})
	}
}
