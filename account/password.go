package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
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
	key := argon2.IDKey([]byte(password), salt, t, mem, threads, argonKeyLen)
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
	got := argon2.IDKey([]byte(password), salt, t, mem, threads, uint32(len(want))) // #nosec G115 -- at most 64, checked above
	return subtle.ConstantTimeCompare(got, want) == 1
}
