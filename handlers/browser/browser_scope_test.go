package handlers_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// TestBrowserScopedRequests files, in Chromium, in both languages, on a phone and a
// desktop: a deletion of one purpose, a stop of one purpose and a deletion of the whole
// account, each ending on its confirmation panel. The officer grants all three; the
// purpose deletion leaves the account, the stop shows on the person's request page, and
// the whole-account deletion asks on its confirmation page before it erases. axe-core
// runs on every page reached.
func TestBrowserScopedRequests(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("o@agency.example", "承辦人丙", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword)
	n := 0
	for _, lang := range []string{"zh-TW", "en"} {
		for _, size := range []struct {
			name string
			w, h int
		}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
			name := lang + "-" + size.name
			email := fmt.Sprintf("%s@example.tw", strings.ReplaceAll(name, "-", "."))
			h.makeUser(email, "林小華", citizenPassword)
			ctx := browsertest.New(t, size.w, size.h)
			shot := func(what string) {
				browsertest.Axe(t, ctx, name+" "+what)
				browsertest.Screenshot(t, ctx, "scope-"+name+"-"+what)
				if size.name == "phone" {
					if o := evalString(t, ctx, "String(document.documentElement.scrollWidth > window.innerWidth)"); o != "false" {
						t.Errorf("%s %s scrolls sideways on a phone", name, what)
					}
				}
			}
			must(t, ctx, chromedp.Navigate(site.URL+"/lang?to="+lang+"&next=/signin"), chromedp.WaitVisible("#f-email"),
				chromedp.SendKeys("#f-email", email), chromedp.SendKeys("#f-password", citizenPassword+"\r"), chromedp.WaitNotPresent("#f-password"))
			file := func(kind, tick, what string) string {
				must(t, ctx, chromedp.Navigate(site.URL+"/requests/new?kind="+kind), chromedp.WaitVisible("#f-purposes"))
				must(t, ctx, chromedp.Click(tick), chromedp.Click("form[action='/requests'] button[type=submit]"), chromedp.WaitVisible("#filed"))
				shot(what + "-filed")
				return evalString(t, ctx, "document.querySelector('#filed .ref').textContent")
			}
			purposeDelete := file("delete", "#rp-survey", "delete-purpose")
			stop := file("stop", "#rp-newsletter", "stop-purpose")
			whole := file("delete", "#f-whole-box", "delete-whole")
			if w := evalString(t, ctx, "document.querySelector('#whole-choice').textContent"); w == "" {
				t.Errorf("%s: the request page does not show the whole-account choice", name)
			}
			n += 3

			for _, ref := range []string{purposeDelete, stop, whole} {
				act(t, o, ref, "review", nil)
				decideAll(t, o, ref, true, "")
			}
			for _, ref := range []string{purposeDelete, stop} {
				if r := act(t, o, ref, "fulfil", nil); r.Code != 303 {
					t.Fatalf("%s: fulfil %s: %d %q", name, ref, r.Code, r.text("main"))
				}
			}
			// The account stays after the purpose deletion; the stop shows where the person looks.
			must(t, ctx, chromedp.Navigate(site.URL+"/requests/"+purposeDelete), chromedp.WaitVisible("h1"))
			shot("delete-purpose-done")
			must(t, ctx, chromedp.Navigate(site.URL+"/requests/"+stop), chromedp.WaitVisible("#stopped-now"))
			shot("stop-purpose-done")
			must(t, ctx, chromedp.Navigate(site.URL+"/account/data"), chromedp.WaitVisible("#stopped-purposes"))
			shot("account-data")
			must(t, ctx, chromedp.Click("form[action='/signout'] button"), chromedp.WaitVisible("a[href='/signup']"))

			// The officer, in the same browser: the whole-account deletion asks first.
			must(t, ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
				chromedp.SendKeys("#f-email", "o@agency.example"), chromedp.SendKeys("#f-password", staffPassword+"\r"), chromedp.WaitNotPresent("#f-password"))
			must(t, ctx, chromedp.Navigate(site.URL+"/officer/requests/"+whole), chromedp.WaitVisible("#fulfil-effects"))
			shot("officer-whole")
			must(t, ctx, chromedp.Click("form[action='/officer/requests/"+whole+"/fulfil'] button[type=submit]"), chromedp.WaitReady("input[name=confirm]"))
			shot("officer-whole-confirm")
			must(t, ctx, chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".flash-success"))
			shot("officer-whole-erased")
			if r := h.browser().post("/signin", url.Values{"email": {email}, "password": {citizenPassword}}); r.Code == 303 {
				t.Errorf("%s: the erased person can still sign in", name)
			}
			must(t, ctx, chromedp.Click("form[action='/signout'] button"), chromedp.WaitVisible("a[href='/signup']"))
		}
	}
}
