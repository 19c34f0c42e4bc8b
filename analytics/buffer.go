package analytics

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"

	"github.com/example/pdpa-portal/internal/twtime"
)

// Hit is one counted page view. It carries nothing that identifies the visitor beyond
// the moment it is recorded: the visitor id and network are hashed into sketches at once.
type Hit struct {
	Time     time.Time
	Path     string // the route pattern, never the query or a reference number
	Lang     string
	Referrer string // a domain, or Direct
	Agent    Agent
	// Network is the address prefix (IPv4 /24, IPv6 /48); nil when unknown.
	Network []byte
	// Visit is set when the visitor accepted the analytics cookie.
	Visit *Step
}

// Buffer collects counts in memory between flushes, so counting a page view costs no
// database write.
//
// A referring domain is a string the visitor chooses (tracker0.evil.example), so it is
// written only once this process has seen it k times on the day (k the report's
// threshold): until then its views count as Other, and the view that reaches k moves
// them from Other to the domain (an increment may hold a negative Other). The stored
// referrer table so always adds up, and a rare domain never reaches the database or
// its backups. Each instance counts on its own, so with several a domain may stay
// Other longer than needed: the error is on the side of naming less.
type Buffer struct {
	mu     sync.Mutex
	days   map[string]*Day
	hasher Hasher
	sums   sumCache
	k      int64
	// refDate's referring domains and their views so far (at most MaxKeys of them).
	refDate string
	refSeen map[string]int64
}

// NewBuffer returns an empty buffer hashing ids and networks with the given key,
// naming referrers seen DefaultK times.
func NewBuffer(key []byte) *Buffer {
	return &Buffer{days: map[string]*Day{}, hasher: NewHasher(key), k: DefaultK}
}

// SetReferrerK sets how many views of a day name a referring domain: the report's
// threshold, so nothing stored is a value the report would never name.
func (b *Buffer) SetReferrerK(k int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.k = int64(max(k, 1))
}

// countReferrer counts one view from ref on d's day (under b.mu).
func (b *Buffer) countReferrer(d *Day, ref string) {
	if ref == Direct || ref == Other || ref == "" {
		d.Count(DimReferrer, ref, 1)
		return
	}
	if d.Date != b.refDate {
		if d.Date < b.refDate {
			// A late view of a day already left behind: its domain's count is gone.
			d.Count(DimReferrer, Other, 1)
			return
		}
		b.refDate, b.refSeen = d.Date, map[string]int64{}
	}
	n, ok := b.refSeen[ref]
	if !ok && len(b.refSeen) >= MaxKeys {
		d.Count(DimReferrer, Other, 1)
		return
	}
	n++
	b.refSeen[ref] = n
	switch {
	case n < b.k:
		d.Count(DimReferrer, Other, 1)
	case n == b.k:
		if n > 1 {
			d.Count(DimReferrer, Other, -(n - 1))
		}
		d.Count(DimReferrer, ref, n)
	default:
		d.Count(DimReferrer, ref, 1)
	}
}

func (b *Buffer) day(date string) *Day {
	d := b.days[date]
	if d == nil {
		d = NewDay(date)
		b.days[date] = d
	}
	return d
}

// The hash labels, made once.
var labelVisitor, labelNetwork = []byte("visitor"), []byte("network")

// Record counts one page view.
func (b *Buffer) Record(h Hit) {
	if h.Visit == nil {
		b.record(h, nil)
		return
	}
	s := *h.Visit
	h.Visit = nil
	b.record(h, &s)
}

// RecordVisit is Record of a view with its visitor's step, taken apart from the hit:
// a hit pointing at the step (whose strings go into the counts, so the compiler takes
// all it holds to outlive the call) made the step an allocation every counted view.
func (b *Buffer) RecordVisit(h Hit, s Step) {
	h.Visit = nil
	b.record(h, &s)
}

func (b *Buffer) record(h Hit, s *Step) {
	date := DayOf(h.Time)
	var visitor, network uint64
	if s != nil {
		visitor = b.sums.sum(b.hasher, 0, labelVisitor, s.Next.ID[:])
	}
	if h.Network != nil {
		network = b.sums.sum(b.hasher, 1, labelNetwork, h.Network)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.day(date)
	d.Views++
	d.Hours[h.Time.In(twtime.Zone).Hour()]++
	d.Count(DimPath, h.Path, 1)
	b.countReferrer(d, h.Referrer)
	d.Count(DimBrowser, h.Agent.Browser, 1)
	d.Count(DimOS, h.Agent.OS, 1)
	d.Count(DimDevice, h.Agent.Device, 1)
	d.Count(DimLang, h.Lang, 1)
	if h.Network != nil {
		d.Networks.Add(network)
	}
	if s != nil {
		d.Visitors.Add(visitor)
		d.Online += int64(s.Online / time.Second)
		vd := b.day(s.VisitDay)
		if s.NewVisit {
			vd.Visits++
		}
		if s.From != s.To {
			if s.From >= 0 {
				vd.Lengths[s.From]--
			}
			vd.Lengths[s.To]++
		}
	}
}

// Take returns the counts gathered since the last Take and starts afresh.
func (b *Buffer) Take() []*Day {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*Day, 0, len(b.days))
	for _, d := range b.days {
		out = append(out, d)
	}
	b.days = map[string]*Day{}
	return out
}

// Restore puts back counts a flush could not write, so they go out with the next one.
func (b *Buffer) Restore(days []*Day) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range days {
		_ = b.day(d.Date).Add(d) // sketches from Take always have the right length
	}
}

// Pending reports how many days wait to be written (zero after a successful flush).
func (b *Buffer) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.days)
}

// sumCache keeps the keyed hashes of the visitor ids and networks counted lately, one
// slot each of 512 chosen by the value: a visitor's every page view, and every visitor
// from one network, hashed the same two HMAC-SHA256 blocks again (about 1.5 µs a view,
// a fifth of counting it). A slot holds one value; another value of its slot replaces it.
type sumCache struct {
	slots [512]atomic.Pointer[sumEntry]
}

type sumEntry struct {
	kind byte
	n    int
	key  [16]byte
	sum  uint64
}

// sum is h.Sum(label, v) for values of at most 16 bytes; kind tells the labels apart.
func (c *sumCache) sum(h Hasher, kind byte, label, v []byte) uint64 {
	// The hasher (an interface) is handed copies only: v itself would otherwise be taken
	// to outlive the call, and with it the visit it points into.
	if len(v) > 16 {
		return h.Sum(label, bytes.Clone(v))
	}
	i := uint(kind)
	for _, b := range v {
		i = i*31 + uint(b)
	}
	slot := &c.slots[i%uint(len(c.slots))]
	if e := slot.Load(); e != nil && e.kind == kind && e.n == len(v) && string(e.key[:e.n]) == string(v) {
		return e.sum
	}
	e := &sumEntry{kind: kind, n: len(v)}
	copy(e.key[:], v)
	e.sum = h.Sum(label, e.key[:e.n])
	slot.Store(e)
	return e.sum
}
