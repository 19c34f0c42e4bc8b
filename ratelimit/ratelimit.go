// Package ratelimit throttles repeated attempts per client address, so that
// sign-in, sign-up and password-reset forms cannot be used for password
// guessing or mail flooding at full speed. The caller decides what to render
// (a 429 page) when Allow says no.
package ratelimit

import (
	"container/heap"
	"net/netip"
	"sync"
	"time"
)

// maxKeys bounds memory under an attack from many addresses: roughly 100 bytes
// per key, so about 10 MB at most.
const maxKeys = 100_000

// Limiter allows at most Limit events per Window per key, as a burst that then
// refills at one event per Window/Limit.
//
// It uses GCRA rather than two fixed windows because the whole per-key state is
// one timestamp (cheap to keep 100 000 of them), retryAfter falls straight out
// of it, denied attempts change nothing (so hammering never extends a lockout),
// and the quota refills steadily instead of all at once at a window boundary.
// Like the two-window approximation it is not an exact sliding log: a client
// that spends its burst and then paces itself gets up to about 2*Limit events
// in one Window, but never a burst of more than Limit.
type Limiter struct {
	interval int64 // nanoseconds per event: Window/Limit
	burst    int64 // limit*interval: how far ahead of now a key's TAT may run
	now      func() time.Time
	base     time.Time // times are kept as offsets from base, which keeps the monotonic clock

	mu      sync.Mutex
	maxKeys int
	entries map[string]*entry
	byTAT   tatHeap // min-heap: the top is the entry that expires first
}

// entry is one key's state. tat is the theoretical arrival time: the key is
// back to a full quota once now reaches it, so an entry with tat <= now can be
// dropped without changing any answer.
type entry struct {
	key   string
	tat   int64
	index int // position in byTAT
}

// New returns a Limiter allowing limit events per window for each key.
// now is the clock; nil means time.Now. It panics if limit < 1 or window <= 0,
// which would be a configuration bug.
func New(limit int, window time.Duration, now func() time.Time) *Limiter {
	if limit < 1 || window <= 0 {
		panic("ratelimit: limit must be >= 1 and window > 0")
	}
	if now == nil {
		now = time.Now
	}
	interval := max(int64(window)/int64(limit), 1)
	return &Limiter{
		interval: interval,
		// limit*interval, not window: with the rounded-down interval this keeps
		// the burst at exactly limit events.
		burst:   int64(limit) * interval,
		now:     now,
		base:    now(),
		maxKeys: maxKeys,
		entries: make(map[string]*entry),
	}
}

// Allow records an event for key and reports whether it is within the limit;
// when not, retryAfter is how long until one more would be allowed (at least
// 1s, rounded up to whole seconds, as a Retry-After header wants). A denied
// event is not recorded.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	t := int64(l.now().Sub(l.base))

	l.mu.Lock()
	defer l.mu.Unlock()

	// Lazy sweep: expired entries sit at the top of the heap, so this costs
	// nothing when there are none and O(log n) per entry removed.
	for len(l.byTAT) > 0 && l.byTAT[0].tat <= t {
		delete(l.entries, heap.Pop(&l.byTAT).(*entry).key)
	}

	e := l.entries[key]
	tat := t
	if e != nil {
		tat = max(e.tat, t)
	}
	newTAT := tat + l.interval
	if newTAT-t > l.burst {
		// Allowed again once the next event's TAT fits: tat + interval - t' <= burst.
		wait := time.Duration(tat + l.interval - l.burst - t)
		return false, roundUpSecond(wait)
	}

	if e != nil {
		e.tat = newTAT
		heap.Fix(&l.byTAT, e.index)
		return true, 0
	}
	if len(l.entries) >= l.maxKeys {
		// Full of live entries: evict the one that expires first. It holds the
		// least remaining throttle, so a flood of fresh addresses pushes out
		// other one-off visitors before it pushes out a key that is being
		// actively limited.
		delete(l.entries, heap.Pop(&l.byTAT).(*entry).key)
	}
	e = &entry{key: key, tat: newTAT}
	heap.Push(&l.byTAT, e)
	l.entries[key] = e
	return true, 0
}

// Refund takes back one event of key that turned out harmless (a sign-in with the right
// password), so that many people behind one address (an office, a mobile carrier's
// shared address) are limited only by their failures. It never gives more than a full
// quota back.
func (l *Limiter) Refund(key string) {
	if l == nil {
		return
	}
	t := int64(l.now().Sub(l.base))
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[key]
	if e == nil {
		return
	}
	e.tat = max(e.tat-l.interval, t)
	heap.Fix(&l.byTAT, e.index)
}

func roundUpSecond(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// Key returns the bucket key for a client address: IPv4 as is, IPv6 by its /64
// prefix (one household or customer usually holds a whole /64, so per-address
// keys would let it rotate freely), and "unknown" for "" or anything
// unparsable. addr is a bare IP such as "203.0.113.9" or "2001:db8::1", not
// host:port. IPv4-mapped IPv6 addresses count as the IPv4 address.
func Key(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "unknown"
	}
	a = a.Unmap().WithZone("") // the zone names our interface, not the client
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return "unknown"
	}
	return p.String()
}

// tatHeap orders entries by tat for container/heap.
type tatHeap []*entry

func (h tatHeap) Len() int           { return len(h) }
func (h tatHeap) Less(i, j int) bool { return h[i].tat < h[j].tat }
func (h tatHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *tatHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *tatHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil // let the entry be collected
	*h = old[:n-1]
	return e
}
