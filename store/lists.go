package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
)

// Lists of ids, one document each, found by _id ("<kind>:<key>"): a person's consent
// events, sessions, mail and tokens, the staff, and the disclosure register by year. They make "everything of this
// person" one _id look-up and then one per item, on both engines, instead of a filter
// over everyone's documents (which the embedded engine answers by decoding them all).
//
// A list names a document before the document is written (intent first), so a crash
// between the two leaves an id whose document is missing: readers skip such ids. A
// list never misses a document that exists.
const (
	listConsents = "consents" // consent event ids, in the order appended
	listSessions = "sessions" // session ids
	listMail     = "mail"     // mail ids (pending or sent), in the order queued
	listTokens   = "tokens"   // single-use token hashes
	listStaff    = "staff"    // ids of accounts holding a staff role (key "all")
	listPeople   = "people"   // ids of accounts per keyed search term (name, phone: users.go)
	// disclosure record ids per year of disclosure ("2026"), and the years that have a
	// list (key "years")
	listDisclosures = "disclosures"
	// letters to post ("<ref>/<letter>"): those still to post (key "pending") and those
	// posted on a day (key "2026-11-23")
	listPost = "post"
)

type listDoc struct {
	ID  string   `bson:"_id"`
	IDs []string `bson:"ids"`
}

func listID(kind, key string) string { return kind + ":" + key }

// listAdd appends id to a list (once).
func (d *DB) listAdd(ctx context.Context, kind, key, id string) error {
	lid := listID(kind, key)
	// The embedded engine's updates are read-modify-write (doclock.go).
	defer d.locks.lock(collLists, lid)()
	_, err := d.coll(collLists).UpdateOne(ctx, bson.D{{Key: "_id", Value: lid}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: id}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("list %s: %w", kind, translate(err))
	}
	return nil
}

// listRemove takes ids out of a list.
func (d *DB) listRemove(ctx context.Context, kind, key string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	lid := listID(kind, key)
	defer d.locks.lock(collLists, lid)()
	_, err := d.coll(collLists).UpdateOne(ctx, bson.D{{Key: "_id", Value: lid}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ids", Value: ids}}}})
	if err != nil {
		return fmt.Errorf("list %s: %w", kind, translate(err))
	}
	return nil
}

// listIDs reads a list, oldest first; a list never written is empty.
func (d *DB) listIDs(ctx context.Context, kind, key string) ([]string, error) {
	var l listDoc
	err := d.byID(ctx, collLists, listID(kind, key), &l)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", kind, err)
	}
	return l.IDs, nil
}

// listDrop deletes a list.
func (d *DB) listDrop(ctx context.Context, kind, key string) error {
	if _, err := d.coll(collLists).DeleteOne(ctx, bson.D{{Key: "_id", Value: listID(kind, key)}}); err != nil {
		return fmt.Errorf("list %s: %w", kind, translate(err))
	}
	return nil
}

// addToAll adds ids to many documents {_id, field: [ids]} at once: those not known to
// exist are inserted in batches (a duplicate falls back to an update), the others updated
// with $addToSet. known, if not nil, records what was written (a seeder's later batches).
func (d *DB) addToAll(ctx context.Context, coll, field string, byID map[string][]string, known map[string]bool) error {
	var fresh []any
	var old []string
	for id, ids := range byID {
		if known != nil && known[coll+"\x00"+id] {
			old = append(old, id)
		} else {
			fresh = append(fresh, bson.D{{Key: "_id", Value: id}, {Key: field, Value: ids}})
		}
	}
	for len(fresh) > 0 {
		n := min(len(fresh), 1000)
		_, err := d.coll(coll).InsertMany(ctx, fresh[:n], options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		if errors.As(err, &bwe) {
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return fmt.Errorf("add to %s: %w", coll, translate(err))
				}
				old = append(old, fresh[we.Index].(bson.D)[0].Value.(string))
			}
		} else if err != nil {
			return fmt.Errorf("add to %s: %w", coll, translate(err))
		}
		if known != nil {
			for _, doc := range fresh[:n] {
				known[coll+"\x00"+doc.(bson.D)[0].Value.(string)] = true
			}
		}
		fresh = fresh[n:]
	}
	for _, id := range old {
		unlock := d.locks.lock(coll, id)
		_, err := d.coll(coll).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: field, Value: bson.D{{Key: "$each", Value: byID[id]}}}}}}, options.UpdateOne().SetUpsert(true))
		unlock()
		if err != nil {
			return fmt.Errorf("add to %s: %w", coll, translate(err))
		}
	}
	return nil
}
