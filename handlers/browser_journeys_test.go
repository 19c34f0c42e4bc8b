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

// longBrowser starts a browser for a journey: a journey outlives the default timeout.
func longBrowser(t *testing.T, w, hgt int) context.Context {
	t.Helper()
	old := browsertest.Timeout
	browsertest.Timeout = 3 * time.Minute
	t.Cleanup(func() { browsertest.Timeout = old })
	return browsertest.New(t, w, hgt)
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
	return &journey{t: t, ctx: longBrowser(t, w, hgt), name: name, lang: short, form: form, phone: w < 600}
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
			for _, id := range append(requiredPurposes, "newsletter") {
				must(t, ctx, chromedp.Click("#f-purpose-"+id))
			}
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

			must(t, ctx, chromedp.Navigate(site.URL+"/account/consents"), chromedp.WaitVisible("#c-newsletter"))
			if s := textOf(t, ctx, "#c-newsletter .state"); !strings.Contains(s, want.agreed) {
				t.Fatalf("newsletter after signing up with it ticked: %q", s)
			}
			j.check("consents")
			must(t, ctx, chromedp.Click("#c-newsletter button"), chromedp.WaitVisible(".flash"))
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
	for _, id := range append(requiredPurposes, "newsletter") {
		tabTo(t, ctx, "#f-purpose-"+id, false)
		must(t, ctx, chromedp.KeyEvent(" "))
	}
	focusVisible(t, ctx, "consent checkbox")
	if n := evalString(t, ctx, "String(document.querySelectorAll('input[name=purposes]:checked').length)"); n != "6" {
		t.Fatalf("%s purposes ticked with Space, want 6", n)
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
	must(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(".flash"))
	if s := textOf(t, ctx, "#c-newsletter .state"); !strings.Contains(s, want.withdrawn) {
		t.Errorf("newsletter after withdrawing by keyboard: %q", s)
	}
	j.check("consent-withdrawn")
}
