package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/browsertest"
	"github.com/example/pdpa-portal/internal/twtime"
)

// confirmCase is one irreversible action: the page with its first form, what the
// confirmation must say, and where its cancel leads.
type confirmCase struct {
	name       string
	who        context.Context
	page, back string // the page with the first form; where cancel returns
	fill       string // JavaScript that fills the first form, if it needs more than a click
	button     string // JavaScript for the button that submits it
	title      string // catalogue keys of the confirmation
	text       string
	effect     func(lang string) // set: the action is confirmed, and this checks what it did
}

func q(sel string) string { return fmt.Sprintf("document.querySelector(%q)", sel) }

// formatVerb splits a catalogue text into the words the page shows whatever the arguments.
var formatVerb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// fixedWords is the longest run of a catalogue text that holds no argument: the part of
// the consequence every confirmation of that kind must state word for word.
func fixedWords(s string) string {
	best := ""
	for _, part := range formatVerb.Split(s, -1) {
		if part = strings.Join(strings.Fields(part), " "); len(part) > len(best) {
			best = part
		}
	}
	return best
}

// clickAway runs the JavaScript that clicks a button or link and waits for the next page
// to be loaded: the old page is marked, and must be gone first.
func clickAway(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__stale = true")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("("+js+").click(), true")); err != nil {
		t.Fatalf("click %s: %v", js, err)
	}
	for {
		stale, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__stale === true || document.readyState !== 'complete'"))
		if err == nil && !stale {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the page after clicking %s never came", js)
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(t, ctx, chromedp.WaitVisible("h1"))
}

// TestBrowserConfirm drives Chromium to every confirmation page of the portal: the
// citizen's (on a phone), the officer's and the administrator's (on a desktop),
// alternating Chinese and English. Each confirmation passes axe-core, states its
// consequence, and its cancel leads back to a page that reads exactly as before; the
// actions confirmed here show their effect.
func TestBrowserConfirm(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	cat := i18n.MustLoad()
	h.makeUser("adm@agency.example", "系統管理者甲", staffPassword, account.RoleAdmin)
	h.makeUser("off@agency.example", "承辦人乙", staffPassword, account.RoleOfficer)
	clerk := h.makeUser("clerk@agency.example", "承辦人丁", staffPassword, account.RoleOfficer)
	h.makeUser("mei@example.tw", "王美美", citizenPassword)
	h.makeUser("lin@example.tw", "林小華", citizenPassword)

	// The state each confirmation needs, set up over HTTP.
	mei := h.signIn("mei@example.tw", citizenPassword)
	filed := func(c *browser, form url.Values) string {
		t.Helper()
		r := c.post("/requests", form)
		if r.Code != http.StatusSeeOther {
			t.Fatalf("file %v: %d %q", form, r.Code, r.text(".error-summary"))
		}
		return strings.TrimPrefix(strings.SplitN(r.Header().Get("Location"), "?", 2)[0], "/requests/")
	}
	withdrawn := filed(mei, url.Values{"kind": {"view"}, "scope": {"我的個人資料"}})
	stop := filed(mei, url.Values{"kind": {"stop"}, "purposes": {"newsletter"}})
	extend := filed(mei, url.Values{"kind": {"view"}, "scope": {"申請紀錄"}})
	decide := filed(mei, url.Values{"kind": {"view"}, "scope": {"聯絡紀錄"}})
	dup := filed(mei, url.Values{"kind": {"view"}, "scope": {"申請紀錄"}})
	whole := filed(h.signIn("lin@example.tw", citizenPassword), url.Values{"kind": {"delete"}, "whole": {"on"}})

	o := h.signIn("off@agency.example", staffPassword)
	identified := func(ref string) {
		act(t, o, ref, "review", nil)
		if r := act(t, o, ref, "identity", url.Values{"level": {"document"}, "identity_note": {"身分證影本已核對"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("identity %s: %d %q", ref, r.Code, r.text(".error-summary"))
		}
	}
	for _, ref := range []string{stop, whole} {
		act(t, o, ref, "review", nil)
		decideAll(t, o, ref, true, "")
	}
	if r := act(t, o, stop, "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil the stop: %d %q", r.Code, r.text("main"))
	}
	act(t, o, extend, "review", nil)
	identified(decide)
	h.srv.Wait()

	admin := h.signIn("adm@agency.example", staffPassword)
	tok := admin.post("/admin/tokens", url.Values{"name": {"會計系統"}, "scopes": {"consent:read"}})
	if v, _ := tok.doc.Find("#new-token").Attr("value"); v == "" {
		t.Fatalf("issue a token: %d", tok.Code)
	}
	discovered := h.clock.Now().Add(-2 * time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	inc := admin.post("/admin/incidents", url.Values{"title": {"名冊外洩"}, "discovered": {discovered}, "what": {"一份含姓名與地址的名冊遭外洩。"},
		"data": {"姓名、地址"}, "people": {"3"}, "measures": {"已關閉外洩管道並通報主管機關。"}, "what_en": {"A list with names and addresses leaked."},
		"measures_en": {"The leak was closed and reported."}, "affected": {"mei@example.tw"}, "emails": {"lee@example.org"},
		"letters": {"王大明 | 100臺北市中正區重慶南路一段122號"}})
	incident := inc.Header().Get("Location")
	if inc.Code != http.StatusSeeOther || !strings.HasPrefix(incident, "/admin/incidents/") {
		t.Fatalf("record an incident: %d %q", inc.Code, inc.text(".error-summary"))
	}
	clerkSession := h.signIn("clerk@agency.example", staffPassword)
	h.signIn("clerk@agency.example", staffPassword)
	clerkPage := "/admin/users/" + clerk.ID
	year := rightsToday(h)[:4]
	dayOff := year + "-12-09"

	// Three people in three browsers: the citizen on a phone.
	signedIn := func(w, hgt int, email, password string) context.Context {
		ctx := browsertest.New(t, w, hgt)
		must(t, ctx, chromedp.Navigate(site.URL+"/signin"), chromedp.WaitVisible("#f-email"),
			chromedp.SendKeys("#f-email", email), chromedp.SendKeys("#f-password", password+"\r"), chromedp.WaitNotPresent("#f-password"))
		return ctx
	}
	citizen := signedIn(390, 844, "mei@example.tw", citizenPassword)
	officer := signedIn(1280, 900, "off@agency.example", staffPassword)
	adm := signedIn(1280, 900, "adm@agency.example", staffPassword)

	flashed := func(ctx context.Context, what string) {
		t.Helper()
		if f := textOf(t, ctx, ".flash-success"); f == "" {
			t.Errorf("%s: no success message after confirming; page says %q", what, textOf(t, ctx, "main"))
		}
	}
	lin := func(string) {
		flashed(officer, "erase")
		if r := h.browser().post("/signin", url.Values{"email": {"lin@example.tw"}, "password": {citizenPassword}}); r.Code == http.StatusSeeOther {
			t.Error("the erased person can still sign in")
		}
	}

	cases := []confirmCase{
		{name: "withdraw", who: citizen, page: "/requests/" + withdrawn, back: "/requests/" + withdrawn,
			button: q(`form[action$="/withdraw"] button[type=submit]`), title: "confirm.withdraw_title", text: "confirm.withdraw_text",
			effect: func(lang string) {
				flashed(citizen, "withdraw")
				if s := textOf(t, citizen, "main"); !strings.Contains(s, cat.T(lang, "state.withdrawn")) {
					t.Errorf("the withdrawn request does not say so: %q", s)
				}
			}},
		{name: "lift-stop", who: citizen, page: "/account", back: "/account",
			button: q(`#stopped form[action="/account/restriction/lift"] button`), title: "confirm.lift_title", text: "confirm.lift_text"},
		{name: "extend", who: officer, page: "/officer/requests/" + extend, back: "/officer/requests/" + extend,
			fill:   q(`form[action$="/extend"] textarea[name=reason]`) + `.value = "需向其他單位調閱資料"`,
			button: q(`form[action$="/extend"] button[type=submit]`), title: "confirm.extend_title", text: "confirm.extend_text"},
		{name: "decide", who: officer, page: "/officer/requests/" + decide + "/decide", back: "/officer/requests/" + decide + "/decide",
			fill:   `document.querySelectorAll('select[name=outcome]').forEach((s, i) => s.value = i + ':grant')`,
			button: q(`form[action$="/decide"] button[type=submit]`), title: "confirm.decide_title", text: "confirm.decide_text"},
		{name: "close", who: officer, page: "/officer/requests/" + stop, back: "/officer/requests/" + stop,
			button: q(`form[action$="/close"] button[type=submit]`), title: "confirm.close_title", text: "confirm.close_text"},
		{name: "duplicate", who: officer, page: "/officer/requests/" + dup, back: "/officer/requests/" + dup,
			fill:   q(`form[action$="/duplicate"] input[name=of]`) + `.value = "` + extend + `"`,
			button: q(`form[action$="/duplicate"] button[type=submit]`), title: "confirm.duplicate_title", text: "confirm.duplicate_text"},
		{name: "erase", who: officer, page: "/officer/requests/" + whole, back: "/officer/requests/" + whole,
			button: q(`form[action$="/fulfil"] button[type=submit]`), title: "confirm.erase_title", text: "confirm.erase_text", effect: lin},
		{name: "revoke-token", who: adm, page: "/admin/tokens", back: "/admin/tokens",
			button: q(`form[action$="/revoke"] button`), title: "confirm.revoke_token_title", text: "confirm.revoke_token_text",
			effect: func(string) {
				flashed(adm, "revoke")
				if n := evalString(t, adm, `String(document.querySelectorAll('form[action$="/revoke"]').length)`); n != "0" {
					t.Errorf("the revoked token can still be revoked: %s forms", n)
				}
			}},
		{name: "day-off", who: adm, page: "/admin/calendar", back: "/admin/calendar?year=" + year,
			fill:   q(`#f-date`) + `.value = "` + dayOff + `"; ` + q(`#f-reason`) + `.value = "颱風停止上班"`,
			button: q(`form[action="/admin/calendar/day-off"] button[type=submit]`), title: "confirm.day_off_title", text: "confirm.day_off_text",
			effect: func(string) {
				flashed(adm, "day off")
				if n := evalString(t, adm, `String(document.querySelectorAll('form[action="/admin/calendar/remove"] input[value="`+dayOff+`"]').length)`); n != "1" {
					t.Errorf("the new day off is not listed: %s", n)
				}
			}},
		{name: "day-remove", who: adm, page: "/admin/calendar", back: "/admin/calendar?year=" + year,
			button: `document.querySelector('form[action="/admin/calendar/remove"] input[value="` + dayOff + `"]').form.querySelector('button')`,
			title:  "confirm.day_remove_title", text: "confirm.day_remove_text"},
		{name: "reset-password", who: adm, page: clerkPage, back: clerkPage,
			button: q(`form[action$="/password"] button`), title: "confirm.reset_password_title", text: "confirm.reset_password_text"},
		{name: "end-sessions", who: adm, page: clerkPage, back: clerkPage,
			button: `[...document.querySelectorAll('form[action$="/sessions"]')].find(f => !f.querySelector('input[name=session]')).querySelector('button')`,
			title:  "confirm.end_sessions_title", text: "confirm.end_sessions_text",
			effect: func(string) {
				flashed(adm, "end sessions")
				if r := clerkSession.get("/officer/queue"); r.Code == http.StatusOK {
					t.Error("the clerk's session still works after ending every session")
				}
			}},
		{name: "notify", who: adm, page: incident, back: incident,
			button: q(`form[action$="/notify"] button`), title: "confirm.incident_notify_title", text: "confirm.incident_notify_text",
			effect: func(string) {
				flashed(adm, "notify")
				if len(h.mails("lee@example.org")) == 0 {
					t.Error("the incident notice was not sent by e-mail")
				}
			}},
		{name: "announce", who: adm, page: incident, back: incident,
			fill:   q(`textarea[name=impracticable]`) + `.value = "無法逐一通知所有當事人。"`,
			button: q(`form[action$="/announce"] button`), title: "confirm.announce_title", text: "confirm.announce_text"},
		{name: "publish", who: adm, page: "/admin/notices", back: "/admin/notices/draft",
			button: q(`form[action="/admin/notices/draft/publish"] button`), title: "confirm.publish_title", text: "confirm.publish_text"},
		{name: "discard", who: adm, page: "/admin/notices", back: "/admin/notices/draft",
			button: q(`form[action="/admin/notices/draft/discard"] button`), title: "confirm.discard_title", text: "confirm.discard_text",
			effect: func(string) {
				if n := evalString(t, adm, `String(document.querySelectorAll('form[action="/admin/notices/draft/publish"]').length)`); n != "0" {
					t.Error("the discarded draft can still be published")
				}
				if f := textOf(t, adm, ".flash"); f == "" {
					t.Error("no message after discarding the draft")
				}
			}},
	}

	// A draft with a summary of changes, ready to publish, made as the administrator would.
	must(t, adm, chromedp.Navigate(site.URL+"/admin/notices"), chromedp.WaitVisible("h1"))
	clickAway(t, adm, q(`form[action="/admin/notices/draft/start"] button`))
	must(t, adm, chromedp.WaitVisible(`[name="summary-en"]`))
	if _, err := chromedp.Run(adm, chromedp.Evaluate[bool](q(`[name="summary-zh-TW"]`)+`.value = "更新聯絡方式。"; `+q(`[name="summary-en"]`)+`.value = "Updates the contact details."; true`)); err != nil {
		t.Fatal(err)
	}
	clickAway(t, adm, q(`main form[action="/admin/notices/draft"] button[type=submit]`))

	for i, c := range cases {
		lang := []string{i18n.ZH, "en"}[i%2]
		confirmIn(t, site.URL, c, lang, fmt.Sprintf("confirm-%02d-%s-%s", i+1, c.name, lang), c.who == citizen, true)
	}
}

// confirmIn opens case c's confirmation in lang: it must pass axe-core, fit a phone
// when phone is set, state its consequence, and its cancel must lead back to a page that
// reads as before. With act, the action is then confirmed and c.effect checks it.
func confirmIn(t *testing.T, site string, c confirmCase, lang, name string, phone, act bool) {
	t.Helper()
	cat := i18n.MustLoad()
	ctx := c.who
	// What the page cancel leads to reads now, to compare after cancelling.
	must(t, ctx, chromedp.Navigate(site+"/lang?to="+lang+"&next="+url.QueryEscape(c.back)), chromedp.WaitVisible("html[lang="+lang+"] h1"))
	before := textOf(t, ctx, "main")
	must(t, ctx, chromedp.Navigate(site+c.page), chromedp.WaitVisible("h1"))
	if c.fill != "" {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => { "+c.fill+" })(), true")); err != nil {
			t.Fatalf("%s: fill: %v", name, err)
		}
	}
	clickAway(t, ctx, c.button)
	if n := evalString(t, ctx, `String(document.querySelectorAll('main form input[name=confirm][value=yes]').length)`); n != "1" {
		t.Errorf("%s: no confirmation page; it says %q", name, textOf(t, ctx, "main"))
		return
	}
	if got, want := textOf(t, ctx, "h1"), cat.T(lang, c.title); got != want {
		t.Errorf("%s: title %q, want %q", name, got, want)
	}
	if said, want := textOf(t, ctx, ".notice-error"), fixedWords(cat.T(lang, c.text)); !strings.Contains(said, want) {
		t.Errorf("%s: the confirmation does not state its consequence %q; it says %q", name, want, said)
	}
	if phone {
		if o := evalString(t, ctx, "String(document.documentElement.scrollWidth > window.innerWidth)"); o != "false" {
			t.Errorf("%s scrolls sideways on a phone: %s", name, evalString(t, ctx, wideJS))
		}
	}
	browsertest.Axe(t, ctx, name)
	browsertest.Screenshot(t, ctx, name)

	clickAway(t, ctx, q(`main form a.button.secondary`))
	if got := evalString(t, ctx, "location.pathname + location.search"); got != c.back {
		t.Errorf("%s: cancel led to %s, want %s", name, got, c.back)
	}
	if after := textOf(t, ctx, "main"); after != before {
		t.Errorf("%s: cancelling changed the page:\nbefore %q\nafter  %q", name, before, after)
	}
	if !act || c.effect == nil {
		return
	}
	must(t, ctx, chromedp.Navigate(site+c.page), chromedp.WaitVisible("h1"))
	if c.fill != "" {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => { "+c.fill+" })(), true")); err != nil {
			t.Fatalf("%s: fill: %v", name, err)
		}
	}
	clickAway(t, ctx, c.button)
	clickAway(t, ctx, q(`main form button[type=submit]`))
	c.effect(lang)
	browsertest.Screenshot(t, ctx, name+"-done")
}
