package handlers_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func must(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserLanguageSkipLinkAndAccessibility drives a real Chromium: the home page in
// zh-TW, the skip link by keyboard, the language switch, and axe-core on every page
// reached, on a desktop and a phone viewport.
func TestBrowserLanguageSkipLinkAndAccessibility(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	ctx := browsertest.New(t, 1280, 900)

	must(t, ctx, chromedp.Navigate(site.URL+"/"), chromedp.WaitVisible("h1"))
	if lang := evalString(t, ctx, "document.documentElement.lang"); lang != "zh-TW" {
		t.Fatalf("default language %q, want zh-TW", lang)
	}
	browsertest.Axe(t, ctx, "home zh-TW")
	browsertest.Screenshot(t, ctx, "home-zh-desktop")

	// Keyboard: the first Tab lands on the skip link, Enter moves to the content.
	must(t, ctx, chromedp.KeyEvent(kb.Tab))
	if cls := evalString(t, ctx, "document.activeElement.className"); cls != "skip-link" {
		t.Fatalf("first Tab focused %q, want the skip link", cls)
	}
	browsertest.Screenshot(t, ctx, "skip-link-focused")
	must(t, ctx, chromedp.KeyEvent(kb.Enter))
	if hash := evalString(t, ctx, "location.hash"); hash != "#C" {
		t.Fatalf("skip link went to %q", hash)
	}
	if id := evalString(t, ctx, "document.activeElement.id"); id != "C" {
		t.Fatalf("after the skip link, focus is on %q, want the main content", id)
	}

	// The visible switch changes the language, and the choice sticks.
	must(t, ctx, chromedp.Click("a.lang-switch"), chromedp.WaitVisible("html[lang=en] h1"))
	if h1 := evalString(t, ctx, "document.querySelector('h1').textContent"); h1 != "Exercise your personal data rights" {
		t.Fatalf("h1 after switching: %q", h1)
	}
	browsertest.Axe(t, ctx, "home en")
	browsertest.Screenshot(t, ctx, "home-en-desktop")

	must(t, ctx, chromedp.Navigate(site.URL+"/privacy"), chromedp.WaitVisible("html[lang=en] #s-agency"))
	browsertest.Axe(t, ctx, "privacy en")
	browsertest.Screenshot(t, ctx, "privacy-en-desktop")
	must(t, ctx, chromedp.Click("a.lang-switch"), chromedp.WaitVisible("html[lang=zh-TW] #s-agency"))
	browsertest.Axe(t, ctx, "privacy zh-TW")
	browsertest.Screenshot(t, ctx, "privacy-zh-desktop")

	// The setup form, and its error state after an empty submission.
	must(t, ctx, chromedp.Navigate(site.URL+"/setup?token="+h.setupLink()), chromedp.WaitVisible("form"))
	browsertest.Axe(t, ctx, "setup")
	must(t, ctx, chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".error-summary"))
	if msg := evalString(t, ctx, "document.querySelector('#e-email').textContent"); !strings.Contains(msg, "必須填寫") {
		t.Fatalf("empty e-mail message %q", msg)
	}
	browsertest.Axe(t, ctx, "setup with errors")
	browsertest.Screenshot(t, ctx, "setup-errors-zh")

	must(t, ctx, chromedp.Navigate(site.URL+"/no/such/page"), chromedp.WaitVisible("h1"))
	browsertest.Axe(t, ctx, "404")

	phone := browsertest.New(t, 390, 844)
	for _, p := range []string{"/", "/privacy"} {
		must(t, phone, chromedp.Navigate(site.URL+p), chromedp.WaitVisible("h1"))
		if overflow := evalString(t, phone, "String(document.documentElement.scrollWidth > window.innerWidth)"); overflow != "false" {
			t.Errorf("%s scrolls sideways on a phone", p)
		}
		browsertest.Axe(t, phone, p+" phone")
		browsertest.Screenshot(t, phone, "phone"+strings.ReplaceAll(p, "/", "-"))
	}
}

// TestBrowserAccountPages signs a citizen up and in through the real forms, and walks
// the administrator's pages, with axe-core on each page and a phone-sized check.
func TestBrowserAccountPages(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("adm@agency.example", "系統管理者甲", staffPassword, account.RoleAdmin, account.RoleOfficer)
	off := h.makeUser("off@agency.example", "承辦人乙", staffPassword, account.RoleOfficer)
	ctx := browsertest.New(t, 1280, 900)

	// Sign up with a mistake first: the error summary appears and passes axe.
	must(t, ctx, chromedp.Navigate(site.URL+"/signup"), chromedp.WaitVisible("#f-email"))
	browsertest.Axe(t, ctx, "signup")
	must(t, ctx,
		chromedp.SendKeys("#f-email", "mei@example.tw"),
		chromedp.SendKeys("#f-name", "王美美"),
		chromedp.SendKeys("#f-password", "short"),
		chromedp.Click("main form button[type=submit]"),
		chromedp.WaitVisible(".error-summary"))
	browsertest.Axe(t, ctx, "signup with errors")
	browsertest.Screenshot(t, ctx, "signup-errors-zh")
	must(t, ctx, chromedp.Click("#f-acknowledge"))
	must(t, ctx,
		chromedp.SendKeys("#f-password", citizenPassword),
		chromedp.SendKeys("#f-password_confirm", citizenPassword),
		chromedp.Click("main form button[type=submit]"),
		chromedp.WaitVisible("#mail-sent"))
	if u := evalString(t, ctx, "location.pathname"); u != "/mail-sent" {
		t.Fatalf("after sign-up: %s", u)
	}
	browsertest.Axe(t, ctx, "mail sent")
	link, _ := h.lastLink("mei@example.tw")
	must(t, ctx, chromedp.Navigate(site.URL+link), chromedp.WaitVisible("#f-email"))
	browsertest.Axe(t, ctx, "signin after verify")
	must(t, ctx,
		chromedp.SendKeys("#f-email", "mei@example.tw"),
		chromedp.SendKeys("#f-password", citizenPassword+"\r"),
		chromedp.WaitVisible("#f-phone"))
	browsertest.Axe(t, ctx, "account")
	browsertest.Screenshot(t, ctx, "account-zh-desktop")
	must(t, ctx, chromedp.Navigate(site.URL+"/account/inbox"), chromedp.WaitVisible("ul.inbox a"))
	browsertest.Axe(t, ctx, "inbox")
	browsertest.Screenshot(t, ctx, "inbox-zh-desktop")
	must(t, ctx, chromedp.Click("ul.inbox a"), chromedp.WaitVisible("article.message"))
	browsertest.Axe(t, ctx, "inbox message")
	must(t, ctx, chromedp.Navigate(site.URL+"/account/password"), chromedp.WaitVisible("#f-current_password"))
	browsertest.Axe(t, ctx, "password")
	must(t, ctx, chromedp.Navigate(site.URL+"/account/consents"), chromedp.WaitVisible("#c-newsletter"))
	browsertest.Axe(t, ctx, "consents")
	browsertest.Screenshot(t, ctx, "consents-zh-desktop")
	must(t, ctx, chromedp.Click("#c-newsletter button"), chromedp.WaitVisible(".flash"))
	if state := evalString(t, ctx, "document.querySelector('#c-newsletter .state').textContent"); !strings.Contains(state, "已同意") {
		t.Fatalf("newsletter after granting: %q", state)
	}
	must(t, ctx, chromedp.Click(`a[href^="/account/consents/receipts/"]`), chromedp.WaitVisible("pre.jws"))
	browsertest.Axe(t, ctx, "receipt")
	browsertest.Screenshot(t, ctx, "receipt-zh")
	jws := evalString(t, ctx, "document.querySelector('pre.jws').textContent")
	must(t, ctx, chromedp.Navigate(site.URL+"/receipts/verify"), chromedp.WaitVisible("#f-receipt"),
		chromedp.SetValue("#f-receipt", jws), chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible("#verify-result"))
	browsertest.Axe(t, ctx, "verify receipt")
	must(t, ctx, chromedp.Click("form[action='/signout'] button"), chromedp.WaitVisible("a[href='/signup']"))

	// The administrator's pages, in English.
	must(t, ctx, chromedp.Navigate(site.URL+"/lang?to=en&next=/signin"), chromedp.WaitVisible("html[lang=en] #f-email"),
		chromedp.SendKeys("#f-email", "adm@agency.example"),
		chromedp.SendKeys("#f-password", staffPassword+"\r"),
		chromedp.WaitVisible("html[lang=en] .cards"))
	browsertest.Axe(t, ctx, "staff home")
	must(t, ctx, chromedp.Navigate(site.URL+"/admin/notices"), chromedp.WaitVisible("h1"),
		chromedp.Click(`form[action="/admin/notices/draft/start"] button`), chromedp.WaitVisible("#f-title-en"))
	browsertest.Axe(t, ctx, "notice draft")
	browsertest.Screenshot(t, ctx, "admin-notice-draft")
	for _, p := range []string{"/admin/staff", "/admin/staff/new", "/admin/users", "/admin/users/" + off.ID,
		"/admin/notices", "/admin/notices/draft/preview", "/admin/purposes/newsletter", "/admin/purposes/new", "/admin/notices/stats", "/privacy/changes", "/privacy/versions/1", "/admin/tokens", "/officer/consents", "/admin/calendar", "/requests", "/requests/new", "/requests/new?kind=correct", "/officer/queue"} {
		must(t, ctx, chromedp.Navigate(site.URL+p), chromedp.WaitVisible("h1"))
		browsertest.Axe(t, ctx, p)
		browsertest.Screenshot(t, ctx, "admin"+strings.ReplaceAll(p, "/", "-"))
	}
	must(t, ctx, chromedp.Navigate(site.URL+"/admin/staff/new"), chromedp.WaitVisible("#f-email"),
		chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".error-summary"))
	browsertest.Axe(t, ctx, "new staff with errors")

	phone := browsertest.New(t, 390, 844)
	for _, p := range []string{"/signup", "/signin", "/forgot", "/receipts/verify"} {
		must(t, phone, chromedp.Navigate(site.URL+p), chromedp.WaitVisible("h1"))
		if overflow := evalString(t, phone, "String(document.documentElement.scrollWidth > window.innerWidth)"); overflow != "false" {
			t.Errorf("%s scrolls sideways on a phone", p)
		}
		browsertest.Axe(t, phone, p+" phone")
		browsertest.Screenshot(t, phone, "phone"+strings.ReplaceAll(p, "/", "-"))
	}
}
