// Package apitoken holds the bearer tokens the agency's other systems use to call the
// portal's API: what a token may do (its scopes), its life (issued, last used, revoked)
// and how one is made. Only the SHA-256 of a token is stored (account.TokenHash), so a
// leaked database does not leak a usable token; the token itself is shown once, when an
// administrator issues it.
//
// The package imports neither gin nor mongo.
package apitoken

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
)

// Scope is one thing a token may do.
type Scope string

// ScopeConsentRead allows looking up whether a person consents to a purpose.
const ScopeConsentRead Scope = "consent:read"

// ScopeRequestsRead allows reading the request queue and any request's status.
const ScopeRequestsRead Scope = "requests:read"

// ScopeRecordsRead allows reading the disclosure register and the inventory of files.
const ScopeRecordsRead Scope = "records:read"

// Scopes lists every scope an administrator may grant, in the order the form shows them.
var Scopes = []Scope{ScopeConsentRead, ScopeRequestsRead, ScopeRecordsRead}

// Known reports whether s is one of Scopes.
func Known(s Scope) bool {
	for _, k := range Scopes {
		if k == s {
			return true
		}
	}
	return false
}

// Prefix starts every token, so a leaked one is easy to recognise (secret scanners) and
// a token is never mistaken for a session or a link.
const Prefix = "pdpa_"

// MaxLen is the longest token worth looking up; anything longer is not one of ours.
const MaxLen = 100

// TouchEvery is how stale LastUsed may get: a busy token is written at most this often.
const TouchEvery = time.Minute

// MaxName is the longest token name, in characters.
const MaxName = 100

// Token is an issued API token, as stored: never the token itself.
type Token struct {
	Hash      string // account.TokenHash of the token; the key
	Name      string // what the administrator called it (the calling system)
	Scopes    []Scope
	Created   time.Time
	CreatedBy string    // user id of the administrator who issued it
	RevokedAt time.Time // zero while the token works
	LastUsed  time.Time // zero if never used
}

// Has reports whether the token carries scope s.
func (t *Token) Has(s Scope) bool {
	for _, x := range t.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// Revoked reports whether the token was revoked.
func (t *Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// NeedsTouch reports whether LastUsed should be written for a use at now.
func (t *Token) NeedsTouch(now time.Time) bool { return now.Sub(t.LastUsed) >= TouchEvery }

// Ref names a token on pages and in forms: a prefix of its hash, never the token.
func (t *Token) Ref() string { return t.Hash[:16] }

// Store keeps tokens by their hash.
type Store interface {
	// Create stores a new token; apperr.ErrConflict if the hash exists.
	Create(ctx context.Context, t *Token) error
	// Get returns the token with hash; apperr.ErrNotFound if there is none.
	Get(ctx context.Context, hash string) (*Token, error)
	// List returns every token, newest first.
	List(ctx context.Context) ([]*Token, error)
	// Revoke marks the token revoked at at; revoking a revoked token changes nothing.
	// apperr.ErrNotFound if there is none.
	Revoke(ctx context.Context, hash string, at time.Time) error
	// Touch records a use at at.
	Touch(ctx context.Context, hash string, at time.Time) error
}

// Generate returns a new random token: Prefix and 32 random bytes (256 bits).
func Generate() string { return Prefix + ids.Token(32) }

// Plausible reports whether s looks like a token Generate made, so junk is refused
// without a database look-up.
func Plausible(s string) bool {
	return strings.HasPrefix(s, Prefix) && len(s) > len(Prefix) && len(s) <= MaxLen
}

// Issue checks the request, stores a new token and returns it: the token itself, to be
// shown once, and what is stored of it. Problems use catalogue keys the form shows.
func Issue(ctx context.Context, st Store, name string, scopes []Scope, by string, now time.Time) (string, *Token, error) {
	inv := &apperr.Invalid{}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		inv.Add("name", "field.required")
	case utf8.RuneCountInString(name) > MaxName:
		inv.Add("name", "field.too_long", MaxName)
	}
	if len(scopes) == 0 {
		inv.Add("scopes", "tokens.scopes_required")
	}
	seen := map[Scope]bool{}
	var clean []Scope
	for _, s := range scopes {
		if !Known(s) {
			inv.Add("scopes", "tokens.scope_unknown")
			break
		}
		if !seen[s] {
			seen[s] = true
			clean = append(clean, s)
		}
	}
	if err := inv.OrNil(); err != nil {
		return "", nil, err
	}
	secret := Generate()
	t := &Token{Hash: account.TokenHash(secret), Name: name, Scopes: clean, Created: now.UTC(), CreatedBy: by}
	if err := st.Create(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}
