package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
)

const goodPassword = "Str0ng!Passw0rd"

func setupForm(token, email, name, pw, confirm string) url.Values {
	return url.Values{"token": {token}, "email": {email}, "name": {name}, "password": {pw}, "password_confirm": {confirm}}
}

func TestSetupLinkCreatesFirstAdministratorOnce(t *testing.T) {
	h := newHarness(t)
	token := h.setupLink()

	form := h.get("/setup?token=" + token)
	if form.Code != 200 || form.doc.Find(`form[action="/setup"] input[name="password"]`).Length() != 1 {
		t.Fatalf("setup form: %d", form.Code)
	}
	if l, _ := form.doc.Find(`label[for="f-email"]`).Html(); l == "" {
		t.Fatal("the e-mail field has no label")
	}

	// Mistakes are explained per field, in the user's language, and do not spend the link.
	bad := h.post("/setup", setupForm(token, "not-an-email", "", "short", "other"), english)
	if bad.Code != http.StatusBadRequest {
		t.Fatalf("bad input: status %d", bad.Code)
	}
	for field, want := range map[string]string{
		"email": "valid e-mail", "name": "required", "password": "at least 8", "password_confirm": "do not match",
	} {
		msg := bad.text("#e-" + field)
		if !strings.Contains(msg, want) {
			t.Errorf("%s error %q, want it to mention %q", field, msg, want)
		}
		if inv, _ := bad.doc.Find("#f-" + field).Attr("aria-invalid"); inv != "true" {
			t.Errorf("%s not marked aria-invalid", field)
		}
	}
	if v, _ := bad.doc.Find("#f-email").Attr("value"); v != "not-an-email" {
		t.Errorf("typed e-mail lost: %q", v)
	}
	if strings.Contains(bad.Body.String(), "short") && bad.doc.Find(`#f-password[value="short"]`).Length() > 0 {
		t.Error("the password is echoed back into the page")
	}
	zh := h.post("/setup", setupForm(token, "admin@agency.example", "管理者", "alllowercase1!", "alllowercase1!"))
	if !strings.Contains(zh.text("#e-password"), "大寫字母") {
		t.Errorf("zh password message %q", zh.text("#e-password"))
	}

	ok := h.post("/setup", setupForm(token, "Admin@Agency.example", "王小明", goodPassword, goodPassword))
	if ok.Code != http.StatusSeeOther || ok.Header().Get("Location") != "/" {
		t.Fatalf("create: %d %q\n%s", ok.Code, ok.Header().Get("Location"), ok.Body.String())
	}
	sess := cookieNamed(ok, "portal_session")
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure {
		t.Fatalf("session cookie %+v", sess)
	}
	home := h.get("/", withCookies(ok))
	if !strings.Contains(home.text(".flashes"), "系統管理者帳號已建立") {
		t.Fatalf("no confirmation shown: %q", home.text(".flashes"))
	}
	if !strings.Contains(home.text(".signed-in"), "王小明") {
		t.Fatal("the new administrator is not signed in")
	}
	u, err := h.users.ByEmail(context.Background(), "admin@agency.example")
	if err != nil || !u.Has(account.RoleAdmin) || !account.VerifyPassword(u.PasswordHash, goodPassword) {
		t.Fatalf("stored admin %+v %v", u, err)
	}

	// The link is spent, and no new link is issued once an administrator exists.
	again := h.get("/setup?token=" + token)
	if again.Code != http.StatusForbidden && again.Code != http.StatusNotFound {
		t.Fatalf("reused link: %d", again.Code)
	}
	if tok, err := h.setup.NewLink(context.Background()); err != nil || tok != "" {
		t.Fatalf("a setup link was issued although an administrator exists: %q %v", tok, err)
	}
}

func TestSetupLinkExpiresAfter24Hours(t *testing.T) {
	h := newHarness(t)
	token := h.setupLink()
	h.clock.Advance(24*time.Hour + time.Second)
	r := h.get("/setup?token=" + token)
	checkErrorPage(t, "expired link", r, http.StatusNotFound, "找不到網頁")
	if !strings.Contains(r.Body.String(), "已過期") {
		t.Fatal("the page does not say the link expired")
	}
	if r := h.post("/setup", setupForm(token, "a@agency.example", "A", goodPassword, goodPassword)); r.Code != http.StatusNotFound {
		t.Fatalf("expired link post: %d", r.Code)
	}
}

func TestConcurrentSetupSubmissionsCreateOneAdministrator(t *testing.T) {
	h := newHarness(t)
	token := h.setupLink()
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "admin" + string(rune('a'+i)) + "@agency.example"
			codes[i] = h.post("/setup", setupForm(token, email, "Admin", goodPassword, goodPassword)).Code
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		if c == http.StatusSeeOther {
			created++
		} else if c != http.StatusNotFound && c != http.StatusForbidden {
			t.Errorf("a losing submission got %d", c)
		}
	}
	if created != 1 {
		t.Fatalf("%d administrators created from one link (codes %v)", created, codes)
	}
}

func TestSessionIdleTimeoutAndSignOut(t *testing.T) {
	h := newHarness(t)
	token := h.setupLink()
	login := h.post("/setup", setupForm(token, "admin@agency.example", "Admin", goodPassword, goodPassword))
	if h.get("/", withCookies(login)).doc.Find(".signed-in").Length() != 1 {
		t.Fatal("not signed in")
	}
	h.clock.Advance(31 * time.Minute)
	if h.get("/", withCookies(login)).doc.Find(".signed-in").Length() != 0 {
		t.Fatal("still signed in after the idle timeout")
	}

	h = newHarness(t)
	login = h.post("/setup", setupForm(h.setupLink(), "b@agency.example", "B", goodPassword, goodPassword))
	out := h.post("/signout", url.Values{}, withCookies(login))
	if out.Code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", out.Code)
	}
	// Replaying the old cookie after sign-out must not work: the session is gone server-side.
	if h.get("/", withCookies(login)).doc.Find(".signed-in").Length() != 0 {
		t.Fatal("the old session cookie still works after sign-out")
	}
	// A forged cookie is ignored, not an error.
	forged := h.get("/", header("Cookie", "portal_session=forged-value"))
	if forged.Code != 200 || forged.doc.Find(".signed-in").Length() != 0 {
		t.Fatalf("forged cookie: %d", forged.Code)
	}
}
