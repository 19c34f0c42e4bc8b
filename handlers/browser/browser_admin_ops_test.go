package handlers_test

import (
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// TestBrowserOperationsPages: the audit trail, retention and incident pages in a real
// browser, with axe-core on each (an incident form with its errors too), in both
// languages and on a phone.
func TestBrowserOperationsPages(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("adm@agency.example", "系統管理者甲", staffPassword, account.RoleAdmin)
	ctx := browsertest.New(t, 1280, 900)
	must(t, ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "adm@agency.example"),
		chromedp.SendKeys("#f-password", staffPassword+"\r"),
		chromedp.WaitVisible(".cards"))
	for _, p := range []string{"/admin/audit", "/admin/retention", "/admin/incidents", "/admin/incidents/new"} {
		must(t, ctx, chromedp.Navigate(site.URL+p), chromedp.WaitVisible("h1"))
		browsertest.Axe(t, ctx, p+" zh-TW")
	}
	browsertest.Screenshot(t, ctx, "incident-new-zh")
	must(t, ctx, chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".error-summary"))
	browsertest.Axe(t, ctx, "incident with errors")
	must(t, ctx, chromedp.Navigate(site.URL+"/lang?to=en&next=/admin/audit"), chromedp.WaitVisible("html[lang=en] table.audit"))
	browsertest.Axe(t, ctx, "audit en")
	browsertest.Screenshot(t, ctx, "audit-en")
	must(t, ctx, chromedp.Navigate(site.URL+"/admin/retention"), chromedp.WaitVisible("html[lang=en] h1"))
	browsertest.Axe(t, ctx, "retention en")
	browsertest.Screenshot(t, ctx, "retention-en")

	phone := browsertest.New(t, 390, 844)
	must(t, phone, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "adm@agency.example"),
		chromedp.SendKeys("#f-password", staffPassword+"\r"),
		chromedp.WaitVisible(".cards"),
		chromedp.Navigate(site.URL+"/admin/incidents/new"), chromedp.WaitVisible("h1"))
	if overflow := evalString(t, phone, "String(document.documentElement.scrollWidth > window.innerWidth)"); overflow != "false" {
		t.Error("the incident form scrolls sideways on a phone")
	}
	browsertest.Axe(t, phone, "incident phone")
}
