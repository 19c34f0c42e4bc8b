// Package ids makes the portal's random identifiers and tokens, in one way: records'
// ids, secret tokens for links and sessions, and the hex ids of log lines and batches.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// New returns a random identifier with a short type prefix ("u_…", "m_…"): 80 bits, so
// ids made by several instances never need coordinating.
func New(prefix string) string {
	return prefix + "_" + Token(10)
}

// Token returns n random bytes as lower-case base32 without padding.
func Token(n int) string {
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(Bytes(n)))
}

// Hex returns n random bytes in hex (request ids in the log, analytics batch names).
func Hex(n int) string { return hex.EncodeToString(Bytes(n)) }

// Bytes returns n random bytes.
func Bytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure means the system is unusable
	}
	return b
}
