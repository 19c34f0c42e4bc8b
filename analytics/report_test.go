package analytics

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/example/pdpa-portal/internal/twtime"
)

// rangeOf makes a Range of consecutive days from 2026-11-01 with the given views and
// visits per day, its Sum holding their totals.
func rangeOf(views, visits []int64) *Range {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, twtime.Zone)
	r := &Range{Sum: NewDay("")}
	for i := range views {
		date := start.AddDate(0, 0, i).Format(time.DateOnly)
		r.Days = append(r.Days, Totals{Date: date, Views: views[i], Visits: visits[i], Visitors: visits[i]})
		r.Sum.Views += views[i]
		r.Sum.Visits += visits[i]
	}
	r.From, r.To = r.Days[0].Date, r.Days[len(r.Days)-1].Date
	return r
}

func sketchOf(n int) Sketch {
	h := NewHasher([]byte("report test key, thirty-two bytes!"))
	var s Sketch
	for i := 0; i < n; i++ {
		s.Add(sketchItem(h, i))
	}
	return s
}

func TestBuildSmallTotalsAreBelow(t *testing.T) {
	r := rangeOf([]int64{2, 1}, []int64{1, 1})
	r.Sum.Online = 600
	r.Sum.Visitors, r.Sum.Networks = sketchOf(2), sketchOf(4)
	rep := Build(r, 5)
	for name, c := range map[string]Cell{"views": rep.Views, "visits": rep.Visits, "visitors": rep.Visitors, "networks": rep.Networks} {
		if c.State != Below {
			t.Errorf("%s: %+v, want below k", name, c)
		}
	}
	// Time online across two visits says too much about them: hidden, and so is the mean.
	if rep.Online.State == Shown || rep.AvgVisit.State == Shown {
		t.Fatalf("online %+v, average %+v shown for 2 visits", rep.Online, rep.AvgVisit)
	}
	if rep.K != 5 || rep.From != "2026-11-01" || rep.To != "2026-11-02" {
		t.Fatalf("header %d %s %s", rep.K, rep.From, rep.To)
	}
}

func TestBuildAverageVisitShownWithEnoughVisits(t *testing.T) {
	r := rangeOf([]int64{40, 30}, []int64{6, 4})
	r.Sum.Online = 1234
	r.Sum.Visitors, r.Sum.Networks = sketchOf(9), sketchOf(7)
	rep := Build(r, 5)
	if rep.Views != (Cell{Value: 70}) || rep.Visits != (Cell{Value: 10}) {
		t.Fatalf("views %+v visits %+v", rep.Views, rep.Visits)
	}
	if rep.Online != (Cell{Value: 1234}) || rep.AvgVisit != (Cell{Value: 123}) {
		t.Fatalf("online %+v average %+v", rep.Online, rep.AvgVisit)
	}
	if rep.Visitors != (Cell{Value: 9}) || rep.Networks != (Cell{Value: 7}) {
		t.Fatalf("visitors %+v networks %+v", rep.Visitors, rep.Networks)
	}
	// Four visits: hidden, whatever the time online.
	r = rangeOf([]int64{40, 30}, []int64{3, 1})
	r.Sum.Online = 5000
	rep = Build(r, 5)
	if rep.Visits.State != Below || rep.AvgVisit.State == Shown || rep.Online.State == Shown {
		t.Fatalf("4 visits: visits %+v average %+v online %+v", rep.Visits, rep.AvgVisit, rep.Online)
	}
	// No visits at all: nothing to average.
	rep = Build(rangeOf([]int64{40, 30}, []int64{0, 0}), 5)
	if rep.AvgVisit != (Cell{}) || rep.Visits != (Cell{}) {
		t.Fatalf("no visits: average %+v visits %+v", rep.AvgVisit, rep.Visits)
	}
}

func TestBuildDailyRowsProtected(t *testing.T) {
	views := make([]int64, 30)
	visits := make([]int64, 30)
	for i := range views {
		views[i], visits[i] = int64(100+7*i), int64(20+i)
	}
	views[12], visits[12] = 1, 1
	r := rangeOf(views, visits)
	rep := Build(r, 5)
	if rep.DailyWithheld || len(rep.Daily) != 30 {
		t.Fatalf("daily withheld %v, %d rows", rep.DailyWithheld, len(rep.Daily))
	}
	gotViews := make([]Cell, 30)
	gotVisits := make([]Cell, 30)
	for i, row := range rep.Daily {
		if row.Date != r.Days[i].Date {
			t.Fatalf("row %d is %s, want %s", i, row.Date, r.Days[i].Date)
		}
		gotViews[i], gotVisits[i] = row.Views, row.Visits
		if i != 12 && row.Visitors != (Cell{Value: visits[i]}) {
			t.Fatalf("row %d visitors %+v", i, row.Visitors)
		}
	}
	if rep.Daily[12].Views.State != Below || rep.Daily[12].Visits.State != Below || rep.Daily[12].Visitors.State != Below {
		t.Fatalf("the small day: %+v", rep.Daily[12])
	}
	for name, col := range map[string][]Cell{"views": gotViews, "visits": gotVisits} {
		values := views
		if name == "visits" {
			values = visits
		}
		if !slices.Contains(statesOf(col), Withheld) {
			t.Fatalf("%s: no complement for the small day: %v", name, statesOf(col))
		}
		checkProtected(t, values, col, 5)
	}
	if rep.Views != (Cell{Value: r.Sum.Views}) {
		t.Fatalf("total views %+v: the checker assumed the total is shown", rep.Views)
	}
}

func TestBuildDailyWithheldWhenUnprotectable(t *testing.T) {
	rep := Build(rangeOf([]int64{4, 4}, []int64{0, 0}), 5)
	if !rep.DailyWithheld || rep.Daily != nil {
		t.Fatalf("withheld %v, rows %+v", rep.DailyWithheld, rep.Daily)
	}
}

func TestBuildTablesSortedAndFolded(t *testing.T) {
	r := rangeOf([]int64{5000}, []int64{50})
	paths := map[string]int64{}
	// 30 paths: counts 100, 100, 98, 98, ... (pairs of ties), then an existing Other.
	for i := 0; i < 30; i++ {
		paths[fmt.Sprintf("/p%02d", 29-i)] = int64(100 - 2*(i/2))
	}
	paths[Other] = 7
	r.Sum.Tables[DimPath] = paths
	r.Sum.Tables[DimBrowser] = map[string]int64{"chrome": 60, "firefox": 3, "safari": 40, "edge": 0}
	r.Sum.Tables[DimLang] = map[string]int64{"en": 4, "zh-TW": 4}        // both small: one Other row
	r.Sum.Tables[DimDevice] = map[string]int64{"mobile": 1, "tablet": 5} // cannot be protected
	rep := Build(r, 5)
	if len(rep.Tables) != len(Dimensions) {
		t.Fatalf("%d tables", len(rep.Tables))
	}
	for i, tb := range rep.Tables {
		if tb.Dim != Dimensions[i] {
			t.Fatalf("table %d is %s, want %s", i, tb.Dim, Dimensions[i])
		}
	}
	path := rep.Tables[0]
	if path.Withheld || len(path.Rows) != TopRows+1 {
		t.Fatalf("path table: withheld %v, %d rows", path.Withheld, len(path.Rows))
	}
	for i := 0; i < TopRows; i++ {
		row, wantN := path.Rows[i], int64(100-2*(i/2))
		if row.Cell != (Cell{Value: wantN}) {
			t.Fatalf("row %d: %+v, want %d", i, row, wantN)
		}
		if i > 0 {
			prev := path.Rows[i-1]
			if prev.Cell.Value == row.Cell.Value && prev.Key >= row.Key {
				t.Fatalf("tie not ordered by key: %s before %s", prev.Key, row.Key)
			}
		}
	}
	if path.Rows[0].Key != "/p28" || path.Rows[1].Key != "/p29" {
		t.Fatalf("first rows %s, %s", path.Rows[0].Key, path.Rows[1].Key)
	}
	// The five smallest (76, 74, 74, 72, 72) fold into other with the existing 7.
	last := path.Rows[TopRows]
	if last.Key != Other || last.Cell != (Cell{Value: 76 + 74 + 74 + 72 + 72 + 7}) {
		t.Fatalf("other row %+v", last)
	}

	browser := rep.Tables[slices.Index(Dimensions, DimBrowser)]
	// A value under k is never named: it goes into Other.
	wantKeys := []string{"chrome", "safari", Other}
	var keys []string
	for _, row := range browser.Rows {
		keys = append(keys, row.Key)
	}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("browser rows %v, want %v (zero rows left out)", keys, wantKeys)
	}
	if browser.Rows[2].Cell.State != Below || browser.Rows[1].Cell.State != Withheld {
		t.Fatalf("browser cells %+v", browser.Rows)
	}

	lang := rep.Tables[slices.Index(Dimensions, DimLang)]
	if lang.Withheld || len(lang.Rows) != 1 || lang.Rows[0] != (Row{Key: Other, Cell: Cell{Value: 8}}) {
		t.Fatalf("small values not folded into one Other row: %+v", lang)
	}
	device := rep.Tables[slices.Index(Dimensions, DimDevice)]
	if !device.Withheld || device.Rows != nil {
		t.Fatalf("an unprotectable table was shown: %+v", device)
	}
	ref := rep.Tables[slices.Index(Dimensions, DimReferrer)]
	if ref.Withheld || len(ref.Rows) != 0 {
		t.Fatalf("an empty table: %+v", ref)
	}
}

func TestBuildHoursAndLengths(t *testing.T) {
	r := rangeOf([]int64{0}, []int64{0})
	for h := range r.Sum.Hours {
		r.Sum.Hours[h] = int64(10 + h)
	}
	r.Sum.Hours[3] = 2
	for _, n := range r.Sum.Hours {
		r.Sum.Views += n
	}
	r.Sum.Lengths = [NumBuckets]int64{40, 30, 1, 20, 10, 0, 6}
	r.Sum.Visits = 107
	rep := Build(r, 5)
	if len(rep.Hours.Rows) != 24 || rep.Hours.Withheld {
		t.Fatalf("hours: %d rows, withheld %v", len(rep.Hours.Rows), rep.Hours.Withheld)
	}
	for h, row := range rep.Hours.Rows {
		if want := fmt.Sprintf("%02d", h); row.Key != want {
			t.Fatalf("hour row %d is %q, want %q", h, row.Key, want)
		}
		if row.Cell.Value != r.Sum.Hours[h] {
			t.Fatalf("hour %d: %+v", h, row.Cell)
		}
	}
	hours := make([]int64, 24)
	hourCells := make([]Cell, 24)
	for h, row := range rep.Hours.Rows {
		hours[h], hourCells[h] = r.Sum.Hours[h], row.Cell
	}
	checkProtected(t, hours, hourCells, 5)
	if hourCells[3].State != Below || !slices.Contains(statesOf(hourCells), Withheld) {
		t.Fatalf("hour cells %v", statesOf(hourCells))
	}

	if len(rep.Lengths.Rows) != NumBuckets {
		t.Fatalf("lengths: %d rows", len(rep.Lengths.Rows))
	}
	lengthCells := make([]Cell, NumBuckets)
	for b, row := range rep.Lengths.Rows {
		if row.Key != fmt.Sprint(b) {
			t.Fatalf("length row %d is %q", b, row.Key)
		}
		lengthCells[b] = row.Cell
	}
	if lengthCells[5].State != Below {
		t.Fatalf("an empty bucket beside small ones is shown: %+v", lengthCells[5])
	}
	if err := safeTableFrom(r.Sum.Lengths[:], statesOf(lengthCells), 5, 0); err != nil {
		t.Fatal(err)
	}

	// An empty range still lists every hour and bucket, all zero.
	rep = Build(&Range{From: "2026-11-01", To: "2026-11-01"}, 5)
	if len(rep.Hours.Rows) != 24 || len(rep.Lengths.Rows) != NumBuckets || rep.Views != (Cell{}) {
		t.Fatalf("empty range: %d hours, %d lengths, views %+v", len(rep.Hours.Rows), len(rep.Lengths.Rows), rep.Views)
	}
}

func TestBuildRaisesKToMinimum(t *testing.T) {
	for _, k := range []int{-1, 0, 1, 2} {
		rep := Build(rangeOf([]int64{2, 50}, []int64{2, 50}), k)
		if rep.K != MinK {
			t.Fatalf("k %d became %d, want %d", k, rep.K, MinK)
		}
		if rep.Daily[0].Views.State != Below {
			t.Fatalf("k %d: 2 views shown: %+v", k, rep.Daily[0].Views)
		}
	}
	rep := Build(rangeOf([]int64{7, 50}, []int64{7, 50}), 10)
	if rep.K != 10 || rep.Daily[0].Views.State != Below {
		t.Fatalf("k 10: %d, %+v", rep.K, rep.Daily[0].Views)
	}
}
