package analytics

import (
	"cmp"
	"slices"
)

// TopRows is how many values a table lists before folding the rest into Other.
const TopRows = 25

// Row is one value of a table.
type Row struct {
	Key  string
	Cell Cell
}

// Table is the page views (or visits) per value of one dimension, on its own.
type Table struct {
	Dim  string
	Rows []Row
	// Withheld: the figures were too few to show any without giving one away.
	Withheld bool
}

// DailyRow is one day of the chart.
type DailyRow struct {
	Date     string
	Views    Cell
	Visits   Cell
	Visitors Cell
}

// Report is everything the webmaster sees for a range: aggregates only, every figure
// under k hidden.
type Report struct {
	From, To string
	K        int
	Views    Cell
	Visits   Cell
	Visitors Cell // distinct over the whole range (merged sketches)
	Networks Cell
	Online   Cell // seconds, all visits
	AvgVisit Cell // seconds per visit
	Daily    []DailyRow
	// DailyWithheld: the daily figures could not be shown without giving one away.
	DailyWithheld bool
	Tables        []Table // one per Dimensions entry
	Hours         Table   // page views per hour of day (keys "00".."23")
	Lengths       Table   // visits per length bucket (keys "0".."6")
}

// Build makes the report for a range with threshold k (raised to MinK if lower).
func Build(r *Range, k int) *Report {
	k = max(k, MinK)
	s := r.Sum
	if s == nil {
		s = NewDay("")
	}
	rep := &Report{From: r.From, To: r.To, K: k,
		Views: Primary(s.Views, k), Visits: Primary(s.Visits, k),
		Visitors: Primary(s.Visitors.Estimate(), k), Networks: Primary(s.Networks.Estimate(), k),
		Online: Cell{Value: s.Online}}
	// Time online says something only across enough visits (a range can hold time
	// online with no visit of its own: a visit that began the day before). Hidden, it is
	// withheld, not "< k": the seconds themselves are not small.
	if s.Visits < int64(k) {
		if s.Online != 0 {
			rep.Online = Cell{Value: s.Online, State: Withheld}
			rep.AvgVisit = Cell{Value: 0, State: Withheld}
		}
	} else {
		rep.AvgVisit = Cell{Value: s.Online / s.Visits}
	}
	views := make([]int64, len(r.Days))
	visits := make([]int64, len(r.Days))
	for i, d := range r.Days {
		views[i], visits[i] = d.Views, d.Visits
	}
	vc, okViews := ProtectSeries(views, k)
	sc, okVisits := ProtectSeries(visits, k)
	rep.DailyWithheld = !okViews || !okVisits
	if !rep.DailyWithheld {
		for i, d := range r.Days {
			visitors := Primary(d.Visitors, k)
			if d.Visitors == 0 {
				visitors.State = Below
			}
			rep.Daily = append(rep.Daily, DailyRow{Date: d.Date, Views: vc[i], Visits: sc[i], Visitors: visitors})
		}
	}
	for _, dim := range Dimensions {
		rep.Tables = append(rep.Tables, table(dim, s.Tables[dim], k, true))
	}
	hours := map[string]int64{}
	for h, n := range s.Hours {
		hours[hourKeys[h]] = n
	}
	rep.Hours = table("hour", hours, k, false)
	lengths := map[string]int64{}
	for b, n := range s.Lengths {
		// Tabs opened at once from one visit can move a visit out of a bucket twice.
		lengths[string(rune('0'+b))] = max(n, 0)
	}
	rep.Lengths = table("length", lengths, k, false)
	return rep
}

var hourKeys = func() []string {
	out := make([]string, 24)
	for h := range out {
		out[h] = string([]byte{byte('0' + h/10), byte('0' + h%10)})
	}
	return out
}()

// table lists a dimension: by count (top values; values under k and the rest folded
// into Other, so a rare value is never named) or, for hours and lengths, in key order
// with every key, zeros hidden like small figures.
func table(dim string, counts map[string]int64, k int, byCount bool) Table {
	type kv struct {
		key string
		n   int64
	}
	var rows []kv
	var other int64
	for key, n := range counts {
		if n <= 0 && byCount {
			continue
		}
		if key == Other || byCount && n < int64(k) {
			other += n
			continue
		}
		rows = append(rows, kv{key, n})
	}
	if byCount {
		slices.SortFunc(rows, func(a, b kv) int {
			if c := cmp.Compare(b.n, a.n); c != 0 {
				return c
			}
			return cmp.Compare(a.key, b.key)
		})
		if len(rows) > TopRows {
			for _, r := range rows[TopRows:] {
				other += r.n
			}
			rows = rows[:TopRows]
		}
	} else {
		slices.SortFunc(rows, func(a, b kv) int { return cmp.Compare(a.key, b.key) })
	}
	if other > 0 {
		rows = append(rows, kv{Other, other})
	}
	values := make([]int64, len(rows))
	for i, r := range rows {
		values[i] = r.n
	}
	protect := Protect
	if !byCount {
		protect = ProtectSeries
	}
	cells, ok := protect(values, k)
	t := Table{Dim: dim, Withheld: !ok}
	if ok {
		for i, r := range rows {
			t.Rows = append(t.Rows, Row{Key: r.key, Cell: cells[i]})
		}
	}
	return t
}
