package analytics

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// reachable returns which sums 0..limit the given hidden cells can make together, each
// cell taking any value of its own range [lo[i], hi[i]]: exhaustive over every
// assignment (a subset-sum table, so no reasoning about intervals is trusted).
func reachable(lo, hi []int64, limit int64) []bool {
	reach := make([]bool, limit+1)
	reach[0] = true
	for i := range lo {
		// next[s] holds when reach[s-x] does for some x in [lo, hi]: count the reachable
		// sums in that window with prefix sums.
		prefix := make([]int64, limit+2)
		for s := int64(0); s <= limit; s++ {
			prefix[s+1] = prefix[s]
			if reach[s] {
				prefix[s+1]++
			}
		}
		next := make([]bool, limit+1)
		for s := int64(0); s <= limit; s++ {
			a, b := s-hi[i], s-lo[i] // window of earlier sums
			a = max(a, 0)
			if b < a {
				continue
			}
			next[s] = prefix[b+1]-prefix[a] > 0
		}
		reach = next
	}
	return reach
}

// safeTable is the independent checker: an attacker sees the shown figures and the
// total, and knows a Below figure lies in 1..k-1 and a Withheld one is at least k. It
// reports why not when some Below figure cannot still take every value 1..k-1, or some
// Withheld figure is pinned to a single value, or the true values are not even
// consistent with what is displayed.
func safeTable(values []int64, states []CellState, k int) error {
	return safeTableFrom(values, states, k, 1)
}

// safeTableFrom is safeTable where a figure under k may be as low as lo (0 for series
// that hide their zeros too).
func safeTableFrom(values []int64, states []CellState, k int, primaryLo int64) error {
	kk := int64(k)
	var total, shown int64
	var hidden []int
	for i, v := range values {
		total += v
		switch states[i] {
		case Shown:
			shown += v
		case Below:
			if v < primaryLo || v >= kk {
				return fmt.Errorf("cell %d = %d marked below %d", i, v, k)
			}
			hidden = append(hidden, i)
		case Withheld:
			if v < kk {
				return fmt.Errorf("cell %d = %d withheld but under k", i, v)
			}
			hidden = append(hidden, i)
		}
	}
	rest := total - shown // what the hidden figures add up to, as anyone can work out
	bounds := func(i int) (int64, int64) {
		if states[i] == Below {
			return primaryLo, kk - 1
		}
		return kk, rest
	}
	for _, i := range hidden {
		var lo, hi []int64
		for _, j := range hidden {
			if j != i {
				l, h := bounds(j)
				lo, hi = append(lo, l), append(hi, h)
			}
		}
		others := reachable(lo, hi, rest)
		ownLo, ownHi := bounds(i)
		var possible []int64
		for x := ownLo; x <= ownHi && x <= rest; x++ {
			if others[rest-x] {
				possible = append(possible, x)
			}
		}
		if !slices.Contains(possible, values[i]) {
			return fmt.Errorf("cell %d: its true value %d is not among %v", i, values[i], possible)
		}
		if states[i] == Below && int64(len(possible)) != kk-primaryLo {
			return fmt.Errorf("cell %d (%d, below %d) can only be %v", i, values[i], k, possible)
		}
		if states[i] == Withheld && len(possible) < 2 {
			return fmt.Errorf("withheld cell %d (%d) can only be %v", i, values[i], possible)
		}
	}
	return nil
}

func statesOf(cells []Cell) []CellState {
	out := make([]CellState, len(cells))
	for i, c := range cells {
		out[i] = c.State
	}
	return out
}

// checkProtected asserts what every table Protect calls safe must satisfy.
func checkProtected(t *testing.T, values []int64, cells []Cell, k int) {
	t.Helper()
	if len(cells) != len(values) {
		t.Fatalf("%v: %d cells for %d values", values, len(cells), len(values))
	}
	var total int64
	for i, v := range values {
		total += v
		c := cells[i]
		if c.Value != v {
			t.Fatalf("%v: cell %d holds %d", values, i, c.Value)
		}
		switch {
		case v == 0 && c.State != Shown:
			t.Fatalf("%v: zero cell %d hidden (%v)", values, i, c.State)
		case v > 0 && v < int64(k) && c.State != Below:
			t.Fatalf("%v: small cell %d = %d not below k (%v)", values, i, v, c.State)
		case v >= int64(k) && c.State == Below:
			t.Fatalf("%v: cell %d = %d marked below k", values, i, v)
		}
	}
	if total < int64(k) {
		// The total itself is shown as "< k": nothing to subtract from, nothing withheld.
		for i, c := range cells {
			if c.State == Withheld {
				t.Fatalf("%v: total under k yet cell %d withheld", values, i)
			}
		}
		return
	}
	if err := safeTable(values, statesOf(cells), k); err != nil {
		t.Fatalf("%v protected as %v but unsafe: %v", values, statesOf(cells), err)
	}
}

func TestPrimary(t *testing.T) {
	for v, want := range map[int64]CellState{0: Shown, 1: Below, 2: Below, 4: Below, 5: Shown, 6: Shown, 1000: Shown} {
		if c := Primary(v, 5); c.State != want || c.Value != v {
			t.Errorf("Primary(%d, 5) = %+v, want state %v", v, c, want)
		}
	}
	if c := Primary(2, 3); c.State != Below {
		t.Errorf("Primary(2, 3) = %+v", c)
	}
	if c := Primary(3, 3); c.State != Shown {
		t.Errorf("Primary(3, 3) = %+v", c)
	}
}

func TestProtectNoSmallCellsHidesNothing(t *testing.T) {
	values := []int64{10, 20, 5, 0, 1000}
	cells, ok := Protect(values, 5)
	if !ok {
		t.Fatal("not ok")
	}
	for i, c := range cells {
		if c.State != Shown || c.Value != values[i] {
			t.Fatalf("cell %d: %+v", i, c)
		}
	}
}

func TestProtectSingleSmallCellGetsComplement(t *testing.T) {
	values := []int64{100, 50, 3, 40, 0}
	cells, ok := Protect(values, 5)
	if !ok {
		t.Fatal("not ok")
	}
	checkProtected(t, values, cells, 5)
	if cells[2].State != Below {
		t.Fatalf("the small cell: %+v", cells[2])
	}
	withheld := 0
	for _, c := range cells {
		if c.State == Withheld {
			withheld++
		}
	}
	if withheld != 1 || cells[3].State != Withheld {
		t.Fatalf("states %v, want exactly the smallest sufficient cell (40) withheld", statesOf(cells))
	}
	// Without the complement the total gives the small figure away: the checker sees it.
	if err := safeTable(values, []CellState{Shown, Shown, Below, Shown, Shown}, 5); err == nil {
		t.Fatal("the checker accepts a lone small cell against a known total")
	}
}

func TestProtectZeroCellsShownAndNeverHidden(t *testing.T) {
	values := []int64{0, 3, 0, 50, 60, 0}
	cells, ok := Protect(values, 5)
	if !ok {
		t.Fatal("not ok")
	}
	checkProtected(t, values, cells, 5)
	for _, i := range []int{0, 2, 5} {
		if cells[i] != (Cell{}) {
			t.Fatalf("zero cell %d: %+v", i, cells[i])
		}
	}
}

func TestProtectTotalBelowK(t *testing.T) {
	values := []int64{1, 0, 2, 1}
	cells, ok := Protect(values, 5)
	if !ok {
		t.Fatal("not ok")
	}
	want := []CellState{Below, Shown, Below, Below}
	if !slices.Equal(statesOf(cells), want) {
		t.Fatalf("states %v, want %v", statesOf(cells), want)
	}
}

func TestProtectImpossibleReportsFalse(t *testing.T) {
	for _, values := range [][]int64{
		{4, 4},    // total 8 = 4 + 4: both pinned
		{3, 5},    // withholding 5 still leaves 3 ≤ 8-5
		{4, 0, 4}, // zeros cannot help
		{1, 1, 1, 1, 1, 1},
	} {
		if _, ok := Protect(values, 5); ok {
			t.Errorf("%v: reported protected", values)
		}
	}
}

// noSafeChoice reports whether no choice of cells ≥ k to withhold (beyond the primary
// suppression) makes the table safe, trying every subset.
func noSafeChoice(values []int64, k int) bool {
	var eligible []int
	base := make([]CellState, len(values))
	for i, v := range values {
		base[i] = Primary(v, k).State
		if v >= int64(k) {
			eligible = append(eligible, i)
		}
	}
	for mask := 0; mask < 1<<len(eligible); mask++ {
		states := slices.Clone(base)
		for b, i := range eligible {
			if mask&(1<<b) != 0 {
				states[i] = Withheld
			}
		}
		if safeTable(values, states, k) == nil {
			return false
		}
	}
	return true
}

func TestProtectRandomTablesAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261123, 5))
	const k = 5
	var safeWithComplement, refused, untouched int
	for n := 0; n < 2000; n++ {
		values := make([]int64, 2+rng.IntN(5))
		for i := range values {
			switch r := rng.IntN(10); {
			case r == 0:
				values[i] = 0
			case r < 5:
				values[i] = 1 + rng.Int64N(k-1)
			default:
				values[i] = rng.Int64N(41)
			}
		}
		cells, ok := Protect(slices.Clone(values), k)
		if !ok {
			refused++
			// Protect may give up only when nothing could have worked.
			if !noSafeChoice(values, k) {
				t.Fatalf("%v: reported unprotectable, but some choice of withheld cells is safe", values)
			}
			continue
		}
		checkProtected(t, values, cells, k)
		if slices.Contains(statesOf(cells), Withheld) {
			safeWithComplement++
		} else {
			untouched++
		}
	}
	// The random tables must exercise every outcome, or the test proves little.
	if safeWithComplement < 100 || refused < 20 || untouched < 100 {
		t.Fatalf("outcomes: %d with complements, %d refused, %d untouched", safeWithComplement, refused, untouched)
	}
}

// Other thresholds too: the checker and Protect agree for k = 3 and k = 10.
func TestProtectOtherK(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, k := range []int{3, 10} {
		for n := 0; n < 500; n++ {
			values := make([]int64, 2+rng.IntN(5))
			for i := range values {
				if rng.IntN(2) == 0 {
					values[i] = rng.Int64N(int64(k))
				} else {
					values[i] = rng.Int64N(50)
				}
			}
			cells, ok := Protect(values, k)
			if !ok {
				if !noSafeChoice(values, k) {
					t.Fatalf("k=%d %v: refused but protectable", k, values)
				}
				continue
			}
			checkProtected(t, values, cells, k)
		}
	}
}

// Series (hours, visit lengths, days) hide their zeros as well: checked by brute force
// with hidden figures anywhere in 0..k-1.
func TestProtectSeriesAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 8))
	const k = 5
	var withComplement int
	for n := 0; n < 1500; n++ {
		values := make([]int64, 2+rng.IntN(5))
		for i := range values {
			switch r := rng.IntN(10); {
			case r < 2:
				values[i] = 0
			case r < 5:
				values[i] = 1 + rng.Int64N(k-1)
			default:
				values[i] = rng.Int64N(41)
			}
		}
		cells, ok := ProtectSeries(slices.Clone(values), k)
		var total int64
		for i, v := range values {
			total += v
			if v < k && cells[i].State != Below {
				t.Fatalf("%v: cell %d = %d shown", values, i, v)
			}
		}
		if !ok || total < k {
			continue
		}
		if err := safeTableFrom(values, statesOf(cells), k, 0); err != nil {
			t.Fatalf("%v protected as %v but unsafe: %v", values, statesOf(cells), err)
		}
		if slices.Contains(statesOf(cells), Withheld) {
			withComplement++
		}
	}
	if withComplement < 100 {
		t.Fatalf("only %d tables needed a complement: the test proves little", withComplement)
	}
}

// A group's figures are protected against its total, the totals against the grand
// total, and a group whose total is hidden shows nothing that would bound it.
func TestProtectGroups(t *testing.T) {
	groups := [][]int64{{20, 1, 30}, {2, 0, 1}, {40, 50, 0}, {60, 2, 70}}
	cells, totals, grand := ProtectGroups(groups, 5)
	if grand.State != Shown || grand.Value != 276 {
		t.Fatalf("grand total: %+v", grand)
	}
	checkProtected(t, []int64{51, 3, 90, 132}, totals, 5)
	if totals[1].State == Shown {
		t.Fatalf("a total of 3 is shown: %+v", totals)
	}
	for g, cs := range cells {
		if totals[g].State != Shown {
			want := Withheld
			if totals[g].State == Below {
				want = Below
			}
			for _, c := range cs {
				if c.State != want {
					t.Fatalf("group %d: its total is hidden, yet it shows %+v", g, cs)
				}
			}
			continue
		}
		checkProtected(t, groups[g], cs, 5)
	}
	if totals[3].State != Shown || cells[3][1].State != Below {
		t.Fatalf("a 2 beside a shown total: %+v %+v", totals[3], cells[3])
	}
	// Everything under k: the grand total says "< k" and nothing is shown.
	_, totals, grand = ProtectGroups([][]int64{{1}, {2}}, 5)
	if grand.State != Below || totals[0].State == Shown || totals[1].State == Shown {
		t.Fatalf("tiny: %+v %+v", totals, grand)
	}
}
