// Package account holds the people who sign in, their roles, the password policy, sessions
// and the one-time setup of the first administrator. It imports neither gin nor mongo.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
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

// User is anyone who signs in.
type User struct {
	ID              string
	Email           string
	Name            string
	Roles           []Role
	PasswordHash    string
	PasswordChanged time.Time
	Created         time.Time
	EmailVerified   bool
	Disabled        bool
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

// NewID returns a random identifier with a short type prefix.
func NewID(prefix string) string {
	return prefix + "_" + RandomToken(10)
}

// RandomToken returns n random bytes as lower-case base32 without padding.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure means the system is unusable
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// TokenHash is what the database keeps of a secret token, so a leaked database does
// not leak usable links or sessions.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
