package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// verifiedCitizen signs up with the optional purposes given, verifies the address and
// signs in.
func verifiedCitizen(t *testing.T, h *harness, email, name string, optional ...string) *browser {
	t.Helper()
	h.browser(english).post("/signup", signUpForm(email, name, citizenPassword, optional...))
	link, _ := h.lastLink(email)
	h.browser().get(link)
	return h.signIn(email, citizenPassword, english)
}

// A deletion of one purpose, granted, withdraws that purpose only: the account, the
// other consents, the other request and both decision letters stay, and the consent
// history keeps its record.
func TestPurposeScopedDeleteLeavesTheAccount(t *testing.T) {
	h := newHarness(t)
	c := verifiedCitizen(t, h, "p@example.tw", "Purpose Person", "newsletter", "survey")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	form := c.get("/requests/new?kind=delete")
	if hint := form.text("#f-purposes .hint"); !strings.Contains(hint, "your account, your other requests") {
		t.Fatalf("the form does not say what granting a purpose does: %q", hint)
	}
	if hint := form.text("#h-whole"); !strings.Contains(hint, "account is closed") {
		t.Fatalf("the form does not say what the whole-account choice does: %q", hint)
	}
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my profile"}})
	if r := c.post("/requests", url.Values{"kind": {"delete"}, "purposes": {"survey"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d %q", r.Code, r.text(".error-summary"))
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	for _, ref := range []string{"2026-000001", "2026-000002"} {
		act(t, o, ref, "review", nil)
		decideAll(t, o, ref, true, "")
	}
	page := o.get("/officer/requests/2026-000002")
	if eff := page.text("#fulfil-effects"); !strings.Contains(eff, "withdraw consent") || strings.Contains(eff, "close this person's account") {
		t.Fatalf("the effects of fulfilling: %q", eff)
	}
	if r := act(t, o, "2026-000002", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q\n%s", r.Code, r.text("main"), h.logs.String())
	}
	c = h.signIn("p@example.tw", citizenPassword, english) // fails the test if the account went
	consents := c.get("/account/consents")
	if st := consents.text("#c-survey .state"); !strings.Contains(st, "withdrawn") {
		t.Fatalf("survey after the deletion: %q", st)
	}
	if st := consents.text("#c-newsletter .state"); !strings.Contains(st, "agreed") {
		t.Fatalf("newsletter was touched: %q", st)
	}
	if hist := consents.text("main"); strings.Count(hist, "Survey") < 2 {
		t.Fatalf("the consent history lost the survey's record: %q", hist)
	}
	if list := c.get("/requests").text("main"); !strings.Contains(list, "2026-000001") || !strings.Contains(list, "2026-000002") {
		t.Fatalf("the requests are gone: %q", list)
	}
	for _, ref := range []string{"2026-000001", "2026-000002"} {
		if r := c.get("/requests/" + ref + "/letters/decision"); r.Code != http.StatusOK {
			t.Fatalf("decision letter of %s: %d", ref, r.Code)
		}
	}
	if ms := h.mails("p@example.tw"); strings.Contains(ms[len(ms)-1].Subject, "deleted") {
		t.Fatal("the person was told their data was deleted")
	}
}

// A deletion of the whole account is a choice of its own; fulfilling it shows what it
// does above the button, then asks on a page of its own, and only the confirmed form
// erases. The person is mailed their requests and decisions, and a refusal still open
// to appeal keeps its letter without the name.
func TestWholeAccountDeleteAsksFirstAndKeepsAppealLetters(t *testing.T) {
	h := newHarness(t)
	c := verifiedCitizen(t, h, "w@example.tw", "Whole Person", "newsletter")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my profile"}})
	if r := c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}, "purposes": {"newsletter"}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.text(".error-summary"), "not both") {
		t.Fatalf("whole account and a purpose at once: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d %q", r.Code, r.text(".error-summary"))
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", false, "art10-2")
	act(t, o, "2026-000002", "review", nil)
	decideAll(t, o, "2026-000002", true, "")
	page := o.get("/officer/requests/2026-000002")
	if facts := page.text(".facts"); !strings.Contains(facts, "Delete my whole account") {
		t.Fatalf("the officer does not see the whole-account choice: %q", facts)
	}
	body := page.Body.String()
	warn, button := strings.Index(body, `id="fulfil-effects"`), strings.Index(body, `action="/officer/requests/2026-000002/fulfil"`)
	if warn < 0 || !strings.Contains(page.text("#fulfil-effects"), "close this person's account") {
		t.Fatalf("no warning of what fulfilling does: %q", page.text("main"))
	}
	if end := strings.Index(body[button:], "</form>"); button < 0 || warn < button || warn > button+end ||
		strings.Index(body[button:], `type="submit"`) < warn-button {
		t.Fatal("the warning is not above the fulfil button")
	}
	ask := act(t, o, "2026-000002", "fulfil", nil)
	if ask.Code != http.StatusOK || !strings.Contains(ask.text("[role=alert]"), "cannot be undone") {
		t.Fatalf("fulfilling a whole-account deletion did not ask first: %d %q", ask.Code, ask.text("main"))
	}
	h.signIn("w@example.tw", citizenPassword) // nothing happened yet: the person still signs in
	if r := confirmForm(t, o, ask); r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed fulfil: %d %q\n%s", r.Code, r.text("main"), h.logs.String())
	}
	if r := h.browser().post("/signin", url.Values{"email": {"w@example.tw"}, "password": {citizenPassword}}); r.Code == http.StatusSeeOther {
		t.Fatal("the erased person can still sign in")
	}
	ms := h.mails("w@example.tw")
	if len(ms) != 1 || !strings.Contains(ms[0].Body, "2026-000001") || !strings.Contains(ms[0].Body, "Refused") ||
		!strings.Contains(ms[0].Body, "can still be appealed") {
		t.Fatalf("the farewell does not list the requests and the appeal: %d mails %+v", len(ms), ms)
	}
	letter := o.get("/officer/requests/2026-000001/letters/decision")
	if letter.Code != http.StatusOK || !strings.Contains(letter.text("main"), "reason") || strings.Contains(letter.Body.String(), "Whole Person") ||
		strings.Contains(letter.Body.String(), "w@example.tw") {
		t.Fatalf("the letter open to appeal is not kept anonymously: %d %q", letter.Code, letter.text("main"))
	}
}

// A stop of one purpose restricts that purpose only, shown to officers and to the
// person, who lifts it; a stop of everything is the whole restriction.
func TestStopOnOnePurposeRestrictsOnlyIt(t *testing.T) {
	h := newHarness(t)
	c := verifiedCitizen(t, h, "s@example.tw", "Stop Person", "newsletter", "survey")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.post("/requests", url.Values{"kind": {"stop"}, "purposes": {"newsletter"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text("main"))
	}
	facts := o.get("/officer/requests/2026-000001").text(".facts")
	if !strings.Contains(facts, "Processing stopped for 040 Marketing (e-newsletter)") || strings.Contains(facts, "Processing restricted") {
		t.Fatalf("officers see: %q", facts)
	}
	consents := c.get("/account/consents")
	if st := consents.text("#c-survey .state"); strings.Contains(st, "withdrawn") {
		t.Fatalf("survey was withdrawn by a stop of the newsletter: %q", st)
	}
	a := c.get("/account")
	if n := a.text("#stopped"); !strings.Contains(n, "e-newsletter") || strings.Contains(a.text("main"), "Lift the restriction") {
		t.Fatalf("the account page: %q", a.text("main"))
	}
	// Lifting asks first; unconfirmed, the stop stays.
	if r := c.post("/account/restriction/lift", url.Values{"purpose": {"newsletter"}}); r.Code != http.StatusOK || r.doc.Find(`input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("lift unconfirmed: %d", r.Code)
	}
	if a := c.get("/account"); a.doc.Find("#stopped").Length() != 1 {
		t.Fatal("an unconfirmed lift lifted the stop")
	}
	if r := c.post("/account/restriction/lift", url.Values{"purpose": {"newsletter"}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("lift: %d", r.Code)
	}
	if a := c.get("/account"); a.doc.Find("#stopped").Length() != 0 {
		t.Fatal("the stop was not lifted")
	}

	c.post("/requests", url.Values{"kind": {"stop"}, "whole": {"on"}})
	act(t, o, "2026-000002", "review", nil)
	decideAll(t, o, "2026-000002", true, "")
	if r := act(t, o, "2026-000002", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil the whole stop: %d %q", r.Code, r.text("main"))
	}
	if facts := o.get("/officer/requests/2026-000002").text(".facts"); !strings.Contains(facts, "Processing restricted") {
		t.Fatalf("a stop of everything does not restrict: %q", facts)
	}
}

// The API takes the scope: the whole account as its own flag, refused with a 400 that
// says why when it is mixed with purposes or given to another kind.
func TestAPIFilingTakesTheScope(t *testing.T) {
	h := newHarness(t)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	a := h.signIn("a@example.tw", citizenPassword, english)
	for body, want := range map[string]string{
		`{"kind":"delete","whole":true,"purposes":["newsletter"]}`: "not both",
		`{"kind":"view","scope":"all","whole":true}`:               "Only a request to stop processing or to delete",
	} {
		r := a.api("POST", "/api/v1/me/requests", body)
		apiError(t, r, 400, "bad_request")
		if !strings.Contains(r.Body.String(), want) {
			t.Fatalf("%s: %s", body, r.Body.String())
		}
	}
	filed := decodeAs[apiSummary](t, a.api("POST", "/api/v1/me/requests", `{"kind":"delete","whole":true}`), 201)
	one := decodeAs[struct {
		Whole bool `json:"whole"`
	}](t, a.api("GET", "/api/v1/me/requests/"+filed.Ref, ""), 200)
	if !one.Whole {
		t.Fatal("the whole-account choice was not stored")
	}
}
