package analytics

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// sketchItem is the n-th test identifier, hashed the way callers hash real ones.
func sketchItem(h Hasher, n int) uint64 {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return h.Sum([]byte("visitor"), b[:])
}

func TestSketchSmallCountsAreNearlyExact(t *testing.T) {
	h := NewHasher([]byte("test key for small counts, 32 bytes+"))
	for _, n := range []int{0, 1, 2, 10, 100} {
		var s Sketch
		for rep := 0; rep < 50; rep++ { // duplicates must not count again
			for i := 0; i < n; i++ {
				s.Add(sketchItem(h, i))
			}
		}
		if got := s.Estimate(); got < int64(n-2) || got > int64(n+2) {
			t.Errorf("%d distinct: estimate %d", n, got)
		}
		if n == 0 && s != nil {
			t.Errorf("an empty sketch allocated registers")
		}
	}
}

func TestSketchAddReportsGrowth(t *testing.T) {
	var s Sketch
	if !s.Add(42) || len(s) != Registers {
		t.Fatalf("first add: len %d", len(s))
	}
	if s.Add(42) {
		t.Fatal("adding the same hash again grew a register")
	}
	if got := s.Estimate(); got != 1 {
		t.Fatalf("estimate %d, want 1", got)
	}
	var z Sketch
	z.Add(0) // every bit zero: the rank is capped, not out of range
	if z[0] != maxRank {
		t.Fatalf("rank of zero hash %d, want %d", z[0], maxRank)
	}
}

func TestSketchLargeCountWithinThreePercent(t *testing.T) {
	h := NewHasher([]byte("test key for the large count, 32 bytes"))
	const n = 100000
	var s Sketch
	for i := 0; i < n; i++ {
		s.Add(sketchItem(h, i))
	}
	got := s.Estimate()
	if d := float64(got-n) / n; d < -0.03 || d > 0.03 {
		t.Fatalf("estimate %d for %d distinct (%.2f %%)", got, n, 100*d)
	}
}

func TestSketchMerge(t *testing.T) {
	h := NewHasher([]byte("test key for merging, at least 32 bytes"))
	const n = 20000
	var a, b, all Sketch
	for i := 0; i < n; i++ {
		x := sketchItem(h, i)
		all.Add(x)
		if i%2 == 0 {
			a.Add(x)
		} else {
			b.Add(x)
		}
	}

	ab := a.Clone()
	if changed, err := ab.Merge(b); err != nil || !changed {
		t.Fatalf("merge: changed %v, err %v", changed, err)
	}
	if !bytes.Equal(ab, all) {
		t.Fatal("merge of the halves differs from the sketch of the union")
	}
	if changed, err := ab.Merge(b); err != nil || changed {
		t.Fatalf("second merge: changed %v, err %v", changed, err)
	}
	ba := b.Clone()
	if _, err := ba.Merge(a); err != nil || !bytes.Equal(ab, ba) {
		t.Fatalf("merge is not commutative (err %v)", err)
	}
	if got := ab.Estimate(); got < n*97/100 || got > n*103/100 {
		t.Fatalf("union estimate %d for %d", got, n)
	}
	if a.Estimate() >= ab.Estimate() {
		t.Fatal("the union estimates no more than one half")
	}
}

func TestSketchMergeEmptyAndCorrupt(t *testing.T) {
	var empty Sketch
	if changed, err := empty.Merge(nil); err != nil || changed || empty != nil {
		t.Fatalf("empty into empty: changed %v, err %v, len %d", changed, err, len(empty))
	}
	if changed, err := empty.Merge(make(Sketch, Registers)); err != nil || changed || empty != nil {
		t.Fatalf("all-zero into empty: changed %v, err %v, len %d", changed, err, len(empty))
	}
	var one Sketch
	one.Add(7)
	if changed, err := empty.Merge(one); err != nil || !changed || !bytes.Equal(empty, one) {
		t.Fatalf("one into empty: changed %v, err %v", changed, err)
	}
	if changed, err := one.Merge(nil); err != nil || changed {
		t.Fatalf("empty into one: changed %v, err %v", changed, err)
	}

	before := one.Clone()
	if _, err := one.Merge(make(Sketch, Registers-1)); err == nil {
		t.Fatal("merging a short sketch succeeded")
	}
	corrupt := Sketch{1, 2, 3}
	if _, err := corrupt.Merge(one); err == nil {
		t.Fatal("merging into a corrupt sketch succeeded")
	}
	if !bytes.Equal(one, before) {
		t.Fatal("a failed merge changed the sketch")
	}
	if corrupt.Estimate() != 0 {
		t.Fatal("a corrupt sketch estimates something")
	}
}

func TestSketchCloneIsIndependent(t *testing.T) {
	var s Sketch
	s.Add(1)
	c := s.Clone()
	c.Add(1 << 63)
	if bytes.Equal(s, c) {
		t.Fatal("adding to the clone changed the original")
	}
	if Sketch(nil).Clone() != nil {
		t.Fatal("clone of empty is not empty")
	}
}

func TestHasherKeyedAndLengthPrefixed(t *testing.T) {
	key := []byte("first key, long enough for a test!")
	h1 := NewHasher(key)
	h2 := NewHasher([]byte("second key, long enough for a test"))
	id := []byte("203.0.113.7")
	if h1.Sum(id) == h2.Sum(id) {
		t.Fatal("different keys give the same hash")
	}
	if a, b := h1.Sum(id), h1.Sum(id); a != b {
		t.Fatal("the hash is not deterministic")
	}
	if h1.Sum([]byte("ab"), []byte("c")) == h1.Sum([]byte("a"), []byte("bc")) {
		t.Fatal(`Sum("ab","c") == Sum("a","bc")`)
	}
	if h1.Sum([]byte("abc")) == h1.Sum([]byte("ab"), []byte("c")) {
		t.Fatal("one part and two parts hash the same")
	}
	before := h1.Sum(id)
	key[0] ^= 0xff
	if h1.Sum(id) != before {
		t.Fatal("changing the caller's key slice changed the hasher")
	}
}
