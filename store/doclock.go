package store

import (
	"hash/fnv"
	"sync"
)

// docLocks serialise conditional updates to one document within this process.
//
// FerretDB 1.24 applies an update as read, modify, write without holding a lock, so two
// concurrent `{_id, status: old}` updates can both match (measured: a single-use token
// spent three times by six racing requests). The embedded engine is only ever used by one
// process (the data-directory lock), so a process-wide lock per document restores the
// atomicity MongoDB gives natively; on MongoDB it costs a mutex and changes nothing.
type docLocks struct {
	stripes [256]sync.Mutex
}

// A caller holds at most one lock at a time: two documents may share a stripe, and a
// second lock taken while holding the first could then wait on itself.
func (l *docLocks) lock(coll, id string) (unlock func()) {
	h := fnv.New32a()
	h.Write([]byte(coll + "\x00" + id)) // #nosec G104 -- a hash.Hash never returns an error
	m := &l.stripes[h.Sum32()%uint32(len(l.stripes))]
	m.Lock()
	return m.Unlock
}
