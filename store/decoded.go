package store

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// decoded keeps documents of a cached collection as last decoded, each with the bytes it
// came from: while the document cache hands out the same bytes, the document is the same
// and need not be decoded again (a person's list of requests decoded its index and each
// request for every page). Values are shared between readers, who only read them.
type decoded[T any] struct {
	coll string
	mu   sync.Mutex
	m    map[string]decodedDoc[T]
}

type decodedDoc[T any] struct {
	raw bson.Raw // held, so that no other document can come back at the same address
	v   T
}

// decodedMax bounds the documents kept (as the document cache bounds its own); past it
// the next one starts afresh.
const decodedMax = 4096

// byID is db.byID(ctx, coll, id) decoded into a T, from what was kept when the bytes are
// the same.
func (c *decoded[T]) byID(ctx context.Context, db *DB, id string) (T, error) {
	var v T
	if db.cache == nil || !cachedCollections[c.coll] {
		return v, db.byID(ctx, c.coll, id, &v)
	}
	raw, err := db.byIDRaw(ctx, c.coll, id)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && len(raw) > 0 && len(e.raw) == len(raw) && &e.raw[0] == &raw[0] {
		return e.v, nil
	}
	if err := bson.Unmarshal(raw, &v); err != nil {
		return v, translate(err)
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= decodedMax {
		c.m = map[string]decodedDoc[T]{}
	}
	c.m[id] = decodedDoc[T]{raw: raw, v: v}
	c.mu.Unlock()
	return v, nil
}
