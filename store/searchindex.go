package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/vault"
)

// indexOnce gives every document of coll written before the search its search keys,
// once: later starts see the mark (settings/<mark>) in one look-up. It reads the
// collection whole, so it runs as a background job at start; keysOf works out one
// document's keys (a person gone or erased meanwhile is skipped) and list files them.
// Running it twice, or on two instances at once, lists each document once (the lists
// are sets). It returns how many documents it indexed.
func (d *DB) indexOnce(ctx context.Context, job, mark, coll string,
	keysOf func(ctx context.Context, id string) ([]string, error),
	list func(ctx context.Context, id string, keys []string) error) (int, error) {
	ctx = background.Job(ctx, job)
	err := translate(d.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: mark}}).Err())
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, apperr.ErrNotFound) {
		return 0, fmt.Errorf("%s: %w", job, err)
	}
	cur, err := d.coll(coll).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "search_keys", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", job, translate(err))
	}
	var todo []string
	for cur.Next(ctx) {
		var doc struct {
			ID         string   `bson:"_id"`
			SearchKeys []string `bson:"search_keys"`
		}
		if err := cur.Decode(&doc); err != nil {
			return 0, fmt.Errorf("%s: %w", job, err)
		}
		if doc.SearchKeys == nil {
			todo = append(todo, doc.ID)
		}
	}
	if err := cur.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", job, translate(err))
	}
	n := 0
	for _, id := range todo {
		keys, err := keysOf(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", job, err)
		}
		if err := list(ctx, id, keys); err != nil {
			return n, fmt.Errorf("%s: %w", job, err)
		}
		if _, err := d.coll(coll).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "search_keys", Value: append([]string{}, keys...)}}}}); err != nil {
			return n, fmt.Errorf("%s: %w", job, translate(err))
		}
		n++
	}
	if _, err := d.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: mark}},
		bson.D{{Key: "_id", Value: mark}, {Key: "at", Value: time.Now().UTC()}}, options.Replace().SetUpsert(true)); err != nil {
		return n, fmt.Errorf("%s: %w", job, translate(err))
	}
	return n, nil
}
