package account

import (
	"context"
	"time"
)

// Session is a signed-in browser. Its ID in the database is the hash of the random
// token held in the (securecookie-encoded) cookie.
type Session struct {
	ID       string
	UserID   string
	Created  time.Time
	LastSeen time.Time
}

// SessionPolicy holds the idle and absolute lifetimes.
type SessionPolicy struct {
	Idle     time.Duration
	Absolute time.Duration
}

// Valid reports whether s may still be used at now.
func (p SessionPolicy) Valid(s *Session, now time.Time) bool {
	return now.Sub(s.LastSeen) < p.Idle && now.Sub(s.Created) < p.Absolute
}

// touchEvery limits writes: the last-seen time is refreshed at most once a minute.
const touchEvery = time.Minute

// NeedsTouch reports whether LastSeen should be written again.
func (p SessionPolicy) NeedsTouch(s *Session, now time.Time) bool {
	return now.Sub(s.LastSeen) >= touchEvery
}

// Sessions is the session store; all lookups are by _id.
type Sessions interface {
	Create(ctx context.Context, s *Session) error
	Get(ctx context.Context, id string) (*Session, error)
	Touch(ctx context.Context, id string, at time.Time) error
	Delete(ctx context.Context, id string) error
}
