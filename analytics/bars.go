package analytics

import "time"

// Bar periods of the traffic chart: a bar per day up to WeeklyAfter days, per week up
// to MonthlyAfter days, per month beyond (365 bars of a year would be slivers).
const (
	ByDay   = "day"
	ByWeek  = "week"
	ByMonth = "month"

	WeeklyAfter  = 90
	MonthlyAfter = 731 // two years, a leap day included
)

// BarPeriod is the period of the chart's bars for a range of n days.
func BarPeriod(n int) string {
	switch {
	case n > MonthlyAfter:
		return ByMonth
	case n > WeeklyAfter:
		return ByWeek
	}
	return ByDay
}

// Bar is one bar of the chart: the page views from its first day to its last.
type Bar struct {
	From, To string // ISO dates, both included
	Views    Cell
}

// Bars groups the protected days into bars of period (weeks from Monday, calendar
// months; the first and last bar may be part of one). A bar's figure is hidden as a
// day's is: under k it is "< k". Beyond that, a bar is shown only when every one of its
// days is: the days are listed too, so a week's total shown beside a hidden day would
// give that day away by subtraction. A bar of k or more that holds a hidden day is
// withheld. So the bars say nothing the days do not.
func Bars(days []DailyRow, period string, k int) []Bar {
	var out []Bar
	hidden := false
	for i, d := range days {
		if i == 0 || period == ByDay || startsBar(d.Date, period) {
			if len(out) > 0 {
				out[len(out)-1].Views = barCell(out[len(out)-1].Views.Value, hidden, k)
			}
			out = append(out, Bar{From: d.Date})
			hidden = false
		}
		b := &out[len(out)-1]
		b.To = d.Date
		b.Views.Value += d.Views.Value
		hidden = hidden || d.Views.State != Shown
	}
	if len(out) > 0 {
		out[len(out)-1].Views = barCell(out[len(out)-1].Views.Value, hidden, k)
	}
	return out
}

func barCell(sum int64, hidden bool, k int) Cell {
	switch {
	case sum < int64(k):
		return Cell{Value: sum, State: Below}
	case hidden:
		return Cell{Value: sum, State: Withheld}
	}
	return Cell{Value: sum}
}

// startsBar reports whether an ISO date begins a week (a Monday) or a month.
func startsBar(date, period string) bool {
	if period == ByMonth {
		return len(date) == 10 && date[8:] == "01"
	}
	t, err := time.Parse(time.DateOnly, date)
	return err == nil && t.Weekday() == time.Monday
}
