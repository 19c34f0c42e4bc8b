package handlers_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/browsertest"
)

// The journeys below follow one person through a task from start to finish in a real
// Chromium, as they would do it, and check every page they reach with axe-core, a
// screenshot and, on a phone, that nothing scrolls sideways.

// journey names and checks the pages of one walk through the site.
type journey struct {
	t     *testing.T
	ctx   context.Context
	name  string // who: citizen, officer, …
	lang  string // zh or en, for the screenshot names
	form  string // desktop or phone
	phone bool
	step  int
}

func newJourney(t *testing.T, name, lang string, w, hgt int) *journey {
	t.Helper()
	form := "desktop"
	if w < 600 {
		form = "phone"
	}
	short := "zh"
	if lang == "en" {
		short = "en"
	}
	return &journey{t: t, ctx: browsertest.New(t, w, hgt), name: name, lang: short, form: form, phone: w < 600}
}

// check runs the checks every page of a journey must pass.
func (j *journey) check(page string) {
	j.t.Helper()
	j.step++
	name := fmt.Sprintf("journey-%s-%02d-%s-%s-%s", j.name, j.step, page, j.lang, j.form)
	if j.phone {
		if overflow := evalString(j.t, j.ctx, "String(document.documentElement.scrollWidth > window.innerWidth)"); overflow != "false" {
			j.t.Errorf("%s scrolls sideways on a phone; too wide: %s", name, evalString(j.t, j.ctx, wideJS))
		}
	}
	browsertest.Axe(j.t, j.ctx, name)
	browsertest.Screenshot(j.t, j.ctx, name)
}

// wideJS names elements that reach past the right edge of the window and are not
// inside a scrolling box that clips them (an absolutely positioned element escapes a
// box that is not positioned).
const wideJS = `[...document.querySelectorAll('body *')].filter(e => {
	if (e.getBoundingClientRect().right <= window.innerWidth + 0.5) return false;
	const abs = getComputedStyle(e).position === 'absolute';
	for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
		const cs = getComputedStyle(a);
		if (cs.overflowX !== 'visible' && (!abs || cs.position !== 'static')) return false;
	}
	return true;
}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`

// textOf is the text of the first element matching sel, white space collapsed.
// submitted runs steps that submit a form and waits for the next page's message. The
// page before often shows a message too, so waiting for ".flash" alone could return
// before the browser has left it: the old page is marked and must be gone first.
func submitted(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__stale = true")); err != nil {
		t.Fatal(err)
	}
	must(t, ctx, steps...)
	for {
		stale, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__stale === true"))
		if err == nil && !stale {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the form's next page never came")
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(t, ctx, chromedp.WaitVisible(".flash"))
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s := evalString(t, ctx, fmt.Sprintf("(document.querySelector(%q) || {textContent: ''}).textContent", sel))
	return strings.Join(strings.Fields(s), " ")
}

// fetched is what the page got when it fetched a URL itself, with its cookies.
type fetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Disp   string `json:"disp"`
	Size   int    `json:"size"`
	Magic  string `json:"magic"`
	Text   string `json:"text"`
}

// fetchInPage fetches the href of the element matching sel from inside the page.
func fetchInPage(t *testing.T, ctx context.Context, sel string) fetched {
	t.Helper()
	js := fmt.Sprintf(`fetch(document.querySelector(%q).href).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		return JSON.stringify({status: r.status, type: r.headers.get('content-type') || '', disp: r.headers.get('content-disposition') || '',
			size: b.length, magic: String.fromCharCode(b[0], b[1]), text: new TextDecoder().decode(b.slice(0, 4000))});
	})`, sel)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", sel, err)
	}
	var f fetched
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// words are what the journeys expect to read, per language.
type words struct {
	due, extendedDue, granted, partly, agreed, withdrawn, fulfilled string
}

var journeyWords = map[string]words{
	"zh-TW": {due: "2026年12月8日", extendedDue: "2026年12月23日", granted: "准許", partly: "部分准許", agreed: "已同意", withdrawn: "已撤回", fulfilled: "已執行"},
	"en":    {due: "8 December 2026", extendedDue: "23 December 2026", granted: "Granted", partly: "Partly granted", agreed: "agreed", withdrawn: "withdrawn", fulfilled: "fulfilled"},
}

// officerFulfils has an officer take a copy request to fulfilment over HTTP, granting
// everything, and waits for the package.
func officerFulfils(t *testing.T, h *harness, ref string) {
	t.Helper()
	o := h.signIn("off@agency.example", staffPassword)
	act(t, o, ref, "review", nil)
	if r := act(t, o, ref, "identity", url.Values{"level": {"document"}, "identity_note": {"身分證影本已核對"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("identity: %d %q", r.Code, r.text(".error-summary"))
	}
	decideAll(t, o, ref, true, "")
	if r := act(t, o, ref, "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text(".error-summary"))
	}
	h.srv.Wait()
}

// TestBrowserJourneyCitizen: a citizen signs up with consents, verifies the address,
// signs in, asks for a copy and sees its statutory due date, sees the officer's
// decision, downloads the package and withdraws a consent; in Chinese on a desktop and
// in English on a phone.
func TestBrowserJourneyCitizen(t *testing.T) {
	for _, tc := range []struct {
		lang   string
		w, hgt int
	}{{"zh-TW", 1280, 900}, {"en", 390, 844}} {
		t.Run(tc.lang, func(t *testing.T) {
			h := newHarness(t)
			site := httptest.NewServer(h.h)
			defer site.Close()
			h.makeUser("off@agency.example", "承辦人乙", staffPassword, account.RoleOfficer)
			want := journeyWords[tc.lang]
			j := newJourney(t, "citizen", tc.lang, tc.w, tc.hgt)
			ctx := j.ctx
			const email, ref = "mei@example.tw", "2026-000001"

			must(t, ctx, chromedp.Navigate(site.URL+"/lang?to="+tc.lang+"&next=/signup"), chromedp.WaitVisible("html[lang="+tc.lang+"] #f-email"))
			j.check("signup")
			must(t, ctx,
				chromedp.SendKeys("#f-email", email),
				chromedp.SendKeys("#f-name", "王美美"),
				chromedp.SendKeys("#f-password", citizenPassword),
				chromedp.SendKeys("#f-password_confirm", citizenPassword))
			must(t, ctx, chromedp.Click("#f-acknowledge"), chromedp.Click("#f-purpose-newsletter"))
			must(t, ctx, chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible("#mail-sent"))
			j.check("mail-sent")

			link, _ := h.lastLink(email)
			must(t, ctx, chromedp.Navigate(site.URL+link), chromedp.WaitVisible("#f-email"))
			if f := textOf(t, ctx, ".flash"); f == "" {
				t.Error("no confirmation after following the verification link")
			}
			j.check("verified")
			must(t, ctx,
				chromedp.SendKeys("#f-email", email),
				chromedp.SendKeys("#f-password", citizenPassword+"\r"),
				chromedp.WaitVisible("#f-phone"))
			j.check("account")

			must(t, ctx, chromedp.Navigate(site.URL+"/requests/new"), chromedp.WaitVisible(`a[href="/requests/new?kind=copy"]`))
			j.check("request-kinds")
			must(t, ctx, chromedp.Click(`a[href="/requests/new?kind=copy"]`), chromedp.WaitVisible("#f-scope"))
			j.check("request-form")
			must(t, ctx, chromedp.SendKeys("#f-scope", "我的帳號資料與申請紀錄"),
				chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".facts"))
			if p := evalString(t, ctx, "location.pathname"); p != "/requests/"+ref {
				t.Fatalf("after filing: %s", p)
			}
			// Received Monday 23 November 2026; a copy is decided within 15 days, the
			// day of receipt not counted: Tuesday 8 December.
			if due := textOf(t, ctx, ".facts .due"); !strings.Contains(due, want.due) {
				t.Errorf("due date shown %q, want %s", due, want.due)
			}
			j.check("request")

			officerFulfils(t, h, ref)
			must(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`a[href="/requests/`+ref+`/package"]`))
			if facts := textOf(t, ctx, ".facts"); !strings.Contains(facts, want.granted) || !strings.Contains(facts, want.fulfilled) {
				t.Errorf("the decision is not shown: %q", facts)
			}
			j.check("decided")
			dl := fetchInPage(t, ctx, `a[href="/requests/`+ref+`/package"]`)
			if dl.Status != 200 || dl.Type != "application/zip" || dl.Magic != "PK" || dl.Size < 500 || !strings.HasPrefix(dl.Disp, "attachment") {
				t.Errorf("package download: %+v", fetched{Status: dl.Status, Type: dl.Type, Disp: dl.Disp, Size: dl.Size, Magic: dl.Magic})
			}

			// The list of requests and the data held: on a phone each row is a card and each
			// label sits above its value (checked by the screenshots and the width check).
			must(t, ctx, chromedp.Navigate(site.URL+"/requests"), chromedp.WaitVisible(`a[href="/requests/`+ref+`"]`))
			j.check("my-requests")
			must(t, ctx, chromedp.Navigate(site.URL+"/account/data"), chromedp.WaitVisible(".facts"))
			j.check("my-data")

			must(t, ctx, chromedp.Navigate(site.URL+"/account/consents"), chromedp.WaitVisible("#c-newsletter"))
			if s := textOf(t, ctx, "#c-newsletter .state"); !strings.Contains(s, want.agreed) {
				t.Fatalf("newsletter after signing up with it ticked: %q", s)
			}
			j.check("consents")
			submitted(t, ctx, chromedp.Click("#c-newsletter button"))
			if s := textOf(t, ctx, "#c-newsletter .state"); !strings.Contains(s, want.withdrawn) {
				t.Errorf("newsletter after withdrawing: %q", s)
			}
			if n := evalString(t, ctx, `String(document.querySelectorAll('#c-newsletter input[name=grant]').length)`); n != "1" {
				t.Error("after withdrawing, the newsletter row does not offer to agree again")
			}
			j.check("consent-withdrawn")
		})
	}
}

// tabTo presses Tab (Shift+Tab when back) until the focused element matches sel.
func tabTo(t *testing.T, ctx context.Context, sel string, back bool) {
	t.Helper()
	var opts []chromedp.KeyOption
	if back {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	probe := fmt.Sprintf("String(!!(document.activeElement && document.activeElement.matches(%q)))", sel)
	for i := 0; i < 150; i++ {
		if evalString(t, ctx, probe) == "true" {
			return
		}
		must(t, ctx, chromedp.KeyEvent(kb.Tab, opts...))
	}
	t.Fatalf("%s cannot be reached with the keyboard", sel)
}

// ringJS describes how an element's focus is drawn.
const ringJS = `(el => { const s = getComputedStyle(el); return s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ' | ' + s.boxShadow; })`

// focusVisible checks that the focused element is drawn differently while it has the
// focus: its outline is measured, Tab moves away, it is measured again, and Shift+Tab
// brings the focus back.
func focusVisible(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	focused := evalString(t, ctx, "(window.__f = document.activeElement, "+ringJS+"(window.__f))")
	must(t, ctx, chromedp.KeyEvent(kb.Tab))
	blurred := evalString(t, ctx, ringJS+"(window.__f)")
	must(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if back := evalString(t, ctx, "String(document.activeElement === window.__f)"); back != "true" {
		t.Fatalf("%s: Shift+Tab did not return to it", what)
	}
	if focused == blurred || strings.HasPrefix(focused, "none ") && strings.HasSuffix(focused, "| none") {
		t.Errorf("%s: no visible focus (focused %q, not focused %q)", what, focused, blurred)
	}
}

// typeKeys types into the focused element.
func typeKeys(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	must(t, ctx, chromedp.KeyEvent(s))
}

// TestBrowserJourneyCitizenKeyboard: the citizen's journey with the keyboard alone —
// Tab and Shift+Tab to move, Enter and Space to act, typing into the focused field —
// with the focus visibly drawn on the way, and the package downloaded by pressing Enter
// on its link.
func TestBrowserJourneyCitizenKeyboard(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("off@agency.example", "承辦人乙", staffPassword, account.RoleOfficer)
	want := journeyWords["zh-TW"]
	j := newJourney(t, "keyboard", "zh-TW", 1280, 900)
	ctx := j.ctx
	const email, ref = "kb@example.tw", "2026-000001"

	must(t, ctx, chromedp.Navigate(site.URL+"/signup"), chromedp.WaitVisible("#f-email"))
	tabTo(t, ctx, "#f-email", false)
	focusVisible(t, ctx, "e-mail field")
	typeKeys(t, ctx, email)
	tabTo(t, ctx, "#f-name", false)
	typeKeys(t, ctx, "林小鍵")
	tabTo(t, ctx, "#f-password", false)
	typeKeys(t, ctx, citizenPassword)
	tabTo(t, ctx, "#f-password_confirm", false)
	typeKeys(t, ctx, citizenPassword)
	for _, id := range []string{"#f-acknowledge", "#f-purpose-newsletter"} {
		tabTo(t, ctx, id, false)
		must(t, ctx, chromedp.KeyEvent(" "))
	}
	focusVisible(t, ctx, "consent checkbox")
	if n := evalString(t, ctx, "String(document.querySelectorAll('#f-acknowledge:checked, input[name=purposes]:checked').length)"); n != "2" {
		t.Fatalf("%s boxes ticked with Space, want the acknowledgement and the newsletter", n)
	}
	j.check("signup-focus")
	tabTo(t, ctx, "main form button[type=submit]", false)
	focusVisible(t, ctx, "sign-up button")
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("#mail-sent"))
	j.check("mail-sent")

	link, _ := h.lastLink(email)
	must(t, ctx, chromedp.Navigate(site.URL+link), chromedp.WaitVisible("#f-email"))
	tabTo(t, ctx, "#f-email", false)
	typeKeys(t, ctx, email)
	tabTo(t, ctx, "#f-password", false)
	typeKeys(t, ctx, citizenPassword)
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("#f-phone"))

	tabTo(t, ctx, `.main-nav a[href="/requests"]`, false)
	focusVisible(t, ctx, "menu link")
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`main a[href="/requests/new"]`))
	tabTo(t, ctx, `main a[href="/requests/new"]`, false)
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`a[href="/requests/new?kind=copy"]`))
	tabTo(t, ctx, `a[href="/requests/new?kind=copy"]`, false)
	focusVisible(t, ctx, "kind of request")
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("#f-scope"))
	tabTo(t, ctx, "#f-scope", false)
	focusVisible(t, ctx, "scope text area")
	typeKeys(t, ctx, "帳號資料")
	tabTo(t, ctx, "main form button[type=submit]", false)
	j.check("request-form")
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(".facts"))
	if due := textOf(t, ctx, ".facts .due"); !strings.Contains(due, want.due) {
		t.Errorf("due date shown %q, want %s", due, want.due)
	}
	if scope := textOf(t, ctx, ".facts"); !strings.Contains(scope, "帳號資料") {
		t.Errorf("the typed scope is not on the request: %q", scope)
	}
	j.check("request")

	officerFulfils(t, h, ref)
	must(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`a[href="/requests/`+ref+`/package"]`))
	if facts := textOf(t, ctx, ".facts"); !strings.Contains(facts, want.granted) {
		t.Errorf("the decision is not shown: %q", facts)
	}
	tabTo(t, ctx, `a[href="/requests/`+ref+`/package"]`, false)
	focusVisible(t, ctx, "download link")
	j.check("decided-focus")

	// Enter on the link downloads the package: the browser's own download is awaited
	// and the file it saved is opened as a ZIP.
	dir := t.TempDir()
	events := true
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events}); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	progress := chromedp.BrowserEvents(dctx, cdpbrowser.DownloadProgress)
	must(t, ctx, chromedp.KeyEvent(kb.Enter))
	var saved string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			saved = filepath.Join(dir, ev.GUID)
			break
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
	}
	zr, err := zip.OpenReader(saved)
	if err != nil {
		t.Fatalf("the downloaded package: %v", err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	_ = zr.Close()
	if !names["data.json"] || !names["index.html"] {
		t.Errorf("the downloaded package holds %v", names)
	}
	_ = os.Remove(saved)

	// Withdraw the newsletter consent from the account menu.
	tabTo(t, ctx, `.main-nav a[href="/account"]`, true)
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`.subnav a[href="/account/consents"]`))
	tabTo(t, ctx, `.subnav a[href="/account/consents"]`, false)
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("#c-newsletter"))
	tabTo(t, ctx, "#c-newsletter button", false)
	focusVisible(t, ctx, "withdraw button")
	j.check("consents-focus")
	submitted(t, ctx, chromedp.KeyEvent(kb.Enter))
	if s := textOf(t, ctx, "#c-newsletter .state"); !strings.Contains(s, want.withdrawn) {
		t.Errorf("newsletter after withdrawing by keyboard: %q", s)
	}
	j.check("consent-withdrawn")
}

// staffSignIn signs a member of staff in through the form and opens a card on their
// home page.
func staffSignIn(t *testing.T, ctx context.Context, site, lang, email, card string) {
	t.Helper()
	must(t, ctx, chromedp.Navigate(site+"/lang?to="+lang+"&next=/signin"), chromedp.WaitVisible("html[lang="+lang+"] #f-email"),
		chromedp.SendKeys("#f-email", email),
		chromedp.SendKeys("#f-password", staffPassword+"\r"),
		chromedp.WaitVisible(".cards"),
		chromedp.Click(`.cards a[href="`+card+`"]`),
		chromedp.WaitVisible("h1"))
}

// TestBrowserJourneyOfficer: a privacy officer takes a copy request from the queue to
// fulfilment — review, identity, an extension with its reason, a decision refusing one
// item on a legal ground — seeing the state and due date change at each step; the
// citizen, on a phone, then reads the decision.
func TestBrowserJourneyOfficer(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("c@example.tw", "林小華", citizenPassword)
	h.makeUser("off@agency.example", "承辦人丙", staffPassword, account.RoleOfficer)
	const ref = "2026-000001"
	if r := h.signIn("c@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"copy"}, "scope": {"全部個人資料"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d %q", r.Code, r.text(".error-summary"))
	}
	want := journeyWords["zh-TW"]
	j := newJourney(t, "officer", "zh-TW", 1280, 900)
	ctx := j.ctx
	facts := func() string { return textOf(t, ctx, ".facts") }

	staffSignIn(t, ctx, site.URL, "zh-TW", "off@agency.example", "/officer/queue")
	row := textOf(t, ctx, "main table tbody tr")
	if !strings.Contains(row, ref) || !strings.Contains(row, "已收件") || !strings.Contains(row, want.due) {
		t.Fatalf("the queue row: %q", row)
	}
	j.check("queue")
	must(t, ctx, chromedp.Click(`main table a[href="/officer/requests/`+ref+`"]`), chromedp.WaitVisible(".facts"))
	if f := facts(); !strings.Contains(f, "已收件") || !strings.Contains(f, "林小華") {
		t.Fatalf("the request as opened: %q", f)
	}
	j.check("request")

	// A copy waits for a stronger identity check: that is the next step, the review and
	// the rest are folded under their names.
	if next := textOf(t, ctx, ".next-step h2"); !strings.Contains(next, "登錄身分核對結果") {
		t.Errorf("the next step of a new copy request: %q", next)
	}
	must(t, ctx, chromedp.Click(`details#act-review > summary`), chromedp.Click(`form[action$="/review"] button`),
		chromedp.WaitVisible(`.next-step a[href$="/decide"]`))
	if f := facts(); !strings.Contains(f, "審查中") {
		t.Errorf("after starting the review: %q", f)
	}
	submitted(t, ctx, chromedp.Click(`details#act-identity > summary`), chromedp.Click("#lvl-document"), chromedp.SendKeys("#f-identity_note", "身分證影本已核對"),
		chromedp.Click("#identity-form button[type=submit]"))
	if f := facts(); !strings.Contains(f, "身分證明文件影本") || !strings.Contains(f, "身分證影本已核對") {
		t.Errorf("the identity check is not shown: %q", f)
	}
	j.check("identity")

	// An extension without a reason is refused and says so at the field.
	must(t, ctx, chromedp.Click(`details#act-extend > summary`), chromedp.Click(`form[action$="/extend"] button`), chromedp.WaitVisible(".error-summary"))
	if n := evalString(t, ctx, `String(document.querySelectorAll('.error-summary a[href="#f-reason"]').length)`); n != "1" {
		t.Error("the missing reason is not linked from the error summary")
	}
	j.check("extend-errors")
	must(t, ctx, chromedp.SendKeys("#f-reason", "資料分散於兩個檔案室，需調閱。"),
		chromedp.Click(`form[action$="/extend"] button`), chromedp.WaitReady(`input[name=confirm]`))
	// The one extension asks first, naming the new due date; the second submission extends.
	if p := textOf(t, ctx, "main .notice"); !strings.Contains(p, want.extendedDue) || !strings.Contains(p, "只能延長一次") {
		t.Errorf("the extension's confirmation: %q", p)
	}
	j.check("extend-confirm")
	submitted(t, ctx, chromedp.Click(`main form[action$="/extend"] button[type=submit]`))
	// Due 8 December, extended by 15 days to Wednesday 23 December.
	if due := textOf(t, ctx, ".facts .due"); !strings.Contains(due, want.extendedDue) {
		t.Errorf("due after the extension %q, want %s", due, want.extendedDue)
	}
	if f := facts(); !strings.Contains(f, "已延長") || !strings.Contains(f, "原決定期限 "+want.due) || !strings.Contains(f, "兩個檔案室") {
		t.Errorf("after the extension: %q", f)
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll('form[action$="/extend"]').length)`); n != "0" {
		t.Error("a second extension is still offered")
	}
	j.check("extended")

	must(t, ctx, chromedp.Click(`a[href="/officer/requests/`+ref+`/decide"]`), chromedp.WaitVisible("#f-item0_outcome"))
	j.check("decide")
	items := evalString(t, ctx, "String(document.querySelectorAll('select[name=outcome]').length)")
	n := 0
	fmt.Sscan(items, &n)
	if n < 2 {
		t.Fatalf("%d items to decide", n)
	}
	for i := 0; i < n; i++ {
		outcome := fmt.Sprintf("%d:grant", i)
		if i == 1 {
			outcome = "1:refuse"
		}
		must(t, ctx, chromedp.SetValue(fmt.Sprintf("#f-item%d_outcome", i), outcome))
	}
	must(t, ctx, chromedp.Click("#g-1-art10-2"), chromedp.SendKeys("#f-item1_reason", "相關資料正由稽核單位調查中。"),
		chromedp.Click("main form button[type=submit]"), chromedp.WaitReady(`input[name=confirm]`))
	// The decision asks first, item by item; the second submission sends the letter.
	if p := textOf(t, ctx, "main .notice"); !strings.Contains(p, "個資法第10條第2款") || !strings.Contains(p, "稽核單位調查中") {
		t.Errorf("the decision's confirmation: %q", p)
	}
	j.check("decide-confirm")
	submitted(t, ctx, chromedp.Click(`main form[action$="/decide"] button[type=submit]`))
	if f := facts(); !strings.Contains(f, "已決定") || !strings.Contains(f, want.partly) || !strings.Contains(f, "個資法第10條第2款") {
		t.Errorf("after deciding: %q", f)
	}
	j.check("decided")

	submitted(t, ctx, chromedp.SendKeys("#f-fulfil_note", "已備妥電子複製本。"),
		chromedp.Click(`form[action$="/fulfil"] button`))
	if f := facts(); !strings.Contains(f, want.fulfilled) {
		t.Errorf("after fulfilling: %q", f)
	}
	h.srv.Wait()
	must(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`form[action$="/close"]`))
	if f := facts(); !strings.Contains(f, "已備妥") && !strings.Contains(textOf(t, ctx, ".timeline"), "已備妥電子複製本") {
		t.Errorf("the fulfilment note is not in the record: %q", f)
	}
	j.check("fulfilled")

	// The citizen's side, in English on a phone.
	c := newJourney(t, "officer-citizen", "en", 390, 844)
	must(t, c.ctx, chromedp.Navigate(site.URL+"/lang?to=en&next=/signin"), chromedp.WaitVisible("html[lang=en] #f-email"),
		chromedp.SendKeys("#f-email", "c@example.tw"), chromedp.SendKeys("#f-password", citizenPassword+"\r"), chromedp.WaitNotPresent("#f-password"),
		chromedp.Navigate(site.URL+"/requests/"+ref), chromedp.WaitVisible(".facts"))
	if f := textOf(t, c.ctx, ".facts"); !strings.Contains(f, "Partly granted") || !strings.Contains(f, "23 December 2026") || !strings.Contains(f, "Originally due 8 December 2026") {
		t.Errorf("the citizen's view of the decision: %q", f)
	}
	c.check("request")
	must(t, c.ctx, chromedp.Click(`a[href="/requests/`+ref+`/letters/decision"]`), chromedp.WaitVisible(".letter"))
	// The letter is in the requester's own language (their mail's, Chinese), whatever the
	// browser reads the site in: one language per official letter.
	if l := textOf(t, c.ctx, ".letter"); !strings.Contains(l, "個資法第10條第2款") || !strings.Contains(l, "相關資料正由稽核單位調查中") || strings.Contains(l, "PDPA") {
		t.Errorf("the decision letter: %q", l)
	}
	c.check("decision-letter")
}

// TestBrowserJourneyWebmaster: the webmaster opens the traffic report, changes the range
// with the form, and exports the figures shown as CSV.
func TestBrowserJourneyWebmaster(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.seedTraffic(
		trafficDay("2026-10-20", 120, map[string]int64{"/": 120}),
		trafficDay("2026-11-02", 340, map[string]int64{"/": 200, "/privacy": 90, "/guest/requests/new": 50}),
		trafficDay("2026-11-10", 410, map[string]int64{"/": 250, "/privacy": 100, "/guest/track": 60}),
		trafficDay("2026-11-20", 280, map[string]int64{"/": 180, "/privacy": 100}),
	)
	h.makeUser("web@agency.example", "網管丙", staffPassword, account.RoleWebmaster)
	j := newJourney(t, "webmaster", "zh-TW", 1280, 900)
	ctx := j.ctx

	staffSignIn(t, ctx, site.URL, "zh-TW", "web@agency.example", "/webmaster/traffic")
	must(t, ctx, chromedp.WaitVisible("figure.chart svg"))
	j.check("traffic")
	must(t, ctx, chromedp.SetValue("#f-from", "2026-11-01"), chromedp.SetValue("#f-to", "2026-11-15"),
		chromedp.Click(".range-form button[type=submit]"), chromedp.WaitVisible(`#f-from[value="2026-11-01"]`))
	if title := textOf(t, ctx, "#range-title"); !strings.Contains(title, "2026-11-01") || !strings.Contains(title, "2026-11-15") {
		t.Fatalf("the range after the form: %q", title)
	}
	// 340 + 410 views fall in the range; 20 October and 20 November do not.
	if views := textOf(t, ctx, ".totals div:first-child dd"); strings.ReplaceAll(views, ",", "") != "750" {
		t.Errorf("views in the range: %q, want 750", views)
	}
	j.check("traffic-range")
	csv := fetchInPage(t, ctx, `a[href^="/webmaster/traffic.csv"]`)
	if csv.Status != 200 || !strings.HasPrefix(csv.Type, "text/csv") || !strings.Contains(csv.Text, "2026-11-01") ||
		!strings.Contains(csv.Text, ",750,") || !regexp.MustCompile(`\n[^,\n]+,/,[^,\n]+,450,`).MatchString(csv.Text) || strings.Contains(csv.Text, "2026-11-20") {
		t.Errorf("the CSV: %d %q\n%s", csv.Status, csv.Type, csv.Text)
	}

	phone := newJourney(t, "webmaster", "en", 390, 844)
	staffSignIn(t, phone.ctx, site.URL, "en", "web@agency.example", "/webmaster/traffic")
	must(t, phone.ctx, chromedp.SetValue("#f-from", "2026-11-01"), chromedp.SetValue("#f-to", "2026-11-15"),
		chromedp.Click(".range-form button[type=submit]"), chromedp.WaitVisible(`#f-from[value="2026-11-01"]`))
	phone.check("traffic-range")
}

// TestBrowserJourneyAdministrator: an administrator creates a contractor with an
// expiry date, unlocks an account locked by three failed sign-ins, and drafts, previews
// and publishes a notice version, after which a citizen's page shows the banner.
func TestBrowserJourneyAdministrator(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("adm@agency.example", "系統管理者甲", staffPassword, account.RoleAdmin)
	h.makeUser("locked@example.tw", "陳鎖", citizenPassword)
	j := newJourney(t, "admin", "en", 1280, 900)
	ctx := j.ctx

	staffSignIn(t, ctx, site.URL, "en", "adm@agency.example", "/admin/staff")
	j.check("staff")
	must(t, ctx, chromedp.Navigate(site.URL+"/admin/staff/new"), chromedp.WaitVisible("#f-email"))
	j.check("staff-new")
	must(t, ctx, chromedp.SendKeys("#f-email", "contractor@vendor.example"), chromedp.SendKeys("#f-name", "外包廠商丁"),
		chromedp.Click("#role-webmaster"), chromedp.Click("#f-contractor"), chromedp.SetValue("#f-expires", "2027-05-31"),
		chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".temp-password"))
	if pw := textOf(t, ctx, ".temp-password"); len(pw) < 12 {
		t.Errorf("temporary password shown: %q", pw)
	}
	j.check("staff-created")
	must(t, ctx, chromedp.Click(`main a[href^="/admin/users/"]`), chromedp.WaitVisible("#f-expires"))
	if v := evalString(t, ctx, "document.querySelector('#f-expires').value + ' ' + document.querySelector('#f-contractor').checked + ' ' + document.querySelector('#role-webmaster').checked"); v != "2027-05-31 true true" {
		t.Errorf("the contractor's account as saved: %q", v)
	}
	j.check("contractor")

	// Three failed sign-ins lock the address; even the right password is then refused.
	for i := 0; i < 3; i++ {
		// From three addresses: one address waits between its tries.
		from := func(r *http.Request) { r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4711", i+1) }
		h.browser(from).post("/signin", url.Values{"email": {"locked@example.tw"}, "password": {"Wrong-Pass-1!"}})
	}
	if r := h.browser().post("/signin", url.Values{"email": {"locked@example.tw"}, "password": {citizenPassword}}); r.Code == http.StatusSeeOther {
		t.Fatal("three failed sign-ins did not lock the account")
	}
	must(t, ctx, chromedp.Navigate(site.URL+"/admin/users"), chromedp.WaitVisible("#f-email"))
	j.check("users")
	must(t, ctx, chromedp.SendKeys("#f-email", "locked@example.tw"), chromedp.Click("main form button[type=submit]"),
		chromedp.WaitVisible(".facts"))
	if f := textOf(t, ctx, ".facts"); !strings.Contains(f, "locked") || strings.Contains(f, "not locked") {
		t.Fatalf("the locked account: %q", f)
	}
	j.check("user-locked")
	submitted(t, ctx, chromedp.Click(`form[action$="/unlock"] button`))
	if f := textOf(t, ctx, ".facts"); !strings.Contains(f, "not locked") {
		t.Errorf("after unlocking: %q", f)
	}
	j.check("user-unlocked")
	// Signing in again works (h.signIn fails the test otherwise); a request filed now
	// gives the statistics below a row.
	h.signIn("locked@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"view"}, "scope": {"全部"}})

	// A citizen signed in before the new version.
	cit := newJourney(t, "admin-citizen", "zh-TW", 390, 844)
	must(t, cit.ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "locked@example.tw"), chromedp.SendKeys("#f-password", citizenPassword+"\r"), chromedp.WaitNotPresent("#f-password"))
	if n := evalString(t, cit.ctx, "String(document.querySelectorAll('.notice-banner').length)"); n != "0" {
		t.Fatal("a banner before any new version")
	}

	must(t, ctx, chromedp.Navigate(site.URL+"/admin/notices"), chromedp.WaitVisible(`form[action="/admin/notices/draft/start"]`))
	j.check("notices")
	must(t, ctx, chromedp.Click(`form[action="/admin/notices/draft/start"] button`), chromedp.WaitVisible("#f-summary-en"))
	j.check("notice-draft")
	submitted(t, ctx, chromedp.SendKeys("#f-summary-zh-TW", "更新聯絡窗口。"), chromedp.SendKeys("#f-summary-en", "Updates the contact point."),
		chromedp.Click(`main form[action="/admin/notices/draft"] button[type=submit]`))
	must(t, ctx, chromedp.Click(`main a[href="/admin/notices/draft/preview"]`), chromedp.WaitVisible("h1"))
	if p := textOf(t, ctx, "main .notice"); !strings.Contains(p, "version 2") {
		t.Errorf("the preview: %q", p)
	}
	j.check("notice-preview")
	must(t, ctx, chromedp.Navigate(site.URL+"/admin/notices"), chromedp.WaitVisible(`form[action="/admin/notices/draft/publish"]`),
		chromedp.Click(`form[action="/admin/notices/draft/publish"] button`), chromedp.WaitReady(`input[name=confirm]`))
	// Publishing asks first, saying what it means; the second submission publishes.
	if p := textOf(t, ctx, "main .notice"); !strings.Contains(p, "cannot be unpublished") {
		t.Errorf("the publication's confirmation: %q", p)
	}
	j.check("notice-publish-confirm")
	submitted(t, ctx, chromedp.Click(`main form[action="/admin/notices/draft/publish"] button`))
	if v := textOf(t, ctx, "main table tbody"); !strings.Contains(v, "Updates the contact point.") {
		t.Errorf("the published version is not listed: %q", v)
	}
	j.check("notice-published")

	// The CSV links of filtered staff reports keep the filter (their query strings were
	// once escaped into a single parameter, so the export ignored the range).
	for _, c := range []struct{ page, link, query string }{
		{"/admin/audit?action=user.unlock&from=2026-11-01&to=2026-11-23", `a[href^="/admin/audit.csv"]`, "action=user.unlock&from=2026-11-01&to=2026-11-23"},
		{"/admin/requests/stats?from=2026-01&to=2026-11", `a[href^="/admin/requests/stats.csv"]`, "from=2026-01&to=2026-11"},
	} {
		must(t, ctx, chromedp.Navigate(site.URL+c.page), chromedp.WaitVisible(c.link))
		got := evalString(t, ctx, fmt.Sprintf("[...new URL(document.querySelector(%q).href).searchParams].map(([k, v]) => k + '=' + v).sort().join('&')", c.link))
		if got != c.query {
			t.Errorf("%s: the CSV link asks for %q, want %q", c.page, got, c.query)
		}
	}

	must(t, cit.ctx, chromedp.Navigate(site.URL+"/account"), chromedp.WaitVisible(".notice-banner"))
	if b := textOf(t, cit.ctx, ".notice-banner"); !strings.Contains(b, "第 2 版") {
		t.Errorf("the citizen's banner: %q", b)
	}
	cit.check("banner")
}
