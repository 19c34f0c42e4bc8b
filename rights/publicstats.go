package rights

import "github.com/example/pdpa-portal/analytics"

// publicColumns are the counts the public table shows, in column order (the median
// days and the on-time share sit between withdrawn and extended).
var publicColumns = []string{CountReceived, CountGranted, CountPartly, CountRefused, CountWithdrawn, CountExtended}

// PublicRow is one row of the public table.
type PublicRow struct {
	Month          string
	Kind           Kind
	Cells          []analytics.Cell // by publicColumns
	Median, OnTime string
	Few            bool // median and share withheld: too few decisions, or a figure of the row hidden
}

// PublicStats are the request statistics as the public sees them: every figure under
// k is hidden, and others as needed so that no hidden one can be worked out from the
// totals, as the traffic report does (analytics.ProtectGroups).
type PublicStats struct {
	K      int
	Rows   []PublicRow
	Totals []PublicRow
	All    PublicRow
}

// ProtectStats hides the small figures of the months' rows, the kinds' totals and the
// total of all, for the public page: per column, the months of each kind against the
// kind's total, the kinds' totals against the total of all. A median or on-time share is shown only where k or more decisions make it and
// every figure of its row is shown: one decision's share would give that decision away.
func ProtectStats(rows, totals []MonthStats, all MonthStats, k int) *PublicStats {
	out := &PublicStats{K: k, Rows: make([]PublicRow, len(rows)), Totals: make([]PublicRow, len(totals))}
	group := map[Kind]int{}
	for g, t := range totals {
		group[t.Kind] = g
		out.Totals[g] = PublicRow{Kind: t.Kind}
	}
	members := make([][]int, len(totals)) // indices into rows, per group
	for i, r := range rows {
		out.Rows[i] = PublicRow{Month: r.Month, Kind: r.Kind}
		if g, ok := group[r.Kind]; ok {
			members[g] = append(members[g], i)
		}
	}
	for _, col := range publicColumns {
		groups := make([][]int64, len(members))
		for g, idx := range members {
			for _, i := range idx {
				groups[g] = append(groups[g], int64(rows[i].Counts[col]))
			}
		}
		cells, totals, grand := analytics.ProtectGroups(groups, k)
		for g, idx := range members {
			for j, i := range idx {
				out.Rows[i].Cells = append(out.Rows[i].Cells, cells[g][j])
			}
			out.Totals[g].Cells = append(out.Totals[g].Cells, totals[g])
		}
		out.All.Cells = append(out.All.Cells, grand)
	}
	shares := func(r *PublicRow, m MonthStats) {
		decisions := 0
		for _, n := range m.DaysToDecision {
			decisions += n
		}
		r.Few = decisions < k || m.Counts[CountOnTime]+m.Counts[CountLate] < k
		for _, c := range r.Cells {
			r.Few = r.Few || c.State != analytics.Shown
		}
		if !r.Few {
			r.Median, r.OnTime = m.MedianDays(), m.OnTimePercent()
		}
	}
	for i := range out.Rows {
		shares(&out.Rows[i], rows[i])
	}
	for g := range out.Totals {
		shares(&out.Totals[g], totals[g])
	}
	shares(&out.All, all)
	return out
}
