package store

import "sync"

// seenSet remembers the actions this process has put in the vocabulary, so an append
// reads the vocabulary only for an action it has not met (routes are a bounded set).
type seenSet struct {
	mu   sync.Mutex
	seen map[string]bool
}

func newSeenSet() *seenSet { return &seenSet{seen: map[string]bool{}} }

func (s *seenSet) unseen(actions []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range actions {
		if !s.seen[a] {
			out = append(out, a)
		}
	}
	return out
}

func (s *seenSet) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.seen)
}

func (s *seenSet) mark(actions []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) > 10_000 { // a bound, should actions ever stop being routes
		clear(s.seen)
	}
	for _, a := range actions {
		s.seen[a] = true
	}
}

// postingCache keeps the postings documents as this process last wrote them, so an
// append does not read back its keys' documents (three look-ups of the ~9 round trips
// it makes). It is used only where this process is the only writer (the embedded
// engine, DB.SingleWriter), and only by writers holding the head's lock, as every writer
// of audit_index does; a document pruned meanwhile shows as a replace that matched
// nothing, and is read again. Bulk writes and pruning empty it.
type postingCache struct {
	mu   sync.Mutex
	docs map[string]cachedPosting
}

type cachedPosting struct {
	data    []byte
	version int64
}

// postingCacheSize bounds the cache: hot keys (actors, actions) stay; rare targets come
// and go.
const postingCacheSize = 20_000

func newPostingCache() *postingCache { return &postingCache{docs: map[string]cachedPosting{}} }

func (c *postingCache) get(id string) ([]byte, int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.docs[id]
	return p.data, p.version, ok
}

func (c *postingCache) put(id string, data []byte, version int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.docs) >= postingCacheSize {
		clear(c.docs)
	}
	c.docs[id] = cachedPosting{data: data, version: version}
}

func (c *postingCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.docs, id)
}

func (c *postingCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.docs)
}
