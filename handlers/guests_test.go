package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/rights"
)

// A guest files without an account, sees the reference and due date at once, confirms
// the address with the mailed code, follows and withdraws the request; without the code
// the request stays closed to the browser, and asking for a code reveals nothing.
func TestGuestFilesAndFollows(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	g := h.browser(english)
	if r := g.get("/guest/requests/new?kind=view"); r.Code != 200 || r.doc.Find(`input[name=email]`).Length() != 1 {
		t.Fatalf("guest form: %d", r.Code)
	}
	if r := g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"everything"}, "email": {"not an address"}}); r.Code != http.StatusBadRequest ||
		r.doc.Find(`.error-summary a[href="#f-email"]`).Length() != 1 {
		t.Fatalf("a bad address: %d %q", r.Code, r.text(".error-summary"))
	}
	r := g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"everything you hold"}, "email": {"Guest@Example.tw"}, "name": {"訪客"}})
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/guest/requests/2026-000001/confirm" {
		t.Fatalf("file: %d %q %q", r.Code, r.Header().Get("Location"), r.text(".error-summary"))
	}
	confirm := g.follow(r)
	if flash := confirm.text("#filed"); !strings.Contains(flash, "2026-000001") || !strings.Contains(flash, "8 December 2026") {
		t.Fatalf("the reference and due date are not shown at once: %q", flash)
	}
	code := lastCode(t, h, "guest@example.tw")
	if r := g.get("/guest/requests/2026-000001"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/guest/track") {
		t.Fatalf("without the code: %d", r.Code)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if r := g.post("/guest/requests/2026-000001/confirm", url.Values{"code": {wrong}}); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "not right") {
		t.Fatalf("a wrong code: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := g.post("/guest/requests/2026-000001/confirm", url.Values{"code": {code}}); r.Code != http.StatusSeeOther {
		t.Fatalf("the right code: %d %q", r.Code, r.text(".error-summary"))
	}
	page := g.get("/guest/requests/2026-000001")
	if page.Code != 200 || !strings.Contains(page.text(".facts"), "everything you hold") || page.doc.Find(`form[action="/guest/requests/2026-000001/withdraw"]`).Length() != 1 {
		t.Fatalf("guest's page: %d %q", page.Code, page.text(".facts"))
	}
	if r := g.post("/guest/requests/2026-000001/confirm", url.Values{"code": {code}}); r.Code != http.StatusBadRequest {
		t.Fatalf("a code used twice: %d", r.Code)
	}

	// Someone else, with the reference but not the address, gets the same answer and no mail.
	before := len(h.mails("guest@example.tw"))
	stranger := h.browser(english)
	if r := stranger.post("/guest/track", url.Values{"ref": {"2026-000001"}, "email": {"someone@else.tw"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("track with the wrong address: %d", r.Code)
	}
	if len(h.mails("guest@example.tw")) != before || len(h.mails("someone@else.tw")) != 0 {
		t.Fatal("a code was mailed for a wrong address")
	}
	if r := stranger.get("/guest/requests/2026-000001"); r.Code != http.StatusSeeOther {
		t.Fatalf("a stranger opened the request: %d", r.Code)
	}
	// The guest on another device asks for a code by reference and address.
	other := h.browser(english)
	other.post("/guest/track", url.Values{"ref": {"2026-000001"}, "email": {"guest@example.tw"}})
	other.post("/guest/requests/2026-000001/confirm", url.Values{"code": {lastCode(t, h, "guest@example.tw")}})
	if r := other.get("/guest/requests/2026-000001"); r.Code != 200 {
		t.Fatalf("second device: %d", r.Code)
	}

	// The officer's steps reach the guest by mail, with links guests can open.
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "extend", url.Values{"reason": {"Archive search."}, "confirm": {"yes"}})
	ms := h.mails("guest@example.tw")
	if !strings.Contains(ms[len(ms)-1].Body, "/guest/requests/2026-000001/letters/extension") {
		t.Fatalf("extension mail to the guest: %q", ms[len(ms)-1].Body)
	}
	if r := g.get("/guest/requests/2026-000001/letters/extension"); r.Code != 200 || !strings.Contains(r.text(".letter"), "Archive search.") {
		t.Fatalf("the guest's letter: %d", r.Code)
	}
	page = g.get("/guest/requests/2026-000001")
	if r := g.post("/guest/requests/2026-000001/withdraw", url.Values{"confirm": {"yes"}, "version": {version(t, page, "/withdraw")}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Code)
	}
	if !strings.Contains(g.get("/guest/requests/2026-000001").text(".facts"), "withdrawn") {
		t.Fatal("not withdrawn")
	}
}

// A guest who never confirms is reminded once after three days and the request is
// closed after fourteen; a confirmed guest's request is left alone.
func TestUnconfirmedGuestRequestsAreRemindedThenClosed(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.browser().post("/guest/requests", url.Values{"kind": {"copy"}, "scope": {"all"}, "email": {"silent@example.tw"}})
	b := h.browser()
	b.post("/guest/requests", url.Values{"kind": {"copy"}, "scope": {"all"}, "email": {"keen@example.tw"}})
	b.post("/guest/requests/2026-000002/confirm", url.Values{"code": {lastCode(t, h, "keen@example.tw")}})
	ctx := context.Background()
	sweep := func() (int, int) {
		r, c, err := h.jobs.Guests.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r, c
	}
	if r, c := sweep(); r+c != 0 {
		t.Fatalf("a fresh request was swept: %d %d", r, c)
	}
	h.clock.Advance(3*24*time.Hour + time.Minute)
	if r, c := sweep(); r != 1 || c != 0 {
		t.Fatalf("after 3 days: reminded %d, closed %d", r, c)
	}
	ms := h.mails("silent@example.tw")
	if len(ms) != 2 || !strings.Contains(ms[1].Subject, "confirm") && !strings.Contains(ms[1].Subject, "確認") {
		t.Fatalf("reminder: %d mails", len(ms))
	}
	if r, _ := sweep(); r != 0 {
		t.Fatal("reminded twice")
	}
	h.clock.Advance(11 * 24 * time.Hour)
	if r, c := sweep(); r != 0 || c != 1 {
		t.Fatalf("after 14 days: reminded %d, closed %d", r, c)
	}
	q := h.signIn("o@agency.example", staffPassword, english).get("/officer/queue")
	if strings.Contains(q.text("tbody"), "2026-000001") || !strings.Contains(q.text("tbody"), "2026-000002") {
		t.Fatalf("queue after closing: %q", q.text("tbody"))
	}
}

// A stranger who knows a guest's reference cannot use up the guest's code: the code works
// only in the browser it was mailed for, so wrong tries elsewhere spend nothing, and the
// guest still gets in. A stranger who also knows the address gets a code of their own
// (mailed to the guest, bound to the stranger's browser), which leaves the guest's alone.
func TestStrangersCannotBurnAGuestCode(t *testing.T) {
	h := newHarness(t)
	g := h.browser(english)
	g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"guest@example.tw"}})
	code := lastCode(t, h, "guest@example.tw")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	stranger := h.browser(english)
	for i := 0; i < rights.CodeAttempts+2; i++ {
		r := stranger.post("/guest/requests/2026-000001/confirm", url.Values{"code": {wrong}})
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "No code was sent to this browser") {
			t.Fatalf("stranger's try %d: %d %q", i, r.Code, r.text(".error-summary"))
		}
	}
	// Even the right code is no use in another browser.
	if r := stranger.post("/guest/requests/2026-000001/confirm", url.Values{"code": {code}}); r.Code != http.StatusBadRequest {
		t.Fatalf("the guest's code in a stranger's browser: %d", r.Code)
	}
	// The stranger who knows the address too asks for a code, and spends it.
	stranger.post("/guest/track", url.Values{"ref": {"2026-000001"}, "email": {"guest@example.tw"}})
	for i := 0; i < rights.CodeAttempts+1; i++ {
		stranger.post("/guest/requests/2026-000001/confirm", url.Values{"code": {wrong}})
	}
	if r := g.post("/guest/requests/2026-000001/confirm", url.Values{"code": {code}}); r.Code != http.StatusSeeOther {
		t.Fatalf("the guest's own code after a stranger's tries: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := g.get("/guest/requests/2026-000001"); r.Code != 200 {
		t.Fatalf("guest's page: %d", r.Code)
	}
}

// Codes are mailed on request, at most five an hour for one request, and the answer is
// the same when the allowance is spent, so it reveals nothing.
func TestGuestCodesOnRequestAreLimited(t *testing.T) {
	h := newHarness(t)
	g := h.browser(english)
	g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"guest@example.tw"}})
	for i := 0; i < 7; i++ {
		r := g.post("/guest/track", url.Values{"ref": {"2026-000001"}, "email": {"guest@example.tw"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("track %d: %d", i, r.Code)
		}
	}
	if n := len(h.mails("guest@example.tw")); n != 1+5 {
		t.Fatalf("mails: %d, want the filing's and five codes", n)
	}
	// The newest code works in the browser that asked for it.
	if r := g.post("/guest/requests/2026-000001/confirm", url.Values{"code": {lastCode(t, h, "guest@example.tw")}}); r.Code != http.StatusSeeOther {
		t.Fatalf("the newest code: %d %q", r.Code, r.text(".error-summary"))
	}
	h.clock.Advance(time.Hour)
	g.post("/guest/track", url.Values{"ref": {"2026-000001"}, "email": {"guest@example.tw"}})
	if n := len(h.mails("guest@example.tw")); n != 7 {
		t.Fatalf("after an hour: %d mails", n)
	}
}
