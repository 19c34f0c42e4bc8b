package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

// Users implements account.Users. Sign-in looks an address up by _id in user_emails,
// keyed by an HMAC of the address, so it never scans and the key reveals no address.
type Users struct {
	db  *DB
	key []byte
}

var _ account.Users = (*Users)(nil)

// NewUsers returns the user store; emailKey keys the address hash.
func NewUsers(db *DB, emailKey []byte) *Users { return &Users{db: db, key: emailKey} }

type userDoc struct {
	ID              string    `bson:"_id"`
	Email           string    `bson:"email"`
	EmailKey        string    `bson:"email_key"`
	Name            string    `bson:"name"`
	Roles           []string  `bson:"roles"`
	PasswordHash    string    `bson:"password_hash"`
	PasswordChanged time.Time `bson:"password_changed"`
	Created         time.Time `bson:"created"`
	EmailVerified   bool      `bson:"email_verified"`
	Disabled        bool      `bson:"disabled"`
}

type emailDoc struct {
	Key    string `bson:"_id"`
	UserID string `bson:"user_id"`
}

func (s *Users) emailKey(email string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(account.NormalizeEmail(email)))
	return hex.EncodeToString(m.Sum(nil))
}

// Create claims the address first (its _id is unique), then writes the user. If the
// second write fails the claim is released, so the address can be used again.
func (s *Users) Create(ctx context.Context, u *account.User) error {
	key := s.emailKey(u.Email)
	if _, err := s.db.coll(collEmails).InsertOne(ctx, emailDoc{Key: key, UserID: u.ID}); err != nil {
		return fmt.Errorf("claim e-mail: %w", translate(err))
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	doc := userDoc{
		ID: u.ID, Email: account.NormalizeEmail(u.Email), EmailKey: key, Name: u.Name, Roles: roles,
		PasswordHash: u.PasswordHash, PasswordChanged: u.PasswordChanged.UTC(), Created: u.Created.UTC(),
		EmailVerified: u.EmailVerified, Disabled: u.Disabled,
	}
	if _, err := s.db.coll(collUsers).InsertOne(ctx, doc); err != nil {
		_, _ = s.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: u.ID}})
		return fmt.Errorf("create user: %w", translate(err))
	}
	return nil
}

// ByID returns a user by id.
func (s *Users) ByID(ctx context.Context, id string) (*account.User, error) {
	var d userDoc
	if err := s.db.coll(collUsers).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("user %s: %w", id, translate(err))
	}
	return d.toDomain(), nil
}

// ByEmail returns the user holding an address.
func (s *Users) ByEmail(ctx context.Context, email string) (*account.User, error) {
	var e emailDoc
	if err := s.db.coll(collEmails).FindOne(ctx, bson.D{{Key: "_id", Value: s.emailKey(email)}}).Decode(&e); err != nil {
		return nil, fmt.Errorf("user by e-mail: %w", translate(err))
	}
	u, err := s.ByID(ctx, e.UserID)
	if errors.Is(err, apperr.ErrNotFound) {
		// A claim without its user is the trace of an interrupted Create.
		return nil, fmt.Errorf("user by e-mail: %w", apperr.ErrNotFound)
	}
	return u, err
}

// AdminExists reports whether an enabled administrator exists. It scans the users
// collection on the embedded engine, so it runs only at start-up and on the setup page.
func (s *Users) AdminExists(ctx context.Context) (bool, error) {
	filter := bson.D{{Key: "roles", Value: string(account.RoleAdmin)}, {Key: "disabled", Value: false}}
	err := s.db.coll(collUsers).FindOne(ctx, filter).Err()
	switch err = translate(err); {
	case err == nil:
		return true, nil
	case errors.Is(err, apperr.ErrNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("look for an administrator: %w", err)
	}
}

func (d *userDoc) toDomain() *account.User {
	roles := make([]account.Role, len(d.Roles))
	for i, r := range d.Roles {
		roles[i] = account.Role(r)
	}
	return &account.User{
		ID: d.ID, Email: d.Email, Name: d.Name, Roles: roles, PasswordHash: d.PasswordHash,
		PasswordChanged: d.PasswordChanged, Created: d.Created, EmailVerified: d.EmailVerified, Disabled: d.Disabled,
	}
}
