package analytics

import "slices"

// MinK is the smallest threshold the report accepts; DefaultK is the usual one.
const (
	MinK     = 3
	DefaultK = 5
)

// CellState says how a figure is shown.
type CellState int

const (
	// Shown: the figure itself.
	Shown CellState = iota
	// Below: a figure under k, shown as "< k".
	Below
	// Withheld: a figure of k or more, hidden so that the table's total cannot give a
	// smaller hidden figure away (complementary suppression).
	Withheld
)

// Cell is one figure of the report.
type Cell struct {
	Value int64
	State CellState
}

// Primary hides a single figure under k (counts that add to nothing else shown, such as
// distinct visitors estimated from sketches).
func Primary(v int64, k int) Cell {
	if v > 0 && v < int64(k) {
		return Cell{Value: v, State: Below}
	}
	return Cell{Value: v}
}

// Protect hides the figures of a table whose total is shown elsewhere: every figure
// under k (primary), then as few others as it takes (complementary) until no hidden
// figure can be narrowed down, from the total and what is shown, beyond what "< k"
// already says. It reports false when no choice of figures achieves that: the whole
// table must then be withheld.
func Protect(values []int64, k int) ([]Cell, bool) { return protect(values, k, 1) }

// ProtectSeries is Protect for a series whose every key is listed (hours of the day,
// visit lengths, the days of a range): a zero is hidden as well, or the zeros around a
// lone small figure would show when one visitor came.
func ProtectSeries(values []int64, k int) ([]Cell, bool) { return protect(values, k, 0) }

// protect hides figures under k whose true value could be from lo to k-1.
func protect(values []int64, k int, lo int64) ([]Cell, bool) {
	cells := make([]Cell, len(values))
	var total int64
	primaries := 0
	for i, v := range values {
		cells[i] = Primary(v, k)
		if v == 0 && lo == 0 {
			cells[i].State = Below
		}
		total += v
		if cells[i].State == Below {
			primaries++
		}
	}
	// A total under k is itself shown as "< k": nothing is known to subtract from.
	if primaries == 0 || total < int64(k) {
		return cells, true
	}
	for !protected(cells, k, lo) {
		pick := complement(cells, k, lo)
		if pick < 0 {
			return cells, false
		}
		cells[pick].State = Withheld
	}
	return cells, true
}

// complement chooses the next figure to withhold: the smallest that protects the table
// on its own, or else the largest, which adds the most doubt.
func complement(cells []Cell, k int, lo int64) int {
	var order []int
	for i, c := range cells {
		if c.State == Shown && c.Value >= int64(k) {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return -1
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(cells[a].Value - cells[b].Value) })
	for _, i := range order {
		cells[i].State = Withheld
		ok := protected(cells, k, lo)
		cells[i].State = Shown
		if ok {
			return i
		}
	}
	return order[len(order)-1]
}

// protected reports whether every hidden figure keeps its full range of doubt given
// the sum of the hidden figures (the total minus what is shown): a figure under k could
// still be any of lo..k-1, and a withheld one is not pinned to a single value.
func protected(cells []Cell, k int, lo int64) bool {
	var sum int64
	var prim, with int64
	for _, c := range cells {
		switch c.State {
		case Below:
			prim++
		case Withheld:
			with++
		default:
			continue
		}
		sum += c.Value
	}
	kk := int64(k)
	// check one hidden figure given the others' bounds: primaries lie in lo..k-1,
	// withheld figures in k..(no upper bound).
	check := func(ownLo, ownHi int64, p, w int64) (l, h int64) {
		othersLo := p*lo + w*kk
		l = ownLo
		if w == 0 { // the others are bounded above: the sum bounds this one below
			l = max(ownLo, sum-p*(kk-1))
		}
		h = min(ownHi, sum-othersLo)
		return l, h
	}
	if prim > 0 {
		if l, h := check(lo, kk-1, prim-1, with); l != lo || h != kk-1 {
			return false
		}
	}
	if with > 0 {
		if lo, hi := check(kk, sum, prim, with-1); hi-lo < 1 {
			return false
		}
	}
	return true
}

// ProtectGroups protects figures published in groups, each group shown with its total
// and the totals with a grand total (the public request statistics: the months of each
// kind of request, each kind's total, all kinds). Each group is protected against its
// total as Protect does, and the totals against the grand total. A group whose total is
// hidden, or that cannot be protected, shows none of its figures, zeros included, since
// any of them would bound the hidden total and so narrow the other totals: under a
// total below k every figure is Below (each is), otherwise every one is Withheld. The
// grand total is shown unless under k.
func ProtectGroups(groups [][]int64, k int) (cells [][]Cell, totals []Cell, grand Cell) {
	sums := make([]int64, len(groups))
	var all int64
	for g, vs := range groups {
		for _, v := range vs {
			sums[g] += v
		}
		all += sums[g]
	}
	grand = Primary(all, k)
	totals, ok := Protect(sums, k)
	if !ok {
		for g := range totals {
			totals[g].State = Withheld
		}
	}
	cells = make([][]Cell, len(groups))
	for g, vs := range groups {
		cs, ok := Protect(vs, k)
		if !ok || totals[g].State != Shown {
			hidden := Withheld
			if totals[g].State == Below {
				hidden = Below
			}
			for i := range cs {
				cs[i].State = hidden
			}
		}
		cells[g] = cs
	}
	return cells, totals, grand
}
