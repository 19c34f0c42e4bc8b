package rights

import (
	"math/rand/v2"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) Date { return NewDate(y, m, day) }

// cal2026 is a test calendar shaped like Taiwan's 2026 office calendar. It is built here,
// not read from official data: the dates are close to the real ones, and a few entries
// (the make-up Saturdays, the typhoon day, the working Sunday) are made up to exercise
// the rules.
func cal2026() *Days {
	off := func(dt Date, note string) DayEntry { return DayEntry{Date: dt, DayOff: true, Note: note} }
	work := func(dt Date, note string) DayEntry { return DayEntry{Date: dt, DayOff: false, Note: note} }
	return NewDays([]DayEntry{
		off(d(2026, 1, 1), "開國紀念日"),
		work(d(2026, 1, 31), "補行上班（測試用）"),
		off(d(2026, 2, 16), "除夕"),
		off(d(2026, 2, 17), "春節"),
		off(d(2026, 2, 18), "春節"),
		off(d(2026, 2, 19), "春節"),
		off(d(2026, 2, 20), "春節調整放假"),
		off(d(2026, 2, 27), "和平紀念日補假"), // 2/28 is a Saturday
		off(d(2026, 4, 3), "兒童節補假"),    // 4/4 is a Saturday
		off(d(2026, 4, 6), "民族掃墓節補假"),  // 4/5 is a Sunday
		off(d(2026, 5, 1), "勞動節"),
		off(d(2026, 6, 19), "端午節"),
		off(d(2026, 7, 29), "颱風停止上班（測試用）"),
		off(d(2026, 9, 25), "中秋節"),
		work(d(2026, 9, 26), "補行上班（測試用）"),
		off(d(2026, 9, 28), "教師節"),
		off(d(2026, 10, 9), "國慶日補假"), // 10/10 is a Saturday
		work(d(2026, 11, 8), "星期日上班（假設）"),
		off(d(2026, 12, 25), "行憲紀念日"),
		off(d(2027, 1, 1), "開國紀念日"),
	})
}

func TestDueDate(t *testing.T) {
	cal := cal2026()
	tests := []struct {
		name     string
		kind     Kind
		received Date
		want     Date
	}{
		{"plain weekday", View, d(2026, 1, 6), d(2026, 1, 21)},
		{"received Friday, day 1 is Saturday; last day Saturday → Monday", View, d(2026, 1, 2), d(2026, 1, 19)},
		{"30 days, last day Sunday → Monday", Correct, d(2026, 1, 2), d(2026, 2, 2)},
		{"stop and delete have 30 days too", Stop, d(2026, 1, 6), d(2026, 2, 5)},
		{"delete", Delete, d(2026, 1, 6), d(2026, 2, 5)},
		{"copy has 15 days", Copy, d(2026, 1, 6), d(2026, 1, 21)},
		{"last day a holiday that opens the Lunar New Year chain", View, d(2026, 2, 1), d(2026, 2, 23)},
		{"last day Saturday, Monday starts the chain", View, d(2026, 1, 30), d(2026, 2, 23)},
		{"last day inside the chain", Correct, d(2026, 1, 18), d(2026, 2, 23)},
		{"observed 228 (Friday) → Saturday → Monday", View, d(2026, 2, 12), d(2026, 3, 2)},
		{"Friday holiday, Saturday, Sunday, Monday holiday", View, d(2026, 3, 19), d(2026, 4, 7)},
		{"Saturday → Monday, Monday a holiday → Tuesday", View, d(2026, 3, 20), d(2026, 4, 7)},
		{"typhoon day on a Wednesday", View, d(2026, 7, 14), d(2026, 7, 30)},
		{"a period ending on a make-up working Saturday ends that Saturday", View, d(2026, 1, 16), d(2026, 1, 31)},
		{"30 days ending on a make-up working Saturday", Correct, d(2026, 1, 1), d(2026, 1, 31)},
		{"Friday holiday → make-up working Saturday, which ends it", View, d(2026, 9, 10), d(2026, 9, 26)},
		{"the Saturday after a make-up one is off again → Monday", View, d(2026, 9, 18), d(2026, 10, 5)},
		{"a Sunday the calendar marks as working ends the period", View, d(2026, 10, 24), d(2026, 11, 8)},
		{"observed National Day", View, d(2026, 9, 24), d(2026, 10, 12)},
		{"year boundary: New Year's Day on a Friday", View, d(2026, 12, 17), d(2027, 1, 4)},
		{"year boundary: 30 days into January", Correct, d(2026, 12, 11), d(2027, 1, 11)},
		{"received on a holiday counts from the next day", View, d(2026, 1, 1), d(2026, 1, 16)},
		{"received on a Sunday", Correct, d(2026, 3, 1), d(2026, 3, 31)},
		{"leap year February", Correct, d(2028, 2, 1), d(2028, 3, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DueDate(tc.kind, tc.received, cal)
			if got != tc.want {
				t.Fatalf("DueDate(%s, %s %s) = %s %s, want %s %s", tc.kind, tc.received, tc.received.Weekday(), got, got.Weekday(), tc.want, tc.want.Weekday())
			}
			checkDue(t, tc.kind, tc.received, cal, got)
		})
	}
}

func TestDueDateCalendarFacts(t *testing.T) {
	cal := cal2026()
	if cal.DayOff(d(2026, 1, 31)) {
		t.Fatal("a make-up Saturday is a working day in the calendar")
	}
	if !cal.DayOff(d(2026, 2, 28)) || !cal.DayOff(d(2026, 3, 1)) || cal.DayOff(d(2026, 3, 2)) {
		t.Fatal("unlisted dates: weekends off, weekdays working")
	}
	var plain *Days
	if !plain.DayOff(d(2026, 1, 3)) || plain.DayOff(d(2026, 1, 1)) || plain.Len() != 0 || plain.Entries() != nil {
		t.Fatal("the nil *Days is plain weekends")
	}
	if got := DueDate(View, d(2026, 1, 2), nil); got != d(2026, 1, 19) {
		t.Fatalf("nil calendar: %s", got)
	}
	if got := DueDate(View, d(2026, 1, 2), plain); got != d(2026, 1, 19) {
		t.Fatalf("nil *Days: %s", got)
	}
	if got := DueDate(View, Date{}, cal); !got.IsZero() {
		t.Fatalf("no received date: %s", got)
	}
}

func TestExtend(t *testing.T) {
	cal := cal2026()
	tests := []struct {
		name string
		kind Kind
		due  Date
		want Date
	}{
		{"15 more days from the due date", View, d(2026, 1, 19), d(2026, 2, 3)},
		{"30 more days", Correct, d(2026, 2, 2), d(2026, 3, 4)},
		{"extension ending in the Lunar New Year chain", Copy, d(2026, 2, 6), d(2026, 2, 23)},
		{"extension across the year", Delete, d(2026, 12, 2), d(2027, 1, 4)},
		{"extension ending on a Saturday", View, d(2026, 4, 24), d(2026, 5, 11)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Extend(tc.due, tc.kind, cal); got != tc.want {
				t.Fatalf("Extend(%s %s, %s) = %s %s, want %s", tc.due, tc.due.Weekday(), tc.kind, got, got.Weekday(), tc.want)
			}
		})
	}
	// The chain of a request: received, due, extended.
	due := DueDate(View, d(2026, 1, 22), cal)
	if due != d(2026, 2, 6) {
		t.Fatalf("due %s", due)
	}
	if ext := Extend(due, View, cal); ext != d(2026, 2, 23) || ext.Sub(due) < View.DecisionDays() {
		t.Fatalf("extended %s", ext)
	}
	if !Extend(Date{}, View, cal).IsZero() {
		t.Fatal("extending no date")
	}
}

func TestDaysLeftAndStatus(t *testing.T) {
	due := d(2026, 1, 19)
	tests := []struct {
		today  Date
		left   int
		status DueStatus
	}{
		{d(2025, 12, 31), 19, StatusOpen},
		{d(2026, 1, 18), 1, StatusOpen},
		{d(2026, 1, 19), 0, StatusDueToday},
		{d(2026, 1, 20), -1, StatusOverdue},
		{d(2027, 1, 19), -365, StatusOverdue},
	}
	for _, tc := range tests {
		if got := DaysLeft(due, tc.today); got != tc.left {
			t.Errorf("DaysLeft(%s, %s) = %d, want %d", due, tc.today, got, tc.left)
		}
		if got := Status(due, tc.today); got != tc.status {
			t.Errorf("Status(%s, %s) = %s, want %s", due, tc.today, got, tc.status)
		}
	}
	// Today is the date in twtime.Zone: 23:30 UTC on the 18th is already the 19th there.
	now := time.Date(2026, 1, 18, 23, 30, 0, 0, time.UTC)
	if got := Status(due, DateOf(now)); got != StatusDueToday {
		t.Fatalf("status at %v: %s", now, got)
	}
	if got := Status(due, DateOf(now.Add(-8*time.Hour))); got != StatusOpen {
		t.Fatalf("status at %v: %s", now.Add(-8*time.Hour), got)
	}
}

// checkDue asserts the properties every due date has: it is not a rest day (a working
// Saturday counts as a working day); it is at least N days after receipt; every day from
// received+N up to it is one Art. 48(4) moves past (a rest day, or the Sunday a
// Saturday off jumps over), so it is at most N + the longest run of days off.
func checkDue(t testing.TB, kind Kind, received Date, cal Calendar, due Date) {
	t.Helper()
	n := kind.DecisionDays()
	if restDay(due, cal) {
		t.Fatalf("%s received %s: due %s (%s) is a rest day", kind, received, due, due.Weekday())
	}
	if due.Sub(received) < n {
		t.Fatalf("%s received %s: due %s is fewer than %d days later", kind, received, due, n)
	}
	raw := received.AddDays(n)
	for x := raw; x.Before(due); x = x.AddDays(1) {
		jumped := x.Weekday() == time.Sunday && x != raw && restDay(x.AddDays(-1), cal)
		if !restDay(x, cal) && !jumped {
			t.Fatalf("%s received %s: due %s, but %s before it is a working day", kind, received, due, x)
		}
	}
	if run := longestRunOff(raw.AddDays(-maxShift/10), due, cal); due.Sub(received) > n+run {
		t.Fatalf("%s received %s: due %s is more than %d+%d days later", kind, received, due, n, run)
	}
}

// restDay is a day off in cal; without a calendar, a Saturday or Sunday.
func restDay(x Date, cal Calendar) bool {
	if cal == nil {
		return x.Weekday() == time.Saturday || x.Weekday() == time.Sunday
	}
	return cal.DayOff(x)
}

// longestRunOff is the longest run of rest days in [from, to], a working Sunday after a
// Saturday off counted in it (Art. 48(4) jumps from that Saturday to Monday).
func longestRunOff(from, to Date, cal Calendar) int {
	best, run := 0, 0
	for x := from; !x.After(to); x = x.AddDays(1) {
		if restDay(x, cal) || x.Weekday() == time.Sunday && restDay(x.AddDays(-1), cal) {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// randomDays marks days around start as days off or working days: flags[i]%3 is 0 for
// unlisted, 1 for a day off, 2 for a working day (so weekends may become working days).
func randomDays(start Date, flags []byte) *Days {
	days := NewDays(nil)
	for i, f := range flags {
		switch f % 3 {
		case 1:
			days.Set(DayEntry{Date: start.AddDays(i), DayOff: true})
		case 2:
			days.Set(DayEntry{Date: start.AddDays(i), DayOff: false})
		}
	}
	return days
}

func TestDueDateProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 1))
	base := d(2025, 1, 1)
	for i := 0; i < 3000; i++ {
		received := base.AddDays(rng.IntN(4 * 365))
		flags := make([]byte, rng.IntN(120))
		for j := range flags {
			// Mostly working days, with long stretches off now and then.
			if rng.IntN(4) == 0 {
				flags[j] = 1
			} else {
				flags[j] = byte(rng.IntN(3))
			}
		}
		cal := randomDays(received.AddDays(rng.IntN(40)), flags)
		kind := Kinds[rng.IntN(len(Kinds))]
		due := DueDate(kind, received, cal)
		checkDue(t, kind, received, cal, due)
		ext := Extend(due, kind, cal)
		checkDue(t, kind, due, cal, ext)
	}
}

type allOff struct{}

func (allOff) DayOff(Date) bool { return true }

func TestDueDateBrokenCalendar(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a calendar without working days must not loop forever")
		}
	}()
	DueDate(View, d(2026, 1, 1), allOff{})
}

// The clock a request runs against: the decision due date until decided; then the
// fulfilment target from the decision, or from the fee's settlement when one was due.
func TestClockOf(t *testing.T) {
	decided := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	paid := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	due := d(2026, 9, 29)
	tests := []struct {
		name string
		r    Request
		want Clock
	}{
		{"in review", Request{State: Review, Due: due}, Clock{ClockDecision, due}},
		{"granted", Request{State: Decided, Due: due, Decision: &Decision{Outcome: Granted, At: decided}}, Clock{ClockFulfil, d(2026, 12, 8)}},
		{"fee due: no target yet", Request{State: Decided, Due: due, Decision: &Decision{Outcome: Partly, At: decided}, Fee: &Fee{Status: FeeDue}}, Clock{Kind: ClockPayment}},
		{"fee paid a week later", Request{State: Decided, Due: due, Decision: &Decision{Outcome: Granted, At: decided}, Fee: &Fee{Status: FeePaid, Settled: paid}}, Clock{ClockFulfil, d(2026, 12, 15)}},
		{"refused: to be closed", Request{State: Decided, Due: due, Decision: &Decision{Outcome: Refused, At: decided}}, Clock{Kind: ClockClose}},
		{"closed", Request{State: Closed, Due: due}, Clock{}},
	}
	for _, tc := range tests {
		if got := ClockOf(&tc.r, 15); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
