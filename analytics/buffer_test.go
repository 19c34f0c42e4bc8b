package analytics

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/internal/twtime"
)

var bufKey = []byte("buffer test key, thirty-two bytes!!")

// byDate indexes what Take returned, failing on a repeated date.
func byDate(t *testing.T, days []*Day) map[string]*Day {
	t.Helper()
	out := map[string]*Day{}
	for _, d := range days {
		if out[d.Date] != nil {
			t.Fatalf("Take returned %s twice", d.Date)
		}
		out[d.Date] = d
	}
	return out
}

func visitorID(n int) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], uint64(n))
	id[15] = 0x5A
	return id
}

func TestBufferCountsViewsHoursAndDimensions(t *testing.T) {
	b := NewBuffer(bufKey)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, twtime.Zone)
	chrome := Agent{Browser: "chrome", OS: "windows", Device: "desktop"}
	safari := Agent{Browser: "safari", OS: "ios", Device: "mobile"}
	b.SetReferrerK(1) // every referrer named at once (TestBufferNamesReferrersSeenKTimes)
	hits := []Hit{
		{Time: day.Add(9 * time.Hour), Path: "/", Lang: "zh-TW", Referrer: Direct, Agent: chrome},
		{Time: day.Add(9*time.Hour + 59*time.Minute), Path: "/", Lang: "zh-TW", Referrer: "google.com", Agent: safari},
		{Time: day.Add(23*time.Hour + 59*time.Minute), Path: "/notices", Lang: "en", Referrer: Direct, Agent: chrome},
		{Time: day, Path: "/", Lang: "en", Referrer: Direct, Agent: safari},
	}
	for _, h := range hits {
		b.Record(h)
	}
	if b.Pending() != 1 {
		t.Fatalf("pending %d days, want 1", b.Pending())
	}
	days := byDate(t, b.Take())
	d := days["2026-11-23"]
	if d == nil || len(days) != 1 {
		t.Fatalf("days %v", days)
	}
	if d.Views != 4 || d.Visits != 0 || d.Online != 0 {
		t.Fatalf("views %d visits %d online %d", d.Views, d.Visits, d.Online)
	}
	var wantHours [24]int64
	wantHours[0], wantHours[9], wantHours[23] = 1, 2, 1
	if d.Hours != wantHours {
		t.Fatalf("hours %v, want %v", d.Hours, wantHours)
	}
	want := map[string]map[string]int64{
		DimPath:     {"/": 3, "/notices": 1},
		DimLang:     {"zh-TW": 2, "en": 2},
		DimReferrer: {Direct: 3, "google.com": 1},
		DimBrowser:  {"chrome": 2, "safari": 2},
		DimOS:       {"windows": 2, "ios": 2},
		DimDevice:   {"desktop": 2, "mobile": 2},
	}
	for dim, w := range want {
		got := d.Tables[dim]
		if len(got) != len(w) {
			t.Errorf("%s: %v, want %v", dim, got, w)
			continue
		}
		for k, n := range w {
			if got[k] != n {
				t.Errorf("%s[%s] = %d, want %d", dim, k, got[k], n)
			}
		}
	}
	if d.Visitors.Estimate() != 0 || d.Networks.Estimate() != 0 {
		t.Fatal("hits without a visit or network counted visitors or networks")
	}
	if d.Lengths != [NumBuckets]int64{} {
		t.Fatalf("lengths %v without visits", d.Lengths)
	}
}

// The hour is twtime.Zone's, and the day too: 16:30 UTC is 00:30 the next day.
func TestBufferHourAndDayAreTaipei(t *testing.T) {
	b := NewBuffer(bufKey)
	b.Record(Hit{Time: time.Date(2026, 11, 23, 16, 30, 0, 0, time.UTC), Path: "/"})
	b.Record(Hit{Time: time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC), Path: "/"})
	days := byDate(t, b.Take())
	if d := days["2026-11-24"]; d == nil || d.Hours[0] != 1 || d.Views != 1 {
		t.Fatalf("00:30 twtime.Zone: %+v", d)
	}
	if d := days["2026-11-23"]; d == nil || d.Hours[23] != 1 || d.Views != 1 {
		t.Fatalf("23:30 twtime.Zone: %+v", d)
	}
}

// A visit that starts before twtime.Zone midnight and goes on after it: the visit and its
// length count on the start day, each view and its time online on its own day.
func TestBufferVisitAcrossMidnight(t *testing.T) {
	b := NewBuffer(bufKey)
	start := time.Date(2026, 11, 23, 15, 50, 0, 0, time.UTC) // 23:50 twtime.Zone
	s1 := Advance(nil, start, func() [16]byte { return visitorID(1) })
	b.Record(Hit{Time: start, Path: "/", Visit: &s1})
	s2 := Advance(&s1.Next, start.Add(20*time.Minute), nil)
	b.Record(Hit{Time: start.Add(20 * time.Minute), Path: "/", Visit: &s2})
	days := byDate(t, b.Take())
	d1, d2 := days["2026-11-23"], days["2026-11-24"]
	if d1 == nil || d2 == nil {
		t.Fatalf("days %v", days)
	}
	if d1.Views != 1 || d1.Visits != 1 || d1.Online != 0 {
		t.Fatalf("start day: views %d visits %d online %d", d1.Views, d1.Visits, d1.Online)
	}
	var wantLengths [NumBuckets]int64
	wantLengths[Bucket(20*time.Minute)] = 1
	if d1.Lengths != wantLengths {
		t.Fatalf("start day lengths %v, want %v", d1.Lengths, wantLengths)
	}
	if d2.Views != 1 || d2.Visits != 0 || d2.Online != 1200 || d2.Lengths != [NumBuckets]int64{} {
		t.Fatalf("next day: views %d visits %d online %d lengths %v", d2.Views, d2.Visits, d2.Online, d2.Lengths)
	}
	if d1.Visitors.Estimate() != 1 || d2.Visitors.Estimate() != 1 {
		t.Fatalf("visitors %d and %d, want 1 each", d1.Visitors.Estimate(), d2.Visitors.Estimate())
	}
}

// Many visitors viewing pages at random: whatever the order and however often the
// buffer is taken, the summed histogram of each start day holds each visit once, in the
// bucket of its final length, and time online adds up to the visits' lengths.
func TestBufferHistogramHoldsEachVisitOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := NewBuffer(bufKey)
	type visitor struct {
		cookie *Visitor
		start  time.Time
		last   time.Time
	}
	visitors := make([]visitor, 40)
	wantLengths := map[string]*[NumBuckets]int64{}
	wantVisits := map[string]int64{}
	var wantOnline int64
	closeVisit := func(v visitor) {
		if v.cookie == nil {
			return
		}
		day := DayOf(v.start)
		if wantLengths[day] == nil {
			wantLengths[day] = new([NumBuckets]int64)
		}
		wantLengths[day][Bucket(v.last.Sub(v.start))]++
		wantVisits[day]++
	}
	total := map[string]*Day{}
	take := func() {
		for _, d := range b.Take() {
			if total[d.Date] == nil {
				total[d.Date] = NewDay(d.Date)
			}
			if err := total[d.Date].Add(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC) // 22:00 twtime.Zone: visits cross midnight
	views := 0
	for step := 0; step < 5000; step++ {
		now = now.Add(time.Duration(rng.IntN(20)) * time.Second)
		i := rng.IntN(len(visitors))
		v := &visitors[i]
		if v.cookie != nil && now.Sub(v.last) >= VisitGap {
			closeVisit(*v) // the same visitor comes back: a new visit below
		}
		id := i
		s := Advance(v.cookie, now, func() [16]byte { return visitorID(id) })
		if s.NewVisit {
			v.start = now
		} else {
			wantOnline += int64(s.Online / time.Second)
		}
		v.cookie, v.last = &s.Next, now
		b.Record(Hit{Time: now, Path: "/", Visit: &s})
		views++
		if rng.IntN(50) == 0 {
			take()
		}
		if rng.IntN(400) == 0 { // someone leaves for a while
			now = now.Add(VisitGap + time.Duration(rng.IntN(600))*time.Second)
		}
	}
	for _, v := range visitors {
		closeVisit(v)
	}
	take()
	if len(total) < 2 {
		t.Fatalf("the views spanned %d days; want the test to cross midnight", len(total))
	}
	var gotViews, gotOnline, allVisits int64
	for date, d := range total {
		gotViews += d.Views
		gotOnline += d.Online
		var sum int64
		for bk, n := range d.Lengths {
			if n < 0 {
				t.Errorf("%s: bucket %d is %d", date, bk, n)
			}
			sum += n
		}
		if sum != d.Visits {
			t.Errorf("%s: histogram sums to %d, visits %d", date, sum, d.Visits)
		}
		want := wantLengths[date]
		if want == nil {
			want = new([NumBuckets]int64)
		}
		if d.Lengths != *want {
			t.Errorf("%s: lengths %v, want %v", date, d.Lengths, *want)
		}
		if d.Visits != wantVisits[date] {
			t.Errorf("%s: visits %d, want %d", date, d.Visits, wantVisits[date])
		}
		allVisits += d.Visits
	}
	if gotViews != int64(views) || gotOnline != wantOnline {
		t.Fatalf("views %d online %d, want %d and %d", gotViews, gotOnline, views, wantOnline)
	}
	if allVisits <= int64(len(visitors)) {
		t.Fatalf("only %d visits: the test should make visitors come back", allVisits)
	}
}

func TestBufferTakeEmptiesAndRestoreMerges(t *testing.T) {
	b := NewBuffer(bufKey)
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC) // 11:00 twtime.Zone
	rec := func(n int, path string, idBase int) {
		for i := 0; i < n; i++ {
			s := Advance(nil, at, func() [16]byte { return visitorID(idBase + i) })
			b.Record(Hit{Time: at, Path: path, Network: []byte{10, 0, byte(idBase + i)}, Visit: &s})
		}
	}
	rec(30, "/a", 0)
	first := b.Take()
	if b.Pending() != 0 {
		t.Fatalf("pending %d after Take", b.Pending())
	}
	if again := b.Take(); len(again) != 0 {
		t.Fatalf("a second Take returned %d days", len(again))
	}
	if len(first) != 1 || first[0].Views != 30 {
		t.Fatalf("first take: %+v", first)
	}

	rec(20, "/b", 30)
	b.Restore(first)
	if b.Pending() != 1 {
		t.Fatalf("pending %d after Restore", b.Pending())
	}
	got := byDate(t, b.Take())["2026-11-23"]
	if got == nil || got.Views != 50 || got.Visits != 50 || got.Lengths[0] != 50 || got.Hours[11] != 50 {
		t.Fatalf("after restore: %+v", got)
	}
	if got.Tables[DimPath]["/a"] != 30 || got.Tables[DimPath]["/b"] != 20 {
		t.Fatalf("paths %v", got.Tables[DimPath])
	}
	if e := got.Visitors.Estimate(); e < 47 || e > 53 {
		t.Fatalf("visitors %d, want 50±3 (sketches merged)", e)
	}
	if e := got.Networks.Estimate(); e < 47 || e > 53 {
		t.Fatalf("networks %d, want 50±3", e)
	}

	// Restoring into an empty buffer brings back exactly what was taken.
	b.Restore([]*Day{got})
	back := b.Take()
	if len(back) != 1 || back[0].Views != 50 || back[0].Visitors.Estimate() != got.Visitors.Estimate() {
		t.Fatalf("restore into empty: %+v", back)
	}
}

func TestBufferMaxKeysFoldsIntoOther(t *testing.T) {
	b := NewBuffer(bufKey)
	b.SetReferrerK(1)
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	const extra = 37
	for i := 0; i < MaxKeys+extra; i++ {
		b.Record(Hit{Time: at, Path: "/", Referrer: fmt.Sprintf("r%05d.example", i)})
	}
	// A value already kept still counts on its own after the cap.
	b.Record(Hit{Time: at, Path: "/", Referrer: "r00000.example"})
	// Another day keeps its own values.
	b.Record(Hit{Time: at.Add(24 * time.Hour), Path: "/", Referrer: "late.example"})
	days := byDate(t, b.Take())
	ref := days["2026-11-23"].Tables[DimReferrer]
	if len(ref) != MaxKeys+1 {
		t.Fatalf("%d referrers kept, want %d and %q", len(ref), MaxKeys, Other)
	}
	if ref[Other] != extra {
		t.Fatalf("other %d, want %d", ref[Other], extra)
	}
	if ref["r00000.example"] != 2 {
		t.Fatalf("a kept value counted %d after the cap, want 2", ref["r00000.example"])
	}
	var sum int64
	for _, n := range ref {
		sum += n
	}
	if sum != MaxKeys+extra+1 || days["2026-11-23"].Views != sum {
		t.Fatalf("referrer counts sum to %d, views %d", sum, days["2026-11-23"].Views)
	}
	if len(days["2026-11-23"].Tables[DimPath]) != 1 {
		t.Fatalf("the path table was affected: %d values", len(days["2026-11-23"].Tables[DimPath]))
	}
	if n := days["2026-11-24"].Tables[DimReferrer]["late.example"]; n != 1 {
		t.Fatalf("the next day's referrer counted %d", n)
	}
}

// Recording from many goroutines while another takes: nothing is lost or counted twice.
func TestBufferConcurrentRecordAndTake(t *testing.T) {
	b := NewBuffer(bufKey)
	base := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // 23:00 twtime.Zone: two days
	const workers, each = 8, 1000
	var views, hours, paths int64
	days := map[string]bool{}
	collect := func(ds []*Day) {
		for _, d := range ds {
			views += d.Views
			for _, n := range d.Hours {
				hours += n
			}
			for _, n := range d.Tables[DimPath] {
				paths += n
			}
			days[d.Date] = true
		}
	}
	stop := make(chan struct{})
	taker := make(chan struct{})
	go func() {
		defer close(taker)
		for {
			select {
			case <-stop:
				return
			default:
				collect(b.Take())
			}
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				at := base.Add(time.Duration(i*7) * time.Second)
				s := Advance(nil, at, func() [16]byte { return visitorID(w*each + i) })
				b.Record(Hit{Time: at, Path: fmt.Sprintf("/p%d", i%5), Network: []byte{byte(w), 1, 2}, Visit: &s})
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-taker
	collect(b.Take())
	if views != workers*each || hours != workers*each || paths != workers*each {
		t.Fatalf("views %d hours %d paths %d, want %d each", views, hours, paths, workers*each)
	}
	if !days["2026-11-23"] || !days["2026-11-24"] {
		t.Fatalf("days %v", days)
	}
}

func TestBufferDistinctVisitorsAndNetworks(t *testing.T) {
	b := NewBuffer(bufKey)
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for rep := 0; rep < 5; rep++ {
		for i := 0; i < 200; i++ {
			now := at.Add(time.Duration(rep) * time.Minute)
			s := Advance(nil, now, func() [16]byte { return visitorID(i) })
			b.Record(Hit{Time: now, Path: "/", Visit: &s, Network: []byte{192, 168, byte(i)}})
		}
	}
	// Views without consent or without a known network count neither.
	for i := 0; i < 50; i++ {
		b.Record(Hit{Time: at, Path: "/"})
	}
	d := byDate(t, b.Take())["2026-11-23"]
	if d.Views != 1050 {
		t.Fatalf("views %d", d.Views)
	}
	if e := d.Visitors.Estimate(); e < 197 || e > 203 {
		t.Fatalf("visitors estimate %d, want 200±3", e)
	}
	if e := d.Networks.Estimate(); e < 197 || e > 203 {
		t.Fatalf("networks estimate %d, want 200±3", e)
	}
	// A different key hashes into a different sketch: the stored registers depend on it.
	b2 := NewBuffer([]byte("another key entirely, 32 bytes long!"))
	s := Advance(nil, at, func() [16]byte { return visitorID(1) })
	b2.Record(Hit{Time: at, Path: "/", Visit: &s})
	b.Record(Hit{Time: at, Path: "/", Visit: &s})
	x, y := b.Take()[0].Visitors, b2.Take()[0].Visitors
	if string(x) == string(y) {
		t.Fatal("the sketch does not depend on the key")
	}
}

// A referrer counts as Other until its k-th view of the day, which moves the earlier
// views to it, also across Takes (flushes); a new day starts counting afresh.
func TestBufferNamesReferrersSeenKTimes(t *testing.T) {
	b := NewBuffer(bufKey)
	b.SetReferrerK(3)
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	hit := func(ref string, when time.Time) { b.Record(Hit{Time: when, Path: "/", Referrer: ref}) }
	hit("a.example", at)
	hit("a.example", at)
	hit("once.example", at)
	first := b.Take()[0].Tables[DimReferrer]
	if len(first) != 1 || first[Other] != 3 {
		t.Fatalf("before k: %v", first)
	}
	hit("a.example", at)
	hit("a.example", at)
	second := b.Take()[0].Tables[DimReferrer]
	if second["a.example"] != 4 || second[Other] != -2 || len(second) != 2 {
		t.Fatalf("reaching k: %v", second)
	}
	hit("a.example", at.Add(24*time.Hour))
	if next := b.Take()[0].Tables[DimReferrer]; next[Other] != 1 || len(next) != 1 {
		t.Fatalf("the next day: %v", next)
	}
}

// The hashes the buffer keeps for visitors and networks seen lately give the very
// sketches hashing every view afresh gives, values sharing a slot included.
func TestBufferSketchesMatchHashingEachView(t *testing.T) {
	b := NewBuffer(bufKey)
	h := NewHasher(bufKey)
	var visitors, networks Sketch
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for rep := range 3 {
		for i := range 3000 {
			now := at.Add(time.Duration(rep) * time.Second)
			s := Advance(nil, now, func() [16]byte { return visitorID(i) })
			nw := []byte{10, byte(i >> 8), byte(i)}
			b.Record(Hit{Time: now, Path: "/", Visit: &s, Network: nw})
			visitors.Add(h.Sum(labelVisitor, s.Next.ID[:]))
			networks.Add(h.Sum(labelNetwork, nw))
		}
	}
	d := byDate(t, b.Take())["2026-11-23"]
	if string(d.Visitors) != string(visitors) || string(d.Networks) != string(networks) {
		t.Fatal("the buffer's sketches differ from those of hashing every view")
	}
}

// A view recorded with its step apart counts exactly as one pointing at it, and a repeat
// visitor's view (its day, its id and network hashed lately, every value seen) costs
// no allocation.
func TestRecordVisitCountsAsRecordWithoutAllocating(t *testing.T) {
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	pointing, apart := NewBuffer(bufKey), NewBuffer(bufKey)
	var prev *Visitor
	for i := range 40 {
		now := at.Add(time.Duration(i*50) * time.Second)
		s := Advance(prev, now, func() [16]byte { return visitorID(i % 3) })
		h := Hit{Time: now, Path: "/privacy", Lang: "zh-TW", Referrer: Direct, Agent: Agent{Browser: "Chrome", OS: "Windows", Device: "desktop"},
			Network: []byte{10, 0, byte(i % 2)}}
		pointing.Record(Hit{Time: h.Time, Path: h.Path, Lang: h.Lang, Referrer: h.Referrer, Agent: h.Agent, Network: h.Network, Visit: &s})
		apart.RecordVisit(h, s)
		next := s.Next
		prev = &next
	}
	a, b := byDate(t, pointing.Take()), byDate(t, apart.Take())
	if fmt.Sprintf("%+v", a["2026-11-23"]) != fmt.Sprintf("%+v", b["2026-11-23"]) || len(a) != len(b) {
		t.Fatalf("counted apart:\n%+v\npointing:\n%+v", b["2026-11-23"], a["2026-11-23"])
	}
	buf := NewBuffer(bufKey)
	h := Hit{Time: at, Path: "/privacy", Lang: "zh-TW", Referrer: Direct, Agent: Agent{Browser: "Chrome", OS: "Windows", Device: "desktop"},
		Network: []byte{10, 0, 1}}
	s := Advance(nil, at, func() [16]byte { return visitorID(7) })
	buf.RecordVisit(h, s)
	s = Advance(&s.Next, at.Add(time.Second), nil)
	if n := testing.AllocsPerRun(100, func() { buf.RecordVisit(h, s) }); n != 0 {
		t.Errorf("a repeat visitor's view: %v allocations", n)
	}
}
