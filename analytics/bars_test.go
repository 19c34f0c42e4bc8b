package analytics

import (
	"fmt"
	"testing"
)

func TestBarPeriod(t *testing.T) {
	for n, want := range map[int]string{1: ByDay, 90: ByDay, 91: ByWeek, 365: ByWeek, 731: ByWeek, 732: ByMonth, 1097: ByMonth} {
		if got := BarPeriod(n); got != want {
			t.Errorf("%d days: %s, want %s", n, got, want)
		}
	}
}

// Weekly bars run Monday to Sunday (the first and last may be part of a week) and add
// their days; a bar under k is hidden as "< k", a bar holding a hidden day is withheld,
// since the days are listed too and subtraction would give that day away.
func TestBarsHideAsDaysDo(t *testing.T) {
	// 2026-03-01 is a Sunday.
	views := []int64{50, 10, 10, 10, 10, 10, 10, 2, 0, 0, 0, 1, 0, 0, 0, 9}
	var days []DailyRow
	cells, ok := ProtectSeries(views, 5)
	if !ok {
		t.Fatal("the days cannot be protected")
	}
	for i, c := range cells {
		days = append(days, DailyRow{Date: fmt.Sprintf("2026-03-%02d", i+1), Views: c})
	}
	bars := Bars(days, ByWeek, 5)
	want := []Bar{
		{From: "2026-03-01", To: "2026-03-01", Views: Cell{Value: 50}},
		{From: "2026-03-02", To: "2026-03-08", Views: Cell{Value: 62, State: Withheld}},
		{From: "2026-03-09", To: "2026-03-15", Views: Cell{Value: 1, State: Below}},
		{From: "2026-03-16", To: "2026-03-16", Views: Cell{Value: 9, State: Withheld}}, // withheld as a day to protect the small ones
	}
	if fmt.Sprint(bars) != fmt.Sprint(want) {
		t.Fatalf("weekly bars\n got %v\nwant %v (days %v)", bars, want, cells)
	}
	if got := Bars(days, ByDay, 5); len(got) != len(days) || got[7].Views.State != Below || got[0].Views != (Cell{Value: 50}) {
		t.Fatalf("daily bars %v", got)
	}
	months := Bars([]DailyRow{{Date: "2026-01-31", Views: Cell{Value: 7}}, {Date: "2026-02-01", Views: Cell{Value: 8}}, {Date: "2026-02-02", Views: Cell{Value: 9}}}, ByMonth, 5)
	if len(months) != 2 || months[1] != (Bar{From: "2026-02-01", To: "2026-02-02", Views: Cell{Value: 17}}) {
		t.Fatalf("monthly bars %v", months)
	}
}
