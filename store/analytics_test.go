package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// anClock is a settable clock, safe to read from several goroutines.
type anClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *anClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *anClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// taipei is a wall-clock time in Taipei.
func taipei(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, twtime.Zone)
}

func newAnalyticsStore(t *testing.T, now time.Time) (*storetest.DB, *store.Analytics, *anClock) {
	t.Helper()
	db := storetest.New(t)
	clock := &anClock{t: now}
	return db, store.NewAnalytics(db.DB, clock.Now), clock
}

var anHasher = analytics.NewHasher([]byte("store analytics test key, 32 bytes"))

// anSketch holds the distinct items from..to-1.
func anSketch(from, to int) analytics.Sketch {
	var s analytics.Sketch
	for i := from; i < to; i++ {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		s.Add(anHasher.Sum([]byte("visitor"), b[:]))
	}
	return s
}

// anDay is an increment of views spread over a few hours and paths, with visits.
func anDay(date string, views, visits int64, visitorsFrom, visitorsTo int) *analytics.Day {
	d := analytics.NewDay(date)
	d.Views, d.Visits, d.Online = views, visits, 30*visits
	for i := int64(0); i < views; i++ {
		d.Hours[9+i%3]++
		d.Count(analytics.DimPath, fmt.Sprintf("/p%d", i%4), 1)
		d.Count(analytics.DimReferrer, analytics.Direct, 1)
	}
	d.Lengths[0], d.Lengths[2] = visits/2, visits-visits/2
	d.Visitors = anSketch(visitorsFrom, visitorsTo)
	d.Networks = anSketch(1_000_000+visitorsFrom, 1_000_000+visitorsFrom+(visitorsTo-visitorsFrom)/2)
	return d
}

func mustRange(t *testing.T, s *store.Analytics, from, to string) *analytics.Range {
	t.Helper()
	r, err := s.Range(ctx(t), from, to)
	if err != nil {
		t.Fatalf("range %s..%s: %v", from, to, err)
	}
	return r
}

// analyticsDocExists reads the collection through a client of its own.
func analyticsDocExists(t *testing.T, db *storetest.DB, id string) bool {
	t.Helper()
	n, err := rawDB(t, db).Collection("analytics").CountDocuments(ctx(t), bson.D{{Key: "_id", Value: id}})
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// sameRange fails unless two reads of a range give the same figures.
func sameRange(t *testing.T, what string, got, want *analytics.Range) {
	t.Helper()
	if !reflect.DeepEqual(got.Days, want.Days) {
		t.Fatalf("%s: days differ:\n got %+v\nwant %+v", what, got.Days, want.Days)
	}
	g, w := got.Sum, want.Sum
	if g.Views != w.Views || g.Visits != w.Visits || g.Online != w.Online || g.Hours != w.Hours || g.Lengths != w.Lengths {
		t.Fatalf("%s: sums differ:\n got %+v\nwant %+v", what, g, w)
	}
	if !reflect.DeepEqual(g.Tables, w.Tables) {
		t.Fatalf("%s: tables differ:\n got %v\nwant %v", what, g.Tables, w.Tables)
	}
	if !bytes.Equal(g.Visitors, w.Visitors) || !bytes.Equal(g.Networks, w.Networks) {
		t.Fatalf("%s: sketches differ (visitors %d vs %d)", what, g.Visitors.Estimate(), w.Visitors.Estimate())
	}
}

func TestAnalyticsAddCreatesThenMerges(t *testing.T) {
	db, s, _ := newAnalyticsStore(t, taipei(2026, 11, 23, 15, 0))
	c := ctx(t)
	inc1 := analytics.NewDay("2026-11-23")
	inc1.Views, inc1.Visits, inc1.Online = 3, 2, 100
	inc1.Hours[10] = 3
	inc1.Lengths[0] = 2
	inc1.Count(analytics.DimPath, "/", 3)
	inc1.Count(analytics.DimLang, "en", 3)
	inc1.Visitors, inc1.Networks = anSketch(0, 100), anSketch(5000, 5010)
	if err := s.Add(c, inc1); err != nil {
		t.Fatal(err)
	}
	if !analyticsDocExists(t, db, "d:2026-11-23") {
		t.Fatal("the day was not created")
	}
	r := mustRange(t, s, "2026-11-23", "2026-11-23")
	if r.Sum.Views != 3 || len(r.Days) != 1 || r.Days[0].Views != 3 || r.Days[0].Visitors < 97 || r.Days[0].Visitors > 103 {
		t.Fatalf("after create: %+v %+v", r.Days, r.Sum)
	}

	// The second increment moves a visit on to a longer bucket (-1) and brings other
	// visitors and partly the same networks.
	inc2 := analytics.NewDay("2026-11-23")
	inc2.Views, inc2.Visits, inc2.Online = 4, 1, 50
	inc2.Hours[11] = 4
	inc2.Lengths[0], inc2.Lengths[3] = -1, 2
	inc2.Count(analytics.DimPath, "/", 1)
	inc2.Count(analytics.DimPath, "/b", 3)
	inc2.Count(analytics.DimLang, "zh-TW", 4)
	inc2.Visitors, inc2.Networks = anSketch(100, 200), anSketch(5005, 5015)
	keep := inc2.Clone()
	if err := s.Add(c, inc2); err != nil {
		t.Fatal(err)
	}
	if inc2.Views != keep.Views || !bytes.Equal(inc2.Visitors, keep.Visitors) || !maps.Equal(inc2.Tables[analytics.DimPath], keep.Tables[analytics.DimPath]) {
		t.Fatal("Add changed the increment it was given (a failed flush puts it back)")
	}
	r = mustRange(t, s, "2026-11-23", "2026-11-23")
	d := r.Sum
	if d.Views != 7 || d.Visits != 3 || d.Online != 150 {
		t.Fatalf("views %d visits %d online %d, want 7 3 150", d.Views, d.Visits, d.Online)
	}
	var wantHours [24]int64
	wantHours[10], wantHours[11] = 3, 4
	if d.Hours != wantHours || d.Lengths != [analytics.NumBuckets]int64{1, 0, 0, 2, 0, 0, 0} {
		t.Fatalf("hours %v lengths %v", d.Hours, d.Lengths)
	}
	wantTables := map[string]map[string]int64{
		analytics.DimPath: {"/": 4, "/b": 3},
		analytics.DimLang: {"en": 3, "zh-TW": 4},
	}
	if !reflect.DeepEqual(d.Tables, wantTables) {
		t.Fatalf("tables %v, want %v", d.Tables, wantTables)
	}
	if e := d.Visitors.Estimate(); e < 197 || e > 203 {
		t.Fatalf("visitors %d, want the union 200±3", e)
	}
	if e := d.Networks.Estimate(); e != 15 {
		t.Fatalf("networks %d, want the union 15", e)
	}
	want := d.Totals()
	want.Date = "2026-11-23"
	if r.Days[0] != want {
		t.Fatalf("day totals %+v, sum %+v", r.Days[0], d.Totals())
	}
}

// Two portal instances, each with its own buffer and counter, flush the same day at the
// same time: every view is stored exactly once.
func TestAnalyticsConcurrentInstances(t *testing.T) {
	db, s, clock := newAnalyticsStore(t, taipei(2026, 11, 23, 15, 0))
	c := ctx(t)
	// Two more instances, each over its own connection with its own document locks:
	// only the version check keeps them apart, as against a server.
	connect := func() *store.DB {
		other, err := store.Connect(c, db.URI, db.Name, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = other.Close(context.Background()) })
		return other
	}
	a, b := store.NewAnalytics(connect(), clock.Now), store.NewAnalytics(connect(), clock.Now)

	for _, tc := range []struct {
		name   string
		stores [2]analytics.Store
		day    time.Time
	}{
		{"one store", [2]analytics.Store{s, s}, taipei(2026, 11, 23, 10, 0)},
		{"two connections", [2]analytics.Store{a, b}, taipei(2026, 11, 22, 10, 0)},
	} {
		if tc.name == "two connections" && db.Engine != nil {
			// The embedded engine serves one process (its data directory is locked):
			// a conditional replace from two connections is not atomic there (both
			// can match the same version), so this case needs a real server
			// (PORTAL_TEST_MONGODB_URI).
			continue
		}
		const flushes, perFlush = 20, 15
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for inst := 0; inst < 2; inst++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counter := &analytics.Counter{Buffer: analytics.NewBuffer([]byte("shared sketch key, thirty-two bytes")), Store: tc.stores[inst]}
				for f := 0; f < flushes; f++ {
					for i := 0; i < perFlush; i++ {
						at := tc.day.Add(time.Duration(f*perFlush+i) * time.Second)
						id := [16]byte{byte(inst), byte(f), byte(i)}
						st := analytics.Advance(nil, at, func() [16]byte { return id })
						counter.Buffer.Record(analytics.Hit{Time: at, Path: fmt.Sprintf("/i%d", inst), Referrer: analytics.Direct, Visit: &st})
					}
					if err := counter.Flush(c, clock.Now()); err != nil {
						errs[inst] = err
						return
					}
				}
				if counter.Buffer.Pending() != 0 {
					errs[inst] = fmt.Errorf("%d days still pending", counter.Buffer.Pending())
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		date := tc.day.Format(time.DateOnly)
		r := mustRange(t, s, date, date)
		const want = 2 * flushes * perFlush
		if r.Sum.Views != want || r.Sum.Visits != want || r.Sum.Hours[10] != want || r.Sum.Lengths[0] != want {
			t.Fatalf("%s: views %d visits %d hour %d lengths %v, want %d", tc.name, r.Sum.Views, r.Sum.Visits, r.Sum.Hours[10], r.Sum.Lengths, want)
		}
		paths := r.Sum.Tables[analytics.DimPath]
		if paths["/i0"] != want/2 || paths["/i1"] != want/2 {
			t.Fatalf("%s: paths %v", tc.name, paths)
		}
		if e := r.Sum.Visitors.Estimate(); e < want-10 || e > want+10 {
			t.Fatalf("%s: visitors %d, want about %d", tc.name, e, want)
		}
	}
}

func TestAnalyticsRangeDaysInOrder(t *testing.T) {
	db, s, _ := newAnalyticsStore(t, taipei(2026, 11, 23, 12, 0))
	c := ctx(t)

	// Nothing counted yet: every day reads zero.
	r := mustRange(t, s, "2026-11-01", "2026-11-23")
	if len(r.Days) != 23 || r.Sum.Views != 0 || r.Days[22] != (analytics.Totals{Date: "2026-11-23"}) {
		t.Fatalf("empty store: %d days, sum %d", len(r.Days), r.Sum.Views)
	}

	for _, inc := range []*analytics.Day{
		anDay("2026-11-03", 10, 4, 0, 4),
		anDay("2026-11-05", 7, 2, 10, 12),
		anDay("2026-11-23", 20, 6, 0, 6), // visitors 0..3 came back
		anDay("2026-10-30", 3, 1, 50, 51),
	} {
		if err := s.Add(c, inc); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{"2026-10-30": 3, "2026-11-03": 10, "2026-11-05": 7, "2026-11-23": 20}
	r = mustRange(t, s, "2026-10-28", "2026-11-23")
	if r.From != "2026-10-28" || r.To != "2026-11-23" || len(r.Days) != 27 {
		t.Fatalf("range %s..%s with %d days", r.From, r.To, len(r.Days))
	}
	var views, visits int64
	for i, d := range r.Days {
		date := taipei(2026, 10, 28+i, 0, 0).Format(time.DateOnly)
		if d.Date != date {
			t.Fatalf("day %d is %s, want %s", i, d.Date, date)
		}
		if d.Views != want[date] {
			t.Fatalf("%s: %d views, want %d", date, d.Views, want[date])
		}
		if want[date] == 0 && d != (analytics.Totals{Date: date}) {
			t.Fatalf("%s: %+v, want zeros", date, d)
		}
		views += d.Views
		visits += d.Visits
	}
	if r.Sum.Views != 40 || views != 40 || r.Sum.Visits != visits || visits != 13 || r.Sum.Online != 30*13 {
		t.Fatalf("sum views %d (days %d), visits %d (days %d), online %d", r.Sum.Views, views, r.Sum.Visits, visits, r.Sum.Online)
	}
	if n := r.Sum.Tables[analytics.DimReferrer][analytics.Direct]; n != 40 {
		t.Fatalf("referrer direct %d", n)
	}
	// The range's sketch is the union of the days' (register-wise), whatever the order.
	union := anSketch(0, 6)
	for _, o := range []analytics.Sketch{anSketch(10, 12), anSketch(50, 51)} {
		if _, err := union.Merge(o); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(r.Sum.Visitors, union) {
		t.Fatal("the range's visitor sketch is not the union of its days'")
	}
	if e := r.Sum.Visitors.Estimate(); e < 8 || e > 10 {
		t.Fatalf("distinct visitors over the range %d, want 9±1", e)
	}

	// A day after today (an instance with a fast clock) is not read yet.
	if err := s.Add(c, anDay("2026-11-24", 5, 1, 0, 1)); err != nil {
		t.Fatal(err)
	}
	r = mustRange(t, s, "2026-11-23", "2026-11-25")
	if len(r.Days) != 3 || r.Days[1] != (analytics.Totals{Date: "2026-11-24"}) || r.Sum.Views != 20 {
		t.Fatalf("future day read: %+v", r.Days)
	}
	if !analyticsDocExists(t, db, "d:2026-11-24") {
		t.Fatal("the future day was not written")
	}

	for _, bad := range [][2]string{{"2026-11-05", "2026-11-04"}, {"2026-13-01", "2026-13-02"}, {"2026-11-01", "tomorrow"}, {"", "2026-11-01"}} {
		if _, err := s.Range(c, bad[0], bad[1]); err == nil {
			t.Errorf("range %q..%q accepted", bad[0], bad[1])
		}
	}
}

// Roll summarises a finished month; a range over the whole month then reads the
// summary and gives the same figures. A late increment drops the summary and the next
// roll builds it again.
func TestAnalyticsRollAndLateAdd(t *testing.T) {
	db, s, clock := newAnalyticsStore(t, taipei(2026, 10, 31, 22, 0))
	c := ctx(t)
	for _, inc := range []*analytics.Day{
		anDay("2026-10-01", 12, 5, 0, 5),
		anDay("2026-10-05", 30, 8, 3, 11),
		anDay("2026-10-05", 6, 2, 11, 13),
		anDay("2026-10-31", 9, 3, 100, 103),
	} {
		if err := s.Add(c, inc); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(taipei(2026, 11, 1, 0, 30))
	if err := s.Add(c, anDay("2026-11-01", 4, 1, 200, 201)); err != nil {
		t.Fatal(err)
	}

	// Less than an hour after the month ended: not yet.
	if err := s.Roll(c, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if analyticsDocExists(t, db, "m:2026-10") {
		t.Fatal("October rolled 30 minutes after it ended")
	}
	month := mustRange(t, s, "2026-10-01", "2026-10-31")
	if month.Sum.Views != 57 || month.Days[4].Views != 36 || month.Sum.Visits != 18 {
		t.Fatalf("october before the roll: views %d (5th %d) visits %d", month.Sum.Views, month.Days[4].Views, month.Sum.Visits)
	}

	clock.Set(taipei(2026, 11, 1, 1, 30))
	before := mustRange(t, s, "2026-10-01", "2026-10-31")
	wideBefore := mustRange(t, s, "2026-09-25", "2026-11-05")
	if err := s.Roll(c, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if !analyticsDocExists(t, db, "m:2026-10") {
		t.Fatal("no summary of October after the roll")
	}
	if analyticsDocExists(t, db, "m:2026-11") || analyticsDocExists(t, db, "m:2026-09") {
		t.Fatal("a summary of an unfinished or uncounted month")
	}
	sameRange(t, "october after the roll", mustRange(t, s, "2026-10-01", "2026-10-31"), before)
	sameRange(t, "wide range after the roll", mustRange(t, s, "2026-09-25", "2026-11-05"), wideBefore)
	if err := s.Roll(c, clock.Now()); err != nil { // nothing to do the second time
		t.Fatal(err)
	}
	sameRange(t, "october after a second roll", mustRange(t, s, "2026-10-01", "2026-10-31"), before)

	// The whole month is read from the summary: a change made to a day behind the
	// store's back shows in a part of the month but not in the whole.
	raw := rawDB(t, db).Collection("analytics")
	if _, err := raw.UpdateOne(c, bson.D{{Key: "_id", Value: "d:2026-10-05"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "views", Value: 1000}}}}); err != nil {
		t.Fatal(err)
	}
	sameRange(t, "october from the summary", mustRange(t, s, "2026-10-01", "2026-10-31"), before)
	if part := mustRange(t, s, "2026-10-02", "2026-10-31"); part.Sum.Views != 57-12+1000 {
		t.Fatalf("part of october: %d views, want it read day by day", part.Sum.Views)
	}

	// A late increment to 5 October drops the summary; the next range reads the days.
	if err := s.Add(c, anDay("2026-10-05", 2, 1, 500, 501)); err != nil {
		t.Fatal(err)
	}
	if analyticsDocExists(t, db, "m:2026-10") {
		t.Fatal("the summary outlived a late increment")
	}
	late := mustRange(t, s, "2026-10-01", "2026-10-31")
	if late.Sum.Views != 57+1000+2 || late.Days[4].Views != 36+1000+2 || late.Sum.Visits != 19 {
		t.Fatalf("after the late increment: views %d (5th %d) visits %d", late.Sum.Views, late.Days[4].Views, late.Sum.Visits)
	}
	if err := s.Roll(c, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if !analyticsDocExists(t, db, "m:2026-10") {
		t.Fatal("the next roll did not build the summary again")
	}
	sameRange(t, "october rebuilt", mustRange(t, s, "2026-10-01", "2026-10-31"), late)

	// An increment to the current month leaves finished months' summaries alone.
	if err := s.Add(c, anDay("2026-11-01", 1, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if !analyticsDocExists(t, db, "m:2026-10") {
		t.Fatal("an increment to November dropped October's summary")
	}
}

// Put seeds a day outright and moves the first counted day earlier; nothing before
// the first counted day is read.
func TestAnalyticsPutSeedsHistory(t *testing.T) {
	db, s, _ := newAnalyticsStore(t, taipei(2026, 11, 21, 12, 0))
	c := ctx(t)
	if err := s.Add(c, anDay("2026-11-20", 5, 1, 0, 1)); err != nil {
		t.Fatal(err)
	}
	// A day written before the first counted one (by hand, say): not read.
	seed := anDay("2026-10-15", 77, 7, 0, 7)
	stray := bson.D{{Key: "_id", Value: "d:2026-10-15"}, {Key: "version", Value: int64(1)}, {Key: "date", Value: "2026-10-15"},
		{Key: "views", Value: int64(77)}, {Key: "visits", Value: int64(7)}, {Key: "online", Value: int64(0)},
		{Key: "hours", Value: seed.Hours[:]}, {Key: "lengths", Value: seed.Lengths[:]}, {Key: "tables", Value: "{}"}}
	if _, err := rawDB(t, db).Collection("analytics").InsertOne(c, stray); err != nil {
		t.Fatal(err)
	}
	if r := mustRange(t, s, "2026-10-01", "2026-10-31"); r.Sum.Views != 0 || r.Days[14] != (analytics.Totals{Date: "2026-10-15"}) {
		t.Fatalf("a day before the first was read: %d views", r.Sum.Views)
	}
	if r := mustRange(t, s, "2026-10-01", "2026-11-30"); r.Sum.Views != 5 {
		t.Fatalf("range across: %d views, want 5", r.Sum.Views)
	}

	if err := s.Put(c, anDay("2026-10-10", 40, 4, 10, 14)); err != nil {
		t.Fatal(err)
	}
	r := mustRange(t, s, "2026-10-01", "2026-10-31")
	if r.Sum.Views != 40+77 || r.Days[9].Views != 40 || r.Days[14].Views != 77 {
		t.Fatalf("after Put: %d views (10th %d, 15th %d)", r.Sum.Views, r.Days[9].Views, r.Days[14].Views)
	}
	if r := mustRange(t, s, "2026-09-01", "2026-10-09"); r.Sum.Views != 0 {
		t.Fatalf("before the seeded day: %d views", r.Sum.Views)
	}
	// Put replaces rather than adds.
	if err := s.Put(c, anDay("2026-10-10", 30, 3, 10, 13)); err != nil {
		t.Fatal(err)
	}
	if r := mustRange(t, s, "2026-10-10", "2026-10-10"); r.Sum.Views != 30 || r.Days[0].Visits != 3 || r.Days[0].Visitors != 3 {
		t.Fatalf("Put again: %+v", r.Days[0])
	}
	// A later Put does not move the first day back.
	if err := s.Put(c, anDay("2026-11-02", 8, 1, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if r := mustRange(t, s, "2026-10-01", "2026-11-30"); r.Sum.Views != 30+77+8+5 {
		t.Fatalf("all: %d views", r.Sum.Views)
	}
}

// An Add for a day with a corrupt stored document fails without changing it.
func TestAnalyticsAddCorruptDay(t *testing.T) {
	db, s, _ := newAnalyticsStore(t, taipei(2026, 11, 21, 12, 0))
	c := ctx(t)
	bad := bson.D{{Key: "_id", Value: "d:2026-11-20"}, {Key: "version", Value: int64(1)}, {Key: "date", Value: "2026-11-20"},
		{Key: "views", Value: int64(5)}, {Key: "tables", Value: "{not json"}}
	if _, err := rawDB(t, db).Collection("analytics").InsertOne(c, bad); err != nil {
		t.Fatal(err)
	}
	err := s.Add(c, anDay("2026-11-20", 3, 1, 0, 1))
	if err == nil {
		t.Fatal("an increment merged into a corrupt day")
	}
	var doc struct {
		Views int64 `bson:"views"`
	}
	if err := rawDB(t, db).Collection("analytics").FindOne(c, bson.D{{Key: "_id", Value: "d:2026-11-20"}}).Decode(&doc); err != nil || doc.Views != 5 {
		t.Fatalf("corrupt day changed: %v %d", err, doc.Views)
	}
}

// lostReply applies a write and then reports a failure, as a timeout after the database
// applied it would.
type lostReply struct {
	analytics.Store
	lose int
}

func (l *lostReply) Add(ctx context.Context, d *analytics.Day) error {
	if err := l.Store.Add(ctx, d); err != nil {
		return err
	}
	if l.lose > 0 {
		l.lose--
		return fmt.Errorf("reply lost")
	}
	return nil
}

// An increment retried after an unclear failure is applied once: the flush keeps it
// under its batch name and the day recognises the name.
func TestAnalyticsRetriedBatchCountsOnce(t *testing.T) {
	now := taipei(2026, 11, 23, 10, 0)
	_, st, _ := newAnalyticsStore(t, now)
	ctx := context.Background()
	c := &analytics.Counter{Buffer: analytics.NewBuffer([]byte("k")), Store: &lostReply{Store: st, lose: 2}}
	for range 7 {
		c.Buffer.Record(analytics.Hit{Time: now, Path: "/", Referrer: analytics.Direct, Agent: analytics.Agent{Browser: "chrome", OS: "ios", Device: "mobile"}})
	}
	if err := c.Flush(ctx, now); err == nil {
		t.Fatal("the lost reply was not reported")
	}
	c.Buffer.Record(analytics.Hit{Time: now, Path: "/privacy", Referrer: analytics.Direct, Agent: analytics.Agent{Browser: "chrome", OS: "ios", Device: "mobile"}})
	if err := c.Flush(ctx, now); err == nil || c.Pending() == 0 {
		t.Fatal("the second lost reply was not kept for a retry")
	}
	if err := c.Flush(ctx, now); err != nil || c.Pending() != 0 {
		t.Fatalf("retry: %v, %d pending", err, c.Pending())
	}
	r := mustRange(t, st, "2026-11-23", "2026-11-23")
	if r.Sum.Views != 8 || r.Sum.Tables[analytics.DimPath]["/"] != 7 {
		t.Fatalf("views %d, paths %v: a retried increment was counted twice", r.Sum.Views, r.Sum.Tables[analytics.DimPath])
	}
}
