package account_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// The account rules over the real stores on the embedded engine, with a settable clock.
// argon2id is deliberately slow (several hundred ms under -race), so people are seeded
// straight into the user store with one shared hash of svcPassword, and each scenario
// hashes only where the rule under test does.

const svcPassword = "Corr3ct!Horse"

var svcStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// svcFarFuture is after every message's next attempt: Due then returns all pending mail.
var svcFarFuture = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

type svcClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *svcClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *svcClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type svcEnv struct {
	t        *testing.T
	db       *storetest.DB
	users    *store.Users
	tokens   *store.Tokens
	guard    *store.Guard
	sessions *store.Sessions
	mail     *store.Outbox
	mailer   *mail.Mailer
	cat      *i18n.Catalog
	clk      *svcClock
	svc      *account.Service
	hash     string // argon2id hash of svcPassword
}

func newSvcEnv(t *testing.T) *svcEnv {
	t.Helper()
	db := storetest.New(t)
	e := &svcEnv{
		t: t, db: db, users: storetest.Users(db.DB), tokens: store.NewTokens(db.DB),
		guard: store.NewGuard(db.DB, storetest.EmailKey), sessions: store.NewSessions(db.DB),
		mail: store.NewOutbox(db.DB, storetest.Vault(db.DB)), cat: i18n.MustLoad(), clk: &svcClock{t: svcStart},
	}
	e.mailer = &mail.Mailer{Outbox: e.mail, Cat: e.cat, BaseURL: "https://portal.example", Now: e.clk.Now}
	e.svc = e.service(nil)
	h, err := account.HashPassword(svcPassword)
	if err != nil {
		t.Fatal(err)
	}
	e.hash = h
	return e
}

// service returns a new Service over the env's stores; adjust may change its parts.
func (e *svcEnv) service(adjust func(s *account.Service)) *account.Service {
	s := &account.Service{
		Users: e.users, Tokens: e.tokens, Guard: e.guard, Sessions: e.sessions, Mailer: e.mailer, Now: e.clk.Now,
		Reviews: store.NewReviews(e.db.DB, storetest.Vault(e.db.DB)), Leases: store.NewLeases(e.db.DB),
	}
	if adjust != nil {
		adjust(s)
	}
	return s
}

// seed stores a person holding svcPassword, as if they had registered and verified.
func (e *svcEnv) seed(email, name string, adjust func(u *account.User)) *account.User {
	e.t.Helper()
	now := e.clk.Now()
	u := &account.User{
		ID: ids.New("u"), Email: email, Name: name, Lang: i18n.ZH, PasswordHash: e.hash,
		PasswordHistory: []string{e.hash}, PasswordChanged: now, Created: now, EmailVerified: true,
	}
	if adjust != nil {
		adjust(u)
	}
	if err := e.users.Create(e.t.Context(), u); err != nil {
		e.t.Fatalf("seed %s: %v", email, err)
	}
	return u
}

func (e *svcEnv) seedStaff(email, name string, roles ...account.Role) *account.User {
	e.t.Helper()
	return e.seed(email, name, func(u *account.User) { u.Roles = roles })
}

func (e *svcEnv) reload(id string) *account.User {
	e.t.Helper()
	u, err := e.users.ByID(e.t.Context(), id)
	if err != nil {
		e.t.Fatalf("reload %s: %v", id, err)
	}
	return u
}

// openSession signs a browser in for userID and returns the session id.
func (e *svcEnv) openSession(userID string) string {
	e.t.Helper()
	now := e.clk.Now()
	s := &account.Session{ID: account.TokenHash(ids.Token(16)), UserID: userID, Created: now, LastSeen: now}
	if err := e.sessions.Create(e.t.Context(), s); err != nil {
		e.t.Fatal(err)
	}
	return s.ID
}

func (e *svcEnv) sessionIDs(userID string) []string {
	e.t.Helper()
	ss, err := e.sessions.ForUser(e.t.Context(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

// pending returns every queued message, oldest first.
func (e *svcEnv) pending() []*mail.Message {
	e.t.Helper()
	ms, err := e.mail.Pending(e.t.Context(), svcFarFuture, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range ms {
		if err := e.mailer.Fill(e.t.Context(), m); err != nil { // as it would be sent
			e.t.Fatal(err)
		}
	}
	return ms
}

// mailTo returns the messages of one kind queued for an address, oldest first.
func (e *svcEnv) mailTo(addr, kind string) []*mail.Message {
	e.t.Helper()
	var out []*mail.Message
	for _, m := range e.pending() {
		if m.To == account.NormalizeEmail(addr) && (kind == "" || m.Kind == kind) {
			out = append(out, m)
		}
	}
	return out
}

// lastMail returns the newest message of a kind for an address, failing if there is none.
func (e *svcEnv) lastMail(addr, kind string) *mail.Message {
	e.t.Helper()
	ms := e.mailTo(addr, kind)
	if len(ms) == 0 {
		e.t.Fatalf("no %q mail for %s", kind, addr)
	}
	return ms[len(ms)-1]
}

var svcLinkRE = regexp.MustCompile(`https://portal\.example(/[a-z]+)\?token=([a-z0-9]+)`)

// linkToken returns the token of the link to path in a mail body.
func linkToken(t *testing.T, m *mail.Message, path string) string {
	t.Helper()
	for _, g := range svcLinkRE.FindAllStringSubmatch(m.Body, -1) {
		if g[1] == path {
			return g[2]
		}
	}
	t.Fatalf("no %s?token= link in the %s mail:\n%s", path, m.Kind, m.Body)
	return ""
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func wantInvalid(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	var inv *apperr.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("%s: got %v, want Invalid(%s, %s)", what, err, field, key)
	}
	for _, p := range inv.Problems {
		if p.Field == field && p.Key == key {
			return
		}
	}
	t.Fatalf("%s: problems %+v, want (%s, %s)", what, inv.Problems, field, key)
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func TestServiceRegisterAndVerify(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()

	// One registration per language; each mail is in the registrant's language.
	regs := map[string]account.SignUp{
		i18n.ZH: {Email: "mei@example.tw", Name: "林美玲", Password: svcPassword, Lang: i18n.ZH},
		i18n.EN: {Email: "Ann.Lee@Example.COM", Name: "Ann Lee", Password: svcPassword, Lang: i18n.EN},
	}
	links := map[string]string{}
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		su := regs[lang]
		if err := e.svc.Register(ctx, su); err != nil {
			t.Fatalf("register %s: %v", su.Email, err)
		}
		m := e.lastMail(su.Email, account.MailVerify)
		if m.Lang != lang || m.Subject != e.cat.T(lang, "mail.verify.subject") {
			t.Errorf("%s: verify mail in %q with subject %q, want %s", su.Email, m.Lang, m.Subject, lang)
		}
		if hasHan(m.Subject+m.Body) != (lang == i18n.ZH) {
			t.Errorf("%s: the %s mail is not in its language: %q", su.Email, lang, m.Subject)
		}
		links[lang] = linkToken(t, m, "/verify")
		u, err := e.users.ByEmail(ctx, su.Email)
		if err != nil {
			t.Fatal(err)
		}
		if u.EmailVerified || u.IsStaff() || m.UserID != u.ID {
			t.Fatalf("new account %+v (mail for %s)", u, m.UserID)
		}
	}

	t.Run("the link verifies once, until 24 hours", func(t *testing.T) {
		e.clk.Advance(account.VerifyLinkLifetime - time.Second)
		u, err := e.svc.Verify(ctx, links[i18n.ZH])
		if err != nil {
			t.Fatalf("verify within 24 hours: %v", err)
		}
		if !u.EmailVerified || !e.reload(u.ID).EmailVerified {
			t.Fatal("the address is not marked verified")
		}
		_, err = e.svc.Verify(ctx, links[i18n.ZH])
		wantErr(t, "the same link again", err, apperr.ErrNotFound)

		e.clk.Advance(2 * time.Second) // 24 h + 1 s after the English registration
		_, err = e.svc.Verify(ctx, links[i18n.EN])
		wantErr(t, "a link 24h+1s old", err, apperr.ErrNotFound)
		ann, _ := e.users.ByEmail(ctx, "ann.lee@example.com")
		if ann.EmailVerified {
			t.Fatal("an expired link verified the address")
		}

		// A new link replaces the expired one and works.
		if err := e.svc.ResendVerification(ctx, ann); err != nil {
			t.Fatal(err)
		}
		if u, err := e.svc.Verify(ctx, linkToken(t, e.lastMail(ann.Email, account.MailVerify), "/verify")); err != nil || !u.EmailVerified {
			t.Fatalf("resent link: %v", err)
		}
		for _, bad := range []string{"", "nope", strings.Repeat("a", 101)} {
			_, err := e.svc.Verify(ctx, bad)
			wantErr(t, fmt.Sprintf("token %.10q", bad), err, apperr.ErrNotFound)
		}
	})

	t.Run("an address with an account gets no second one", func(t *testing.T) {
		holder, err := e.users.ByEmail(ctx, "mei@example.tw")
		if err != nil {
			t.Fatal(err)
		}
		before := len(e.mailTo("mei@example.tw", ""))
		err = e.svc.Register(ctx, account.SignUp{Email: "  MEI@Example.TW ", Name: "Someone Else", Password: "An0ther#Pass", Lang: i18n.EN})
		if err != nil {
			t.Fatalf("registering a taken address must look like success, got %v", err)
		}
		got := e.mailTo("mei@example.tw", "")
		if len(got) != before+1 {
			t.Fatalf("%d new mails to the holder, want 1", len(got)-before)
		}
		m := got[len(got)-1]
		if m.Kind != account.MailSignupExists || m.UserID != holder.ID || m.Lang != i18n.ZH {
			t.Fatalf("mail to the holder: kind %q user %q lang %q, want signup_exists to %s in zh-TW", m.Kind, m.UserID, m.Lang, holder.ID)
		}
		if again, _ := e.users.ByEmail(ctx, "mei@example.tw"); again.ID != holder.ID || again.Name != "林美玲" || again.PasswordHash != holder.PasswordHash {
			t.Fatalf("the account changed: %+v", again)
		}
		// The stranger's password opens nothing; the holder's still does.
		_, err = e.svc.SignIn(ctx, "mei@example.tw", "An0ther#Pass")
		wantErr(t, "the second registrant's password", err, account.ErrBadCredentials)
		if u, err := e.svc.SignIn(ctx, "mei@example.tw", svcPassword); err != nil || u.ID != holder.ID {
			t.Fatalf("holder's sign-in: %v", err)
		}
	})

	t.Run("a weak password is refused before anything is stored", func(t *testing.T) {
		err := e.svc.Register(ctx, account.SignUp{Email: "weak@example.tw", Name: "Weak", Password: "password", Lang: i18n.ZH})
		wantInvalid(t, "weak password", err, "password", "password.classes")
		if _, err := e.users.ByEmail(ctx, "weak@example.tw"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("an account was stored: %v", err)
		}
	})

	t.Run("eight concurrent uses of one link: one succeeds", func(t *testing.T) {
		if err := e.svc.Register(ctx, account.SignUp{Email: "race@example.tw", Name: "Race", Password: svcPassword, Lang: i18n.EN}); err != nil {
			t.Fatal(err)
		}
		token := linkToken(t, e.lastMail("race@example.tw", account.MailVerify), "/verify")
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { _, errs[i] = e.svc.Verify(ctx, token) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, apperr.ErrNotFound):
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 8 concurrent uses succeeded, want 1", ok)
		}
	})
}

// barrierGuard holds every caller of Failures until n have read the count, so n sign-ins
// are surely in flight together when they record their failures. It wraps the real store.
type barrierGuard struct {
	account.Guard
	n       int
	mu      sync.Mutex
	arrived int
	release chan struct{}
}

func (g *barrierGuard) Failures(ctx context.Context, email string) (int, time.Time, error) {
	n, last, err := g.Guard.Failures(ctx, email)
	g.mu.Lock()
	g.arrived++
	if g.arrived == g.n {
		close(g.release)
	}
	g.mu.Unlock()
	select {
	case <-g.release:
	case <-time.After(20 * time.Second):
	}
	return n, last, err
}

func TestServiceSignIn(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	e.seed("chen@example.tw", "陳大文", nil)
	e.seed("off@example.tw", "停用者", func(u *account.User) { u.Disabled = true })
	e.seed("temp@agency.example", "約聘人員", func(u *account.User) {
		u.Roles, u.Contractor, u.Expires = []account.Role{account.RoleOfficer}, true, svcStart.Add(-time.Hour)
	})

	t.Run("right password signs in and records the time", func(t *testing.T) {
		e.clk.Advance(time.Minute)
		u, err := e.svc.SignIn(ctx, " Chen@Example.TW", svcPassword)
		if err != nil {
			t.Fatal(err)
		}
		if !u.LastSignIn.Equal(e.clk.Now()) || !e.reload(u.ID).LastSignIn.Equal(e.clk.Now()) {
			t.Fatalf("LastSignIn %v, want %v", u.LastSignIn, e.clk.Now())
		}
	})

	// The same answers whether or not the address has an account.
	for _, c := range []struct {
		name, email string
		attempts    []string
		want        []error
	}{
		{"known address", "chen@example.tw", []string{"Wr0ng!one", "Wr0ng!two", "Wr0ng!three", svcPassword},
			[]error{account.ErrBadCredentials, account.ErrBadCredentials, account.ErrLocked, account.ErrLocked}},
		{"unknown address", "nobody@example.tw", []string{"Wr0ng!one", "Wr0ng!two", "Wr0ng!three", svcPassword},
			[]error{account.ErrBadCredentials, account.ErrBadCredentials, account.ErrLocked, account.ErrLocked}},
		{"disabled account", "off@example.tw", []string{"Wr0ng!one", svcPassword},
			[]error{account.ErrBadCredentials, account.ErrDisabled}},
		{"expired contractor", "temp@agency.example", []string{"Wr0ng!one", svcPassword},
			[]error{account.ErrBadCredentials, account.ErrExpired}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i, pw := range c.attempts {
				u, err := e.svc.SignIn(ctx, c.email, pw)
				if !errors.Is(err, c.want[i]) || u != nil {
					t.Fatalf("attempt %d: got %v, %v; want %v", i+1, u, err, c.want[i])
				}
			}
			wantLocked := errors.Is(c.want[len(c.want)-1], account.ErrLocked)
			if locked, err := e.svc.Locked(ctx, c.email); err != nil || locked != wantLocked {
				t.Fatalf("Locked = %v, %v; want %v", locked, err, wantLocked)
			}
		})
	}

	t.Run("an unknown address costs a password check too", func(t *testing.T) {
		e.seed("timing@example.tw", "計時", nil)
		e.svc.Init()
		var known, unknown []time.Duration
		for i := range 7 { // interleaved, so load on the machine hits both alike
			start := time.Now()
			_, err := e.svc.SignIn(ctx, "timing@example.tw", "Wr0ng!pass")
			known = append(known, time.Since(start))
			if err == nil {
				t.Fatal("wrong password accepted")
			}
			start = time.Now()
			_, err = e.svc.SignIn(ctx, fmt.Sprintf("ghost%d@example.tw", i%2), "Wr0ng!pass")
			unknown = append(unknown, time.Since(start))
			if err == nil {
				t.Fatal("unknown address accepted")
			}
		}
		mk, mu := median(known), median(unknown)
		t.Logf("median sign-in: known address, wrong password %v; unknown address %v (ratio %.2f)", mk, mu, float64(mu)/float64(mk))
		if mu < mk/2 {
			t.Fatalf("an unknown address answers in %v, a known one in %v: the unknown path skips the hash", mu, mk)
		}
	})

	t.Run("ten concurrent failures are all counted", func(t *testing.T) {
		e.seed("burst@example.tw", "併發", nil)
		const n = 10
		svc := e.service(func(s *account.Service) {
			s.Guard = &barrierGuard{Guard: e.guard, n: n, release: make(chan struct{})}
		})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { _, errs[i] = svc.SignIn(ctx, "burst@example.tw", fmt.Sprintf("Wr0ng!%d", i)) })
		}
		wg.Wait()
		var bad, locked int
		for _, err := range errs {
			switch {
			case errors.Is(err, account.ErrBadCredentials):
				bad++
			case errors.Is(err, account.ErrLocked):
				locked++
			default:
				t.Errorf("unexpected answer %v", err)
			}
		}
		count, _, err := e.guard.Failures(ctx, "burst@example.tw")
		if err != nil {
			t.Fatal(err)
		}
		if count != n || bad != account.MaxFailedSignIns-1 || locked != n-bad {
			t.Fatalf("guard count %d, %d bad credentials, %d locked; want %d, %d, %d", count, bad, locked, n, account.MaxFailedSignIns-1, n-account.MaxFailedSignIns+1)
		}
		_, err = e.svc.SignIn(ctx, "burst@example.tw", svcPassword)
		wantErr(t, "right password after the burst", err, account.ErrLocked)
	})

	t.Run("first sign-ins on a fresh service share one timing hash", func(t *testing.T) {
		svc := e.service(nil) // no Init: the first requests make the hash
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() {
				if _, err := svc.SignIn(ctx, fmt.Sprintf("fresh%d@example.tw", i), "Wr0ng!pass"); !errors.Is(err, account.ErrBadCredentials) {
					t.Errorf("got %v", err)
				}
			})
		}
		wg.Wait()
	})
}

func TestServicePasswordReset(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	const newPassword = "N3w!Passw0rd"
	lin := e.seed("lin@example.tw", "林", func(u *account.User) { u.Lang, u.EmailVerified = i18n.EN, false })

	request := func(t *testing.T, email string) string {
		t.Helper()
		if err := e.svc.RequestReset(ctx, email, i18n.ZH); err != nil {
			t.Fatal(err)
		}
		return linkToken(t, e.lastMail(email, account.MailReset), "/reset")
	}

	t.Run("unknown and disabled addresses get nothing", func(t *testing.T) {
		e.seed("gone@example.tw", "停用", func(u *account.User) { u.Disabled = true })
		before := len(e.pending())
		for _, addr := range []string{"stranger@example.tw", "gone@example.tw"} {
			if err := e.svc.RequestReset(ctx, addr, i18n.ZH); err != nil {
				t.Fatalf("%s: %v", addr, err)
			}
		}
		if after := len(e.pending()); after != before {
			t.Fatalf("%d mails queued, want none", after-before)
		}
	})

	t.Run("a weak password does not spend the link", func(t *testing.T) {
		token := request(t, "lin@example.tw")
		m := e.lastMail("lin@example.tw", account.MailReset)
		if m.Lang != i18n.EN || m.UserID != lin.ID || !strings.Contains(m.Body, "30") {
			t.Fatalf("reset mail: lang %q user %q body %q", m.Lang, m.UserID, m.Body)
		}
		_, err := e.svc.ResetPassword(ctx, token, "weak")
		var inv *apperr.Invalid
		if !errors.As(err, &inv) {
			t.Fatalf("weak password: got %v, want *apperr.Invalid", err)
		}
		_, err = e.svc.ResetPassword(ctx, token, svcPassword)
		wantInvalid(t, "the current password", err, "password", "password.reused")
		if err := e.svc.CheckReset(ctx, token); err != nil {
			t.Fatalf("the link was spent by a refused password: %v", err)
		}
		u, err := e.svc.ResetPassword(ctx, token, newPassword)
		if err != nil {
			t.Fatalf("good password on the same link: %v", err)
		}
		if !u.EmailVerified {
			t.Fatal("completing a reset proves the address")
		}
		_, err = e.svc.ResetPassword(ctx, token, "An0ther!Passw0rd")
		wantErr(t, "the used link again", err, apperr.ErrNotFound)
		if _, err := e.svc.SignIn(ctx, "lin@example.tw", newPassword); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
	})

	t.Run("a link is good for 30 minutes, and a newer one replaces it", func(t *testing.T) {
		older := request(t, "lin@example.tw")
		token := request(t, "lin@example.tw")
		err := e.svc.CheckReset(ctx, older)
		wantErr(t, "a replaced link", err, apperr.ErrNotFound)
		e.clk.Advance(account.ResetLinkLifetime + time.Second)
		wantErr(t, "check after 30 min + 1 s", e.svc.CheckReset(ctx, token), apperr.ErrNotFound)
		_, err = e.svc.ResetPassword(ctx, token, "An0ther!Passw0rd")
		wantErr(t, "reset after 30 min + 1 s", err, apperr.ErrNotFound)
	})

	t.Run("a reset unlocks a citizen and ends every session", func(t *testing.T) {
		u := e.seed("locked@example.tw", "鎖定", nil)
		for range account.MaxFailedSignIns {
			_, _ = e.svc.SignIn(ctx, "locked@example.tw", "Wr0ng!pass")
		}
		e.openSession(u.ID)
		e.openSession(u.ID)
		if _, err := e.svc.ResetPassword(ctx, request(t, "locked@example.tw"), newPassword); err != nil {
			t.Fatal(err)
		}
		if ids := e.sessionIDs(u.ID); len(ids) != 0 {
			t.Fatalf("%d sessions survive the reset", len(ids))
		}
		if _, err := e.svc.SignIn(ctx, "locked@example.tw", newPassword); err != nil {
			t.Fatalf("sign in after the reset: %v", err)
		}
	})

	t.Run("a reset leaves a staff member locked", func(t *testing.T) {
		u := e.seedStaff("officer@agency.example", "承辦人", account.RoleOfficer)
		for range account.MaxFailedSignIns {
			_, _ = e.svc.SignIn(ctx, "officer@agency.example", "Wr0ng!pass")
		}
		e.openSession(u.ID)
		if _, err := e.svc.ResetPassword(ctx, request(t, "officer@agency.example"), newPassword); err != nil {
			t.Fatal(err)
		}
		if ids := e.sessionIDs(u.ID); len(ids) != 0 {
			t.Fatalf("%d sessions survive the reset", len(ids))
		}
		_, err := e.svc.SignIn(ctx, "officer@agency.example", newPassword)
		wantErr(t, "staff sign-in after a reset", err, account.ErrLocked)
	})
}

func TestServiceChangePassword(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	u := e.seed("wang@example.tw", "王小明", nil)
	keep := e.openSession(u.ID)
	e.openSession(u.ID)
	e.openSession(u.ID)

	_, err := e.svc.ChangePassword(ctx, u, keep, "Wr0ng!pass", "N3w!Passw0rd")
	wantInvalid(t, "wrong current password", err, "current_password", "password.current_wrong")
	if len(e.sessionIDs(u.ID)) != 3 {
		t.Fatal("a refused change ended sessions")
	}

	// svcPassword → p1 → p2: the history holds p2 (current), p1, svcPassword.
	p1, p2, p3 := "F1rst!Change", "S3cond!Change", "Th1rd!Change"
	change := func(from, to string) {
		t.Helper()
		nu, err := e.svc.ChangePassword(ctx, u, keep, from, to)
		if err != nil {
			t.Fatalf("change to %q: %v", to, err)
		}
		u = nu
	}
	change(svcPassword, p1)
	if ids := e.sessionIDs(u.ID); len(ids) != 1 || ids[0] != keep {
		t.Fatalf("sessions after a change %v, want only %s", ids, keep)
	}
	if m := e.lastMail(u.Email, account.MailPasswordSet); m.UserID != u.ID {
		t.Fatalf("password-changed mail for %s", m.UserID)
	}
	change(p1, p2)
	for _, c := range []struct{ name, pw string }{{"current", p2}, {"previous", p1}, {"the one before", svcPassword}} {
		_, err := e.svc.ChangePassword(ctx, u, keep, p2, c.pw)
		wantInvalid(t, "reuse of the "+c.name+" password", err, "password", "password.reused")
	}
	change(p2, p3)
	change(p3, svcPassword) // now the fourth-newest: allowed again
	if _, err := e.svc.SignIn(ctx, u.Email, svcPassword); err != nil {
		t.Fatalf("sign in after the changes: %v", err)
	}
	if got := len(e.reload(u.ID).PasswordHistory); got != account.PasswordHistoryLength {
		t.Fatalf("history holds %d hashes, want %d", got, account.PasswordHistoryLength)
	}
}

func TestServiceStaffAccounts(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	admin := e.seedStaff("admin@agency.example", "管理者", account.RoleAdmin)

	t.Run("staff passwords expire after 90 days, citizens' do not", func(t *testing.T) {
		staff := e.seedStaff("old@agency.example", "資深", account.RoleOfficer)
		citizen := e.seed("citizen@example.tw", "民眾", nil)
		e.clk.Advance(account.StaffPasswordMaxAge - time.Minute)
		if e.svc.NeedsPasswordChange(e.reload(staff.ID)) {
			t.Fatal("a staff password younger than 90 days must not expire")
		}
		e.clk.Advance(time.Minute)
		if !e.svc.NeedsPasswordChange(e.reload(staff.ID)) {
			t.Fatal("a staff password 90 days old must be changed")
		}
		if e.svc.NeedsPasswordChange(e.reload(citizen.ID)) {
			t.Fatal("a citizen's password never expires")
		}
		u, err := e.svc.SignIn(ctx, "old@agency.example", svcPassword)
		if err != nil || !u.MustChangePassword || !e.reload(u.ID).MustChangePassword {
			t.Fatalf("sign-in with an expired staff password: %v, must change %v", err, u != nil && u.MustChangePassword)
		}
	})

	t.Run("a new staff member gets a temporary password", func(t *testing.T) {
		in := account.StaffInput{Email: "New.Officer@Agency.Example", Name: "新進承辦", Roles: []account.Role{account.RoleOfficer}}
		u, temp, err := e.svc.CreateStaff(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := (account.PasswordPolicy{}).Check(temp, in.Email, in.Name); err != nil {
			t.Fatalf("temporary password %q breaks the policy: %v", temp, err)
		}
		if !u.MustChangePassword || !e.svc.NeedsPasswordChange(u) || !u.EmailVerified || !u.Has(account.RoleOfficer) {
			t.Fatalf("new staff %+v", u)
		}
		got, err := e.svc.SignIn(ctx, "new.officer@agency.example", temp)
		if err != nil {
			t.Fatalf("sign in with the temporary password: %v", err)
		}
		if !e.svc.NeedsPasswordChange(got) {
			t.Fatal("a temporary password must be changed at first sign-in")
		}
		_, _, err = e.svc.CreateStaff(ctx, account.StaffInput{Email: "NEW.OFFICER@agency.example", Name: "重複", Roles: []account.Role{account.RoleOfficer}})
		wantInvalid(t, "duplicate address", err, "email", "email.taken")
	})

	t.Run("temporary passwords follow a raised minimum length", func(t *testing.T) {
		strict := e.service(func(s *account.Service) { s.Policy = account.PasswordPolicy{MinLength: 24} })
		in := account.StaffInput{Email: "strict@agency.example", Name: "嚴格", Roles: []account.Role{account.RoleWebmaster}}
		u, temp, err := strict.CreateStaff(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := strict.Policy.Check(temp, in.Email, in.Name); err != nil {
			t.Fatalf("temporary password %q breaks the configured policy: %v", temp, err)
		}
		_, temp, err = strict.ResetStaffPassword(ctx, u.ID)
		if err != nil {
			t.Fatalf("issue a new temporary password: %v", err)
		}
		if err := strict.Policy.Check(temp, in.Email, in.Name); err != nil {
			t.Fatalf("reissued temporary password %q breaks the configured policy: %v", temp, err)
		}
	})

	t.Run("invalid staff input", func(t *testing.T) {
		officer := []account.Role{account.RoleOfficer}
		now := e.clk.Now()
		for _, c := range []struct {
			name       string
			in         account.StaffInput
			field, key string
		}{
			{"contractor without expiry", account.StaffInput{Name: "約聘", Roles: officer, Contractor: true}, "expires", "staff.expiry_required"},
			{"expiry in the past", account.StaffInput{Name: "約聘", Roles: officer, Contractor: true, Expires: now.Add(-time.Hour)}, "expires", "staff.expiry_past"},
			{"expiry beyond 366 days", account.StaffInput{Name: "約聘", Roles: officer, Contractor: true, Expires: now.Add(account.MaxContractorTerm + time.Hour)}, "expires", "staff.expiry_too_far"},
			{"no roles", account.StaffInput{Name: "無角色"}, "roles", "staff.roles_required"},
			{"unknown role", account.StaffInput{Name: "怪角色", Roles: []account.Role{"root"}}, "roles", "staff.role_unknown"},
		} {
			t.Run(c.name, func(t *testing.T) {
				create := c.in
				create.Email = "invalid@agency.example"
				_, _, err := e.svc.CreateStaff(ctx, create)
				wantInvalid(t, "create", err, c.field, c.key)
				_, err = e.svc.UpdateStaff(ctx, "u_another_admin", admin.ID, e.reload(admin.ID).Version, c.in)
				wantInvalid(t, "update", err, c.field, c.key)
			})
		}
		if _, err := e.users.ByEmail(ctx, "invalid@agency.example"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("an invalid staff account was stored: %v", err)
		}
	})

	t.Run("a contractor for up to 366 days", func(t *testing.T) {
		in := account.StaffInput{Email: "contractor@agency.example", Name: "外包", Roles: []account.Role{account.RoleWebmaster},
			Contractor: true, Expires: e.clk.Now().Add(account.MaxContractorTerm)}
		u, _, err := e.svc.CreateStaff(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Contractor || !e.reload(u.ID).Expires.Equal(in.Expires) {
			t.Fatalf("contractor stored as %+v", e.reload(u.ID))
		}
	})

	t.Run("a stale form is refused", func(t *testing.T) {
		u := e.seedStaff("stale@agency.example", "過期表單", account.RoleOfficer)
		in := account.StaffInput{Name: "改名", Roles: []account.Role{account.RoleOfficer, account.RoleWebmaster}}
		if _, err := e.svc.UpdateStaff(ctx, "u_another_admin", u.ID, u.Version, in); err != nil {
			t.Fatal(err)
		}
		in.Name = "再改名"
		_, err := e.svc.UpdateStaff(ctx, "u_another_admin", u.ID, u.Version, in)
		wantErr(t, "update with the old version", err, apperr.ErrStale)
		if got := e.reload(u.ID); got.Name != "改名" || !got.Has(account.RoleWebmaster) {
			t.Fatalf("stored %q %v", got.Name, got.Roles)
		}
		citizen := e.seed("notstaff@example.tw", "民眾", nil)
		_, err = e.svc.UpdateStaff(ctx, "u_another_admin", citizen.ID, citizen.Version, in)
		wantErr(t, "a citizen through the staff form", err, apperr.ErrNotFound)
	})

	t.Run("the last administrator stays", func(t *testing.T) {
		a := e.reload(admin.ID)
		for _, in := range []account.StaffInput{
			{Name: a.Name, Roles: []account.Role{account.RoleOfficer}},
			{Name: a.Name, Roles: []account.Role{account.RoleAdmin}, Disabled: true},
		} {
			_, err := e.svc.UpdateStaff(ctx, "u_another_admin", a.ID, a.Version, in)
			wantInvalid(t, "demoting the last administrator", err, "roles", "staff.last_admin")
		}
		// A disabled or expired administrator does not count.
		e.seed("offadmin@agency.example", "停用管理者", func(u *account.User) { u.Roles, u.Disabled = []account.Role{account.RoleAdmin}, true })
		e.seed("expadmin@agency.example", "過期管理者", func(u *account.User) {
			u.Roles, u.Contractor, u.Expires = []account.Role{account.RoleAdmin}, true, e.clk.Now().Add(-time.Minute)
		})
		_, err := e.svc.UpdateStaff(ctx, "u_another_admin", a.ID, a.Version, account.StaffInput{Name: a.Name, Roles: []account.Role{account.RoleOfficer}})
		wantInvalid(t, "only disabled and expired administrators besides", err, "roles", "staff.last_admin")

		second := e.seedStaff("admin2@agency.example", "第二管理者", account.RoleAdmin)
		got, err := e.svc.UpdateStaff(ctx, "u_another_admin", a.ID, a.Version, account.StaffInput{Name: a.Name, Roles: []account.Role{account.RoleOfficer}})
		if err != nil {
			t.Fatalf("demoting one of two administrators: %v", err)
		}
		if got.Has(account.RoleAdmin) || e.reload(a.ID).Has(account.RoleAdmin) {
			t.Fatal("the role was not removed")
		}
		_, err = e.svc.UpdateStaff(ctx, "u_another_admin", second.ID, second.Version, account.StaffInput{Name: second.Name, Roles: []account.Role{account.RoleAdmin}, Disabled: true})
		wantInvalid(t, "disabling the now last administrator", err, "roles", "staff.last_admin")
	})

	t.Run("disabling ends the person's sessions", func(t *testing.T) {
		u := e.seedStaff("leaver@agency.example", "離職者", account.RoleOfficer)
		other := e.seedStaff("stayer@agency.example", "留任者", account.RoleOfficer)
		e.openSession(u.ID)
		e.openSession(u.ID)
		kept := e.openSession(other.ID)
		if _, err := e.svc.UpdateStaff(ctx, "u_another_admin", u.ID, u.Version, account.StaffInput{Name: u.Name, Roles: u.Roles, Disabled: true}); err != nil {
			t.Fatal(err)
		}
		if ids := e.sessionIDs(u.ID); len(ids) != 0 {
			t.Fatalf("%d sessions of a disabled person remain", len(ids))
		}
		if ids := e.sessionIDs(other.ID); len(ids) != 1 || ids[0] != kept {
			t.Fatal("someone else's session ended")
		}
		_, err := e.svc.SignIn(ctx, "leaver@agency.example", svcPassword)
		wantErr(t, "sign-in after disabling", err, account.ErrDisabled)
	})

	t.Run("an administrator unlocks an account", func(t *testing.T) {
		u := e.seed("unlock@agency.example", "解鎖", func(u *account.User) { u.Roles, u.Lang = []account.Role{account.RoleOfficer}, i18n.EN })
		for range account.MaxFailedSignIns {
			_, _ = e.svc.SignIn(ctx, "unlock@agency.example", "Wr0ng!pass")
		}
		if locked, _ := e.svc.Locked(ctx, "unlock@agency.example"); !locked {
			t.Fatal("not locked after three failures")
		}
		if _, err := e.svc.Unlock(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if locked, _ := e.svc.Locked(ctx, "unlock@agency.example"); locked {
			t.Fatal("still locked after Unlock")
		}
		m := e.lastMail("unlock@agency.example", account.MailUnlocked)
		if m.UserID != u.ID || m.Lang != i18n.EN || m.Subject != e.cat.T(i18n.EN, "mail.unlocked.subject") || !strings.Contains(m.Body, "https://portal.example/signin") {
			t.Fatalf("unlocked mail: %+v", m)
		}
		if _, err := e.svc.SignIn(ctx, "unlock@agency.example", svcPassword); err != nil {
			t.Fatalf("sign in after Unlock: %v", err)
		}
	})
}

func TestServiceUpdateProfile(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	u := e.seed("profile@example.tw", "張三", nil)

	for _, c := range []struct {
		name       string
		p          account.Profile
		field, key string // empty: accepted
	}{
		{"landline", account.Profile{Name: "張三", Phone: "02-2345-6789", Address: "臺北市中正區重慶南路一段122號"}, "", ""},
		{"international mobile", account.Profile{Name: "張三", Phone: "+886 912 345 678", Address: "Taipei"}, "", ""},
		{"extension", account.Profile{Name: "張三", Phone: "(02) 2345-6789 #123"}, "", ""},
		{"letters", account.Profile{Name: "張三", Phone: "abc"}, "phone", "phone.invalid"},
		{"plus inside", account.Profile{Name: "張三", Phone: "886+912345678"}, "phone", "phone.invalid"},
		{"too few digits", account.Profile{Name: "張三", Phone: "12-34"}, "phone", "phone.invalid"},
		{"no name", account.Profile{Name: "  "}, "name", "field.required"},
		{"name of 101 characters", account.Profile{Name: strings.Repeat("長", 101)}, "name", "field.too_long"},
		{"address of 201 characters", account.Profile{Name: "張三", Address: strings.Repeat("址", 201)}, "address", "field.too_long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.reload(u.ID)
			got, err := e.svc.UpdateProfile(ctx, u.ID, c.p)
			if c.key != "" {
				wantInvalid(t, "update", err, c.field, c.key)
				if after := e.reload(u.ID); after.Version != before.Version {
					t.Fatal("a refused profile was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored := e.reload(u.ID)
			if stored.Phone != c.p.Phone || stored.Address != c.p.Address || stored.Name != c.p.Name || got.Phone != c.p.Phone {
				t.Fatalf("stored phone %q address %q name %q", stored.Phone, stored.Address, stored.Name)
			}
		})
	}

	t.Run("concurrent saves all succeed", func(t *testing.T) {
		names := []string{"甲", "乙", "丙", "丁", "戊"}
		start := e.reload(u.ID).Version
		errs := make([]error, len(names))
		var wg sync.WaitGroup
		for i, name := range names {
			wg.Go(func() {
				_, errs[i] = e.svc.UpdateProfile(ctx, u.ID, account.Profile{Name: name, Phone: "02-2345-6789"})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("save %d: %v", i, err)
			}
		}
		got := e.reload(u.ID)
		if !slices.Contains(names, got.Name) || got.Version != start+int64(len(names)) {
			t.Fatalf("final name %q version %d, want one of %v at version %d", got.Name, got.Version, names, start+int64(len(names)))
		}
	})
}

// Two administrators demoting each other at the same moment leave one administrator.
func TestServiceLastAdministratorSurvivesMutualDemotion(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	a := e.seedStaff("a@agency.example", "甲", account.RoleAdmin)
	b := e.seedStaff("b@agency.example", "乙", account.RoleAdmin)
	errs := make(chan error, 2)
	for _, u := range []*account.User{a, b} {
		go func() {
			_, err := e.svc.UpdateStaff(ctx, "u_another_admin", u.ID, u.Version, account.StaffInput{Name: u.Name, Roles: []account.Role{account.RoleOfficer}})
			errs <- err
		}()
	}
	failed := 0
	for range 2 {
		if err := <-errs; err != nil {
			wantInvalid(t, "second demotion", err, "roles", "staff.last_admin")
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d demotions refused, want exactly 1", failed)
	}
	if !e.reload(a.ID).Has(account.RoleAdmin) && !e.reload(b.ID).Has(account.RoleAdmin) {
		t.Fatal("no administrator left")
	}
}

// An expiry is a removal on a later day: the agency keeps an administrator whose access
// does not run out, and two administrators cannot give each other an expiry.
func TestServiceExpiryCountsAsRemovalOfTheLastLastingAdministrator(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	later := e.clk.Now().AddDate(0, 1, 0)
	a := e.seedStaff("a@agency.example", "甲", account.RoleAdmin)
	contractor := e.seed("c@agency.example", "約聘管理者", func(u *account.User) {
		u.Roles, u.Contractor, u.Expires = []account.Role{account.RoleAdmin}, true, later
	})
	withExpiry := account.StaffInput{Name: a.Name, Roles: []account.Role{account.RoleAdmin}, Contractor: true, Expires: later}
	_, err := e.svc.UpdateStaff(ctx, "u_another_admin", a.ID, a.Version, withExpiry)
	wantInvalid(t, "an expiry for the last lasting administrator", err, "roles", "staff.last_admin")
	_, err = e.svc.UpdateStaff(ctx, "u_another_admin", a.ID, a.Version, account.StaffInput{Name: a.Name, Roles: []account.Role{account.RoleOfficer}})
	wantInvalid(t, "demoting the last lasting administrator beside one who expires", err, "roles", "staff.last_admin")
	if got := e.reload(a.ID); !got.Has(account.RoleAdmin) || !got.Expires.IsZero() {
		t.Fatalf("stored after refusals: roles %v expiry %v", got.Roles, got.Expires)
	}
	// The contractor administrator may still leave: a lasting one remains.
	if _, err := e.svc.UpdateStaff(ctx, "u_another_admin", contractor.ID, contractor.Version,
		account.StaffInput{Name: contractor.Name, Roles: []account.Role{account.RoleOfficer}, Contractor: true, Expires: later}); err != nil {
		t.Fatalf("demoting the contractor administrator: %v", err)
	}

	// Two lasting administrators giving each other an expiry at once: one stands.
	b := e.seedStaff("b@agency.example", "乙", account.RoleAdmin)
	a = e.reload(a.ID)
	errs := make(chan error, 2)
	for _, u := range []*account.User{a, b} {
		go func() {
			_, err := e.svc.UpdateStaff(ctx, "u_another_admin", u.ID, u.Version,
				account.StaffInput{Name: u.Name, Roles: []account.Role{account.RoleAdmin}, Contractor: true, Expires: later})
			errs <- err
		}()
	}
	failed := 0
	for range 2 {
		if err := <-errs; err != nil {
			wantInvalid(t, "the second expiry", err, "roles", "staff.last_admin")
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d expiries refused, want exactly 1", failed)
	}
	if e.reload(a.ID).Expires.IsZero() == e.reload(b.ID).Expires.IsZero() {
		t.Fatal("want exactly one administrator without an expiry")
	}
}
