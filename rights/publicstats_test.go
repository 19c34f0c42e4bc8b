package rights

import (
	"testing"

	"github.com/example/pdpa-portal/analytics"
)

// month is a month's figures for one kind: every column at n, with n decisions made on
// time in 10 days.
func month(m string, kind Kind, n int) MonthStats {
	c := map[string]int{CountOnTime: n}
	for _, col := range publicColumns {
		c[col] = n
	}
	return MonthStats{Month: m, Kind: kind, Counts: c, DaysToDecision: map[int]int{10: n}}
}

func totalOf(ms ...MonthStats) MonthStats {
	t := MonthStats{Kind: ms[0].Kind}
	for _, m := range ms {
		t.Add(m)
	}
	return t
}

// Large figures are all shown, with each row's median and on-time share.
func TestProtectStatsShowsLargeFigures(t *testing.T) {
	rows := []MonthStats{month("2026-01", View, 10), month("2026-02", View, 12)}
	total := totalOf(rows...)
	p := ProtectStats(rows, []MonthStats{total}, total, 3)
	for _, r := range append(append([]PublicRow{p.All}, p.Totals...), p.Rows...) {
		if r.Few || r.Median != "10" || r.OnTime != "100" {
			t.Errorf("row %s %s: few %v, median %q, on time %q", r.Month, r.Kind, r.Few, r.Median, r.OnTime)
		}
		for i, c := range r.Cells {
			if c.State != analytics.Shown {
				t.Errorf("row %s %s: column %s hidden", r.Month, r.Kind, publicColumns[i])
			}
		}
	}
}

// A figure under k is hidden and cannot be worked out from its kind's total and the
// other months; its row's median and share, which one decision would give away, are
// withheld.
func TestProtectStatsHidesSmallFigures(t *testing.T) {
	rows := []MonthStats{month("2026-01", View, 10), month("2026-02", View, 1)}
	total := totalOf(rows...)
	p := ProtectStats(rows, []MonthStats{total}, total, 3)
	small, big := p.Rows[1], p.Rows[0]
	if !small.Few || small.Median != "" || small.OnTime != "" {
		t.Errorf("a month of one decision shows median %q, on time %q", small.Median, small.OnTime)
	}
	for i := range publicColumns {
		if small.Cells[i].State == analytics.Shown {
			t.Fatalf("column %s: a figure of 1 is shown", publicColumns[i])
		}
		if big.Cells[i].State == analytics.Shown && p.Totals[0].Cells[i].State == analytics.Shown {
			t.Errorf("column %s: the other month and the total are both shown, giving the hidden 1 away", publicColumns[i])
		}
	}
}
