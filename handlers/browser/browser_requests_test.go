package handlers_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// TestBrowserRequestPages walks the officer's and the requester's request pages in
// Chromium, each state's forms on the page, with axe-core on each, the decision form with
// its errors, the letters, and the phone-sized layout of the pages officers and
// requesters use on the move.
func TestBrowserRequestPages(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("c@example.tw", "林小華", citizenPassword)
	h.makeUser("o@agency.example", "承辦人丙", staffPassword, account.RoleOfficer, account.RoleAdmin)

	// Three requests in different states, set up through the HTTP layer.
	citizen := h.signIn("c@example.tw", citizenPassword)
	for _, f := range []url.Values{{"kind": {"copy"}, "scope": {"全部"}}, {"kind": {"delete"}, "purposes": {"newsletter"}, "scope": {"其他"}}, {"kind": {"correct"}, "field": {"address"}, "proposed": {"臺北市"}, "explanation": {"搬家"}}} {
		citizen.post("/requests", f)
	}
	o := h.signIn("o@agency.example", staffPassword)
	o.post("/admin/fees", url.Values{"id": {""}, "name_zh": {"光碟"}, "name_en": {"CD"}, "unit": {"50"}})
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "extend", url.Values{"reason": {"資料分散於兩個檔案室。"}, "confirm": {"yes"}})
	d := o.get("/officer/requests/2026-000001/decide")
	o.post("/officer/requests/2026-000001/decide", url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:refuse"},
		"grounds": {"4:art10-2"}, "reason": {"", "", "", "", "調查中。"}, "quantity": {"1"}})
	act(t, o, "2026-000002", "review", nil)
	o.post("/admin/requests/stats/publish", url.Values{"publish": {"on"}})
	rec := o.post("/officer/disclosures", url.Values{"first": {"2026-11-20"}, "recipient_name": {"臺北地檢署"}, "recipient_address": {"臺北市"},
		"recipient_kind": {"judicial"}, "categories": {"C001"}, "description": {"帳號資料"}, "ground": {"notice-1"}, "reference": {"北檢函"}, "subjects": {"c@example.tw"}})
	recLoc := rec.Header().Get("Location")
	o.post("/admin/files", url.Values{"name_zh": {"人事檔"}, "name_en": {"HR records"}, "unit": {"人事室"}, "contact": {"分機 1"}, "legal_basis": {"法"},
		"purposes": {"002"}, "categories": {"C001"}, "retention_zh": {"十年"}, "retention_en": {"ten years"}})
	o.multipart("/officer/requests/2026-000001/message", url.Values{"body": {"請補寄身分證明文件。"}}, upload{"說明.pdf", pdfFile})
	citizen.multipart("/requests/2026-000001/messages", url.Values{"body": {"已附上。"}}, upload{"證明.png", pngFile})

	ctx := browsertest.New(t, 1280, 900)
	for _, lang := range []string{"zh-TW", "en"} {
		must(t, ctx, chromedp.Navigate(site.URL+"/lang?to="+lang+"&next=/signin"), chromedp.WaitVisible("#f-email"),
			chromedp.SendKeys("#f-email", "o@agency.example"), chromedp.SendKeys("#f-password", staffPassword+"\r"), chromedp.WaitVisible(".cards"))
		for _, p := range []string{"/officer/queue", "/officer/requests/2026-000001", "/officer/requests/2026-000002", "/officer/requests/2026-000003",
			"/officer/requests/2026-000002/decide", "/officer/requests/2026-000001/letters/extension", "/officer/requests/2026-000001/letters/decision",
			"/admin/fees", "/admin/requests/stats", "/officer/intake", "/transparency", "/officer/disclosures", "/officer/disclosures/new",
			"/officer/disclosures/report", recLoc, "/admin/files", "/admin/files/new", "/privacy/files"} {
			must(t, ctx, chromedp.Navigate(site.URL+p), chromedp.WaitVisible("h1"))
			browsertest.Axe(t, ctx, lang+" "+p)
			browsertest.Screenshot(t, ctx, "officer-"+lang+strings.ReplaceAll(p, "/", "-"))
		}
		// The decision form sent empty: every item is flagged, and the summary links to it.
		must(t, ctx, chromedp.Navigate(site.URL+"/officer/requests/2026-000002/decide"), chromedp.WaitVisible("h1"),
			chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".error-summary"))
		if n := evalString(t, ctx, "String(document.querySelectorAll('.error-summary li').length)"); n != "2" {
			t.Errorf("%s: %s problems for two undecided items", lang, n)
		}
		browsertest.Axe(t, ctx, lang+" decide with errors")
		browsertest.Screenshot(t, ctx, "officer-"+lang+"-decide-errors")
		must(t, ctx, chromedp.Click("form[action='/signout'] button"), chromedp.WaitVisible("a[href='/signup']"))
	}

	// The requester, in Chinese, on a phone.
	phone := browsertest.New(t, 390, 844)
	must(t, phone, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "c@example.tw"), chromedp.SendKeys("#f-password", citizenPassword+"\r"), chromedp.WaitNotPresent("#f-password"))
	for _, p := range []string{"/account/data", "/requests", "/requests/2026-000001", "/requests/2026-000001/letters/decision", "/requests/2026-000001/letters/extension"} {
		must(t, phone, chromedp.Navigate(site.URL+p), chromedp.WaitVisible("h1"))
		if overflow := evalString(t, phone, "String(document.documentElement.scrollWidth > window.innerWidth)"); overflow != "false" {
			t.Errorf("%s scrolls sideways on a phone", p)
		}
		browsertest.Axe(t, phone, p+" phone")
		browsertest.Screenshot(t, phone, "requester-phone"+strings.ReplaceAll(p, "/", "-"))
	}
	if text := evalString(t, phone, "document.querySelector('.letter').textContent"); !strings.Contains(text, "延長") {
		t.Errorf("the extension notice in Chinese: %q", text)
	}

	// A guest on a phone, in Chinese: the form, the code, the request.
	guest := browsertest.New(t, 390, 844)
	must(t, guest, chromedp.Navigate(site.URL+"/guest/requests/new?kind=view"), chromedp.WaitVisible("#f-email"))
	browsertest.Axe(t, guest, "guest form")
	must(t, guest, chromedp.SendKeys("#f-email", "guest@example.tw"), chromedp.SendKeys("#f-scope", "全部資料"),
		chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible("#f-code"))
	browsertest.Axe(t, guest, "guest confirm")
	browsertest.Screenshot(t, guest, "guest-confirm")
	must(t, guest, chromedp.SendKeys("#f-code", lastCode(t, h, "guest@example.tw")), chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".facts"))
	browsertest.Axe(t, guest, "guest request")
	browsertest.Screenshot(t, guest, "guest-request")
	must(t, guest, chromedp.Navigate(site.URL+"/guest/track"), chromedp.WaitVisible("#f-ref"))
	browsertest.Axe(t, guest, "guest track")
}
