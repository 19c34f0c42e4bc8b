// Package apperr names the kinds of failure the portal distinguishes. Stores and domain
// code return these (wrapped with %w); the handlers map them to status codes and pages in
// one place.
package apperr

import (
	"errors"
	"strings"
)

var (
	// ErrNotFound: the object does not exist (or the caller may not know it does).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value is already taken.
	ErrConflict = errors.New("conflict")
	// ErrStale: the object changed since it was read; the caller should reload.
	ErrStale = errors.New("stale")
	// ErrUnavailable: the database cannot be reached right now.
	ErrUnavailable = errors.New("database unavailable")
	// ErrStorageFull: the database has no room for a write (its disk, or its cap, is
	// full). Nothing was stored by the failed write; reads still work, and writes work
	// again as soon as space is freed, so it is a 503 and never a 500.
	ErrStorageFull = errors.New("storage full")
	// ErrForbidden: the caller may not do this.
	ErrForbidden = errors.New("forbidden")
)

// Invalid is input the user can fix. Keys are message-catalogue keys so the handler can
// show them in the user's language; Field names the form field, if any.
type Invalid struct {
	Problems []Problem
}

// Problem is one thing wrong with the input.
type Problem struct {
	Field string
	Key   string
	Args  []any
}

func (e *Invalid) Error() string {
	if len(e.Problems) == 0 {
		return "invalid input"
	}
	return "invalid input: " + e.Problems[0].Key
}

// Add appends a problem and returns the receiver so checks can chain.
func (e *Invalid) Add(field, key string, args ...any) *Invalid {
	e.Problems = append(e.Problems, Problem{Field: field, Key: key, Args: args})
	return e
}

// AddOnce adds a problem unless the field has one already: one message per field.
func (e *Invalid) AddOnce(field, key string, args ...any) *Invalid {
	for _, p := range e.Problems {
		if p.Field == field {
			return e
		}
	}
	return e.Add(field, key, args...)
}

// Join adds more's problems to e's, keeping one problem per field: what a form found
// itself (a date it could not read) comes first, the rules' findings after it.
func (e *Invalid) Join(more *Invalid) *Invalid {
	if more == nil {
		return e
	}
	seen := map[string]bool{}
	for _, p := range e.Problems {
		seen[p.Field] = true
	}
	for _, p := range more.Problems {
		if p.Field == "" || !seen[p.Field] {
			e.Problems = append(e.Problems, p)
			seen[p.Field] = true
		}
	}
	return e
}

// OrNil returns nil when nothing was added, so callers can `return v.OrNil()`.
func (e *Invalid) OrNil() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// IsStorageFull reports ErrStorageFull, or an error whose text is a full disk's (SQLite's
// "database or disk is full", the system's ENOSPC) that some path passed on without
// translating it: a full disk is never a 500.
func IsStorageFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrStorageFull) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "database or disk is full") || strings.Contains(msg, "SQLITE_FULL") ||
		strings.Contains(msg, "no space left on device")
}
