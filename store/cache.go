package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/example/pdpa-portal/apperr"
)

// The embedded engine spends about 0.5 ms of CPU on every look-up, so a signed-in page
// (session, account, data key, the person's requests one by one, the open requests)
// cost 10–40 times a bare page under load. With one writer (SingleWriter: the data
// directory is locked to this process) the documents pages read most can be kept in
// memory exactly: every write this client sends is seen by its command monitor, which
// drops what it touches before the write leaves and again when it is answered. Writes
// from elsewhere (a command beside the running portal through the socket, an operator
// with mongosh) are seen within cacheTTL. In Shared mode nothing is cached: another
// instance may have written anything.
//
// Entries are the raw documents as the engine sent them; each reader decodes its own
// copy, so nothing read is shared between requests.

// cacheTTL bounds how long a document written by another process may be served stale.
const cacheTTL = 5 * time.Second

// cacheMax bounds the entries per collection (requests are the largest, a few KB each:
// a few MB at most). When it is reached the entries older than cacheTTL go, and if that
// is not enough all of the collection's, and the cache fills again from what is read.
const cacheMax = 1024

// allDocs is the key under which a whole (bounded) collection read is kept.
const allDocs = "\x00all"

// cachedCollections are the collections whose documents pages read by _id on every
// request, or read whole (open_requests).
var cachedCollections = map[string]bool{
	collSessions: true, collUsers: true, collKeys: true, collRequests: true, collSubjectRequests: true,
	collLists: true, collSettings: true, collOpenRequests: true,
}

type docCache struct {
	mu      sync.Mutex
	colls   map[string]*collCache
	pending map[int64]pendingWrite // by the request id of a write in flight
}

type collCache struct {
	gen      uint64 // moved by every write's start and end
	inflight int    // writes sent and not yet answered
	docs     map[string]cacheEntry
}

type cacheEntry struct {
	raw []bson.Raw // one document (nil: there is none), or a whole collection (allDocs)
	at  time.Time
}

func newDocCache() *docCache {
	c := &docCache{colls: map[string]*collCache{}, pending: map[int64]pendingWrite{}}
	for name := range cachedCollections {
		c.colls[name] = &collCache{docs: map[string]cacheEntry{}}
	}
	return c
}

// monitor wraps next (which may be nil) with the cache's invalidation.
func (c *docCache) monitor(next *event.CommandMonitor) *event.CommandMonitor {
	m := &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			c.started(e)
			if next != nil && next.Started != nil {
				next.Started(ctx, e)
			}
		},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			c.finished(e.RequestID)
			if next != nil && next.Succeeded != nil {
				next.Succeeded(ctx, e)
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			c.finished(e.RequestID)
			if next != nil && next.Failed != nil {
				next.Failed(ctx, e)
			}
		},
	}
	return m
}

// writeCommands are the commands that change documents (the portal uses no aggregation
// that writes).
var writeCommands = map[string]bool{"insert": true, "update": true, "delete": true, "findAndModify": true,
	"drop": true, "renameCollection": true, "dropDatabase": true, "bulkWrite": true}

func (c *docCache) started(e *event.CommandStartedEvent) {
	if !writeCommands[e.CommandName] {
		return
	}
	coll, ok := e.Command.Lookup(e.CommandName).StringValueOK()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok || e.CommandName == "dropDatabase" || e.CommandName == "renameCollection" {
		// A command on the whole database: forget everything.
		for _, cc := range c.colls {
			cc.gen++
			clear(cc.docs)
		}
		return
	}
	cc := c.colls[coll]
	if cc == nil {
		return
	}
	cc.gen++
	cc.inflight++
	ids := touchedIDs(e.CommandName, e.Command)
	c.pending[e.RequestID] = pendingWrite{coll: coll, ids: ids}
	cc.forget(ids)
}

// pendingWrite is a write in flight: its collection and the documents it names (nil: it
// may reach any).
type pendingWrite struct {
	coll string
	ids  []string
}

// forget drops the entries a write may change: the documents it names and the whole
// collection's read, or everything when it names none.
func (cc *collCache) forget(ids []string) {
	if ids == nil {
		clear(cc.docs)
		return
	}
	delete(cc.docs, allDocs)
	for _, id := range ids {
		delete(cc.docs, id)
	}
}

// touchedIDs lists the string _ids a write names, or nil when one of its statements may
// reach documents other than by _id.
func touchedIDs(name string, cmd bson.Raw) []string {
	idOf := func(filter bson.Raw) (string, bool) {
		return filter.Lookup("_id").StringValueOK()
	}
	var (
		list string
		key  string
	)
	switch name {
	case "insert":
		list, key = "documents", ""
	case "update":
		list, key = "updates", "q"
	case "delete":
		list, key = "deletes", "q"
	case "findAndModify":
		q, ok := cmd.Lookup("query").DocumentOK()
		if !ok {
			return nil
		}
		if id, ok := idOf(q); ok {
			return []string{id}
		}
		return nil
	default:
		return nil
	}
	arr, ok := cmd.Lookup(list).ArrayOK()
	if !ok {
		return nil
	}
	vals, err := arr.Values()
	if err != nil || len(vals) == 0 {
		return nil
	}
	ids := make([]string, 0, len(vals))
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			return nil
		}
		if key != "" {
			if doc, ok = doc.Lookup(key).DocumentOK(); !ok {
				return nil
			}
		}
		id, ok := idOf(doc)
		if !ok {
			return nil
		}
		ids = append(ids, id)
	}
	return ids
}

func (c *docCache) finished(requestID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.pending[requestID]
	if !ok {
		return
	}
	delete(c.pending, requestID)
	cc := c.colls[w.coll]
	cc.gen++
	cc.inflight--
	cc.forget(w.ids)
}

// get returns the cached entry and, on a miss, a ticket for put.
func (c *docCache) get(coll, key string) ([]bson.Raw, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cc := c.colls[coll]
	if e, ok := cc.docs[key]; ok && time.Since(e.at) < cacheTTL {
		return e.raw, 0, true
	}
	if cc.inflight > 0 {
		return nil, 0, false // a write may land after our read: no ticket
	}
	return nil, cc.gen + 1, false // 0 means "no ticket"
}

// put keeps what was read with ticket, unless a write started or ended meanwhile.
func (c *docCache) put(coll, key string, ticket uint64, raw []bson.Raw, at time.Time) {
	if ticket == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cc := c.colls[coll]
	if cc.gen+1 != ticket || cc.inflight > 0 {
		return
	}
	if len(cc.docs) >= cacheMax {
		for k, e := range cc.docs {
			if at.Sub(e.at) >= cacheTTL {
				delete(cc.docs, k)
			}
		}
		if len(cc.docs) >= cacheMax {
			clear(cc.docs)
		}
	}
	cc.docs[key] = cacheEntry{raw: raw, at: at}
}

// byID decodes the document {_id: id} of coll into out: from memory when this process
// is the only writer and has it, from the database otherwise. Reads that decide a
// conditional update do not use it: they read under the document's lock.
func (d *DB) byID(ctx context.Context, coll, id string, out any) error {
	if d.cache == nil || !cachedCollections[coll] {
		return translate(d.coll(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(out))
	}
	raw, err := d.byIDRaw(ctx, coll, id)
	if err != nil {
		return err
	}
	return translate(bson.Unmarshal(raw, out))
}

// byIDRaw is the document {_id: id} of a cached collection as byID reads it, undecoded:
// while it stays the same in memory the same bytes come back (a caller may keep what it
// decoded from them, by their first byte); callers do not change them.
func (d *DB) byIDRaw(ctx context.Context, coll, id string) (bson.Raw, error) {
	cached, ticket, ok := d.cache.get(coll, id)
	if ok {
		if cached == nil {
			return nil, fmt.Errorf("%w", apperr.ErrNotFound)
		}
		return cached[0], nil
	}
	start := time.Now()
	raw, err := d.coll(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		// Absent is kept too (a setting never set is read on every page): the insert
		// that creates it names its _id and so drops this.
		d.cache.put(coll, id, ticket, nil, start)
	}
	if err != nil {
		return nil, translate(err)
	}
	raw = append(bson.Raw(nil), raw...)
	d.cache.put(coll, id, ticket, []bson.Raw{raw}, start)
	return raw, nil
}

// fresh decodes the document {_id: id} of coll from the database, never from memory:
// for a read under the document's lock that decides a write (another process's write,
// or one whose caller gave up after sending it, may not have reached the cache yet).
func (d *DB) fresh(ctx context.Context, coll, id string, out any) error {
	return translate(d.coll(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(out))
}

// allRaw is every document of a bounded collection as the engine sent it, through the
// cache as all. While the collection is unchanged in memory the same slice comes back
// (a caller may keep what it decoded from it, by its first element); callers do not
// change it.
func (d *DB) allRaw(ctx context.Context, coll string) ([]bson.Raw, error) {
	if d.cache == nil || !cachedCollections[coll] {
		cur, err := d.coll(coll).Find(ctx, bson.D{})
		if err != nil {
			return nil, translate(err)
		}
		defer func() { _ = cur.Close(ctx) }()
		var raws []bson.Raw
		for cur.Next(ctx) {
			raws = append(raws, append(bson.Raw(nil), cur.Current...))
		}
		return raws, translate(cur.Err())
	}
	raws, ticket, ok := d.cache.get(coll, allDocs)
	if !ok {
		start := time.Now()
		cur, err := d.coll(coll).Find(ctx, bson.D{})
		if err != nil {
			return nil, translate(err)
		}
		defer func() { _ = cur.Close(ctx) }()
		raws = nil
		for cur.Next(ctx) {
			raws = append(raws, append(bson.Raw(nil), cur.Current...))
		}
		if err := cur.Err(); err != nil {
			return nil, translate(err)
		}
		d.cache.put(coll, allDocs, ticket, raws, start)
	}
	return raws, nil
}

// decodeAll decodes each document into a new element of out, a pointer to a slice.
func decodeAll(raws []bson.Raw, out any) error {
	sv := reflect.ValueOf(out).Elem()
	sv.SetLen(0)
	for _, raw := range raws {
		el := reflect.New(sv.Type().Elem())
		if err := bson.Unmarshal(raw, el.Interface()); err != nil {
			return translate(err)
		}
		sv.Set(reflect.Append(sv, el.Elem()))
	}
	return nil
}

// ForgetCached drops every document kept in memory, as a restart would: for tests that
// change the database around the store (an older layout, a backup put back), which a
// running portal never sees happen.
func (d *DB) ForgetCached() {
	if d.cache == nil {
		return
	}
	d.cache.mu.Lock()
	defer d.cache.mu.Unlock()
	for _, cc := range d.cache.colls {
		cc.gen++
		clear(cc.docs)
	}
}
