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
	// Browser and OS are the families of the browser that signed in ("chrome",
	// "windows"; empty when unknown), for the person to tell their sessions apart. Never
	// the User-Agent string or the address.
	Browser, OS string
}

// SessionPolicy holds the idle and absolute lifetimes. Staff sessions idle out sooner:
// they reach other people's data.
type SessionPolicy struct {
	Idle      time.Duration // citizens (default 2 hours)
	StaffIdle time.Duration // staff (default 30 minutes)
	Absolute  time.Duration // everyone (default 12 hours)
}

// DefaultSessionPolicy is the platform's policy.
var DefaultSessionPolicy = SessionPolicy{Idle: 2 * time.Hour, StaffIdle: 30 * time.Minute, Absolute: 12 * time.Hour}

// Valid reports whether s of a staff member or citizen may still be used at now.
func (p SessionPolicy) Valid(s *Session, staff bool, now time.Time) bool {
	idle := p.Idle
	if staff && p.StaffIdle > 0 {
		idle = p.StaffIdle
	}
	return now.Sub(s.LastSeen) < idle && now.Sub(s.Created) < p.Absolute
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
	SessionAdmin
}
