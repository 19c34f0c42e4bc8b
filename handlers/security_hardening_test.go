package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
)

// Someone who signs up with another person's address and never verifies it receives
// none of that person's records: a disclosure, an incident notice or a paper consent
// naming the address is refused, with a message saying why, and the forms say so.
func TestSecurityUnverifiedAccountReceivesNoRecords(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	if r := h.browser().post("/signup", signUpForm("victim@example.tw", "冒名", citizenPassword)); r.Code != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", r.Code)
	}
	o := h.signIn("o@agency.example", staffPassword)
	if hint := o.get("/officer/disclosures/new").text("#h-subjects"); !strings.Contains(hint, "已驗證") {
		t.Fatalf("the disclosure form does not say the people must be verified: %q", hint)
	}
	d := url.Values{"first": {"2026-11-20"}, "recipient_name": {"Police"}, "recipient_address": {"Taipei"}, "recipient_kind": {"judicial"},
		"categories": {"C001"}, "description": {"records"}, "ground": {"notice-1"}, "reference": {"A-1"}, "subjects": {"victim@example.tw"}}
	if r := o.post("/officer/disclosures", d); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "尚未驗證") {
		t.Fatalf("a disclosure reached an unverified account: %d %q", r.Code, r.text(".error-summary"))
	}
	if hint := o.get("/officer/consents").text("#h-email"); !strings.Contains(hint, "已驗證") {
		t.Fatalf("the paper form does not say the account must be verified: %q", hint)
	}
	p := url.Values{"email": {"victim@example.tw"}, "purpose": {"newsletter"}, "action": {"grant"}, "form_lang": {"zh-TW"}, "reference": {"1150012345"}, "version": {"1"}}
	if r := o.post("/officer/consents", p); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "尚未驗證") {
		t.Fatalf("a paper consent reached an unverified account: %d %q", r.Code, r.text(".error-summary"))
	}
	a := h.signIn("adm@agency.example", staffPassword, english)
	if hint := a.get("/admin/incidents/new").text("#h-affected"); !strings.Contains(hint, "verified") {
		t.Fatalf("the incident form does not say the people must be verified: %q", hint)
	}
	discovered := h.clock.Now().Add(-2 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	i := url.Values{"title": {"Misdirected list"}, "discovered": {discovered}, "what": {"A list was sent to the wrong office."},
		"data": {"names"}, "people": {"1"}, "measures": {"Recalled."}, "affected": {"victim@example.tw"}}
	if r := a.post("/admin/incidents", i); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "victim@example.tw") ||
		!strings.Contains(r.text(".error-summary"), "not verified") {
		t.Fatalf("an incident named an unverified account: %d %q", r.Code, r.text(".error-summary"))
	}
	squatter := h.signIn("victim@example.tw", citizenPassword)
	if page := squatter.get("/account/data"); strings.Contains(page.Body.String(), "Police") {
		t.Fatal("the unverified account sees the disclosure")
	}
}
