package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/example/pdpa-portal/account"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/internal/ids"
)

// unchanged fails if a collection that holds what people save differs from before.
func unchanged(t *testing.T, what string, before, after map[string][]bson.Raw) {
	t.Helper()
	for coll := range after {
		if strings.HasPrefix(coll, "audit") || coll == "sessions" || coll == "signin_failures" {
			// The trail records refusals; sessions are touched by use; a literal
			// {"$ne": ""} is only an address nobody has, its failed sign-in counted.
			continue
		}
		if !reflect.DeepEqual(before[coll], after[coll]) {
			t.Errorf("%s: collection %s changed", what, coll)
		}
	}
}

// Operator injection through the forms: keys such as email[$ne], $where or dotted names
// bind to nothing and values such as {"$ne": ""} are only text, so the forms answer 400
// naming the field in the visitor's language, nobody is signed in and nothing is stored.
// Through the API, an object where a string belongs, $where and dotted or $-prefixed
// names are a 400 with a code and a message in the caller's language.
func TestSecurityOperatorInjectionIs400(t *testing.T) {
	h := newHarness(t)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	a := h.signIn("a@example.tw", citizenPassword)
	before := snapshot(t, h.db)
	hostile := []url.Values{
		{"email[$ne]": {"x"}, "password[$ne]": {"x"}},
		{"email": {`{"$ne": ""}`}, "password": {`{"$ne": ""}`}},
		{"$where": {"1 == 1"}, "email.$ne": {""}, "password": {"x"}},
		{"email[$regex]": {".*"}, "email": {`{"$gt": ""}`}, "password[$exists]": {"true"}},
	}
	for _, target := range []string{"/signin", "/signup", "/forgot", "/guest/track"} {
		for i, form := range hostile {
			for _, lang := range []func(*http.Request){func(*http.Request) {}, english} {
				r := h.browser(lang).post(target, form)
				what := target + " form " + string(rune('0'+i))
				if r.Code != http.StatusBadRequest && !(target == "/signin" && r.Code == http.StatusUnauthorized) {
					t.Errorf("%s: status %d, want 400", what, r.Code)
				}
				msg := r.text(".error-summary")
				if msg == "" || cookieNamed(r, "portal_session") != nil {
					t.Errorf("%s: message %q, session %v", what, msg, cookieNamed(r, "portal_session"))
				}
			}
		}
	}
	if zh, en := h.post("/signin", hostile[0]).text(".error-summary"), h.post("/signin", hostile[0], english).text(".error-summary"); !hasHan(zh) || hasHan(en) {
		t.Errorf("the messages are not in the visitor's language: %q / %q", zh, en)
	}
	for i, form := range []url.Values{{"kind[$ne]": {"x"}, "scope": {"s"}}, {"kind": {`{"$ne": ""}`}}, {"$where": {"1"}, "kind.$ne": {"view"}}} {
		if r := a.post("/requests", form); r.Code != http.StatusBadRequest || !strings.Contains(r.text("main"), "請求類別") {
			t.Errorf("request form %d: %d %q", i, r.Code, r.text("main"))
		}
	}

	for _, tc := range []struct{ path, body, code string }{
		{"/api/v1/me/requests", `{"kind": {"$ne": null}, "scope": "x"}`, "invalid_field"},
		{"/api/v1/me/requests", `{"kind": "view", "scope": {"$gt": ""}}`, "invalid_field"},
		{"/api/v1/me/requests", `{"kind": "view", "$where": "1 == 1"}`, "unknown_field"},
		{"/api/v1/me/requests", `{"kind.$ne": "view"}`, "unknown_field"},
		{"/api/v1/me/requests", `{"kind": ["view"]}`, "invalid_field"},
		{"/api/v1/me/consents/newsletter", `{"granted": {"$ne": false}}`, "invalid_field"},
		{"/api/v1/me/consents/newsletter", `{"$set": {"granted": true}}`, "unknown_field"},
		{"/api/v1/receipts/verify", `{"email": {"$ne": null}}`, "unknown_field"},
		{"/api/v1/receipts/verify", `{"jws": {"$ne": null}}`, "invalid_field"},
	} {
		zh := apiError(t, a.api(http.MethodPost, tc.path, tc.body), 400, tc.code)
		en := apiError(t, a.api(http.MethodPost, tc.path, tc.body, english), 400, tc.code)
		if !hasHan(zh) || hasHan(en) || en == "" {
			t.Errorf("%s %s: messages %q / %q", tc.path, tc.body, zh, en)
		}
	}
	unchanged(t, "injection", before, snapshot(t, h.db))
	if r := a.get("/requests"); r.doc.Find("tbody tr").Length() != 0 {
		t.Error("a request was filed")
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Session fixation: a session cookie planted before sign-in — someone else's real one,
// or a value of the attacker's choosing — is replaced at sign-in, and the planted one
// never reaches the account; after sign-out the old cookie reaches nothing.
func TestSecuritySessionFixation(t *testing.T) {
	h := newHarness(t)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	h.makeUser("m@example.tw", "攻擊者", citizenPassword)
	planted := h.signIn("m@example.tw", citizenPassword).jar["portal_session"]
	for name, ck := range map[string]*http.Cookie{"another session": planted, "a chosen value": {Name: "portal_session", Value: "attacker-chosen-value"}} {
		victim := h.browser()
		victim.jar["portal_session"] = ck
		if r := victim.post("/signin", url.Values{"email": {"a@example.tw"}, "password": {citizenPassword}}); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: sign in %d", name, r.Code)
		}
		after := victim.jar["portal_session"]
		if after == nil || after.Value == ck.Value {
			t.Fatalf("%s: the session cookie was not replaced at sign-in", name)
		}
		if r := h.get("/account", withCookie(ck)); strings.Contains(r.Body.String(), "a@example.tw") {
			t.Errorf("%s: the planted cookie reaches the victim's account", name)
		}
		old := victim.jar["portal_session"]
		victim.post("/signout", url.Values{})
		if r := h.get("/account", withCookie(old)); r.Code != http.StatusSeeOther || strings.Contains(r.Body.String(), "a@example.tw") {
			t.Errorf("%s: the cookie still works after sign-out: %d", name, r.Code)
		}
	}
}

func withCookie(c *http.Cookie) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value}) }
}

// Every cookie the portal sets — the eight the cookie page names — is HttpOnly,
// SameSite, for the whole site, and Secure when the browser came over TLS, directly or
// through a trusted proxy; over plain HTTP none is Secure (it would never come back).
func TestSecurityCookieFlags(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	h.makeUser("a@example.tw", "甲", citizenPassword)
	direct := func(r *http.Request) { r.TLS = tlsState() }
	proxied := func(r *http.Request) { r.RemoteAddr = "10.1.2.3:4000"; r.Header.Set("X-Forwarded-Proto", "https") }
	plain := func(*http.Request) {}
	for name, how := range map[string]func(*http.Request){"tls": direct, "proxy": proxied, "http": plain} {
		var set []*http.Cookie
		b := h.browser(how)
		keep := func(r *response) *response { set = append(set, r.Result().Cookies()...); return r }
		keep(b.post("/cookies", url.Values{"choice": {"accept"}}))
		keep(b.get("/privacy"))
		// Global Privacy Control takes the visitor cookie away again.
		keep(h.get("/privacy", how, header("Sec-GPC", "1"), func(r *http.Request) {
			for _, c := range b.jar {
				r.AddCookie(c)
			}
		}))
		keep(b.get("/lang?to=en&next=/"))
		keep(b.post("/notice/dismiss", url.Values{"next": {"/"}}))
		keep(b.post("/signin", url.Values{"email": {"a@example.tw"}, "password": {citizenPassword}}))
		keep(b.get("/account"))
		keep(b.post("/cookies", url.Values{"choice": {"refuse"}}))
		keep(b.post("/signout", url.Values{}))
		email := name + "@example.tw"
		filed := keep(b.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"x"}, "email": {email}}))
		keep(b.post(filed.Header().Get("Location"), url.Values{"code": {lastCode(t, h, email)}}))
		names := map[string]bool{}
		for _, c := range set {
			names[c.Name] = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				t.Errorf("%s: cookie %s: HttpOnly %v SameSite %v Path %q", name, c.Name, c.HttpOnly, c.SameSite, c.Path)
			}
			if c.Secure != (name != "http") {
				t.Errorf("%s: cookie %s: Secure %v", name, c.Name, c.Secure)
			}
		}
		var got []string
		for n := range names {
			got = append(got, n)
		}
		sort.Strings(got)
		want := []string{"lang", "notice_seen", "portal_cookies", "portal_flash", "portal_guest", "portal_guest_bind", "portal_session", "portal_visit"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: cookies set %v, want every one the cookie page names %v", name, got, want)
		}
	}
}

// median of durations.
func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// answerOf is what a visitor can tell from an answer: status, where it leads, the
// message and the names of the cookies set.
func answerOf(r *response) string {
	var names []string
	for _, c := range r.Result().Cookies() {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return r.Result().Status + " " + r.Header().Get("Location") + " " + r.text(".error-summary") + r.text("main .notice") + " " + strings.Join(names, ",")
}

// Sign-in tells nobody whether an address has an account: an unknown address and a
// wrong password get the same status, message and cookies, and take about as long.
// Attempts interleave (each address used once, so the lock never answers), and the
// medians are compared: every answer verifies one argon2id hash, tens of milliseconds,
// so a path that skipped it would be many times faster; the bound of 2x leaves room for
// the noise of a machine shared with other test runs while still catching that.
// Sign-up and reset answer alike for both and no sooner than their floors.
func TestSecuritySignInDoesNotRevealAccounts(t *testing.T) {
	const n = 12
	// The comparison needs the real cost: a cheap hash is as quick as skipping it.
	account.CheapHashesInTests(false)
	t.Cleanup(func() { account.CheapHashesInTests(true) })
	h := newHarnessWith(t, func(o *handlers.Options) { o.SignUpFloor, o.ResetFloor = 250*time.Millisecond, 150*time.Millisecond })
	// One hash for all the accounts: hashing fifteen times would only slow the test.
	hash, err := account.HashPassword(citizenPassword)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		now := h.clock.Now()
		u := &account.User{ID: ids.New("u"), Email: fmt.Sprintf("known%d@example.tw", i), Name: "甲", PasswordHash: hash,
			PasswordHistory: []string{hash}, PasswordChanged: now, Created: now, EmailVerified: true}
		if err := h.users.Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	var known, unknown []time.Duration
	answers := map[string]bool{}
	timed := func(f func() *response) (*response, time.Duration) {
		start := time.Now()
		r := f()
		return r, time.Since(start)
	}
	for i := 0; i < n; i++ {
		order := []string{"known", "nobody"}
		if i%2 == 1 {
			order[0], order[1] = order[1], order[0] // neither always goes first (a GC pause, a warm cache)
		}
		for _, who := range order {
			form := url.Values{"email": {fmt.Sprintf("%s%d@example.tw", who, i)}, "password": {"Wrong-Guess-2026!"}}
			r, d := timed(func() *response { return h.post("/signin", form) })
			answers[answerOf(r)] = true
			if who == "known" {
				known = append(known, d)
			} else {
				unknown = append(unknown, d)
			}
		}
	}
	if len(answers) != 1 {
		t.Errorf("sign-in answers differ: %v", answers)
	}
	mk, mu := median(known), median(unknown)
	t.Logf("sign-in medians: wrong password %v, unknown address %v", mk, mu)
	if mk > 2*mu || mu > 2*mk {
		t.Errorf("sign-in timing tells accounts apart: %v vs %v", mk, mu)
	}

	for _, tc := range []struct {
		path  string
		floor time.Duration
		form  func(email string) url.Values
	}{
		{"/forgot", 150 * time.Millisecond, func(e string) url.Values { return url.Values{"email": {e}} }},
		{"/signup", 250 * time.Millisecond, func(e string) url.Values { return signUpForm(e, "乙", "Other-Tea-2026!") }},
	} {
		answers := map[string]bool{}
		var ds [2][]time.Duration
		for i := 0; i < 4; i++ {
			for j, who := range []string{"known", "nobody"} {
				r, d := timed(func() *response { return h.post(tc.path, tc.form(fmt.Sprintf("%s%d@example.tw", who, i))) })
				answers[answerOf(r)] = true
				ds[j] = append(ds[j], d)
				if d < tc.floor {
					t.Errorf("%s answered %s in %v, under the floor %v", tc.path, who, d, tc.floor)
				}
			}
		}
		if len(answers) != 1 {
			t.Errorf("%s answers differ: %v", tc.path, answers)
		}
		if a, b := median(ds[0]), median(ds[1]); a > 2*b || b > 2*a {
			t.Errorf("%s timing tells accounts apart: %v vs %v", tc.path, a, b)
		}
	}
}
