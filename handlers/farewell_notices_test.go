package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/mail"
)

// Every letter mailed with the farewell is a named HTML document, the notices besides the
// extension and the decision included (a request for proof of identity).
func TestFarewellNamesEveryNoticeLetter(t *testing.T) {
	h := newHarness(t)
	c := verifiedCitizen(t, h, "n@example.tw", "Notice Person")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my profile"}})
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	if r := act(t, o, "2026-000001", "identity-ask", url.Values{"ask_note": {"Please send a copy of your ID card."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("ask identity: %d %q", r.Code, r.text(".error-summary"))
	}
	act(t, o, "2026-000002", "review", nil)
	decideAll(t, o, "2026-000002", true, "")
	if r := confirmForm(t, o, act(t, o, "2026-000002", "fulfil", nil)); r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed erasure: %d %q", r.Code, r.text("main"))
	}
	var farewell *mail.Message
	for _, m := range h.mails("n@example.tw") {
		if m.Kind == "request_erased" {
			farewell = m
		}
	}
	if farewell == nil {
		t.Fatal("no farewell")
	}
	var names []string
	seen := map[string]bool{}
	identity := false
	for _, a := range farewell.Attachments {
		names = append(names, a.Name+" / "+a.ASCIIName)
		if !strings.HasSuffix(a.Name, ".html") && !strings.HasSuffix(a.Name, ".zip") || !strings.Contains(a.Name, "2026-00000") {
			t.Errorf("attachment named %q (ASCII %q): no reference or extension", a.Name, a.ASCIIName)
		}
		if seen[a.Name] {
			t.Errorf("two attachments named %q", a.Name)
		}
		seen[a.Name] = true
		identity = identity || strings.Contains(string(a.Data), "Please send a copy of your ID card.")
	}
	if !identity {
		t.Errorf("the identity notice was not handed over: %q", names)
	}
	t.Logf("attachments: %q", names)
}
