package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
)

// The platform's account rules (DOMAIN.md, seeds 001 and 002).
const (
	MaxFailedSignIns      = 3
	StaffPasswordMaxAge   = 90 * 24 * time.Hour
	PasswordHistoryLength = 3
	VerifyLinkLifetime    = 24 * time.Hour
	ResetLinkLifetime     = 30 * time.Minute
	ReviewInterval        = 6 // months between staff account reviews
	// MaxContractorTerm bounds a contractor account: never long-term.
	MaxContractorTerm = 366 * 24 * time.Hour
)

// Token purposes.
const (
	PurposeVerify = "verify"
	PurposeReset  = "reset"
	// PurposeUnlock is a one-time code an administrator gives a locked staff member,
	// who enters it with a reset link: the mailbox and the administrator together
	// unlock the account.
	PurposeUnlock = "unlock"
)

// UnlockCodeLifetime bounds an unlock code an administrator issued.
const UnlockCodeLifetime = 7 * 24 * time.Hour

// SignInPairWindow: the failures from one client address for one e-mail address are
// forgotten this long after the last of them.
const SignInPairWindow = 24 * time.Hour

// SignInDelay is how long a client address must wait before trying an e-mail address
// again after failing pairFailures times with it: nothing after the first failure, a
// minute before the third strike, then eight times longer each time, up to an hour.
func SignInDelay(pairFailures int) time.Duration {
	if pairFailures < 2 {
		return 0
	}
	d := time.Minute
	for i := 2; i < pairFailures && d < time.Hour; i++ {
		d *= 8
	}
	return min(d, time.Hour)
}

// TooSoon refuses a sign-in attempt made before the address's delay has passed.
type TooSoon struct{ Wait time.Duration }

func (e *TooSoon) Error() string { return fmt.Sprintf("sign-in attempt too soon: wait %s", e.Wait) }

// Token is a single-use link sent by mail; the store keeps only its hash.
type Token struct {
	Hash    string
	Purpose string
	UserID  string
	Expires time.Time
}

// Tokens stores single-use tokens.
type Tokens interface {
	Create(ctx context.Context, t *Token) error
	// Use spends a token atomically and returns it; apperr.ErrNotFound when it is
	// unknown, already used, expired at now, or for another purpose.
	Use(ctx context.Context, hash, purpose string, now time.Time) (*Token, error)
	// Peek returns a usable token without spending it.
	Peek(ctx context.Context, hash, purpose string, now time.Time) (*Token, error)
	// DeleteFor removes a person's unspent tokens of a purpose (a newer link replaces them).
	DeleteFor(ctx context.Context, userID, purpose string) error
}

// Guard counts failed sign-ins per e-mail address (consecutive, for the lock) and per
// e-mail address and client address (recent, for the delay), whether or not an
// account holds the address, so that neither reveals which addresses have accounts.
type Guard interface {
	// Fail records a failure from a client address ("" for none) and returns the
	// consecutive count for the e-mail address and the recent count from the client.
	// Each count is set atomically: exactly one caller sees each value.
	Fail(ctx context.Context, email, from string, now time.Time) (failures, fromClient int, err error)
	// Failures returns the consecutive count and the time of the last failure.
	Failures(ctx context.Context, email string) (int, time.Time, error)
	// FromClient returns the failures from a client address within SignInPairWindow
	// of now, and the time of the last.
	FromClient(ctx context.Context, email, from string, now time.Time) (int, time.Time, error)
	// Clear forgets the consecutive failures and, when from is set, the client's.
	Clear(ctx context.Context, email, from string) error
}

// Mail kinds.
const (
	MailVerify       = "verify"
	MailSignupExists = "signup_exists"
	MailReset        = "reset"
	MailPasswordSet  = "password_changed"
	MailUnlocked     = "unlocked"
	MailStaffLocked  = "staff_locked"
)

// Mailer queues mail in the outbox.
type Mailer interface {
	Send(ctx context.Context, m mail.Mail) error
}

// Sessions beyond the basics: listing and revoking a person's sessions.
type SessionAdmin interface {
	ForUser(ctx context.Context, userID string) ([]*Session, error)
	// DeleteForUser ends every session of a user except keep ("" keeps none).
	DeleteForUser(ctx context.Context, userID, keep string) error
	// Delete ends one session; one already gone is not an error.
	Delete(ctx context.Context, id string) error
}

// Errors of signing in. ErrBadCredentials and ErrLocked are the only answers for an
// address that has no account, so neither reveals whether one exists.
var (
	ErrBadCredentials = errors.New("wrong e-mail address or password")
	ErrLocked         = errors.New("account locked after failed sign-ins")
	ErrDisabled       = errors.New("account disabled")
	ErrExpired        = errors.New("contractor account expired")
)

// Service applies the account rules.
type Service struct {
	Users    Users
	Tokens   Tokens
	Guard    Guard
	Sessions SessionAdmin
	Reviews  Reviews
	Mailer   Mailer
	// Leases serialise the removals of administrators across instances.
	Leases Leases
	Policy PasswordPolicy
	Now    func() time.Time

	dummyOnce sync.Once
	dummyHash string
}

// dummy is a hash verified when no account matches, so that answer takes as long as
// a real check. Concurrent first sign-ins may all ask for it: it is made once.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = HashPassword(ids.Token(16))
	})
	return s.dummyHash
}

// Init prepares what must exist before the first request (the timing-equaliser hash).
func (s *Service) Init() { s.dummy() }

// SignUp is a citizen's registration.
type SignUp struct {
	Email    string
	Name     string
	Password string
	Lang     string
	// OnCreated runs once the new account exists, before its verification mail (the
	// consent decisions made on the same form are recorded here).
	OnCreated func(ctx context.Context, u *User) error
}

// Validate checks a registration against the account rules.
func (s *Service) Validate(su SignUp) *apperr.Invalid {
	v := ValidateNewUser(su.Email, su.Name)
	var inv *apperr.Invalid
	if errors.As(s.Policy.Check(su.Password, su.Email, su.Name), &inv) {
		v.Problems = append(v.Problems, inv.Problems...)
	}
	return v
}

// Register creates a citizen account and mails a verification link. If the address
// already has an account, that account's holder is told instead and the caller sees
// the same outcome, so the form cannot be used to find out who has an account.
func (s *Service) Register(ctx context.Context, su SignUp) error {
	if err := s.Validate(su).OrNil(); err != nil {
		return err
	}
	// Hash first on both paths: the answer takes as long either way.
	hash, err := HashPassword(su.Password)
	if err != nil {
		return err
	}
	now := s.Now()
	u := &User{
		ID: ids.New("u"), Email: NormalizeEmail(su.Email), Name: strings.TrimSpace(su.Name), Lang: su.Lang,
		PasswordHash: hash, PasswordHistory: []string{hash}, PasswordChanged: now, Created: now,
	}
	err = s.Users.Create(ctx, u)
	if errors.Is(err, apperr.ErrConflict) {
		existing, err := s.Users.ByEmail(ctx, su.Email)
		if err != nil {
			return err
		}
		return s.Mailer.Send(ctx, mail.Mail{UserID: existing.ID, To: existing.Email, Lang: mailLang(existing, su.Lang), Kind: MailSignupExists, Link: "/signin"})
	}
	if err != nil {
		return err
	}
	if su.OnCreated != nil {
		if err := su.OnCreated(ctx, u); err != nil {
			return err
		}
	}
	return s.sendVerify(ctx, u)
}

func mailLang(u *User, fallback string) string {
	if u.Lang != "" {
		return u.Lang
	}
	return fallback
}

func (s *Service) sendVerify(ctx context.Context, u *User) error {
	token := ids.Token(24)
	if err := s.Tokens.DeleteFor(ctx, u.ID, PurposeVerify); err != nil {
		return err
	}
	if err := s.Tokens.Create(ctx, &Token{Hash: TokenHash(token), Purpose: PurposeVerify, UserID: u.ID, Expires: s.Now().Add(VerifyLinkLifetime)}); err != nil {
		return err
	}
	return s.Mailer.Send(ctx, mail.Mail{UserID: u.ID, To: u.Email, Lang: u.Lang, Kind: MailVerify, Link: "/verify?token=" + token})
}

// ResendVerification mails a new link to a signed-in person whose address is unverified.
func (s *Service) ResendVerification(ctx context.Context, u *User) error {
	if u.EmailVerified {
		return nil
	}
	return s.sendVerify(ctx, u)
}

// ResendVerificationTo mails a new link to the address if it has an account still
// awaiting verification; the caller shows the same answer either way, so the form
// reveals no accounts.
func (s *Service) ResendVerificationTo(ctx context.Context, email string) error {
	u, err := s.Users.ByEmail(ctx, NormalizeEmail(email))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Disabled || u.EmailVerified {
		return nil
	}
	return s.sendVerify(ctx, u)
}

// Verify spends a verification link and marks the address verified.
func (s *Service) Verify(ctx context.Context, token string) (*User, error) {
	t, err := s.useToken(ctx, token, PurposeVerify)
	if err != nil {
		return nil, err
	}
	return s.modify(ctx, t.UserID, func(u *User) error {
		u.EmailVerified = true
		return nil
	})
}

func (s *Service) useToken(ctx context.Context, token, purpose string) (*Token, error) {
	if token == "" || len(token) > 100 {
		return nil, fmt.Errorf("token: %w", apperr.ErrNotFound)
	}
	return s.Tokens.Use(ctx, TokenHash(token), purpose, s.Now())
}

// SignIn checks an address and password with no client address known: only the
// consecutive failures count.
func (s *Service) SignIn(ctx context.Context, email, password string) (*User, error) {
	return s.SignInFrom(ctx, email, password, "")
}

// SignInFrom checks an address and password sent from a client address. Every path
// that checks a password verifies one argon2id hash and writes at most one guard
// record per counter, so timing does not tell accounts from strangers. A client that
// failed recently waits (TooSoon) before its next attempt; the wait depends only on
// the counters, which exist for strangers too. Disabled and expired accounts are
// reported only to someone who knows the password.
func (s *Service) SignInFrom(ctx context.Context, email, password, from string) (*User, error) {
	email = NormalizeEmail(email)
	if email == "" || len(email) > 254 || len(password) > maxPasswordLength {
		VerifyPassword(s.dummy(), password)
		return nil, ErrBadCredentials
	}
	failures, _, err := s.Guard.Failures(ctx, email)
	if err != nil {
		return nil, err
	}
	if failures >= MaxFailedSignIns {
		VerifyPassword(s.dummy(), password)
		return nil, ErrLocked
	}
	if from != "" {
		n, last, err := s.Guard.FromClient(ctx, email, from, s.Now())
		if err != nil {
			return nil, err
		}
		if wait := last.Add(SignInDelay(n)).Sub(s.Now()); wait > 0 {
			// Refused before the password is looked at: a guess made too soon is no guess.
			return nil, &TooSoon{Wait: wait}
		}
	}
	u, err := s.Users.ByEmail(ctx, email)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return nil, err
	}
	hash := s.dummy()
	if u != nil {
		hash = u.PasswordHash
	}
	ok := VerifyPassword(hash, password) && u != nil
	if !ok {
		now := s.Now()
		n, _, err := s.Guard.Fail(ctx, email, from, now)
		if err != nil {
			return nil, err
		}
		if n < MaxFailedSignIns {
			return nil, ErrBadCredentials
		}
		if n == MaxFailedSignIns && u != nil && u.IsStaff() {
			s.tellLocked(ctx, u, now)
		}
		return nil, ErrLocked
	}
	if failures > 0 || from != "" {
		if err := s.Guard.Clear(ctx, email, from); err != nil {
			return nil, err
		}
	}
	now := s.Now()
	switch {
	case u.Disabled:
		return nil, ErrDisabled
	case u.Expired(now):
		return nil, ErrExpired
	}
	mark := func(u *User) error {
		u.LastSignIn = now
		if u.IsStaff() && now.Sub(u.PasswordChanged) >= StaffPasswordMaxAge {
			u.MustChangePassword = true
		}
		return nil
	}
	signedIn, err := s.modify(ctx, u.ID, mark)
	if apperr.IsStorageFull(err) {
		// With the disk full only the last sign-in time is lost: the person who knows
		// the password is let in (with the forced password change applied in memory).
		_ = mark(u)
		return u, nil
	}
	return signedIn, err
}

// tellLocked mails a staff member whose account just locked: anyone can lock a staff
// account by guessing, so its holder must hear of it (and how to get back in). The
// guard's atomic count means one request sees the lock; the mail's ID makes a retry
// harmless. A failure to queue it does not change the answer.
func (s *Service) tellLocked(ctx context.Context, u *User, at time.Time) {
	_ = s.Mailer.Send(ctx, mail.Mail{ID: "staff-locked:" + u.ID + ":" + at.UTC().Format(time.RFC3339Nano), UserID: u.ID, To: u.Email,
		Lang: u.Lang, Kind: MailStaffLocked, Link: "/forgot", Args: []mail.Arg{mail.Time(at.UTC().Format(time.RFC3339))}})
}

// Locked reports whether sign-in is locked for an address.
func (s *Service) Locked(ctx context.Context, email string) (bool, error) {
	n, _, err := s.Guard.Failures(ctx, email)
	return n >= MaxFailedSignIns, err
}

// LockedSince reports when sign-in locked for an address (zero when it is not locked).
func (s *Service) LockedSince(ctx context.Context, email string) (time.Time, error) {
	n, last, err := s.Guard.Failures(ctx, email)
	if err != nil || n < MaxFailedSignIns {
		return time.Time{}, err
	}
	return last, nil
}

// RequestReset mails a reset link valid 30 minutes if the address has an account; the
// caller shows the same answer either way.
func (s *Service) RequestReset(ctx context.Context, email, lang string) error {
	email = NormalizeEmail(email)
	u, err := s.Users.ByEmail(ctx, email)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	token := ids.Token(24)
	if err := s.Tokens.DeleteFor(ctx, u.ID, PurposeReset); err != nil {
		return err
	}
	if err := s.Tokens.Create(ctx, &Token{Hash: TokenHash(token), Purpose: PurposeReset, UserID: u.ID, Expires: s.Now().Add(ResetLinkLifetime)}); err != nil {
		return err
	}
	return s.Mailer.Send(ctx, mail.Mail{UserID: u.ID, To: u.Email, Lang: mailLang(u, lang), Kind: MailReset, Link: "/reset?token=" + token, Args: []mail.Arg{mail.Num(int(ResetLinkLifetime.Minutes()))}})
}

// CheckReset reports whether a reset link is still usable, without spending it.
func (s *Service) CheckReset(ctx context.Context, token string) error {
	if token == "" || len(token) > 100 {
		return fmt.Errorf("token: %w", apperr.ErrNotFound)
	}
	_, err := s.Tokens.Peek(ctx, TokenHash(token), PurposeReset, s.Now())
	return err
}

// ResetPassword spends a reset link and sets a new password. Completing it unlocks a
// citizen's account (the mailbox proved who they are) and proves the address; staff
// stay locked until an administrator unlocks them. Every session ends.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*User, error) {
	return s.ResetPasswordWithCode(ctx, token, password, "")
}

// ResetPasswordWithCode is ResetPassword with a staff member's unlock code: a valid
// code an administrator issued for the same account unlocks it too (the reset link
// proves the mailbox, the code the administrator's consent). A wrong code changes
// nothing and leaves the link usable.
func (s *Service) ResetPasswordWithCode(ctx context.Context, token, password, code string) (*User, error) {
	if token == "" || len(token) > 100 {
		return nil, fmt.Errorf("token: %w", apperr.ErrNotFound)
	}
	t, err := s.Tokens.Peek(ctx, TokenHash(token), PurposeReset, s.Now())
	if err != nil {
		return nil, err
	}
	// Check the password before spending the link, so a weak one does not burn it.
	u, err := s.Users.ByID(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	code = normalizeCode(code)
	if code != "" {
		ct, err := s.Tokens.Peek(ctx, TokenHash(code), PurposeUnlock, s.Now())
		if errors.Is(err, apperr.ErrNotFound) || (err == nil && ct.UserID != u.ID) {
			return nil, (&apperr.Invalid{}).Add("unlock_code", "reset.unlock_code_wrong")
		}
		if err != nil {
			return nil, err
		}
	}
	if err := s.checkNewPassword(u, password); err != nil {
		return nil, err
	}
	if t, err = s.useToken(ctx, token, PurposeReset); err != nil {
		return nil, err
	}
	// Checked above: checking again would verify every hash in the history twice.
	u, err = s.storePassword(ctx, t.UserID, password, false, true)
	if err != nil {
		return nil, err
	}
	unlock := !u.IsStaff()
	if code != "" {
		if _, err := s.Tokens.Use(ctx, TokenHash(code), PurposeUnlock, s.Now()); err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return nil, err
		} else if err == nil {
			unlock = true
		}
	}
	if unlock {
		if err := s.Guard.Clear(ctx, u.Email, ""); err != nil {
			return nil, err
		}
	}
	if err := s.Sessions.DeleteForUser(ctx, u.ID, ""); err != nil {
		return nil, err
	}
	return u, nil
}

// ResetForStaff reports whether a usable reset link belongs to a staff account (whose
// reset form then asks for an unlock code).
func (s *Service) ResetForStaff(ctx context.Context, token string) (bool, error) {
	if token == "" || len(token) > 100 {
		return false, fmt.Errorf("token: %w", apperr.ErrNotFound)
	}
	t, err := s.Tokens.Peek(ctx, TokenHash(token), PurposeReset, s.Now())
	if err != nil {
		return false, err
	}
	u, err := s.Users.ByID(ctx, t.UserID)
	if err != nil {
		return false, err
	}
	return u.IsStaff(), nil
}

// IssueUnlockCode gives an administrator a one-time code for a staff account, shown
// once: the staff member enters it with a password reset to unlock the account. A new
// code replaces an earlier one.
func (s *Service) IssueUnlockCode(ctx context.Context, id string) (*User, string, error) {
	u, err := s.Users.ByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if !u.IsStaff() {
		return nil, "", fmt.Errorf("unlock code for a citizen: %w", apperr.ErrNotFound)
	}
	if err := s.Tokens.DeleteFor(ctx, u.ID, PurposeUnlock); err != nil {
		return nil, "", err
	}
	raw := ids.Token(10) // 80 bits: 16 characters, read out in groups of four
	code := raw[:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
	if err := s.Tokens.Create(ctx, &Token{Hash: TokenHash(normalizeCode(code)), Purpose: PurposeUnlock, UserID: u.ID, Expires: s.Now().Add(UnlockCodeLifetime)}); err != nil {
		return nil, "", err
	}
	return u, code, nil
}

// normalizeCode drops what people add or change when typing a code read to them.
func normalizeCode(code string) string {
	if len(code) > 100 {
		return code
	}
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		if r != '-' && r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (s *Service) checkNewPassword(u *User, password string) error {
	if err := s.Policy.Check(password, u.Email, u.Name); err != nil {
		return err
	}
	for _, h := range u.PasswordHistory {
		if VerifyPassword(h, password) {
			return (&apperr.Invalid{}).Add("password", "password.reused", PasswordHistoryLength)
		}
	}
	if len(u.PasswordHistory) == 0 && VerifyPassword(u.PasswordHash, password) {
		return (&apperr.Invalid{}).Add("password", "password.reused", PasswordHistoryLength)
	}
	return nil
}

// setPassword stores a new password after checking the policy and history. temporary
// marks a password an administrator issued, which must be changed at first sign-in;
// mailboxProven records that a link sent to the address was used.
func (s *Service) setPassword(ctx context.Context, userID, password string, temporary, mailboxProven bool) (*User, error) {
	u, err := s.Users.ByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := s.checkNewPassword(u, password); err != nil {
		return nil, err
	}
	return s.storePassword(ctx, userID, password, temporary, mailboxProven)
}

// storePassword stores a new password already checked by checkNewPassword.
func (s *Service) storePassword(ctx context.Context, userID, password string, temporary, mailboxProven bool) (*User, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	return s.modify(ctx, userID, func(u *User) error {
		u.PasswordHash = hash
		u.PasswordHistory = append([]string{hash}, u.PasswordHistory...)
		if len(u.PasswordHistory) > PasswordHistoryLength {
			u.PasswordHistory = u.PasswordHistory[:PasswordHistoryLength]
		}
		u.PasswordChanged = now
		u.MustChangePassword = temporary
		u.EmailVerified = u.EmailVerified || mailboxProven
		return nil
	})
}

// ChangePassword is the signed-in person's own change: the current password is asked
// again, and every other session of the account ends.
func (s *Service) ChangePassword(ctx context.Context, u *User, keepSession, current, password string) (*User, error) {
	if !VerifyPassword(u.PasswordHash, current) {
		return nil, (&apperr.Invalid{}).Add("current_password", "password.current_wrong")
	}
	nu, err := s.setPassword(ctx, u.ID, password, false, false)
	if err != nil {
		return nil, err
	}
	if err := s.Sessions.DeleteForUser(ctx, u.ID, keepSession); err != nil {
		return nil, err
	}
	_ = s.Mailer.Send(ctx, mail.Mail{UserID: nu.ID, To: nu.Email, Lang: nu.Lang, Kind: MailPasswordSet, Link: "/forgot"})
	return nu, nil
}

// NeedsPasswordChange reports whether u must choose a new password before anything
// else: a temporary password, or a staff password older than 90 days.
func (s *Service) NeedsPasswordChange(u *User) bool {
	return u.MustChangePassword || (u.IsStaff() && s.Now().Sub(u.PasswordChanged) >= StaffPasswordMaxAge)
}

// Profile is what a person may change about themselves.
type Profile struct {
	Name    string
	Phone   string
	Address string
	Lang    string
}

// ValidateProfile checks profile fields.
func ValidateProfile(p Profile) *apperr.Invalid {
	v := &apperr.Invalid{}
	name := strings.TrimSpace(p.Name)
	switch {
	case name == "":
		v.Add("name", "field.required")
	case utf8.RuneCountInString(name) > 100:
		v.Add("name", "field.too_long", 100)
	}
	if p.Phone != "" {
		if utf8.RuneCountInString(p.Phone) > 30 || !validPhone(p.Phone) {
			v.Add("phone", "phone.invalid")
		}
	}
	if utf8.RuneCountInString(p.Address) > 200 {
		v.Add("address", "field.too_long", 200)
	}
	return v
}

// ValidateProfileField checks one profile field (name, phone or address) by the
// profile's own rules, as a correction proposes it; fields the profile does not hold
// (e-mail, "other") pass, being corrected by hand.
func ValidateProfileField(field, value string) *apperr.Invalid {
	p := Profile{Name: "-"}
	switch field {
	case "name":
		p.Name = value
	case "phone":
		p.Phone = value
		if strings.TrimSpace(value) == "" {
			// An empty phone clears the profile's, but a correction proposes a number.
			return (&apperr.Invalid{}).Add(field, "phone.invalid")
		}
	case "address":
		p.Address = value
	default:
		return &apperr.Invalid{}
	}
	v := &apperr.Invalid{}
	for _, pr := range ValidateProfile(p).Problems {
		if pr.Field == field {
			v.Problems = append(v.Problems, pr)
		}
	}
	return v
}

// validPhone accepts Taiwanese and international numbers as people write them.
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '#':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 20
}

// UpdateProfile saves the person's own details.
func (s *Service) UpdateProfile(ctx context.Context, userID string, p Profile) (*User, error) {
	if err := ValidateProfile(p).OrNil(); err != nil {
		return nil, err
	}
	return s.modify(ctx, userID, func(u *User) error {
		u.Name, u.Phone, u.Address = strings.TrimSpace(p.Name), strings.TrimSpace(p.Phone), strings.TrimSpace(p.Address)
		if p.Lang != "" {
			u.Lang = p.Lang
		}
		return nil
	})
}

// modify applies fn to the stored user and writes it, retrying when a concurrent
// change got there first.
func (s *Service) modify(ctx context.Context, id string, fn func(u *User) error) (*User, error) {
	for attempt := 0; ; attempt++ {
		u, err := s.Users.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(u); err != nil {
			return nil, err
		}
		err = s.Users.Update(ctx, u)
		if errors.Is(err, apperr.ErrStale) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return u, nil
	}
}
