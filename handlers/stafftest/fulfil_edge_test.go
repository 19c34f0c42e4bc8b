package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
)

// An agent's request is carried out by hand: fulfilling an agent's deletion does not
// erase the agent, and the officer is told why.
func TestAgentRequestIsNotAppliedToTheAgent(t *testing.T) {
	h := newHarness(t)
	h.makeUser("agent@example.tw", "代理人", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	a := h.signIn("agent@example.tw", citizenPassword, english)
	r := a.multipart("/requests", url.Values{"kind": {"delete"}, "scope": {"her data"}, "on_behalf": {"on"}, "principal": {"林老太太"}})
	if r.Code != http.StatusBadRequest { // needs the authorisation, sent below through the raw form
		t.Fatalf("without authorisation: %d", r.Code)
	}
	fileAgentRequest(t, a, url.Values{"kind": {"delete"}, "scope": {"her data"}, "on_behalf": {"on"}, "principal": {"林老太太"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".notice"), "by hand") {
		t.Fatalf("the officer is not told to act by hand: %q", p.text("main"))
	}
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d", r.Code)
	}
	h.signIn("agent@example.tw", citizenPassword) // fails the test if the agent was erased
}

// fileAgentRequest files with a written authorisation attached.
func fileAgentRequest(t *testing.T, b *browser, form url.Values) {
	t.Helper()
	if r := b.multipartField("/requests", form, "authorisation", upload{"委任書.pdf", pdfFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("agent filing: %d %q", r.Code, r.text(".error-summary"))
	}
}

// Guests write messages and file with attachments (no account behind them).
func TestGuestMessagesAndAttachments(t *testing.T) {
	h := newHarness(t)
	g := h.browser(english)
	r := g.multipart("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"g@example.tw"}}, upload{"id.png", pngFile})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("guest filing with a file: %d %q", r.Code, r.text(".error-summary"))
	}
	g.post("/guest/requests/2026-000001/confirm", url.Values{"code": {lastCode(t, h, "g@example.tw")}})
	if r := g.multipart("/guest/requests/2026-000001/messages", url.Values{"body": {"Any news?"}}, upload{"more.pdf", pdfFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("guest message: %d", r.Code)
	}
	page := g.get("/guest/requests/2026-000001")
	if !strings.Contains(page.text(".messages"), "Any news?") || page.doc.Find(".files li").Length() != 2 {
		t.Fatalf("guest page: %q / %q", page.text(".messages"), page.text(".files"))
	}
}

// A fulfilment sent from an out-of-date page changes nothing; an extension after the due
// date is refused; a paper request for an unverified account is a guest's.
func TestStaleFulfilLateExtensionUnverifiedIntake(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword, english)
	c.post("/account/profile", url.Values{"name": {"陳"}, "address": {"舊地址"}})
	c.post("/requests", url.Values{"kind": {"correct"}, "field": {"address"}, "proposed": {"新地址"}, "explanation": {"moved"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	stale := version(t, o.get("/officer/requests/2026-000001"), "/fulfil")
	act(t, o, "2026-000001", "note", url.Values{"note": {"checked"}})
	if r := o.post("/officer/requests/2026-000001/fulfil", url.Values{"version": {stale}}); r.Code != http.StatusConflict {
		t.Fatalf("a stale fulfilment: %d", r.Code)
	}
	if v := c.get("/account").doc.Find("#f-address").Text(); v != "舊地址" {
		t.Fatalf("a stale fulfilment changed the address to %q", v)
	}

	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	act(t, o, "2026-000002", "review", nil)
	h.clock.Advance(20 * 24 * time.Hour)
	o = h.signIn("o@agency.example", staffPassword, english)
	if r := act(t, o, "2026-000002", "extend", url.Values{"reason": {"late"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "passed") {
		t.Fatalf("a late extension: %d %q", r.Code, r.text(".error-summary"))
	}

	h.browser().post("/signup", signUpForm("unverified@example.tw", "Someone", citizenPassword))
	r := o.post("/officer/intake", url.Values{"email": {"unverified@example.tw"}, "channel": {"paper"}, "received": {rightsToday(h)}, "kind": {"view"}, "scope": {"secret"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("intake: %d %q", r.Code, r.text(".error-summary"))
	}
	u := h.signIn("unverified@example.tw", citizenPassword)
	if list := u.get("/requests"); strings.Contains(list.text("main"), "2026-000003") {
		t.Fatal("an unverified account got a paper request")
	}
}

// A request carries one task per personal data file of the agency: fulfilment waits for
// each result, and what the officer found (notes and files) reaches the requester.
func TestTasksForTheAgencysOtherFiles(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer, account.RoleAdmin)
	o := h.signIn("o@agency.example", staffPassword, english)
	o.post("/admin/files", url.Values{"name_zh": {"人事檔"}, "name_en": {"HR records"}, "unit": {"人事室"}, "contact": {"分機 1"}, "legal_basis": {"法"},
		"purposes": {"002"}, "categories": {"C001"}, "retention_zh": {"十年"}, "retention_en": {"ten years"}})
	o.post("/admin/files", url.Values{"name_zh": {"薪資檔"}, "name_en": {"Payroll"}, "unit": {"會計室"}, "contact": {"分機 2"}, "legal_basis": {"法"},
		"purposes": {"002"}, "categories": {"C001"}, "retention_zh": {"五年"}, "retention_en": {"five years"}})
	var hrID string
	o.get("/admin/files").doc.Find("tbody a").Each(func(_ int, a *goquery.Selection) {
		if a.Text() == "HR records" {
			hrID = strings.TrimPrefix(a.AttrOr("href", ""), "/admin/files/")
		}
	})
	c := h.signIn("c@example.tw", citizenPassword, english)
	if form := c.get("/requests/new?kind=view"); form.doc.Find(`input[name=scope_files]`).Length() != 2 {
		t.Fatal("the form does not offer the agency's files")
	}
	if r := c.post("/requests", url.Values{"kind": {"view"}, "scope": {"everything"}, "scope_files": {"pf_forged"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("a forged file: %d", r.Code)
	}
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"everything"}, "scope_files": {hrID}})
	if tasks := o.get("/officer/requests/2026-000001").doc.Find(".tasks li").Length(); tasks != 1 {
		t.Fatalf("%d tasks for a request naming one file", tasks)
	}
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "identity", url.Values{"level": {"in_person"}})
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "HR records") {
		t.Fatalf("fulfil before the task: %d %q", r.Code, r.text(".error-summary"))
	}
	page := o.get("/officer/requests/2026-000001")
	fileID, _ := page.doc.Find(`form[action$="/task"] input[name=task_file]`).Attr("value")
	form := url.Values{"version": {version(t, page, "/task")}, "task_file": {fileID}, "task_note": {"One leave record found; copy attached."}}
	if r := o.multipart("/officer/requests/2026-000001/task", form, upload{"leave.pdf", pdfFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("record the task: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text(".error-summary"))
	}
	mine := c.get("/requests/2026-000001")
	if !strings.Contains(mine.text(".timeline"), "One leave record found") || !strings.Contains(mine.text(".files"), "leave.pdf") {
		t.Fatalf("the requester does not get the result: %q / %q", mine.text(".timeline"), mine.text(".files"))
	}
}
