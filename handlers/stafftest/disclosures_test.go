package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/store/storetest"
)

// The disclosure register: officers record disclosures naming people by their account,
// never silently changed (versions with who and when); lists filter, export and report
// per month; people see the disclosures of their data unless withheld until a date; a
// correction lists every recipient to tell (Art. 11(5)).
func TestDisclosureRegister(t *testing.T) {
	h := newHarness(t)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	h.makeUser("b@example.tw", "乙", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword, english)
	if r := o.get("/officer/disclosures/new"); r.Code != 200 {
		t.Fatalf("new form: %d", r.Code)
	}
	bad := url.Values{"first": {"2026-11-20"}, "recipient_name": {"Police"}, "recipient_kind": {"judicial"}, "categories": {"X1"},
		"description": {"records"}, "ground": {"notice-1"}, "reference": {"A-1"}, "subjects": {"nobody@example.tw"}}
	if r := o.post("/officer/disclosures", bad); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "nobody@example.tw") ||
		r.doc.Find(`.error-summary a[href="#f-recipient_address"]`).Length() != 1 || r.doc.Find(`.error-summary a[href="#f-categories"]`).Length() != 1 {
		t.Fatalf("a bad record: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := o.post("/officer/disclosures", url.Values{"first": {"2026-11-20"}, "recipient_name": {"X"}, "recipient_address": {"Y"}, "recipient_kind": {"other"},
		"categories": {"C001"}, "description": {"d"}, "ground": {"notice-1"}, "reference": {"r"}, "subjects": {"a@example.tw"}, "count": {"5"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("people and a count at once: %d", r.Code)
	}
	good := url.Values{"first": {"2026-11-20"}, "recipient_name": {"Taipei District Prosecutors Office"}, "recipient_address": {"Taipei"},
		"recipient_kind": {"judicial"}, "categories": {"C001, C003"}, "description": {"Account records for case 115-1"}, "ground": {"notice-1"},
		"reference": {"北檢115偵1字第1號"}, "subjects": {"a@example.tw\nb@example.tw"}}
	r := o.post("/officer/disclosures", good)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	loc := r.Header().Get("Location")
	withheld := url.Values{"first": {"2026-11-21"}, "recipient_name": {"Investigation Bureau"}, "recipient_address": {"New Taipei"},
		"recipient_kind": {"government"}, "categories": {"C001"}, "description": {"Phone number"}, "ground": {"notice-2"},
		"reference": {"調查局函"}, "subjects": {"a@example.tw"}, "withheld_until": {"2026-12-31"}}
	wr := o.multipart("/officer/disclosures", withheld, upload{"request-letter.pdf", pdfFile})
	if wr.Code != http.StatusSeeOther {
		t.Fatalf("record withheld: %d %q", wr.Code, wr.text(".error-summary"))
	}
	docs := o.get(wr.Header().Get("Location"))
	docHref, ok := docs.doc.Find(`.files a`).Attr("href")
	if !ok || !strings.Contains(docs.text(".files"), "request-letter.pdf") {
		t.Fatalf("the record's document is not listed: %q", docs.text("main"))
	}
	if d := o.get(docHref); d.Code != 200 || d.Body.String() != string(pdfFile) {
		t.Fatalf("document download: %d", d.Code)
	}
	if r := h.signIn("b@example.tw", citizenPassword).get(docHref); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
		t.Fatalf("a citizen downloaded a record's document: %d", r.Code)
	}
	list := o.get("/officer/disclosures")
	if list.doc.Find("tbody tr").Length() != 2 {
		t.Fatalf("list: %d rows", list.doc.Find("tbody tr").Length())
	}
	if r := o.get("/officer/disclosures?ground=notice-2"); r.doc.Find("tbody tr").Length() != 1 || !strings.Contains(r.text("tbody"), "Investigation Bureau") {
		t.Fatalf("filter by ground: %q", r.text("tbody"))
	}
	if csv := o.get("/officer/disclosures.csv?recipient=prosecutors"); !strings.HasPrefix(csv.Body.String(), "\ufeff") || strings.Count(csv.Body.String(), "\n") != 2 {
		t.Fatalf("CSV:\n%s", csv.Body.String())
	}
	if rep := o.get("/officer/disclosures/report"); !strings.Contains(rep.text("tbody"), "2026-11") || rep.doc.Find("tbody tr").Length() != 2 {
		t.Fatalf("report: %q", rep.text("tbody"))
	}

	// A change is a new version; a stale page is refused.
	page := o.get(loc)
	v, _ := page.doc.Find(`input[name=version]`).Attr("value")
	good.Set("version", v)
	good.Set("description", "Account records and sign-in times for case 115-1")
	if r := o.post(loc, good); r.Code != http.StatusSeeOther {
		t.Fatalf("new version: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := o.post(loc, good); r.Code != http.StatusConflict {
		t.Fatalf("a stale version: %d", r.Code)
	}
	if p := o.get(loc); p.doc.Find("tbody tr").Length() != 2 || !strings.Contains(p.text("tbody"), "承辦") {
		t.Fatalf("versions: %q", p.text("tbody"))
	}

	// The people concerned see it; the withheld one only after its date.
	a := h.signIn("a@example.tw", citizenPassword, english)
	mine := a.get("/account/data").text("main")
	if !strings.Contains(mine, "Taipei District Prosecutors Office") || strings.Contains(mine, "Investigation Bureau") ||
		!strings.Contains(mine, "lawful investigation by judicial authorities") {
		t.Fatalf("the citizen's view before the date: %q", mine)
	}
	h.clock.Advance(40 * 24 * time.Hour)
	a = h.signIn("a@example.tw", citizenPassword, english)
	if !strings.Contains(a.get("/account/data").text("main"), "Investigation Bureau") {
		t.Fatal("a withheld disclosure is not shown after its date")
	}

	// A correction lists the recipients to tell, and records each notification (a new
	// year by now: the reference starts again).
	a.post("/requests", url.Values{"kind": {"correct"}, "field": {"phone"}, "proposed": {"02-0000-0000"}, "explanation": {"new number"}})
	o = h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2027-000001", "review", nil)
	decideAll(t, o, "2027-000001", true, "")
	p := o.get("/officer/requests/2027-000001")
	if p.doc.Find(".recipients li").Length() != 2 {
		t.Fatalf("recipients to tell: %q", p.text(".recipients"))
	}
	id, _ := p.doc.Find(`.recipients form input[name=to]`).First().Attr("value")
	if r := act(t, o, "2027-000001", "notified", url.Values{"to": {id}}); r.Code != http.StatusSeeOther {
		t.Fatalf("record notified: %d", r.Code)
	}
	if p := o.get("/officer/requests/2027-000001"); !strings.Contains(p.text(".recipients"), "Notified") {
		t.Fatalf("notification not recorded: %q", p.text(".recipients"))
	}
	if r := act(t, o, "2027-000001", "notified", url.Values{"to": {"d_nosuchrecord"}}); r.Code != http.StatusNotFound {
		t.Fatalf("an unknown record: %d", r.Code)
	}
}

// The inventory of personal data files: administrators keep it (versions, stale pages
// refused), the public page lists each file in both languages with its dates.
func TestInventory(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	a := h.signIn("adm@agency.example", staffPassword, english)
	bad := url.Values{"name_zh": {"會員資料"}, "purposes": {"abc"}, "categories": {"C1"}}
	if r := a.post("/admin/files", bad); r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-purposes"]`).Length() != 1 {
		t.Fatalf("a bad file: %d %q", r.Code, r.text(".error-summary"))
	}
	good := url.Values{"name_zh": {"網站會員資料檔"}, "name_en": {"Portal members"}, "unit": {"數位服務處"}, "contact": {"0800-000-123"},
		"legal_basis": {"個資法第15條"}, "purposes": {"069, 135"}, "categories": {"C001"}, "retention_zh": {"帳號存續期間"},
		"retention_en": {"While the account exists"}, "systems": {"Privacy rights portal"}}
	if r := a.post("/admin/files", good); r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %q", r.Code, r.text(".error-summary"))
	}
	list := a.get("/admin/files")
	href, _ := list.doc.Find(`tbody a`).Attr("href")
	page := a.get(href)
	v, _ := page.doc.Find(`input[name=version]`).Attr("value")
	good.Set("version", v)
	good.Set("retention_en", "Until the account is closed")
	if r := a.post(href, good); r.Code != http.StatusSeeOther {
		t.Fatalf("new version: %d", r.Code)
	}
	if r := a.post(href, good); r.Code != http.StatusConflict {
		t.Fatalf("a stale page: %d", r.Code)
	}
	pub := h.browser(english).get("/privacy/files")
	if pub.Code != 200 || !strings.Contains(pub.text("main"), "Portal members") || !strings.Contains(pub.text("main"), "Until the account is closed") ||
		!strings.Contains(pub.text("main"), "23 November 2026") {
		t.Fatalf("public page: %d %q", pub.Code, pub.text("main"))
	}
	if zh := h.browser().get("/privacy/files"); !strings.Contains(zh.text("main"), "網站會員資料檔") {
		t.Fatal("the public page in Chinese")
	}
}

// The agency's records are sealed with its records key: the recipient's details and the
// description of a disclosure, an incident's texts and the reviewer's name in a staff
// review are nowhere in the database in clear, and the pages show them all.
func TestAgencyRecordsAreSealedAtRest(t *testing.T) {
	h := newHarness(t)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	h.makeUser("adm@agency.example", "審查官林", staffPassword, account.RoleAdmin, account.RoleOfficer)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	r := admin.post("/officer/disclosures", url.Values{"first": {"2026-11-20"}, "recipient_name": {"Kaohsiung Recipient Bureau"},
		"recipient_address": {"Zhongzheng Road 99"}, "recipient_kind": {"government"}, "categories": {"C001"},
		"description": {"Ledger of household visits"}, "ground": {"notice-1"}, "reference": {"ref-1"}, "subjects": {"a@example.tw"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("disclosure: %d %q", r.Code, r.text(".error-summary"))
	}
	disc := r.Header().Get("Location")
	discovered := h.clock.Now().Add(-time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	r = admin.post("/admin/incidents", url.Values{"title": {"Misdirected roster"}, "discovered": {discovered}, "what": {"A roster went astray"},
		"data": {"Names and phone numbers"}, "people": {"1"}, "measures": {"Recalled the envelope"}, "affected": {"a@example.tw"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("incident: %d %q", r.Code, r.text(".error-summary"))
	}
	inc := r.Header().Get("Location")
	if r := admin.post("/admin/staff/review", url.Values{"note": {"ok"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("review: %d", r.Code)
	}
	dump := storetest.Dump(t, h.db, "outbox", "mail", "audit_events")
	for _, s := range []string{"Kaohsiung Recipient", "Zhongzheng Road", "household visits", "Misdirected roster", "went astray", "phone numbers", "Recalled the envelope", "審查官林"} {
		if strings.Contains(dump, s) {
			t.Errorf("%q stored in clear", s)
		}
	}
	// The edit forms carry the texts in their fields.
	if page := admin.get(disc).Body.String(); !strings.Contains(page, "Kaohsiung Recipient Bureau") || !strings.Contains(page, "Zhongzheng Road 99") || !strings.Contains(page, "Ledger of household visits") {
		t.Errorf("the disclosure's page: %q", page)
	}
	if page := admin.get(inc).Body.String(); !strings.Contains(page, "Misdirected roster") || !strings.Contains(page, "A roster went astray") || !strings.Contains(page, "Recalled the envelope") {
		t.Errorf("the incident's page: %q", page)
	}
	if page := admin.get("/admin/staff").text(".notice"); !strings.Contains(page, "審查官林") {
		t.Errorf("the review: %q", page)
	}
	if page := h.signIn("a@example.tw", citizenPassword, english).get("/account/data").text("main"); !strings.Contains(page, "Kaohsiung Recipient Bureau") {
		t.Errorf("the person's data page: %q", page)
	}
}
