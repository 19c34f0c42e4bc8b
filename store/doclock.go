package store

import "sync"

// docLocks serialise conditional updates to one document within this process.
//
// FerretDB 1.24 applies an update as read, modify, write without holding a lock, so two
// concurrent `{_id, status: old}` updates can both match (measured: a single-use token
// spent three times by six racing requests). The embedded engine is only ever used by one
// process (the data-directory lock), so a process-wide lock per document restores the
// atomicity MongoDB gives natively; on MongoDB it costs a mutex and changes nothing.
//
// One lock per document (not stripes shared by several), so locks may nest; they nest in
// one order only: a person's or a record's document first, then the lists and counters
// it updates (lists.go), never the other way round.
type docLocks struct {
	mu sync.Mutex
	m  map[string]*docLock
}

type docLock struct {
	sync.Mutex
	users int // holders and waiters; the entry goes when none is left
}

func (l *docLocks) lock(coll, id string) (unlock func()) {
	k := coll + "\x00" + id
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*docLock{}
	}
	e := l.m[k]
	if e == nil {
		e = &docLock{}
		l.m[k] = e
	}
	e.users++
	l.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		l.mu.Lock()
		if e.users--; e.users == 0 {
			delete(l.m, k)
		}
		l.mu.Unlock()
	}
}
