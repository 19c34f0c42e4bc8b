package analytics

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"sync"
	"time"
)

// VisitorCodec seals the visitor cookie: AES-256-GCM over the 32 bytes of a Visitor,
// bound to the cookie's name. It replaces a general-purpose cookie codec (gob, then
// encryption, then a MAC, each allocating) that cost more than the rest of counting
// a view; this one decodes without allocating and encodes with one string.
type VisitorCodec struct {
	aead   cipher.AEAD
	name   []byte
	maxAge int64 // seconds: an older last view reads as no cookie
}

// visitorPrefix marks this format; a value without it is from the earlier codec.
const visitorPrefix = "v2."

const (
	visitorPlain  = 32
	visitorSealed = 12 + visitorPlain + 16 // nonce, payload, tag
)

// NewVisitorCodec derives the cookie's own key from secret (the portal's cookie key),
// so the same key never serves two constructions.
func NewVisitorCodec(secret []byte, name string, maxAge time.Duration) (*VisitorCodec, error) {
	if len(secret) < 32 {
		return nil, errors.New("analytics: visitor cookie key shorter than 32 bytes")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("portal visitor cookie v2"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &VisitorCodec{aead: aead, name: []byte(name), maxAge: int64(maxAge / time.Second)}, nil
}

// Encode seals v.
func (c *VisitorCodec) Encode(v Visitor) string {
	var buf [visitorSealed]byte
	_, _ = rand.Read(buf[:12])
	var plain [visitorPlain]byte
	copy(plain[:16], v.ID[:])
	binary.BigEndian.PutUint64(plain[16:], uint64(v.Start)) // #nosec G115 -- the bits of a Unix time, read back by int64() below
	binary.BigEndian.PutUint64(plain[24:], uint64(v.Last))  // #nosec G115 -- as above
	c.aead.Seal(buf[12:12], buf[:12], plain[:], c.name)
	var out [len(visitorPrefix) + (visitorSealed*8+5)/6]byte
	copy(out[:], visitorPrefix)
	base64.RawURLEncoding.Encode(out[len(visitorPrefix):], buf[:])
	return string(out[:])
}

// Decode opens a value Encode made, at now; false for anything else (another format,
// a forged or damaged value, a last view older than the codec's maximum age).
func (c *VisitorCodec) Decode(s string, now time.Time) (Visitor, bool) {
	var v Visitor
	if len(s) != len(visitorPrefix)+(visitorSealed*8+5)/6 || s[:len(visitorPrefix)] != visitorPrefix {
		return v, false
	}
	// Scratch from a pool: the cipher's interface would move stack buffers to the heap.
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	copy(sc.enc[:], s[len(visitorPrefix):])
	if n, err := base64.RawURLEncoding.Decode(sc.buf[:], sc.enc[:]); err != nil || n != visitorSealed {
		return v, false
	}
	plain, err := c.aead.Open(sc.plain[:0], sc.buf[:12], sc.buf[12:], c.name)
	if err != nil || len(plain) != visitorPlain {
		return v, false
	}
	copy(v.ID[:], plain[:16])
	v.Start = int64(binary.BigEndian.Uint64(plain[16:])) // #nosec G115 -- the bits written by uint64() above, sealed
	v.Last = int64(binary.BigEndian.Uint64(plain[24:]))  // #nosec G115 -- as above
	if now.Unix()-v.Last > c.maxAge {
		return Visitor{}, false
	}
	return v, true
}

type scratch struct {
	enc   [(visitorSealed*8 + 5) / 6]byte
	buf   [visitorSealed]byte
	plain [visitorPlain]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// IsVisitorCodec reports whether s is in this codec's format (else an earlier one).
func IsVisitorCodec(s string) bool {
	return len(s) >= len(visitorPrefix) && s[:len(visitorPrefix)] == visitorPrefix
}
