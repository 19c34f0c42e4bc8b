package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/example/pdpa-portal/apperr"
)

// MinPasswordLength is the agency's floor (seed 001): configuration may raise it, never lower it.
const MinPasswordLength = 8

// maxPasswordLength bounds hashing cost for hostile input.
const maxPasswordLength = 256

// PasswordPolicy checks new passwords against the platform's account policy.
type PasswordPolicy struct {
	MinLength int
}

// Check returns an *apperr.Invalid naming every rule the password breaks.
func (p PasswordPolicy) Check(password, email, name string) error {
	minLen := max(p.MinLength, MinPasswordLength)
	v := &apperr.Invalid{}
	n := utf8.RuneCountInString(password)
	if n < minLen {
		v.Add("password", "password.too_short", minLen)
	}
	if n > maxPasswordLength {
		v.Add("password", "password.too_long", maxPasswordLength)
	}
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ':
			symbol = true
		}
	}
	if !upper || !lower || !digit || !symbol {
		v.Add("password", "password.classes")
	}
	lp := strings.ToLower(password)
	if e := strings.ToLower(strings.TrimSpace(email)); e != "" {
		local, _, _ := strings.Cut(e, "@")
		if lp == e || (len(local) >= 4 && strings.Contains(lp, local)) {
			v.Add("password", "password.contains_email")
		}
	}
	if nm := strings.ToLower(strings.TrimSpace(name)); utf8.RuneCountInString(nm) >= 2 && strings.Contains(lp, nm) {
		v.Add("password", "password.contains_name")
	}
	return v.OrNil()
}

// argon2id parameters (RFC 9106 second recommendation, memory-constrained).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// cheapHashes makes HashPassword use argon2id's least cost (CheapHashesInTests).
var cheapHashes atomic.Bool

// CheapHashesInTests makes HashPassword write hashes of argon2id's least cost (one pass
// over 64 KiB) when on, and of the real cost when off. A test binary that creates and
// signs in people hundreds of times otherwise spends most of its time hashing. It panics
// outside a test binary, so a portal can never weaken its hashes. VerifyPassword reads
// the cost from each hash, so hashes of either cost verify whatever the setting.
func CheapHashesInTests(on bool) {
	if !testing.Testing() {
		panic("account.CheapHashesInTests called outside a test")
	}
	cheapHashes.Store(on)
}

// HashPassword returns a PHC-formatted argon2id hash.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	t, mem, threads := uint32(argonTime), uint32(argonMemory), uint8(argonThreads)
	if cheapHashes.Load() {
		t, mem, threads = 1, 64, 1
	}
	key := idKey([]byte(password), salt, t, mem, threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, mem, t, threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches a hash made by HashPassword, in
// constant time for the key comparison.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem uint32
	var t uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &threads); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	// Parameters beyond any this portal writes are refused, not computed: argon2 panics
	// on zero rounds or threads, and a damaged hash could ask for unbounded time or memory.
	if err != nil || len(want) == 0 || len(want) > 64 || t == 0 || t > 16 || threads == 0 || mem > 1<<21 {
		return false
	}
	got := idKey([]byte(password), salt, t, mem, threads, uint32(len(want))) // #nosec G115 -- at most 64, checked above
	return subtle.ConstantTimeCompare(got, want) == 1
}

// HashSlots is how many argon2id hashes run at once in this process. Each holds 64 MiB
// while it runs, so a flood of sign-ins waits its turn here instead of taking the
// process's memory: at most HashSlots × 64 MiB on top of the portal's own.
const HashSlots = 2

var (
	hashSlots   = make(chan struct{}, HashSlots)
	hashRunning atomic.Int32 // for the test: how many hold a slot
	hashPeak    atomic.Int32 // the most that ever held one at once
)

// idKey is argon2.IDKey behind the process's hash slots. A finished hash's memory is
// collected at once: otherwise the heap, grown by the hash, lets the next one take
// another 64 MiB before a collection (two sign-ins in a row peaked at 205 MiB). The
// last one out also gives the memory back to the system, so an idle portal stays small,
// and a hash starting alone first returns what pages left behind, so its 64 MiB come on
// top of the live heap rather than of the garbage a busy moment left.
func idKey(password, salt []byte, t, mem uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	n := hashRunning.Add(1)
	// Collecting costs milliseconds: worth it only for a hash of real size (not the
	// tests' cheap ones, which would pay it thousands of times).
	big := mem >= 16*1024
	if n == 1 && big {
		debug.FreeOSMemory()
	}
	for {
		p := hashPeak.Load()
		if n <= p || hashPeak.CompareAndSwap(p, n) {
			break
		}
	}
	key := argon2.IDKey(password, salt, t, mem, threads, keyLen)
	last := hashRunning.Add(-1) == 0
	<-hashSlots
	switch {
	case !big:
	case last:
		debug.FreeOSMemory()
	default:
		runtime.GC()
	}
	return key
}
