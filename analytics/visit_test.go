package analytics

import (
	"testing"
	"time"
)

// idOf returns a visitor-id source that always gives the id filled with b, and counts
// how often it was asked.
func idOf(b byte, calls *int) func() [16]byte {
	return func() [16]byte {
		if calls != nil {
			*calls++
		}
		var id [16]byte
		for i := range id {
			id[i] = b
		}
		return id
	}
}

// t0 is 01:00 on 24 November in twtime.Zone, still 23 November in UTC.
var visitT0 = time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)

func TestAdvanceFirstViewStartsVisitorAndVisit(t *testing.T) {
	calls := 0
	s := Advance(nil, visitT0, idOf(0xA1, &calls))
	if calls != 1 {
		t.Fatalf("new id asked %d times, want 1", calls)
	}
	want := Visitor{ID: idOf(0xA1, nil)(), Start: visitT0.Unix(), Last: visitT0.Unix()}
	if s.Next != want {
		t.Fatalf("cookie %+v, want %+v", s.Next, want)
	}
	if !s.NewVisit || s.Online != 0 || s.From != -1 || s.To != 0 {
		t.Fatalf("first view: %+v", s)
	}
	if s.VisitDay != "2026-11-24" {
		t.Fatalf("visit day %q, want the twtime.Zone day 2026-11-24", s.VisitDay)
	}
}

func TestAdvanceContinuesVisit(t *testing.T) {
	first := Advance(nil, visitT0, idOf(0xA1, nil))
	calls := 0
	s := Advance(&first.Next, visitT0.Add(10*time.Minute), idOf(0xB2, &calls))
	if calls != 0 {
		t.Fatal("a continuing visit asked for a new id")
	}
	if s.NewVisit {
		t.Fatal("a view 10 minutes later started a new visit")
	}
	if s.Next.ID != first.Next.ID || s.Next.Start != visitT0.Unix() || s.Next.Last != visitT0.Add(10*time.Minute).Unix() {
		t.Fatalf("cookie %+v after %+v", s.Next, first.Next)
	}
	if s.Online != 10*time.Minute {
		t.Fatalf("online %v, want 10m", s.Online)
	}
	if s.From != 0 || s.To != 4 || Buckets[s.To-1] != 3*time.Minute || Buckets[s.To] != 10*time.Minute {
		t.Fatalf("buckets %d -> %d, want 0 -> the 3–10 min bucket (4)", s.From, s.To)
	}
	if s.VisitDay != "2026-11-24" {
		t.Fatalf("visit day %q", s.VisitDay)
	}

	// A reload in the same second continues the visit without moving it.
	again := Advance(&s.Next, visitT0.Add(10*time.Minute), idOf(0xB2, nil))
	if again.NewVisit || again.Online != 0 || again.From != again.To || again.To != 4 {
		t.Fatalf("same-second view: %+v", again)
	}
}

// A visit that began before twtime.Zone midnight stays on its start day.
func TestAdvanceVisitDayIsStartDay(t *testing.T) {
	start := time.Date(2026, 11, 23, 15, 50, 0, 0, time.UTC) // 23:50 in twtime.Zone
	first := Advance(nil, start, idOf(1, nil))
	if first.VisitDay != "2026-11-23" {
		t.Fatalf("start day %q", first.VisitDay)
	}
	s := Advance(&first.Next, start.Add(20*time.Minute), idOf(2, nil)) // 00:10 next day
	if s.NewVisit || s.VisitDay != "2026-11-23" || s.Online != 20*time.Minute {
		t.Fatalf("after midnight: %+v", s)
	}
	if s.From != 0 || s.To != 5 {
		t.Fatalf("buckets %d -> %d, want 0 -> 5", s.From, s.To)
	}
}

func TestAdvanceGapStartsNewVisitSameVisitor(t *testing.T) {
	first := Advance(nil, visitT0, idOf(0xA1, nil))

	// Just under the gap: the visit goes on.
	s := Advance(&first.Next, visitT0.Add(VisitGap-time.Second), idOf(0xB2, nil))
	if s.NewVisit || s.Online != VisitGap-time.Second {
		t.Fatalf("29m59s later: %+v", s)
	}

	for _, gap := range []time.Duration{VisitGap, VisitGap + time.Second, 5 * time.Hour, 48 * time.Hour} {
		calls := 0
		now := visitT0.Add(gap)
		s := Advance(&first.Next, now, idOf(0xB2, &calls))
		if !s.NewVisit || s.Online != 0 || s.From != -1 || s.To != 0 {
			t.Errorf("after %v: %+v, want a new visit with no time online", gap, s)
		}
		if calls != 0 || s.Next.ID != first.Next.ID {
			t.Errorf("after %v: the visitor id changed (%d new ids)", gap, calls)
		}
		if s.Next.Start != now.Unix() || s.Next.Last != now.Unix() {
			t.Errorf("after %v: cookie %+v", gap, s.Next)
		}
		if s.VisitDay != DayOf(now) {
			t.Errorf("after %v: visit day %q, want %q", gap, s.VisitDay, DayOf(now))
		}
	}
}

func TestAdvanceImpossibleCookieIsAbsent(t *testing.T) {
	now := visitT0
	t1 := now.Unix()
	old := idOf(0xEE, nil)()
	for name, prev := range map[string]Visitor{
		"last in the future":  {ID: old, Start: t1 - 60, Last: t1 + ClockSkew + 1},
		"start after last":    {ID: old, Start: t1 - 10, Last: t1 - 20},
		"start zero":          {ID: old, Start: 0, Last: t1 - 20},
		"start negative":      {ID: old, Start: -5, Last: t1 - 20},
		"all zero":            {},
		"both in the future":  {ID: old, Start: t1 + 100, Last: t1 + 200},
		"start zero last now": {ID: old, Start: 0, Last: 0},
	} {
		calls := 0
		p := prev
		s := Advance(&p, now, idOf(0x11, &calls))
		if calls != 1 || s.Next.ID == old || s.Next.ID != idOf(0x11, nil)() {
			t.Errorf("%s: kept the old id (%d new ids)", name, calls)
		}
		if !s.NewVisit || s.Online != 0 || s.From != -1 || s.To != 0 || s.Next.Start != t1 || s.Next.Last != t1 {
			t.Errorf("%s: %+v, want a fresh visitor and visit", name, s)
		}
		if p != prev {
			t.Errorf("%s: the caller's cookie was changed", name)
		}
	}
}

// Valid edge: a visit of one page whose Start == Last is fine.
func TestAdvanceStartEqualsLastIsValid(t *testing.T) {
	prev := Visitor{ID: idOf(7, nil)(), Start: visitT0.Unix() - 45, Last: visitT0.Unix() - 45}
	s := Advance(&prev, visitT0, idOf(8, nil))
	if s.NewVisit || s.Next.ID != prev.ID || s.Online != 45*time.Second || s.From != 0 || s.To != 2 {
		t.Fatalf("%+v", s)
	}
}

func TestBucketBoundaries(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int
	}{
		{0, 0},
		{time.Second, 1},
		{30 * time.Second, 1},
		{31 * time.Second, 2},
		{time.Minute, 2},
		{61 * time.Second, 3},
		{3 * time.Minute, 3},
		{3*time.Minute + time.Second, 4},
		{10 * time.Minute, 4},
		{10*time.Minute + time.Second, 5},
		{30 * time.Minute, 5},
		{31 * time.Minute, 6},
		{30*time.Minute + time.Second, 6},
		{24 * time.Hour, 6},
	} {
		if got := Bucket(c.d); got != c.want {
			t.Errorf("Bucket(%v) = %d, want %d", c.d, got, c.want)
		}
	}
	if len(Buckets)+1 != NumBuckets {
		t.Fatalf("%d bounds but %d buckets", len(Buckets), NumBuckets)
	}
}

// A long visit walks through every bucket, each step moving from the previous one.
func TestAdvanceWalksBuckets(t *testing.T) {
	s := Advance(nil, visitT0, idOf(3, nil))
	prevTo := s.To
	offsets := []time.Duration{20 * time.Second, 45 * time.Second, 2 * time.Minute, 5 * time.Minute,
		20 * time.Minute, 45 * time.Minute, 70 * time.Minute}
	want := []int{1, 2, 3, 4, 5, 6, 6}
	var online time.Duration
	for i, off := range offsets {
		s = Advance(&s.Next, visitT0.Add(off), idOf(4, nil))
		if s.NewVisit || s.From != prevTo || s.To != want[i] {
			t.Fatalf("at +%v: %+v, want from %d to %d", off, s, prevTo, want[i])
		}
		online += s.Online
		prevTo = s.To
	}
	if online != 70*time.Minute {
		t.Fatalf("online summed to %v, want the visit's length 70m", online)
	}
}

func TestDayOfIsTaipei(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2026, 11, 23, 15, 59, 59, 0, time.UTC): "2026-11-23",
		time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC):   "2026-11-24",
		time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC):   "2027-01-01",
	} {
		if got := DayOf(in); got != want {
			t.Errorf("DayOf(%v) = %s, want %s", in, got, want)
		}
	}
}

// DayOf remembers the day it named last: asked again and again across midnight, in any
// order, it names each moment's own day, and a repeated day costs no allocation.
func TestDayOfAcrossMidnightAndWithoutAllocating(t *testing.T) {
	midnight := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC) // 2026-11-24 00:00 in Taipei
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{midnight.Add(-time.Second), "2026-11-23"}, {midnight, "2026-11-24"}, {midnight.Add(-time.Second), "2026-11-23"},
		{midnight.Add(24*time.Hour - time.Second), "2026-11-24"}, {midnight.Add(24 * time.Hour), "2026-11-25"},
		{midnight.Add(-30 * 24 * time.Hour), "2026-10-25"}, {midnight.Add(time.Nanosecond), "2026-11-24"},
	} {
		if got := DayOf(c.at); got != c.want {
			t.Errorf("DayOf(%v) = %s, want %s", c.at, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = DayOf(midnight.Add(time.Hour)) }); n != 0 {
		t.Errorf("DayOf of the same day again: %v allocations", n)
	}
}

// Another instance's clock a few seconds ahead: the same visitor and visit, no time.
func TestAdvanceToleratesClockSkew(t *testing.T) {
	now := visitT0
	t1 := now.Unix()
	old := idOf(0xEE, nil)()
	prev := Visitor{ID: old, Start: t1 - 60, Last: t1 + ClockSkew}
	s := Advance(&prev, now, idOf(0x11, nil))
	if s.Next.ID != old || s.NewVisit || s.Online != 0 || s.Next.Last != t1+ClockSkew {
		t.Fatalf("%+v", s)
	}
}
