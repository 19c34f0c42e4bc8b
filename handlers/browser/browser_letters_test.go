package handlers_test

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// The decision letter as an officer prints it: on A4 with the print stylesheet, the
// site's header and footer gone, the recipient's name and address in the window of a
// DL envelope (its window 20 mm from the left and about 45 mm from the top of the
// sheet folded in three), and the letter on one page. The PDF and a picture of the
// printed page land in tmp/screenshots.
func TestBrowserPrintedLetter(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	u := h.makeUser("c@example.tw", "林小華", citizenPassword)
	h.withAddress(u, "106 臺北市大安區和平東路二段106號", "zh-TW")
	h.makeUser("o@agency.example", "承辦人丙", staffPassword, account.RoleOfficer)
	h.signIn("c@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"copy"}, "scope": {"全部"}})
	o := h.signIn("o@agency.example", staffPassword)
	act(t, o, "2026-000001", "review", nil)
	d := o.get("/officer/requests/2026-000001/decide")
	o.post("/officer/requests/2026-000001/decide", url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:refuse"},
		"grounds": {"4:art10-2"}, "reason": {"", "", "", "", "相關資料屬進行中之調查案件。"}})

	// The viewport is the printable width of the sheet: 210 mm less 2 × 20 mm margins.
	const pxPerMM = 96 / 25.4
	ctx := browsertest.New(t, 643, 900) // 170 mm
	must(t, ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "o@agency.example"), chromedp.SendKeys("#f-password", staffPassword+"\r"), chromedp.WaitVisible(".cards"),
		chromedp.Navigate(site.URL+"/officer/requests/2026-000001/letters/decision"), chromedp.WaitVisible(".letter"))
	browsertest.Axe(t, ctx, "decision letter")

	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(browsertest.ModuleRoot(t), "tmp", "screenshots")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "letter-decision-zh.pdf"), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "letter-decision-zh-print")

	// Where the window block lies on the sheet: the page's top margin is 15 mm, its
	// left margin 20 mm.
	mm := func(js string) float64 {
		t.Helper()
		f, err := strconv.ParseFloat(evalString(t, ctx, "String("+js+")"), 64)
		if err != nil {
			t.Fatal(err)
		}
		return f / pxPerMM
	}
	top := 15 + mm("document.querySelector('.window').getBoundingClientRect().top + window.scrollY")
	left := 20 + mm("document.querySelector('.window').getBoundingClientRect().left")
	width, height := mm("document.querySelector('.window').getBoundingClientRect().width"), mm("document.querySelector('.window').getBoundingClientRect().height")
	if top < 42 || top > 48 || left < 19 || left > 21 || width < 85 || width > 95 || height < 40 || height > 50 {
		t.Errorf("the window block lies at %.0f mm from the top, %.0f mm from the left, %.0f × %.0f mm", top, left, width, height)
	}
	if shown := evalString(t, ctx, "getComputedStyle(document.querySelector('.site-header')).display"); shown != "none" {
		t.Errorf("the site header prints (%s)", shown)
	}
	if h := mm("document.querySelector('.letter').getBoundingClientRect().height"); h > 297-35 {
		t.Errorf("the letter takes %.0f mm, more than one sheet", h)
	}
}
