// Package account holds the people who sign in, their roles, the password policy, sessions
// and the one-time setup of the first administrator. It imports neither gin nor mongo.
package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
)

// Role is a staff role; citizens hold none.
type Role string

const (
	RoleOfficer   Role = "officer"
	RoleWebmaster Role = "webmaster"
	RoleAdmin     Role = "administrator"
)

// Roles lists every staff role, in the order pages show them.
var Roles = []Role{RoleOfficer, RoleWebmaster, RoleAdmin}

// ValidRole reports whether r is a staff role.
func ValidRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is anyone who signs in. Email, Name, Phone and Address are personal data: the
// store keeps them sealed with the person's own key.
type User struct {
	ID      string
	Email   string
	Name    string
	Phone   string
	Address string
	Lang    string // language of the mail the person receives
	Roles   []Role

	PasswordHash string
	// PasswordHistory holds the hashes of the last passwords, newest first, the current
	// one included, so a change can refuse a recent one.
	PasswordHistory    []string
	PasswordChanged    time.Time
	MustChangePassword bool

	Created       time.Time
	EmailVerified bool
	Disabled      bool
	LastSignIn    time.Time
	// Contractor accounts always carry an expiry; sign-in is refused after it.
	Contractor bool
	Expires    time.Time
	// Restricted is when an approved request to stop processing took effect (PDPA Art.
	// 11): optional purposes withdrawn, no mail but about the person's own requests.
	// Only the person can lift it. Zero: no restriction.
	Restricted time.Time
	// Stopped holds the purposes an approved stop request restricted one by one (purpose
	// id → when), the rest of the relationship going on. Only the person lifts them.
	Stopped map[string]time.Time
	// Disputed lists the fields whose accuracy a pending correction request disputes
	// (Art. 11(2)): officers see them marked until the request is settled.
	Disputed []string

	// Version guards read-modify-write: Update fails with apperr.ErrStale when the stored
	// document has moved on.
	Version int64
}

// StoppedFor reports whether an approved stop restricts processing for purpose.
func (u *User) StoppedFor(purpose string) bool {
	_, ok := u.Stopped[purpose]
	return ok
}

// IsStaff reports whether the user holds any staff role.
func (u *User) IsStaff() bool { return len(u.Roles) > 0 }

// Expired reports whether a contractor account is past its expiry at now.
func (u *User) Expired(now time.Time) bool {
	return !u.Expires.IsZero() && !now.Before(u.Expires)
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Users is the user store. ByEmail is an _id lookup on a keyed hash of the address.
type Users interface {
	// Create stores a new user; apperr.ErrConflict if the e-mail is taken.
	Create(ctx context.Context, u *User) error
	ByID(ctx context.Context, id string) (*User, error)
	ByEmail(ctx context.Context, email string) (*User, error)
	// AdminExists reports whether any enabled administrator account exists.
	AdminExists(ctx context.Context) (bool, error)
	// Update writes u if its Version is still the stored one, and increments it;
	// apperr.ErrStale otherwise. The e-mail address cannot change this way.
	Update(ctx context.Context, u *User) error
	// Staff lists every account holding a staff role, disabled ones included.
	Staff(ctx context.Context) ([]*User, error)
}

// NormalizeEmail lower-cases and trims an address so one mailbox has one account.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateNewUser checks the fields every account needs.
func ValidateNewUser(email, name string) *apperr.Invalid {
	v := &apperr.Invalid{}
	email = NormalizeEmail(email)
	if email == "" {
		v.Add("email", "field.required")
	} else if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		v.Add("email", "email.invalid")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "field.required")
	} else if utf8.RuneCountInString(name) > 100 {
		v.Add("name", "field.too_long", 100)
	}
	return v
}

// TokenHash is what the database keeps of a secret token, so a leaked database does
// not leak usable links or sessions.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
