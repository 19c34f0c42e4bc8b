package webmaster

import (
	"fmt"
	"testing"
	"time"

	"github.com/example/pdpa-portal/analytics"
)

// TestChartDateLabelsStayOnTheCanvas: a year's chart labels months (not 365 crowded
// dates), at most seven, and no label runs past the right edge; a week's labels days.
func TestChartDateLabelsStayOnTheCanvas(t *testing.T) {
	days := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("2026-%02d-%02d", 1+i/31%12, 1+i%31)) // shape only: 31-day months
		}
		return out
	}
	const left, width = 48.0, 720.0
	for _, n := range []int{1, 7, 30, 62, 63, 365, 1096} {
		step := (width - left - 8) / float64(n)
		labels := dateLabels(days(n), true, left, step, width)
		if len(labels) == 0 || len(labels) > 8 {
			t.Errorf("%d days: %d labels", n, len(labels))
		}
		for _, l := range labels {
			if end := l.Pos + 8.5*float64(len(l.Label)); l.Anchor == "start" && end > width || l.Pos > width {
				t.Errorf("%d days: label %q at %.0f runs past %v", n, l.Label, l.Pos, width)
			}
			if n > 62 && len(l.Label) != 7 {
				t.Errorf("%d days: label %q is not a month", n, l.Label)
			}
		}
	}
	// A year of weekly bars is labelled by month too.
	var weeks []string
	for d := time.Date(2025, 11, 24, 0, 0, 0, 0, time.UTC); len(weeks) < 53; d = d.AddDate(0, 0, 7) {
		weeks = append(weeks, d.Format(time.DateOnly))
	}
	labels := dateLabels(weeks, analytics.BarPeriod(365) == analytics.ByDay, left, (width-left-8)/53, width)
	if len(labels) == 0 || len(labels) > 7 || labels[0].Label != "2025-11" || len(labels[1].Label) != 7 {
		t.Errorf("weekly labels %v", labels)
	}
}
