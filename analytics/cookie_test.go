package analytics

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

func TestVisitorCodecRoundTripAndRefusals(t *testing.T) {
	key := []byte(strings.Repeat("k", 64))
	c, err := NewVisitorCodec(key, "portal_visit", 180*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	v := Visitor{ID: NewVisitorID(), Start: now.Unix() - 60, Last: now.Unix()}
	enc := c.Encode(v)
	if got, ok := c.Decode(enc, now); !ok || got != v {
		t.Fatalf("round trip: %v %+v", ok, got)
	}
	if enc == c.Encode(v) {
		t.Fatal("two seals of the same visitor look alike")
	}
	// A changed character, another cookie's name, another key, an old view, another format.
	flipped := []byte(enc)
	flipped[10] ^= 1
	other, _ := NewVisitorCodec(key, "other", 180*24*time.Hour)
	otherKey, _ := NewVisitorCodec([]byte(strings.Repeat("j", 64)), "portal_visit", 180*24*time.Hour)
	for name, bad := range map[string]func() bool{
		"tampered":  func() bool { _, ok := c.Decode(string(flipped), now); return ok },
		"name":      func() bool { _, ok := other.Decode(enc, now); return ok },
		"key":       func() bool { _, ok := otherKey.Decode(enc, now); return ok },
		"too old":   func() bool { _, ok := c.Decode(enc, now.Add(181*24*time.Hour)); return ok },
		"legacy":    func() bool { _, ok := c.Decode("MTcz...gob|x", now); return ok },
		"truncated": func() bool { _, ok := c.Decode(enc[:len(enc)-1], now); return ok },
	} {
		if bad() {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := testing.AllocsPerRun(100, func() { c.Decode(enc, now) }); n != 0 && !raceDetector {
		t.Errorf("Decode allocates %.0f times", n)
	}
}

func TestHasherReusesItsMACWithoutChangingTheHash(t *testing.T) {
	key := []byte(strings.Repeat("s", 32))
	h := NewHasher(key)
	id := []byte("0123456789abcdef")
	want := func() uint64 {
		mac := hmac.New(sha256.New, key)
		var n [8]byte
		for _, p := range [][]byte{labelVisitor, id} {
			binary.BigEndian.PutUint64(n[:], uint64(len(p)))
			mac.Write(n[:])
			mac.Write(p)
		}
		return binary.BigEndian.Uint64(mac.Sum(nil))
	}()
	for range 3 {
		if got := h.Sum(labelVisitor, id); got != want {
			t.Fatalf("Sum = %x, want %x", got, want)
		}
	}
	if (Hasher{}).Sum(id) == h.Sum(id) {
		t.Fatal("the zero Hasher hashes as the keyed one")
	}
	if n := testing.AllocsPerRun(100, func() { h.Sum(labelVisitor, id) }); n != 0 && !raceDetector {
		t.Errorf("Sum allocates %.0f times", n)
	}
}
