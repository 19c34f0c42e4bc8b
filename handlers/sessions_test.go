package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	safariOnIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

// A citizen sees where they are signed in — browser and system, when each signed in and
// was last used, no address — in either language, linked from /account.
func TestAccountSessionsListed(t *testing.T) {
	h := newHarness(t)
	h.makeUser("mei@example.tw", "林美", citizenPassword)
	laptop := h.signIn("mei@example.tw", citizenPassword, withUA(chromeOnWindows))
	h.clock.Advance(10 * 60e9)
	h.signIn("mei@example.tw", citizenPassword, withUA(safariOnIPhone))
	if r := laptop.get("/account"); r.doc.Find(`nav a[href="/account/sessions"]`).Length() != 1 {
		t.Fatal("/account does not link to the sessions")
	}
	for lang, want := range map[string][]string{
		"zh-TW": {"Windows 上的 Chrome", "iOS / iPadOS 上的 Safari", "目前這個瀏覽器"},
		"en":    {"Chrome on Windows", "Safari on iOS / iPadOS", "This browser"},
	} {
		laptop.get("/lang?to=" + lang)
		r := laptop.get("/account/sessions")
		rows := r.doc.Find("#sessions tbody tr")
		if r.Code != http.StatusOK || rows.Length() != 2 {
			t.Fatalf("%s: %d, %d rows: %q", lang, r.Code, rows.Length(), r.text("main"))
		}
		for _, w := range want {
			if !strings.Contains(r.text("#sessions"), w) {
				t.Errorf("%s: %q not listed: %q", lang, w, r.text("#sessions"))
			}
		}
		// This browser is marked and has no button to end itself; the phone has one.
		for i := range 2 {
			row := rows.Eq(i)
			mine := strings.Contains(row.Text(), want[2])
			if mine != strings.Contains(row.Text(), want[0]) || mine == (row.Find(`form[action="/account/sessions/end"]`).Length() == 1) {
				t.Errorf("%s: row %d: %q", lang, i, row.Text())
			}
		}
		if strings.Contains(r.Body.String(), "192.0.2.1") {
			t.Errorf("%s: the page shows the client address", lang)
		}
		if r.doc.Find(`form[action="/account/sessions/end-others"] button`).Length() != 1 {
			t.Errorf("%s: no way to end the other sessions", lang)
		}
		checkWording(t, "sessions "+lang, r.doc)
	}
	if r := h.browser().get("/account/sessions"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/signin") {
		t.Fatalf("signed out: %d %q", r.Code, r.Header().Get("Location"))
	}
}

// Ending one session asks first; only the confirmed form ends it, and that device is
// signed out while this one stays. Another person's session is not found and stays.
func TestAccountSessionEnded(t *testing.T) {
	h := newHarness(t)
	h.makeUser("mei@example.tw", "林美", citizenPassword)
	h.makeUser("wang@example.tw", "王明", citizenPassword)
	laptop := h.signIn("mei@example.tw", citizenPassword, withUA(chromeOnWindows), english)
	phone := h.signIn("mei@example.tw", citizenPassword, withUA(safariOnIPhone))
	other := h.signIn("wang@example.tw", citizenPassword)
	ref := func(b *browser) string {
		v, _ := b.get("/account/sessions").doc.Find(`#sessions form[action="/account/sessions/end"] input[name=session]`).Attr("value")
		return v
	}
	phoneRef, wangRef := ref(laptop), ref(h.signIn("wang@example.tw", citizenPassword))
	if phoneRef == "" || wangRef == "" {
		t.Fatalf("no session to end: %q %q", phoneRef, wangRef)
	}

	ask := laptop.post("/account/sessions/end", url.Values{"session": {phoneRef}})
	if ask.Code != http.StatusOK || ask.text("h1") != "End this session?" || !strings.Contains(ask.text("[role=alert]"), "Safari on iOS / iPadOS") ||
		ask.doc.Find(`form[action="/account/sessions/end"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("unconfirmed: %d %q", ask.Code, ask.text("main"))
	}
	if r := phone.get("/account"); r.Code != http.StatusOK {
		t.Fatalf("an unconfirmed end signed the phone out: %d", r.Code)
	}
	for name, form := range map[string]url.Values{
		"another person's session": {"session": {wangRef}, "confirm": {"yes"}},
		"a made-up session":        {"session": {"0123456789abcdef"}, "confirm": {"yes"}},
	} {
		if r := laptop.post("/account/sessions/end", form); r.Code != http.StatusNotFound {
			t.Errorf("%s: %d", name, r.Code)
		}
	}
	if r := laptop.post("/account/sessions/end", url.Values{"session": {strings.Repeat("a", 40)}}); r.Code != http.StatusBadRequest {
		t.Errorf("an overlong session: %d", r.Code)
	}
	if r := other.get("/account"); r.Code != http.StatusOK {
		t.Fatalf("another person was signed out: %d", r.Code)
	}

	done := laptop.post("/account/sessions/end", url.Values{"session": {phoneRef}, "confirm": {"yes"}})
	if done.Code != http.StatusSeeOther || done.Header().Get("Location") != "/account/sessions" {
		t.Fatalf("confirmed: %d %q", done.Code, done.text("main"))
	}
	if page := laptop.follow(done); !strings.Contains(page.text(".flash"), "that browser must sign in again") || page.doc.Find("#sessions tbody tr").Length() != 1 {
		t.Fatalf("after ending: %q / %d rows", page.text(".flash"), page.doc.Find("#sessions tbody tr").Length())
	}
	if r := phone.get("/account"); r.Code != http.StatusSeeOther {
		t.Fatalf("the ended session still works: %d", r.Code)
	}
	if r := laptop.get("/account"); r.Code != http.StatusOK {
		t.Fatalf("this browser was signed out: %d", r.Code)
	}
}

// "End all other sessions" asks first, then signs out every other device and keeps
// this one.
func TestAccountOtherSessionsEnded(t *testing.T) {
	h := newHarness(t)
	h.makeUser("mei@example.tw", "林美", citizenPassword)
	here := h.signIn("mei@example.tw", citizenPassword)
	phone := h.signIn("mei@example.tw", citizenPassword, withUA(safariOnIPhone))
	tablet := h.signIn("mei@example.tw", citizenPassword)
	ask := here.post("/account/sessions/end-others", url.Values{})
	if ask.Code != http.StatusOK || ask.text("h1") != "要結束其他所有工作階段嗎？" || !strings.Contains(ask.text("[role=alert]"), "目前這個瀏覽器仍保持登入") {
		t.Fatalf("unconfirmed: %d %q", ask.Code, ask.text("main"))
	}
	for _, b := range []*browser{phone, tablet} {
		if r := b.get("/account"); r.Code != http.StatusOK {
			t.Fatalf("an unconfirmed end signed a device out: %d", r.Code)
		}
	}
	if r := here.post("/account/sessions/end-others", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed: %d %q", r.Code, r.text("main"))
	}
	for _, b := range []*browser{phone, tablet} {
		if r := b.get("/account"); r.Code != http.StatusSeeOther {
			t.Fatalf("another device is still signed in: %d", r.Code)
		}
	}
	page := here.get("/account/sessions")
	if page.Code != http.StatusOK || page.doc.Find("#sessions tbody tr").Length() != 1 || !strings.Contains(page.text(".flash"), "已結束其他所有工作階段") {
		t.Fatalf("after: %d %q", page.Code, page.text("main"))
	}
}
