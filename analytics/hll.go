package analytics

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"math/bits"
	"sync"
)

// Precision is the number of index bits: 2^12 = 4096 one-byte registers (standard error
// about 1.6 %). 4 KiB per sketch is small enough to keep one per day and per page.
const Precision = 12

// Registers is the length of a non-empty Sketch.
const Registers = 1 << Precision

// maxRank is the largest register value: the 64-Precision bits left after the index are
// all zero. One byte holds it with room to spare.
const maxRank = 64 - Precision + 1

// Sketch holds HyperLogLog registers. A nil or empty Sketch is an empty set; a non-empty
// one has exactly Registers bytes. It stores no identifier, only the longest run of
// leading zeros seen per register, so counting distinct visitors keeps nothing that
// names one.
type Sketch []byte

// Add records a 64-bit hash (already keyed; see Hasher). It allocates the registers on
// first use; it reports whether a register grew, so a caller can skip writing back a
// sketch that did not change. A sketch of the wrong length (corrupt) is replaced by an
// empty one first: Add has no error to return, and indexing it could panic.
func (s *Sketch) Add(h uint64) bool {
	if len(*s) != Registers {
		*s = make(Sketch, Registers)
	}
	i := h >> (64 - Precision)
	// #nosec G115 -- at most 65
	r := uint8(bits.LeadingZeros64(h<<Precision) + 1)
	if r > maxRank { // the remaining bits were all zero
		r = maxRank
	}
	if r <= (*s)[i] {
		return false
	}
	(*s)[i] = r
	return true
}

// Merge folds o into s (register-wise max), reporting whether s changed. Either may be
// empty. A sketch of the wrong length (corrupt) is an error and s is left as it was.
func (s *Sketch) Merge(o Sketch) (bool, error) {
	if len(*s) != 0 && len(*s) != Registers {
		return false, fmt.Errorf("analytics: sketch has %d registers, want %d", len(*s), Registers)
	}
	if len(o) != 0 && len(o) != Registers {
		return false, fmt.Errorf("analytics: merged sketch has %d registers, want %d", len(o), Registers)
	}
	changed := false
	for i, r := range o {
		if len(*s) == 0 {
			if r == 0 {
				continue // an all-zero o must not allocate an empty s for nothing
			}
			*s = make(Sketch, Registers)
		}
		if r > (*s)[i] {
			(*s)[i] = r
			changed = true
		}
	}
	return changed, nil
}

// Estimate returns the estimated number of distinct items (0 for empty or corrupt),
// using the standard HyperLogLog estimator with linear counting for the small range,
// where the raw estimator is biased and linear counting is close to exact. With 64-bit
// hashes no large-range correction is needed.
func (s Sketch) Estimate() int64 {
	if len(s) != Registers {
		return 0
	}
	const m = float64(Registers)
	sum, zeros := 0.0, 0
	for _, r := range s {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}

// Clone returns an independent copy, so a cached sketch can be merged into without
// changing the one it came from.
func (s Sketch) Clone() Sketch {
	if len(s) == 0 {
		return nil
	}
	return append(Sketch(nil), s...)
}

// Hasher maps identifiers to keyed 64-bit hashes (HMAC-SHA256 truncated), so a stored
// sketch cannot be probed for a known identifier (an address, a session) without the
// key. The zero Hasher uses an empty key: usable, but offers no such protection.
type Hasher struct {
	key []byte
	// macs reuse keyed HMAC states and their output buffers: every counted view hashes
	// twice, and a fresh HMAC costs allocations and two extra blocks for the key.
	macs *sync.Pool
}

type pooledMAC struct {
	mac hash.Hash
	n   [8]byte
	sum [sha256.Size]byte
}

// NewHasher returns a Hasher for key; the key is copied so later changes to the caller's
// slice do not silently change every hash. It should be secret and at least 32 bytes.
func NewHasher(key []byte) Hasher {
	key = append([]byte(nil), key...)
	return Hasher{key: key, macs: &sync.Pool{New: func() any { return &pooledMAC{mac: hmac.New(sha256.New, key)} }}}
}

// Sum returns the keyed hash of parts. Each part is length-prefixed so ("ab","c") and
// ("a","bc") hash differently.
func (h Hasher) Sum(parts ...[]byte) uint64 {
	var m *pooledMAC
	if h.macs != nil {
		m = h.macs.Get().(*pooledMAC)
		m.mac.Reset()
		defer h.macs.Put(m)
	} else {
		m = &pooledMAC{mac: hmac.New(sha256.New, h.key)}
	}
	for _, p := range parts {
		binary.BigEndian.PutUint64(m.n[:], uint64(len(p)))
		m.mac.Write(m.n[:])
		m.mac.Write(p)
	}
	return binary.BigEndian.Uint64(m.mac.Sum(m.sum[:0]))
}
