package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/store/storetest"
)

// requiredPurposes are the default notice's required purposes.
var requiredPurposes = []string{"account", "progress", "online", "systems", "stats"}

// A citizen signs up, verifies the address from the mail, signs in and sees the account,
// in each language, with the mail in that language.
func TestCitizenSignUpVerifyAndSignIn(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		lang    func(*http.Request)
		email   string
		subject string
		flash   string
	}{
		{func(*http.Request) {}, "lin@example.tw", "請驗證您的電子郵件", "您的電子郵件已驗證。"},
		{english, "lee@example.com", "Please verify your e-mail address", "Your e-mail address is verified."},
	}
	for _, tc := range cases {
		b := h.browser(tc.lang)
		form := b.get("/signup")
		if form.Code != 200 || form.doc.Find(`form[action="/signup"] input[name=password][autocomplete=new-password]`).Length() != 1 {
			t.Fatalf("sign-up form: %d", form.Code)
		}
		r := b.post("/signup", signUpForm(tc.email, "林小華", citizenPassword))
		if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/mail-sent?about=signup" {
			t.Fatalf("sign up: %d %s %s", r.Code, r.Header().Get("Location"), r.text(".error-summary"))
		}
		sent := b.follow(r)
		if sent.Code != 200 || sent.text("h1") == "" {
			t.Fatalf("mail-sent page: %d", sent.Code)
		}
		link, m := h.lastLink(tc.email)
		if m.Subject != tc.subject || m.Kind != account.MailVerify {
			t.Fatalf("mail subject %q kind %q, want %q", m.Subject, m.Kind, tc.subject)
		}
		if !strings.HasPrefix(link, "/verify?token=") {
			t.Fatalf("link %q", link)
		}
		// Not verified yet: the account page says so.
		b2 := h.signIn(tc.email, citizenPassword, tc.lang)
		acc := b2.get("/account")
		if acc.doc.Find(`form[action="/account/verify"]`).Length() != 1 {
			t.Fatal("an unverified account is not told to verify")
		}
		v := b.get(link)
		if v.Code != http.StatusSeeOther || v.Header().Get("Location") != "/signin" {
			t.Fatalf("verify: %d %s", v.Code, v.Header().Get("Location"))
		}
		if got := b.follow(v).text(".flash"); got != tc.flash {
			t.Fatalf("flash %q, want %q", got, tc.flash)
		}
		// Used twice: signed out, the page says what to do next; signed in and verified,
		// the person is told the address is verified already.
		if again := b.get(link); again.Code != http.StatusNotFound || !strings.Contains(again.text("main"), map[bool]string{true: "sign in", false: "登入"}[tc.email == "lee@example.com"]) {
			t.Fatalf("a verification link used twice: %d %q", again.Code, again.text("main"))
		}
		if again := b2.get(link); again.Code != http.StatusSeeOther || again.Header().Get("Location") != "/account" ||
			b2.follow(again).doc.Find(".flash").Length() != 1 {
			t.Fatalf("a verification link used twice by the verified person: %d %s", again.Code, again.Header().Get("Location"))
		}
		acc = b2.get("/account")
		if acc.doc.Find(`form[action="/account/verify"]`).Length() != 0 || acc.doc.Find(".tag.ok").Length() != 1 {
			t.Fatal("the account page does not show the address as verified")
		}
	}
}

// Signing up with an address that has an account looks exactly like a new sign-up; the
// holder gets a mail instead.
func TestSignUpWithTakenAddressRevealsNothing(t *testing.T) {
	h := newHarness(t)
	h.makeUser("taken@example.tw", "王大明", citizenPassword)
	b := h.browser()
	first := b.post("/signup", signUpForm("new@example.tw", "陳一", citizenPassword))
	second := b.post("/signup", signUpForm("Taken@Example.tw", "冒名者", "Other-Pass-99!"))
	if first.Code != second.Code || first.Header().Get("Location") != second.Header().Get("Location") {
		t.Fatalf("new %d %s, taken %d %s", first.Code, first.Header().Get("Location"), second.Code, second.Header().Get("Location"))
	}
	ms := h.mails("taken@example.tw")
	if len(ms) != 1 || ms[0].Kind != account.MailSignupExists {
		t.Fatalf("the holder was not told: %+v", ms)
	}
	// The holder's password still works; the newcomer's does not.
	h.signIn("taken@example.tw", citizenPassword)
	if r := h.browser().post("/signin", url.Values{"email": {"taken@example.tw"}, "password": {"Other-Pass-99!"}}); r.Code != http.StatusUnauthorized {
		t.Fatalf("the second sign-up's password works: %d", r.Code)
	}
}

// Problems are listed in the user's language, linked to the fields, and what was typed
// is kept, except passwords.
func TestSignUpProblemsKeepInputButNotPasswords(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		lang  func(*http.Request)
		words []string
	}{
		{func(*http.Request) {}, []string{"請修正", "密碼"}},
		{english, []string{"Please fix", "password"}},
	} {
		b := h.browser(tc.lang)
		r := b.post("/signup", url.Values{"email": {"not-an-address"}, "name": {"<script>alert(1)</script>"},
			"password": {"short"}, "password_confirm": {"other"}})
		if r.Code != http.StatusBadRequest {
			t.Fatalf("status %d", r.Code)
		}
		summary := r.text(".error-summary")
		for _, w := range tc.words {
			if !strings.Contains(summary, w) {
				t.Errorf("summary %q lacks %q", summary, w)
			}
		}
		if r.doc.Find(`.error-summary a[href="#f-email"]`).Length() != 1 || r.doc.Find(`#f-email[aria-invalid=true]`).Length() != 1 {
			t.Error("the e-mail problem is not linked to its field")
		}
		if v, _ := r.doc.Find("#f-email").Attr("value"); v != "not-an-address" {
			t.Errorf("typed e-mail not kept: %q", v)
		}
		if v, _ := r.doc.Find("#f-name").Attr("value"); v != "<script>alert(1)</script>" {
			t.Errorf("typed name not kept: %q", v)
		}
		if strings.Contains(r.Body.String(), "<script>alert(1)</script>") {
			t.Error("the name came back unescaped")
		}
		if v, ok := r.doc.Find("#f-password").Attr("value"); ok && v != "" {
			t.Errorf("the password was echoed back: %q", v)
		}
	}
}

// Three failures lock an address. The pages for an address with and without an account
// are the same, so the form cannot be used to find out who has one.
func TestLockoutLooksTheSameForStrangers(t *testing.T) {
	h := newHarness(t)
	h.makeUser("known@example.tw", "張三", citizenPassword)
	norm := regexp.MustCompile(`(known|unknown)@example\.tw|[0-9a-f]{16}`)
	var pages [2][]string
	for i, email := range []string{"known@example.tw", "unknown@example.tw"} {
		for try := 0; try < 4; try++ {
			// Each from its own address: one address waits before its third try.
			b := h.browser(func(r *http.Request) { r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4711", try+1) })
			r := b.post("/signin", url.Values{"email": {email}, "password": {"Wrong-Pass-1!"}})
			if r.Code != http.StatusUnauthorized {
				t.Fatalf("%s try %d: %d", email, try, r.Code)
			}
			main, _ := r.doc.Find("main").Html()
			pages[i] = append(pages[i], norm.ReplaceAllString(main, "X"))
		}
		if !strings.Contains(pages[i][0], "不正確") || !strings.Contains(pages[i][2], "已鎖定") {
			t.Fatalf("%s: first answer %q, third %q", email, pages[i][0], pages[i][2])
		}
	}
	for try := range pages[0] {
		if pages[0][try] != pages[1][try] {
			t.Fatalf("attempt %d differs between a known and an unknown address:\n%s\n---\n%s", try, pages[0][try], pages[1][try])
		}
	}
	// The right password does not get through a lock.
	if r := h.browser().post("/signin", url.Values{"email": {"known@example.tw"}, "password": {citizenPassword}}); r.Code != http.StatusUnauthorized || r.doc.Find(`a[href="/forgot"]`).Length() == 0 {
		t.Fatalf("locked account signed in or not told how to unlock: %d", r.Code)
	}
	// A citizen unlocks by completing a reset.
	b := h.browser()
	if r := b.post("/forgot", url.Values{"email": {"known@example.tw"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("forgot: %d", r.Code)
	}
	link, m := h.lastLink("known@example.tw")
	if m.Kind != account.MailReset || !strings.Contains(m.Body, "30") {
		t.Fatalf("reset mail %q", m.Body)
	}
	form := b.get(link)
	token, _ := form.doc.Find(`input[name=token]`).Attr("value")
	const newPassword = "Fresh-Start-2027?"
	if r := b.post("/reset", url.Values{"token": {token}, "password": {newPassword}, "password_confirm": {newPassword}}); r.Code != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", r.Code, r.text(".error-summary"))
	}
	h.signIn("known@example.tw", newPassword)
	// The unknown address stays "locked", as a real one would.
	if r := h.browser().post("/signin", url.Values{"email": {"unknown@example.tw"}, "password": {citizenPassword}}); r.Code != http.StatusUnauthorized {
		t.Fatalf("unknown address: %d", r.Code)
	}
}

// A reset link works once, for 30 minutes; a weak password does not spend it.
func TestResetLinkSingleUseAndExpiry(t *testing.T) {
	h := newHarness(t)
	h.makeUser("r@example.tw", "李四", citizenPassword)
	b := h.browser(english)
	b.post("/forgot", url.Values{"email": {"r@example.tw"}})
	link, _ := h.lastLink("r@example.tw")
	token := strings.TrimPrefix(link, "/reset?token=")
	weak := b.post("/reset", url.Values{"token": {token}, "password": {"weak"}, "password_confirm": {"weak"}})
	if weak.Code != http.StatusBadRequest || !strings.Contains(weak.text(".error-summary"), "at least 8") {
		t.Fatalf("weak password: %d %q", weak.Code, weak.text(".error-summary"))
	}
	reused := b.post("/reset", url.Values{"token": {token}, "password": {citizenPassword}, "password_confirm": {citizenPassword}})
	if reused.Code != http.StatusBadRequest || !strings.Contains(reused.text(".error-summary"), "last 3") {
		t.Fatalf("reused password: %d %q", reused.Code, reused.text(".error-summary"))
	}
	const pw = "Second-Try-2026!"
	if r := b.post("/reset", url.Values{"token": {token}, "password": {pw}, "password_confirm": {pw}}); r.Code != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Code)
	}
	if r := b.get(link); r.Code != http.StatusNotFound {
		t.Fatalf("a used link: %d", r.Code)
	}
	b.post("/forgot", url.Values{"email": {"r@example.tw"}})
	link, _ = h.lastLink("r@example.tw")
	h.clock.Advance(30*time.Minute + time.Second)
	if r := b.get(link); r.Code != http.StatusNotFound || !strings.Contains(r.text("main"), "expired") {
		t.Fatalf("an expired link: %d", r.Code)
	}
	// An unknown address gets the same answer and no mail.
	if r := b.post("/forgot", url.Values{"email": {"nobody@example.tw"}}); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/mail-sent?about=reset" {
		t.Fatalf("unknown address: %d", r.Code)
	}
	if len(h.mails("nobody@example.tw")) != 0 {
		t.Fatal("mail to an address without an account")
	}
}

// The profile is saved sealed: the database holds no plaintext phone or address.
func TestProfileIsSavedAndSealed(t *testing.T) {
	h := newHarness(t)
	h.makeUser("p@example.tw", "黃五", citizenPassword)
	b := h.signIn("p@example.tw", citizenPassword)
	bad := b.post("/account/profile", url.Values{"name": {"黃五"}, "phone": {"call me maybe"}, "address": {"臺北市"}})
	if bad.Code != http.StatusBadRequest || bad.doc.Find("#f-phone[aria-invalid=true]").Length() != 1 {
		t.Fatalf("bad phone: %d", bad.Code)
	}
	if v, _ := bad.doc.Find("#f-phone").Attr("value"); v != "call me maybe" {
		t.Fatalf("typed phone not kept: %q", v)
	}
	ok := b.post("/account/profile", url.Values{"name": {"黃五六"}, "phone": {"0912-345-678"}, "address": {"臺北市中正區重慶南路一段 122 號"}, "lang": {"en"}})
	if ok.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", ok.Code, ok.text(".error-summary"))
	}
	page := b.get("/account")
	if v, _ := page.doc.Find("#f-phone").Attr("value"); v != "0912-345-678" {
		t.Fatalf("phone shown %q", v)
	}
	if !strings.Contains(page.text("#f-address"), "重慶南路") || !strings.Contains(page.text(".session-links"), "黃五六") {
		t.Fatal("address or new name not shown")
	}
	dump := storetest.Dump(t, h.db)
	for _, secret := range []string{"0912-345-678", "重慶南路", "黃五六", "p@example.tw"} {
		if strings.Contains(dump, secret) {
			t.Fatalf("plaintext %q in the database", secret)
		}
	}
}

// Changing the password ends the other sessions, keeps this one, and refuses the last 3.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "周六", citizenPassword)
	phone := h.signIn("c@example.tw", citizenPassword)
	laptop := h.signIn("c@example.tw", citizenPassword)
	wrong := laptop.post("/account/password", url.Values{"current_password": {"nope"}, "password": {"New-Pass-2026!"}, "password_confirm": {"New-Pass-2026!"}})
	if wrong.Code != http.StatusBadRequest || wrong.doc.Find("#f-current_password[aria-invalid=true]").Length() != 1 {
		t.Fatalf("wrong current password: %d", wrong.Code)
	}
	same := laptop.post("/account/password", url.Values{"current_password": {citizenPassword}, "password": {citizenPassword}, "password_confirm": {citizenPassword}})
	if same.Code != http.StatusBadRequest {
		t.Fatalf("the current password accepted as new: %d", same.Code)
	}
	r := laptop.post("/account/password", url.Values{"current_password": {citizenPassword}, "password": {"New-Pass-2026!"}, "password_confirm": {"New-Pass-2026!"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.Code, r.text(".error-summary"))
	}
	if laptop.get("/account").Code != 200 {
		t.Fatal("the session that changed the password was ended")
	}
	if got := phone.get("/account"); got.Code != http.StatusSeeOther || !strings.HasPrefix(got.Header().Get("Location"), "/signin") {
		t.Fatalf("the other session survived the change: %d", got.Code)
	}
}

// Citizens idle out after 2 hours, staff after 30 minutes; everyone after 12 hours.
func TestIdleTimeoutsByRole(t *testing.T) {
	h := newHarness(t)
	h.makeUser("cit@example.tw", "民眾", citizenPassword)
	h.makeUser("off@agency.example", "承辦", citizenPassword, account.RoleOfficer)
	cit := h.signIn("cit@example.tw", citizenPassword)
	off := h.signIn("off@agency.example", citizenPassword)
	h.clock.Advance(31 * time.Minute)
	if cit.get("/account").Code != 200 {
		t.Fatal("a citizen idled out after 31 minutes")
	}
	if r := off.get("/staff"); r.Code != http.StatusSeeOther {
		t.Fatalf("staff still signed in after 31 idle minutes: %d", r.Code)
	}
	h.clock.Advance(2*time.Hour + time.Minute)
	if r := cit.get("/account"); r.Code != http.StatusSeeOther {
		t.Fatalf("a citizen still signed in after 2 idle hours: %d", r.Code)
	}
	// Absolute limit: active every hour, still out after 12 hours.
	cit = h.signIn("cit@example.tw", citizenPassword)
	for i := 0; i < 11; i++ {
		h.clock.Advance(time.Hour)
		if cit.get("/account").Code != 200 {
			t.Fatalf("signed out after %d active hours", i+1)
		}
	}
	h.clock.Advance(time.Hour)
	if r := cit.get("/account"); r.Code != http.StatusSeeOther {
		t.Fatal("a session outlived the 12-hour limit")
	}
}

// The session id changes at sign-in, so a planted cookie is worthless.
func TestSignInIssuesANewSession(t *testing.T) {
	h := newHarness(t)
	h.makeUser("f@example.tw", "吳七", citizenPassword)
	b := h.signIn("f@example.tw", citizenPassword)
	before := b.jar["portal_session"].Value
	b.post("/signin", url.Values{"email": {"f@example.tw"}, "password": {citizenPassword}})
	after := b.jar["portal_session"].Value
	if before == after {
		t.Fatal("the session cookie did not change at sign-in")
	}
	old := h.browser()
	old.jar["portal_session"] = &http.Cookie{Name: "portal_session", Value: before}
	if r := old.get("/account"); r.Code != http.StatusSeeOther {
		t.Fatalf("the replaced session still works: %d", r.Code)
	}
	ck := b.jar["portal_session"]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie flags: %+v", ck)
	}
}

// Over the per-address limit, sign-in, sign-up and reset answer 429 with Retry-After.
func TestRateLimitsPerAddress(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.RateLimit = 3; o.RateWindow = time.Minute })
	for _, path := range []string{"/signin", "/signup", "/forgot"} {
		var last *response
		for i := 0; i < 4; i++ {
			last = h.post(path, url.Values{"email": {"x@example.tw"}}, func(r *http.Request) { r.RemoteAddr = "198.51.100.7:1234" })
		}
		if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" {
			t.Fatalf("%s: 4th attempt %d, Retry-After %q", path, last.Code, last.Header().Get("Retry-After"))
		}
		if !strings.Contains(last.text("h1"), "過多") || !strings.Contains(last.text(".lead"), "1 分鐘") {
			t.Fatalf("429 page heading %q, text %q (it says how long to wait)", last.text("h1"), last.text(".lead"))
		}
		other := h.post(path, url.Values{"email": {"x@example.tw"}}, func(r *http.Request) { r.RemoteAddr = "203.0.113.9:1234" })
		if other.Code == http.StatusTooManyRequests {
			t.Fatalf("%s: another address was limited too", path)
		}
	}
	h.clock.Advance(time.Minute)
	if r := h.post("/signin", url.Values{"email": {"x@example.tw"}}, func(r *http.Request) { r.RemoteAddr = "198.51.100.7:1234" }); r.Code == http.StatusTooManyRequests {
		t.Fatal("still limited after the window")
	}
	// Successful sign-ins do not count: a whole office behind one address signs in.
	h.clock.Advance(time.Minute)
	for i := range 8 {
		email := "staff" + string(rune('a'+i)) + "@example.tw"
		h.makeUser(email, "同事", citizenPassword)
		r := h.post("/signin", url.Values{"email": {email}, "password": {citizenPassword}}, func(r *http.Request) { r.RemoteAddr = "192.0.2.44:1234" })
		if r.Code != http.StatusSeeOther {
			t.Fatalf("colleague %d signing in from the office's address: %d", i+1, r.Code)
		}
	}
}

// Hostile input never causes a 500 and never binds operators.
func TestAccountFormsRefuseHostileInput(t *testing.T) {
	h := newHarness(t)
	h.makeUser("h@example.tw", "鄭八", citizenPassword)
	cases := []struct {
		path string
		body string
		want int
	}{
		{"/signin", "email[$ne]=x&password[$ne]=x", http.StatusBadRequest},
		{"/signin", "email=h%40example.tw&password%5B%24gt%5D=", http.StatusBadRequest},
		{"/signup", "email=a%00b%40example.tw&name=x&password=A-b-1-c-D&password_confirm=A-b-1-c-D", http.StatusBadRequest},
		{"/signup", "email=a@example.tw&name=" + strings.Repeat("長", 101) + "&password=Aa1!aaaa&password_confirm=Aa1!aaaa", http.StatusBadRequest},
		{"/signup", "email=%ZZ", http.StatusBadRequest},
		{"/forgot", "email=" + strings.Repeat("a", 300) + "@example.tw", http.StatusBadRequest},
		{"/signin", "email=" + strings.Repeat("x", 70<<10), http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		r := h.do(http.MethodPost, tc.path, strings.NewReader(tc.body), header("Content-Type", "application/x-www-form-urlencoded"))
		if r.Code != tc.want {
			t.Errorf("%s %.60q: %d, want %d", tc.path, tc.body, r.Code, tc.want)
		}
	}
	if n := len(h.mails("a@example.tw")); n != 0 {
		t.Fatalf("hostile sign-up created mail: %d", n)
	}
}

// The inbox lists the person's mail by subject, newest first, a page at a time; each
// opens on its own page, but not the body of a link meant for the mailbox; another
// person's mail is not found.
func TestInboxShowsMailButHidesLinks(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.post("/signup", signUpForm("in@example.tw", "馮九", citizenPassword))
	s := h.signIn("in@example.tw", citizenPassword)
	page := s.get("/account/inbox")
	links := page.doc.Find("ul.inbox a")
	if page.Code != 200 || links.Length() != 1 || !strings.Contains(links.Text(), "驗證") {
		t.Fatalf("inbox: %d, %d subjects %q", page.Code, links.Length(), links.Text())
	}
	verify, _ := links.Attr("href")
	if m := s.get(verify); m.Code != 200 || strings.Contains(m.Body.String(), "/verify?token=") || !strings.Contains(m.text("h1"), "驗證") {
		t.Fatalf("the verification mail: %d, or its link is shown", m.Code)
	}
	s.post("/account/password", url.Values{"current_password": {citizenPassword}, "password": {"Brand-New-2026!"}, "password_confirm": {"Brand-New-2026!"}})
	page = s.get("/account/inbox")
	newest, _ := page.doc.Find("ul.inbox a").First().Attr("href")
	if page.doc.Find("ul.inbox a").Length() != 2 || !strings.Contains(s.get(newest).text(".mail-body"), "密碼") {
		t.Fatal("the password-changed mail is not the newest, or not readable")
	}
	// Another person's mail, and ids that are no mail at all, are not found.
	h.makeUser("other@example.tw", "旁人", citizenPassword)
	other := h.signIn("other@example.tw", citizenPassword)
	for _, path := range []string{newest, "/account/inbox/x", "/account/inbox/m_" + strings.Repeat("a", 60)} {
		if r := other.get(path); r.Code != http.StatusNotFound {
			t.Fatalf("%s read by another person: %d", path, r.Code)
		}
	}

	// Paged: 45 messages are three pages of 20, 20 and 5, newest first.
	u, err := h.users.ByEmail(context.Background(), "in@example.tw")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 43 {
		h.clock.Advance(time.Minute)
		if err := h.accounts.Mailer.Send(context.Background(), mail.Mail{UserID: u.ID, To: u.Email, Lang: "en", Kind: "password_changed", Args: []mail.Arg{mail.Text(strconv.Itoa(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	var counts []int
	next := "/account/inbox"
	for next != "" && len(counts) < 5 {
		p := s.get(next)
		counts = append(counts, p.doc.Find("ul.inbox a").Length())
		next, _ = p.doc.Find(`.pager a[rel="next"]`).Attr("href")
	}
	if fmt.Sprint(counts) != "[20 20 5]" {
		t.Fatalf("pages of %v, want [20 20 5]", counts)
	}
	if r := s.get("/account/inbox?page=x"); r.Code != 200 || r.doc.Find("ul.inbox a").Length() != 20 {
		t.Fatalf("a hand-edited page number: %d", r.Code)
	}
}

// Sign-up and reset answer no sooner than their floor whether or not the address has an
// account, so the extra work done for one kind does not show in the timing.
func TestSignUpAndResetAnswerNoSoonerThanTheirFloor(t *testing.T) {
	const floor = 300 * time.Millisecond
	h := newHarnessWith(t, func(o *handlers.Options) { o.SignUpFloor, o.ResetFloor = floor, floor })
	h.makeUser("known@example.tw", "已註冊", citizenPassword)
	timed := func(path string, form url.Values) time.Duration {
		start := time.Now()
		if r := h.post(path, form); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d", path, r.Code)
		}
		return time.Since(start)
	}
	for name, d := range map[string]time.Duration{
		"sign-up, new address":   timed("/signup", signUpForm("new@example.tw", "新", citizenPassword)),
		"sign-up, taken address": timed("/signup", signUpForm("known@example.tw", "冒", citizenPassword)),
		"reset, known address":   timed("/forgot", url.Values{"email": {"known@example.tw"}}),
		"reset, unknown address": timed("/forgot", url.Values{"email": {"nobody@example.tw"}}),
	} {
		if d < floor {
			t.Errorf("%s answered in %v, before the %v floor", name, d, floor)
		}
	}
}

// The return path after sign-in or a language switch stays on this site, whatever
// characters a browser would drop or reinterpret.
func TestReturnPathsStayOnSite(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("n@example.tw", "某", citizenPassword))
	for _, next := range []string{"//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example",
		"/\x7f/evil.example", "/ok\r\nSet-Cookie: x=1", "javascript:alert(1)"} {
		b := h.browser()
		r := b.post("/signin", url.Values{"email": {"n@example.tw"}, "password": {citizenPassword}, "next": {next}})
		if loc := r.Header().Get("Location"); loc != "" && loc != "/account" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
		l := h.get("/lang?" + url.Values{"to": {"en"}, "next": {next}}.Encode())
		if loc := l.Header().Get("Location"); loc != "/" {
			t.Errorf("lang next=%q redirected to %q", next, loc)
		}
	}
	b := h.browser()
	r := b.post("/signin", url.Values{"email": {"n@example.tw"}, "password": {citizenPassword}, "next": {"/account/inbox?x=1"}})
	if r.Header().Get("Location") != "/account/inbox?x=1" {
		t.Fatalf("a good next was dropped: %q", r.Header().Get("Location"))
	}
}
