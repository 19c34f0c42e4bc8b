package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
)

// SetupLinkLifetime is how long the first-administrator link stays valid.
const SetupLinkLifetime = 24 * time.Hour

// SetupTokens stores hashes of the one-time links that create the first administrator.
type SetupTokens interface {
	Create(ctx context.Context, hash string, expires time.Time) error
	// Valid reports whether the hash exists, is unused and unexpired at now.
	Valid(ctx context.Context, hash string, now time.Time) (bool, error)
	// Use marks the token used; apperr.ErrNotFound if it is unknown, used or expired.
	Use(ctx context.Context, hash string, now time.Time) error
	// DeleteAll removes every token, once an administrator exists.
	DeleteAll(ctx context.Context) error
}

// Setup creates the first administrator, from the setup link or the command line.
type Setup struct {
	Users  Users
	Tokens SetupTokens
	Policy PasswordPolicy
	Now    func() time.Time
}

// ErrAdminExists: the portal is already set up; the link no longer works.
var ErrAdminExists = errors.New("an administrator already exists")

// NewLink issues a fresh setup token while no administrator exists. It returns "" when
// one does.
func (s *Setup) NewLink(ctx context.Context) (string, error) {
	exists, err := s.Users.AdminExists(ctx)
	if err != nil {
		return "", err
	}
	if exists {
		return "", s.Tokens.DeleteAll(ctx)
	}
	token := ids.Token(24)
	if err := s.Tokens.Create(ctx, TokenHash(token), s.Now().Add(SetupLinkLifetime)); err != nil {
		return "", err
	}
	return token, nil
}

// CheckLink reports whether a setup link may be used now.
func (s *Setup) CheckLink(ctx context.Context, token string) error {
	exists, err := s.Users.AdminExists(ctx)
	if err != nil {
		return err
	}
	if exists {
		return ErrAdminExists
	}
	ok, err := s.Tokens.Valid(ctx, TokenHash(token), s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("setup link: %w", apperr.ErrNotFound)
	}
	return nil
}

// Validate checks the new administrator's details against the account rules.
func (s *Setup) Validate(email, name, password string) *apperr.Invalid {
	v := ValidateNewUser(email, name)
	var inv *apperr.Invalid
	if errors.As(s.Policy.Check(password, email, name), &inv) {
		v.Problems = append(v.Problems, inv.Problems...)
	}
	return v
}

// CreateAdmin validates the input, spends the token (when token != "", i.e. from the web)
// and creates the administrator. Validation comes first so a typo does not burn the link.
func (s *Setup) CreateAdmin(ctx context.Context, token, email, name, password string) (*User, error) {
	if err := s.Validate(email, name, password).OrNil(); err != nil {
		return nil, err
	}
	if token != "" {
		if err := s.CheckLink(ctx, token); err != nil {
			return nil, err
		}
		if err := s.Tokens.Use(ctx, TokenHash(token), s.Now()); err != nil {
			return nil, err
		}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	u := &User{
		ID: ids.New("u"), Email: NormalizeEmail(email), Name: name, Roles: []Role{RoleAdmin},
		PasswordHash: hash, PasswordChanged: now, Created: now, EmailVerified: true,
	}
	if err := s.Users.Create(ctx, u); err != nil {
		return nil, err
	}
	if err := s.Tokens.DeleteAll(ctx); err != nil {
		return u, err
	}
	return u, nil
}
