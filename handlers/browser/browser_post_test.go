package handlers_test

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// The day's post run as an officer prints it: two letters to people with only a postal
// address, each starting its own A4 sheet with its address in the envelope window. The
// PDF and a picture of the printed run land in tmp/screenshots.
func TestBrowserPostRun(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("o@agency.example", "承辦人丙", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword)
	for i, to := range []struct{ name, address string }{{"林郵寄", "100 臺北市中正區範例路2號3樓"}, {"陳書信", "220 新北市板橋區範例街9號"}} {
		r := o.post("/officer/intake", url.Values{"name": {to.name}, "address": {to.address}, "channel": {"paper"}, "received": {rightsToday(h)},
			"identity": {"signature"}, "kind": {"view"}, "scope": {"全部"}})
		if r.Code != 303 {
			t.Fatalf("intake %d: %d %q", i, r.Code, r.text(".error-summary"))
		}
		ref := r.Header().Get("Location")[len("/officer/requests/"):]
		act(t, o, ref, "review", nil)
		decideAll(t, o, ref, true, "")
	}

	ctx := browsertest.New(t, 643, 900)
	must(t, ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "o@agency.example"), chromedp.SendKeys("#f-password", staffPassword+"\r"), chromedp.WaitVisible(".cards"),
		chromedp.Navigate(site.URL+"/officer/post"), chromedp.WaitVisible("table.post-due"))
	browsertest.Axe(t, ctx, "letters to post")
	must(t, ctx, chromedp.Navigate(site.URL+"/officer/post/print"), chromedp.WaitVisible(".post-run .letter"))
	browsertest.Axe(t, ctx, "post run print view")
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(browsertest.ModuleRoot(t), "tmp", "screenshots")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "post-run-zh.pdf"), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "post-run-zh-print")
	if n := evalString(t, ctx, "String(document.querySelectorAll('.post-run .letter').length)"); n != "2" {
		t.Fatalf("%s letters in the run", n)
	}
	if brk := evalString(t, ctx, "getComputedStyle(document.querySelectorAll('.post-run .letter')[1]).breakBefore"); brk != "page" {
		t.Errorf("the second letter does not start a new sheet (%s)", brk)
	}
	if shown := evalString(t, ctx, "getComputedStyle(document.querySelector('.no-print')).display"); shown != "none" {
		t.Errorf("the page's own heading prints (%s)", shown)
	}
}
