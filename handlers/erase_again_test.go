package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// An erasure that failed after the request was recorded as fulfilled is finished from
// the request's page: a confirmation first (nothing happens without it), then the person
// is gone, and they get the farewell the failed run never sent, with their letters.
func TestEraseAgainFinishesTheErasureAndSaysFarewell(t *testing.T) {
	h := newHarnessFailingFirstErasure(t)
	c := verifiedCitizen(t, h, "g@example.tw", "Gone Person")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	r := confirmForm(t, o, act(t, o, "2026-000001", "fulfil", nil))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed erasure: %d %q", r.Code, r.text("main"))
	}
	if f := o.follow(r).text(".flash-error"); !strings.Contains(f, "did not finish") {
		t.Errorf("the failed erasure is not reported: %q", f)
	}
	stillThere := func() bool {
		return h.browser().post("/signin", url.Values{"email": {"g@example.tw"}, "password": {citizenPassword}}).Code == http.StatusSeeOther
	}
	if !stillThere() {
		t.Fatal("the failed erasure erased the person")
	}

	// Asking shows the consequence and changes nothing.
	ask := act(t, o, "2026-000001", "erase", nil)
	if ask.Code != http.StatusOK || ask.doc.Find(`main form input[name=confirm][value=yes]`).Length() != 1 ||
		!strings.Contains(ask.text(".notice-error"), "cannot be undone") {
		t.Fatalf("erase again without confirming: %d %q", ask.Code, ask.text("main"))
	}
	if !stillThere() {
		t.Fatal("erasing again without confirming erased the person")
	}
	for _, m := range h.mails("g@example.tw") {
		if m.Kind == "request_erased" {
			t.Fatal("a farewell before the erasure is done")
		}
	}

	done := confirmForm(t, o, ask)
	if done.Code != http.StatusSeeOther {
		t.Fatalf("confirmed erase again: %d %q", done.Code, done.text("main"))
	}
	page := o.follow(done)
	if page.text(".flash-success") == "" || page.doc.Find(`form[action$="/erase"]`).Length() != 0 {
		t.Errorf("after erasing again: flash %q, %d erase forms left", page.text(".flash-success"), page.doc.Find(`form[action$="/erase"]`).Length())
	}
	if stillThere() {
		t.Error("the erased person can still sign in")
	}
	var farewell bool
	for _, m := range h.mails("g@example.tw") {
		if m.Kind == "request_erased" {
			farewell = true
			if !strings.Contains(m.Body, "2026-000001") || len(m.Attachments) == 0 {
				t.Errorf("the farewell lacks the request or its letter: %d attachments, %q", len(m.Attachments), m.Body)
			}
		}
	}
	if !farewell {
		t.Error("no farewell after the erasure was finished")
	}
	if again := o.post("/officer/requests/2026-000001/erase", url.Values{"version": {"1"}, "confirm": {"yes"}}); again.Code != http.StatusConflict {
		t.Errorf("a third erasure: %d, want 409", again.Code)
	}
}
