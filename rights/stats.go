package rights

import (
	"sort"
	"strconv"
)

// Counter names the statistics keep per month and kind. Each event counts in the month
// it happened (twtime.Zone time): a request received in March and decided in April counts as
// received in March and decided in April, as monthly reports read.
const (
	CountReceived  = "received"
	CountGranted   = "granted"
	CountPartly    = "partly"
	CountRefused   = "refused"
	CountWithdrawn = "withdrawn"
	CountDuplicate = "duplicate"
	CountExtended  = "extended"
	CountOnTime    = "on_time"
	CountLate      = "late"
)

// Tally is what one event adds to the statistics: the month ("2026-11"), the kind, the
// counters to increase, and for a decision the days it took (-1: none).
type Tally struct {
	Month string
	Kind  Kind
	Inc   []string
	Days  int
}

// TallyOf returns what a step taken on r (as it is after the step) adds, or ok=false when
// it adds nothing.
func TallyOf(r *Request, st Step) (t Tally, ok bool) {
	d := DateOf(st.At)
	t = Tally{Month: monthOf(d), Kind: r.Kind, Days: -1}
	switch {
	case st.Action == "filed", st.Action == "filed_paper", st.Action == "filed_counter":
		t.Month = monthOf(r.Received)
		t.Inc = []string{CountReceived}
	case st.Action == "withdrawn":
		t.Inc = []string{CountWithdrawn}
	case st.Action == "duplicate":
		t.Inc = []string{CountDuplicate}
	case st.Action == "extended":
		t.Inc = []string{CountExtended}
	case r.Decision != nil && st.Action == "decided_"+string(r.Decision.Outcome):
		t.Inc = []string{string(r.Decision.Outcome), CountLate}
		if !d.After(r.Due) {
			t.Inc[1] = CountOnTime
		}
		t.Days = d.Sub(r.Received)
	default:
		return t, false
	}
	return t, true
}

func monthOf(d Date) string { return d.String()[:7] }

// MonthStats are the counts of one month and kind.
type MonthStats struct {
	Month  string
	Kind   Kind
	Counts map[string]int
	// DaysToDecision is a histogram: days from receipt to decision → decisions.
	DaysToDecision map[int]int
}

// Add merges o into m (the same month and kind, or a total).
func (m *MonthStats) Add(o MonthStats) {
	if m.Counts == nil {
		m.Counts = map[string]int{}
	}
	if m.DaysToDecision == nil {
		m.DaysToDecision = map[int]int{}
	}
	for k, v := range o.Counts {
		m.Counts[k] += v
	}
	for k, v := range o.DaysToDecision {
		m.DaysToDecision[k] += v
	}
}

// Decided is the number of decisions.
func (m MonthStats) Decided() int {
	return m.Counts[CountGranted] + m.Counts[CountPartly] + m.Counts[CountRefused]
}

// MedianDays is the median number of days from receipt to decision ("" without any).
func (m MonthStats) MedianDays() string {
	n := 0
	days := make([]int, 0, len(m.DaysToDecision))
	for d, c := range m.DaysToDecision {
		if c > 0 {
			days = append(days, d)
			n += c
		}
	}
	if n == 0 {
		return ""
	}
	sort.Ints(days)
	at := func(i int) int { // the i-th smallest day count, 0-based
		for _, d := range days {
			if i < m.DaysToDecision[d] {
				return d
			}
			i -= m.DaysToDecision[d]
		}
		return days[len(days)-1]
	}
	if n%2 == 1 {
		return strconv.Itoa(at(n / 2))
	}
	lo, hi := at(n/2-1), at(n/2)
	if (lo+hi)%2 == 0 {
		return strconv.Itoa((lo + hi) / 2)
	}
	return strconv.Itoa((lo+hi)/2) + ".5"
}

// OnTimePercent is the share of decisions made by their due date, in whole percent
// ("" without any decision).
func (m MonthStats) OnTimePercent() string {
	n := m.Counts[CountOnTime] + m.Counts[CountLate]
	if n == 0 {
		return ""
	}
	return strconv.Itoa((m.Counts[CountOnTime]*1000/n + 5) / 10)
}
