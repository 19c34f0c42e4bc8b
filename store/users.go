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
	"github.com/example/pdpa-portal/vault"
)

// Users implements account.Users. Sign-in looks an address up by _id in user_emails,
// keyed by an HMAC of the address, so it never scans and the key reveals no address.
type Users struct {
	db    *DB
	key   []byte
	vault *vault.Vault
}

var _ account.Users = (*Users)(nil)

// NewUsers returns the user store; emailKey keys the address hash, and the e-mail
// address and name are stored sealed with the person's data key.
func NewUsers(db *DB, emailKey []byte, v *vault.Vault) *Users {
	return &Users{db: db, key: emailKey, vault: v}
}

type userDoc struct {
	ID              string    `bson:"_id"`
	Email           []byte    `bson:"email"` // sealed
	EmailKey        string    `bson:"email_key"`
	Name            []byte    `bson:"name"` // sealed
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
	sealer, err := s.vault.NewSubject(ctx, u.ID)
	if err != nil {
		_, _ = s.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: u.ID}})
		return fmt.Errorf("create user: %w", err)
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	doc := userDoc{
		ID: u.ID, Email: sealer.Seal("email", account.NormalizeEmail(u.Email)), EmailKey: key, Name: sealer.Seal("name", u.Name), Roles: roles,
		PasswordHash: u.PasswordHash, PasswordChanged: u.PasswordChanged.UTC(), Created: u.Created.UTC(),
		EmailVerified: u.EmailVerified, Disabled: u.Disabled,
	}
	if _, err := s.db.coll(collUsers).InsertOne(ctx, doc); err != nil {
		_, _ = s.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: u.ID}})
		_ = s.vault.Destroy(ctx, u.ID)
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
	return s.toDomain(ctx, &d)
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

func (s *Users) toDomain(ctx context.Context, d *userDoc) (*account.User, error) {
	sealer, err := s.vault.For(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	email, err := sealer.Open("email", d.Email)
	if err != nil {
		return nil, err
	}
	name, err := sealer.Open("name", d.Name)
	if err != nil {
		return nil, err
	}
	roles := make([]account.Role, len(d.Roles))
	for i, r := range d.Roles {
		roles[i] = account.Role(r)
	}
	return &account.User{
		ID: d.ID, Email: email, Name: name, Roles: roles, PasswordHash: d.PasswordHash,
		PasswordChanged: d.PasswordChanged, Created: d.Created, EmailVerified: d.EmailVerified, Disabled: d.Disabled,
	}, nil
}
