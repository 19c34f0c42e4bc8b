// Package store implements the domain stores with the MongoDB driver, against MongoDB or
// the embedded FerretDB engine. It keeps private bson documents and converters; nothing
// outside this package sees bson or driver errors.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/example/pdpa-portal/apperr"
)

// taipeiZone is Taiwan's time (no daylight saving): months and days of counters.
var taipeiZone = time.FixedZone("Asia/Taipei", 8*3600)

// DB is a connected database.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	locks  *docLocks
	single bool // one process writes (the embedded engine): the document locks suffice
	// postings caches the audit postings this process wrote (audit_index.go).
	postings *postingCache
}

// SingleWriter says this process is the only one writing (the embedded engine, whose
// data directory is locked to one process), so conditional updates made under a
// document lock, after re-reading the version, may filter on _id alone. The embedded
// engine answers only {_id: x} from an index; any other filter decodes every document
// of the collection (measured 2.5 s per update among 10 000 requests).
func (d *DB) SingleWriter() { d.single = true }

// atVersion is the filter of a compare-and-set the caller makes under the document's
// lock after checking the version itself: {_id, version}, or {_id} alone when this
// process is the only writer.
func (d *DB) atVersion(id string, version int64) bson.D {
	if d.single {
		return bson.D{{Key: "_id", Value: id}}
	}
	return bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}
}

// Connect opens a client. It does not fail when the server is down: the driver keeps
// trying, and every operation reports apperr.ErrUnavailable until it is back.
// A monitor, if given, sees every command (the query watcher).
func Connect(ctx context.Context, uri, name string, monitor ...*event.CommandMonitor) (*DB, error) {
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(3 * time.Second).
		SetConnectTimeout(3 * time.Second).
		SetAppName("pdpa-portal")
	if len(monitor) > 0 {
		opts.SetMonitor(monitor[0])
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("database connection string: %w", err)
	}
	return &DB{client: client, db: client.Database(name), locks: &docLocks{}, postings: newPostingCache()}, nil
}

// Close disconnects the client.
func (d *DB) Close(ctx context.Context) error { return d.client.Disconnect(ctx) }

// Ping checks the server answers.
func (d *DB) Ping(ctx context.Context) error {
	return translate(d.client.Ping(ctx, readpref.Primary()))
}

func (d *DB) coll(name string) *mongo.Collection { return d.db.Collection(name) }

// translate maps driver errors to the portal's error kinds.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("%w", apperr.ErrNotFound)
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%w: %v", apperr.ErrConflict, err)
	case mongo.IsTimeout(err), mongo.IsNetworkError(err), errors.Is(err, mongo.ErrClientDisconnected):
		return fmt.Errorf("%w: %v", apperr.ErrUnavailable, err)
	default:
		var se mongo.ServerError
		if errors.As(err, &se) {
			return fmt.Errorf("database: %w", err)
		}
		// Server selection and connection failures surface in several shapes; anything
		// else from the driver at this level means the database is not usable now.
		return fmt.Errorf("%w: %v", apperr.ErrUnavailable, err)
	}
}

// Drop deletes the whole database (tests against a shared server use it).
func (d *DB) Drop(ctx context.Context) error { return translate(d.db.Drop(ctx)) }
