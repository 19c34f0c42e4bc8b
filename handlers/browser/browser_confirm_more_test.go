package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// TestBrowserConfirmSessionEraseLift drives Chromium to three more confirmations, each in
// both languages (cancelled in one, confirmed in the other): an administrator ending one
// of a citizen's sessions, an officer finishing an erasure that failed half-way, and a
// citizen on a phone lifting a restriction of all processing.
func TestBrowserConfirmSessionEraseLift(t *testing.T) {
	h := newHarnessFailingFirstErasure(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	cat := i18n.MustLoad()
	h.makeUser("adm@agency.example", "系統管理者甲", staffPassword, account.RoleAdmin)
	h.makeUser("off@agency.example", "承辦人乙", staffPassword, account.RoleOfficer)
	mei := h.makeUser("mei@example.tw", "王美美", citizenPassword)
	h.makeUser("lin@example.tw", "林小華", citizenPassword)
	h.makeUser("chen@example.tw", "陳大文", citizenPassword)

	// Mei is signed in on two devices.
	phone, laptop := h.signIn("mei@example.tw", citizenPassword), h.signIn("mei@example.tw", citizenPassword)
	meiPage := "/admin/users/" + mei.ID

	filed := func(c *browser, form url.Values) string {
		t.Helper()
		r := c.post("/requests", form)
		if r.Code != http.StatusSeeOther {
			t.Fatalf("file %v: %d %q", form, r.Code, r.text(".error-summary"))
		}
		return strings.TrimPrefix(strings.SplitN(r.Header().Get("Location"), "?", 2)[0], "/requests/")
	}
	// Chen's account is to be deleted; the first run of the erasure fails, after the
	// request is recorded as fulfilled.
	erase := filed(h.signIn("chen@example.tw", citizenPassword), url.Values{"kind": {"delete"}, "whole": {"on"}})
	// Lin asked to stop all processing, and it was granted and carried out.
	stop := filed(h.signIn("lin@example.tw", citizenPassword), url.Values{"kind": {"stop"}, "whole": {"on"}})
	o := h.signIn("off@agency.example", staffPassword)
	for _, ref := range []string{erase, stop} {
		act(t, o, ref, "review", nil)
		decideAll(t, o, ref, true, "")
	}
	if r := act(t, o, stop, "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil the stop: %d %q", r.Code, r.text("main"))
	}
	if r := confirmForm(t, o, act(t, o, erase, "fulfil", nil)); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil the deletion: %d %q", r.Code, r.text("main"))
	}
	chenSignsIn := func() bool {
		return h.browser().post("/signin", url.Values{"email": {"chen@example.tw"}, "password": {citizenPassword}}).Code == http.StatusSeeOther
	}
	if !chenSignsIn() {
		t.Fatal("the failed erasure erased the person")
	}
	h.srv.Wait()

	signedIn := func(w, hgt int, email, password string) context.Context {
		ctx := browsertest.New(t, w, hgt)
		must(t, ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
			chromedp.SendKeys("#f-email", email), chromedp.SendKeys("#f-password", password+"\r"), chromedp.WaitNotPresent("#f-password"))
		return ctx
	}
	citizen := signedIn(390, 844, "lin@example.tw", citizenPassword)
	officer := signedIn(1280, 900, "off@agency.example", staffPassword)
	adm := signedIn(1280, 900, "adm@agency.example", staffPassword)
	count := func(ctx context.Context, sel string) string {
		return evalString(t, ctx, fmt.Sprintf("String(document.querySelectorAll(%q).length)", sel))
	}
	flashed := func(ctx context.Context, what string) {
		t.Helper()
		if f := textOf(t, ctx, ".flash-success"); f == "" {
			t.Errorf("%s: no success message after confirming; page says %q", what, textOf(t, ctx, "main"))
		}
	}
	liftAll := `[...document.querySelectorAll('form[action="/account/restriction/lift"]')].find(f => !f.querySelector('input[name=purpose]'))`

	cases := []confirmCase{
		{name: "end-session", who: adm, page: meiPage, back: meiPage,
			button: q(`form[action$="/sessions"] input[name=session]`) + `.form.querySelector('button')`,
			title:  "confirm.end_session_title", text: "confirm.end_session_text",
			effect: func(lang string) {
				if f := textOf(t, adm, ".flash-success"); f != cat.T(lang, "flash.session_revoked") {
					t.Errorf("after ending one session the page says %q", f)
				}
				ended := 0
				for _, b := range []*browser{phone, laptop} {
					if b.get("/account").Code != http.StatusOK {
						ended++
					}
				}
				if ended != 1 {
					t.Errorf("ending one session ended %d of Mei's two", ended)
				}
				if n := count(adm, `form[action$="/sessions"] input[name=session]`); n != "1" {
					t.Errorf("Mei's page lists %s sessions after ending one of two", n)
				}
			}},
		{name: "erase-again", who: officer, page: "/officer/requests/" + erase, back: "/officer/requests/" + erase,
			button: q(`form[action$="/erase"] button[type=submit]`), title: "confirm.erase_title", text: "confirm.erase_text",
			effect: func(string) {
				flashed(officer, "erase again")
				if n := count(officer, `form[action$="/erase"]`); n != "0" {
					t.Errorf("the erasure can still be run again: %s forms", n)
				}
				if chenSignsIn() {
					t.Error("the erased person can still sign in")
				}
				farewell := false
				for _, m := range h.mails("chen@example.tw") {
					farewell = farewell || m.Kind == "request_erased"
				}
				if !farewell {
					t.Error("the finished erasure sent no farewell")
				}
			}},
		{name: "lift-restriction", who: citizen, page: "/account", back: "/account",
			button: liftAll + `.querySelector('button')`, title: "confirm.lift_title", text: "confirm.lift_text",
			effect: func(string) {
				flashed(citizen, "lift the restriction")
				if n := evalString(t, citizen, "String(!!"+liftAll+")"); n != "false" {
					t.Error("the account still offers to lift the restriction")
				}
				if u, err := h.users.ByEmail(context.Background(), "lin@example.tw"); err != nil || !u.Restricted.IsZero() {
					t.Errorf("Lin is still restricted (%v)", err)
				}
			}},
	}
	for i, c := range cases {
		// Cancelled in one language, confirmed in the other.
		first, second := []string{i18n.ZH, i18n.EN}[i%2], []string{i18n.EN, i18n.ZH}[i%2]
		confirmIn(t, site.URL, c, first, fmt.Sprintf("confirm-more-%02d-%s-%s", i+1, c.name, first), c.who == citizen, false)
		confirmIn(t, site.URL, c, second, fmt.Sprintf("confirm-more-%02d-%s-%s", i+1, c.name, second), c.who == citizen, true)
	}
}
