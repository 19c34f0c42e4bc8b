// Package store implements the domain stores with the MongoDB driver, against MongoDB or
// the embedded FerretDB engine. It keeps private bson documents and converters; nothing
// outside this package sees bson or driver errors.
package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/example/pdpa-portal/apperr"
)

// DB is a connected database.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	locks  *docLocks
	// single: one process writes (the embedded engine), so the document locks suffice.
	// Set by Connect only and never changed, so it is read without a lock.
	single bool
	// postings caches the audit postings this process wrote (audit_index.go).
	postings *postingCache
	// cache keeps the documents pages read most, when this process is the only writer
	// (cache.go); nil in Shared mode.
	cache *docCache
}

// Mode is how many processes write the database; it is fixed when the DB is made.
type Mode int

const (
	// Shared: several instances on one MongoDB (or a command beside a running portal).
	// Conditional updates filter on {_id, version}; caches of documents are not trusted.
	Shared Mode = iota
	// SingleWriter: this process is the only one writing (the embedded engine, whose
	// data directory is locked to one process), so conditional updates made under a
	// document lock, after re-reading the version, may filter on _id alone. The embedded
	// engine answers only {_id: x} from an index; any other filter decodes every
	// document of the collection (measured 2.5 s per update among 10 000 requests).
	SingleWriter
)

// Options are fixed for a DB's life.
type Options struct {
	Mode Mode
	// Monitor, if set, sees every command (the tests' query watcher).
	Monitor *event.CommandMonitor
	// Locks, if set, is another DB's lock table: two DBs of one process (a test's two
	// instances) then serialise their conditional updates as MongoDB would for them.
	Locks *DB
}

// SingleWriter reports the DB's mode.
func (d *DB) SingleWriter() bool { return d.single }

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
func Connect(ctx context.Context, uri, name string, o Options) (*DB, error) {
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(3 * time.Second).
		SetConnectTimeout(3 * time.Second).
		SetAppName("pdpa-portal")
	locks := &docLocks{}
	var cache *docCache
	if o.Mode == SingleWriter {
		cache = newDocCache()
	}
	if o.Locks != nil {
		// Two DBs of one process share their locks and, so each sees the other's
		// writes, their cache.
		locks = o.Locks.locks
		if cache != nil && o.Locks.cache != nil {
			cache = o.Locks.cache
		}
	}
	switch {
	case cache != nil:
		opts.SetMonitor(cache.monitor(o.Monitor))
	case o.Monitor != nil:
		opts.SetMonitor(o.Monitor)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("database connection string: %w", err)
	}
	return &DB{client: client, db: client.Database(name), locks: locks, single: o.Mode == SingleWriter, postings: newPostingCache(), cache: cache}, nil
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
	case isStorageFull(err):
		return fmt.Errorf("%w: %v", apperr.ErrStorageFull, err)
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

// codeOutOfDiskSpace is MongoDB's OutOfDiskSpace error code.
const codeOutOfDiskSpace = 14031

// isStorageFull reports a write refused for want of space. The embedded engine passes
// SQLite's SQLITE_FULL on as an internal error whose text is all that identifies it
// ("database or disk is full (13)"); MongoDB has a code of its own.
func isStorageFull(err error) bool {
	var se mongo.ServerError
	if errors.As(err, &se) && se.HasErrorCode(codeOutOfDiskSpace) {
		return true
	}
	return apperr.IsStorageFull(err)
}

// Drop deletes the whole database (tests against a shared server use it).
func (d *DB) Drop(ctx context.Context) error { return translate(d.db.Drop(ctx)) }

// deleteMatching deletes the documents of coll that filter selects, in a background job.
// The embedded engine turns a DeleteMany into one SQL statement with a parameter per
// document, which SQLite refuses beyond 32 766 (measured: the first audit purge at 100 000
// citizens stopped there). So the ids are looked up once; a string _id is then deleted by
// itself, through its index; other _ids (the numbers of an older audit trail) in ranges
// of at most 30 000, each a pass over the collection.
func (d *DB) deleteMatching(ctx context.Context, coll string, filter bson.D) (int, error) {
	cur, err := d.coll(coll).Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", coll, translate(err))
	}
	var docs []struct {
		ID any `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, fmt.Errorf("delete from %s: %w", coll, translate(err))
	}
	n := 0
	var numbers []int64
	for _, doc := range docs {
		var id any
		switch v := doc.ID.(type) {
		case string:
			id = v
		case int64:
			numbers = append(numbers, v)
			continue
		case int32:
			numbers = append(numbers, int64(v))
			continue
		default:
			id = v
		}
		res, err := d.coll(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		if err != nil {
			return n, fmt.Errorf("delete from %s: %w", coll, translate(err))
		}
		n += int(res.DeletedCount)
	}
	slices.Sort(numbers)
	for len(numbers) > 0 {
		k := min(len(numbers), 30_000)
		rng := bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: numbers[0]}, {Key: "$lte", Value: numbers[k-1]}}}}
		res, err := d.coll(coll).DeleteMany(ctx, bson.D{{Key: "$and", Value: bson.A{filter, rng}}})
		if err != nil {
			return n, fmt.Errorf("delete from %s: %w", coll, translate(err))
		}
		n += int(res.DeletedCount)
		numbers = numbers[k:]
	}
	return n, nil
}

// dropAndCreate empties a collection at once (a restore, with no portal running): its
// indexes come back at the next start (EnsureIndexes, embedded.Engine.IndexIDs).
func (d *DB) dropAndCreate(ctx context.Context, coll string) error {
	if err := d.coll(coll).Drop(ctx); err != nil {
		return fmt.Errorf("empty %s: %w", coll, translate(err))
	}
	if err := d.db.CreateCollection(ctx, coll); err != nil && !errors.Is(translate(err), apperr.ErrConflict) {
		return fmt.Errorf("empty %s: %w", coll, translate(err))
	}
	return nil
}
