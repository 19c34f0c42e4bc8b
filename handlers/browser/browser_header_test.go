package handlers_test

import (
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// The staff header holds every menu item, the greeting and "sign out" on one line on a
// 1280-pixel desktop, in both languages, even for an administrator who also handles
// requests and reads the traffic report; on a 390-pixel phone it wraps without
// scrolling sideways.
func TestBrowserStaffHeaderFits(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("adm@agency.example", "系統管理者歐陽美華", staffPassword, account.RoleAdmin)
	h.makeUser("all@agency.example", "系統管理者歐陽美華", staffPassword, account.RoleAdmin, account.RoleOfficer, account.RoleWebmaster)
	// How many lines the menu takes: the distinct tops of its items.
	const lines = `String(new Set([...document.querySelectorAll('.main-nav ul > li')].map(li => Math.round(li.getBoundingClientRect().top))).size)`
	for _, who := range []string{"adm@agency.example", "all@agency.example"} {
		for _, lang := range []string{"zh-TW", "en"} {
			desk := browsertest.New(t, 1280, 800)
			staffSignIn(t, desk, site.URL, lang, who, "/admin/calendar")
			must(t, desk, chromedp.Navigate(site.URL+"/staff"), chromedp.WaitVisible(".session-links"))
			if n := evalString(t, desk, lines); n != "1" {
				t.Errorf("%s, %s, 1280 px: the menu takes %s lines", who, lang, n)
			}
			browsertest.Screenshot(t, desk, "header-1280-"+lang+"-"+who[:3])

			phone := browsertest.New(t, 390, 844)
			staffSignIn(t, phone, site.URL, lang, who, "/admin/calendar")
			must(t, phone, chromedp.Navigate(site.URL+"/staff"), chromedp.WaitVisible(".session-links"))
			if overflow := evalString(t, phone, "String(document.documentElement.scrollWidth > window.innerWidth)"); overflow != "false" {
				t.Errorf("%s, %s, 390 px: the page scrolls sideways", who, lang)
			}
			browsertest.Screenshot(t, phone, "header-390-"+lang+"-"+who[:3])
		}
	}
}
