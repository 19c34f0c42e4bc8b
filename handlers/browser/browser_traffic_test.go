package handlers_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// TestBrowserCookieBannerAndTrafficReport: the banner answered by keyboard alone, the
// Cookies page, and the webmaster's report (chart, tables, hidden figures) in both
// languages on a desktop and a phone, with axe-core on each.
func TestBrowserCookieBannerAndTrafficReport(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	ctx := browsertest.New(t, 1280, 900)

	must(t, ctx, chromedp.Navigate(site.URL+"/"), chromedp.WaitVisible(".cookie-banner"))
	browsertest.Axe(t, ctx, "home with cookie banner")
	browsertest.Screenshot(t, ctx, "cookie-banner-zh")
	// Keyboard only: Tab until Refuse has focus, then Enter.
	for i := 0; i < 30 && evalString(t, ctx, "document.activeElement.value || ''") != "refuse"; i++ {
		must(t, ctx, chromedp.KeyEvent(kb.Tab))
	}
	if evalString(t, ctx, "document.activeElement.value || ''") != "refuse" {
		t.Fatal("the Refuse button cannot be reached by keyboard")
	}
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(".flash"))
	if n := evalString(t, ctx, "String(document.querySelectorAll('.cookie-banner').length)"); n != "0" {
		t.Fatal("the banner is still shown after Refuse")
	}
	must(t, ctx, chromedp.Navigate(site.URL+"/cookies"), chromedp.WaitVisible("#choice-state"))
	browsertest.Axe(t, ctx, "cookies zh-TW")
	browsertest.Screenshot(t, ctx, "cookies-zh")
	must(t, ctx, chromedp.Click(`button[value="accept"]`), chromedp.WaitVisible(".flash"))
	if state := evalString(t, ctx, "document.querySelector('#choice-state').textContent"); !strings.Contains(state, "已接受") {
		t.Fatalf("after Accept: %q", state)
	}
	// History for the report, and today's views from the browser above.
	h.seedTraffic(
		trafficDay("2026-11-02", 340, map[string]int64{"/": 200, "/privacy": 90, "/guest/requests/new": 40, "/cookies": 8, "/privacy/files": 2}),
		trafficDay("2026-11-10", 410, map[string]int64{"/": 250, "/privacy": 100, "/guest/track": 60}),
		trafficDay("2026-11-15", 3, map[string]int64{"/": 3}),
		trafficDay("2026-11-20", 280, map[string]int64{"/": 180, "/privacy": 100}),
	)
	h.makeUser("web@agency.example", "網管丙", staffPassword, account.RoleWebmaster)
	must(t, ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "web@agency.example"),
		chromedp.SendKeys("#f-password", staffPassword+"\r"),
		chromedp.WaitVisible(".cards"),
		chromedp.Click(`a[href="/webmaster/traffic"]`),
		chromedp.WaitVisible("figure.chart svg"))
	browsertest.Axe(t, ctx, "traffic zh-TW")
	browsertest.Screenshot(t, ctx, "traffic-zh-desktop")
	must(t, ctx, chromedp.Click(".daily-table summary"), chromedp.WaitVisible(".daily-table table"))
	browsertest.Axe(t, ctx, "traffic daily table open")
	must(t, ctx, chromedp.Navigate(site.URL+"/webmaster/traffic?from=2026-11-22&to=2026-11-01"), chromedp.WaitVisible(".error-summary"))
	browsertest.Axe(t, ctx, "traffic with errors")
	must(t, ctx, chromedp.Navigate(site.URL+"/lang?to=en&next=/webmaster/traffic?preset=month"), chromedp.WaitVisible("html[lang=en] figure.chart"))
	browsertest.Axe(t, ctx, "traffic en")
	browsertest.Screenshot(t, ctx, "traffic-en-desktop")

	phone := browsertest.New(t, 390, 844)
	must(t, phone, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "web@agency.example"),
		chromedp.SendKeys("#f-password", staffPassword+"\r"),
		chromedp.WaitVisible(".cards"),
		chromedp.Navigate(site.URL+"/webmaster/traffic?preset=365d"), chromedp.WaitVisible("figure.chart svg"))
	if overflow := evalString(t, phone, "String(document.documentElement.scrollWidth > window.innerWidth)"); overflow != "false" {
		t.Error("the traffic report scrolls sideways on a phone")
	}
	browsertest.Axe(t, phone, "traffic phone")
	browsertest.Screenshot(t, phone, "traffic-phone")
}
