package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
)

// StaffInput is what an administrator sets on a staff account.
type StaffInput struct {
	Email      string // only when creating
	Name       string
	Roles      []Role
	Contractor bool
	Expires    time.Time // required for contractors
	Disabled   bool
}

// validateStaff checks roles and the contractor rule.
func (s *Service) validateStaff(in StaffInput, creating bool) *apperr.Invalid {
	v := &apperr.Invalid{}
	if creating {
		v = ValidateNewUser(in.Email, in.Name)
	} else if strings.TrimSpace(in.Name) == "" {
		v.Add("name", "field.required")
	}
	if len(in.Roles) == 0 {
		v.Add("roles", "staff.roles_required")
	}
	for _, r := range in.Roles {
		if !ValidRole(r) {
			v.Add("roles", "staff.role_unknown")
			break
		}
	}
	now := s.Now()
	switch {
	case in.Contractor && in.Expires.IsZero():
		v.Add("expires", "staff.expiry_required")
	case !in.Expires.IsZero() && !in.Expires.After(now):
		v.Add("expires", "staff.expiry_past")
	case !in.Expires.IsZero() && in.Expires.Sub(now) > MaxContractorTerm:
		v.Add("expires", "staff.expiry_too_far", int(MaxContractorTerm.Hours()/24))
	}
	return v
}

// CreateStaff opens a staff account with a temporary password, returned once for the
// administrator to hand over; it must be changed at first sign-in.
func (s *Service) CreateStaff(ctx context.Context, in StaffInput) (*User, string, error) {
	if err := s.validateStaff(in, true).OrNil(); err != nil {
		return nil, "", err
	}
	temp := s.temporaryPassword(in.Email, in.Name)
	hash, err := HashPassword(temp)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	u := &User{
		ID: ids.New("u"), Email: NormalizeEmail(in.Email), Name: strings.TrimSpace(in.Name), Roles: uniqueRoles(in.Roles),
		PasswordHash: hash, PasswordHistory: []string{hash}, PasswordChanged: now, MustChangePassword: true,
		Created: now, EmailVerified: true, Contractor: in.Contractor, Expires: in.Expires,
	}
	if err := s.Users.Create(ctx, u); err != nil {
		if isConflict(err) {
			return nil, "", (&apperr.Invalid{}).Add("email", "email.taken")
		}
		return nil, "", err
	}
	return u, temp, nil
}

func isConflict(err error) bool { return errors.Is(err, apperr.ErrConflict) }

// ErrOwnAccess: staff may not change their own roles, expiry or contractor status.
var ErrOwnAccess = fmt.Errorf("%w: own roles, expiry or contractor status", apperr.ErrForbidden)

// UpdateStaff changes a staff account's name, roles, expiry and state on behalf of the
// administrator by. An update that would leave no enabled administrator is refused.
// Disabling ends the person's sessions.
func (s *Service) UpdateStaff(ctx context.Context, by, id string, version int64, in StaffInput) (*User, error) {
	if err := s.validateStaff(in, false).OrNil(); err != nil {
		return nil, err
	}
	current, err := s.Users.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !current.IsStaff() {
		return nil, apperr.ErrNotFound
	}
	if current.Version != version {
		return nil, apperr.ErrStale
	}
	if by == id && accessChanged(current, in) {
		// Four eyes: otherwise a contractor administrator could lift their own expiry
		// or grant themselves every role.
		return nil, ErrOwnAccess
	}
	stillAdmin := slices.Contains(in.Roles, RoleAdmin) && !in.Disabled
	// An expiry is a removal on a later day: giving the last lasting administrator one
	// would leave the agency locked out that day, and two administrators could give
	// each other one.
	losesLasting := lastingAdmin(current.Roles, current.Disabled, current.Expires) && !lastingAdmin(in.Roles, in.Disabled, in.Expires)
	if current.Has(RoleAdmin) && !stillAdmin || losesLasting {
		// One administrator removal at a time, on every instance: two administrators
		// demoting each other at once must not both pass the check.
		release, err := s.holdAdminLease(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
		if err := s.keepOneAdmin(ctx, id, losesLasting); err != nil {
			return nil, err
		}
	}
	current.Name = strings.TrimSpace(in.Name)
	current.Roles = uniqueRoles(in.Roles)
	current.Contractor = in.Contractor
	current.Expires = in.Expires
	current.Disabled = in.Disabled
	if err := s.Users.Update(ctx, current); err != nil {
		return nil, err
	}
	if in.Disabled {
		if err := s.Sessions.DeleteForUser(ctx, id, ""); err != nil {
			return nil, err
		}
	}
	return current, nil
}

// accessChanged reports whether in changes u's roles, expiry or contractor status.
func accessChanged(u *User, in StaffInput) bool {
	return !slices.Equal(uniqueRoles(in.Roles), uniqueRoles(u.Roles)) || in.Contractor != u.Contractor || !in.Expires.Equal(u.Expires)
}

// Leases hands out short leases shared by every instance on the database.
type Leases interface {
	// Claim takes the named lease for holder until now+ttl when nobody holds it or it
	// has run out; false when someone else holds it.
	Claim(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error)
	// Release gives holder's lease up (nothing when it ran out and went to another).
	Release(ctx context.Context, name, holder string) error
}

const (
	adminLease = "admin-removal"
	// adminLeaseTTL outlasts a removal (a few reads and writes) many times over, and
	// frees the lease soon enough if its holder stops half-way.
	adminLeaseTTL = 5 * time.Second
	// adminLeaseWait bounds the wait for a removal running elsewhere; beyond it the
	// administrator is told the accounts changed meanwhile and saves again.
	adminLeaseWait = 3 * time.Second
)

// holdAdminLease claims the administrator-removal lease, waiting a bounded time for
// another holder, and returns its release. apperr.ErrStale when the wait runs out.
func (s *Service) holdAdminLease(ctx context.Context) (release func(), err error) {
	holder := ids.Token(12) // per claim: two removals on one instance must not share it
	pause, waited := 5*time.Millisecond, time.Duration(0)
	for {
		ok, err := s.Leases.Claim(ctx, adminLease, holder, adminLeaseTTL, s.Now())
		if err != nil {
			return nil, err
		}
		if ok {
			return func() { _ = s.Leases.Release(context.WithoutCancel(ctx), adminLease, holder) }, nil
		}
		// Counted in pauses, not by the clock, which tests may hold still.
		if waited >= adminLeaseWait {
			return nil, fmt.Errorf("administrator removal under way elsewhere: %w", apperr.ErrStale)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		waited += pause
		pause = min(pause*2, 200*time.Millisecond)
	}
}

// lastingAdmin reports whether an account with these roles, state and expiry is an
// administrator whose access does not run out.
func lastingAdmin(roles []Role, disabled bool, expires time.Time) bool {
	return slices.Contains(roles, RoleAdmin) && !disabled && expires.IsZero()
}

// keepOneAdmin fails when no enabled administrator other than id would remain; with
// lasting, when none would remain without an expiry.
func (s *Service) keepOneAdmin(ctx context.Context, id string, lasting bool) error {
	staff, err := s.Users.Staff(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, u := range staff {
		if u.ID != id && u.Has(RoleAdmin) && !u.Disabled && !u.Expired(now) && (!lasting || u.Expires.IsZero()) {
			return nil
		}
	}
	return (&apperr.Invalid{}).Add("roles", "staff.last_admin")
}

// Unlock clears the failed sign-ins of an account (an administrator's action).
func (s *Service) Unlock(ctx context.Context, id string) (*User, error) {
	u, err := s.Users.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.Guard.Clear(ctx, u.Email, ""); err != nil {
		return nil, err
	}
	_ = s.Mailer.Send(ctx, mail.Mail{UserID: u.ID, To: u.Email, Lang: u.Lang, Kind: MailUnlocked, Link: "/signin"})
	return u, nil
}

// ResetStaffPassword issues a new temporary password (a forgotten staff password).
func (s *Service) ResetStaffPassword(ctx context.Context, id string) (*User, string, error) {
	u, err := s.Users.ByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	temp := s.temporaryPassword(u.Email, u.Name)
	u, err = s.setPassword(ctx, id, temp, true, false)
	if err != nil {
		return nil, "", err
	}
	if err := s.Sessions.DeleteForUser(ctx, id, ""); err != nil {
		return nil, "", err
	}
	return u, temp, nil
}

func uniqueRoles(in []Role) []Role {
	var out []Role
	for _, r := range Roles {
		if slices.Contains(in, r) {
			out = append(out, r)
		}
	}
	return out
}

// temporaryPassword returns a temporary password that meets the configured policy for
// this person: at least its minimum length, and not containing their name or address
// (a random password contains a short name now and then; another is drawn).
func (s *Service) temporaryPassword(email, name string) string {
	length := max(16, s.Policy.MinLength)
	temp := randomPassword(length)
	for range 100 {
		if s.Policy.Check(temp, email, name) == nil {
			break
		}
		temp = randomPassword(length)
	}
	return temp
}

// TemporaryPassword returns a random 16-character password meeting the default policy,
// from an alphabet without look-alike characters, so it can be read out over the phone.
func TemporaryPassword() string { return randomPassword(16) }

// randomPassword returns length (at least 4) characters with one of each class.
func randomPassword(length int) string {
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnpqrstuvwxyz"
		digits = "23456789"
		symbol = "-_!#%+=?"
	)
	pick := func(set string) byte {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			panic(err)
		}
		return set[n.Int64()]
	}
	all := upper + lower + digits + symbol
	b := []byte{pick(upper), pick(lower), pick(digits), pick(symbol)}
	for len(b) < length {
		b = append(b, pick(all))
	}
	// Shuffle so the classes are not always in the same places.
	for i := len(b) - 1; i > 0; i-- {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		j := n.Int64()
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Review is one six-monthly review of the staff accounts.
type Review struct {
	ID           string
	ReviewerID   string
	ReviewerName string
	At           time.Time
	Accounts     int
	Note         string
}

// Reviews stores the account reviews.
type Reviews interface {
	Record(ctx context.Context, r *Review) error
	// List returns reviews newest first.
	List(ctx context.Context, limit int) ([]*Review, error)
}

// NextReviewDue is six months after the last review; with none, six months after the
// oldest staff account was created.
func NextReviewDue(last *Review, staff []*User) time.Time {
	if last != nil {
		return last.At.AddDate(0, ReviewInterval, 0)
	}
	var first time.Time
	for _, u := range staff {
		if first.IsZero() || u.Created.Before(first) {
			first = u.Created
		}
	}
	if first.IsZero() {
		return time.Time{}
	}
	return first.AddDate(0, ReviewInterval, 0)
}

// LockedAccount is a staff account whose sign-in is locked, and since when.
type LockedAccount struct {
	User  *User
	Since time.Time
}

// LockedStaff lists the locked staff accounts, for the administrators' home page: a
// lock may be someone else's doing, so administrators see it without looking.
func (s *Service) LockedStaff(ctx context.Context) ([]LockedAccount, error) {
	staff, err := s.Users.Staff(ctx)
	if err != nil {
		return nil, err
	}
	var out []LockedAccount
	for _, u := range staff {
		since, err := s.LockedSince(ctx, u.Email)
		if err != nil {
			return nil, err
		}
		if !since.IsZero() && !u.Disabled {
			out = append(out, LockedAccount{User: u, Since: since})
		}
	}
	slices.SortFunc(out, func(a, b LockedAccount) int { return b.Since.Compare(a.Since) })
	return out, nil
}
