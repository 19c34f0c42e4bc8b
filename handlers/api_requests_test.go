package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

type apiSummary struct {
	Ref      string `json:"ref"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Due      string `json:"due"`
	DaysLeft *int   `json:"daysLeft"`
	Assignee string `json:"assignee"`
}

// Citizens file, follow and write about their requests through the JSON API; the
// agency's systems read the queue with a requests:read token; hostile bodies are
// refused with JSON errors and nothing is stored.
func TestAPIRequests(t *testing.T) {
	h := newHarness(t)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	h.makeUser("b@example.tw", "乙", citizenPassword)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin, account.RoleOfficer)
	a := h.signIn("a@example.tw", citizenPassword, english)
	b := h.signIn("b@example.tw", citizenPassword)

	apiError(t, h.browser().api("POST", "/api/v1/me/requests", `{"kind":"view","scope":"all"}`), 401, "unauthenticated")
	for _, body := range []string{`{"kind":{"$ne":"x"}}`, `{"kind":"view","scope":"all","$where":"1"}`, `{"kind":"view","purposes":{"$ne":1}}`, `{"kind":"view"}`, `{"kind":"sell"}`, `[]`,
		`{"kind":"view","scope":"bell\u0007ring"}`, `{"kind":"stop","purposes":[` + strings.Repeat(`"x",`, 50) + `"x"]}`} {
		if r := a.api("POST", "/api/v1/me/requests", body); r.Code != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", body, r.Code, r.Body.String())
		}
	}
	if list := decodeAs[struct{ Requests []apiSummary }](t, a.api("GET", "/api/v1/me/requests", ""), 200); len(list.Requests) != 0 {
		t.Fatalf("a refused filing was stored: %+v", list)
	}
	filed := decodeAs[apiSummary](t, a.api("POST", "/api/v1/me/requests", `{"kind":"copy","scope":"my account"}`), 201)
	if filed.Ref != "2026-000001" || filed.Due != "2026-12-08" || filed.DaysLeft == nil || *filed.DaysLeft != 15 {
		t.Fatalf("filed: %+v", filed)
	}
	if ms := h.mails("a@example.tw"); len(ms) == 0 || !strings.Contains(ms[len(ms)-1].Body, "2026-000001") {
		t.Fatal("no confirmation mail")
	}
	one := decodeAs[struct {
		Ref      string `json:"ref"`
		Scope    string `json:"scope"`
		Subject  string `json:"subject"`
		Timeline []struct {
			Action string `json:"action"`
		} `json:"timeline"`
	}](t, a.api("GET", "/api/v1/me/requests/2026-000001", ""), 200)
	if one.Scope != "my account" || one.Subject != "" || len(one.Timeline) != 1 || one.Timeline[0].Action != "filed" {
		t.Fatalf("my request: %+v", one)
	}
	apiError(t, b.api("GET", "/api/v1/me/requests/2026-000001", ""), 404, "not_found")
	apiError(t, b.api("POST", "/api/v1/me/requests/2026-000001/messages", `{"body":"hi"}`), 404, "not_found")
	apiError(t, a.api("POST", "/api/v1/me/requests/2026-000001/messages", `{"body":"  "}`), 400, "bad_request")
	decodeAs[map[string]any](t, a.api("POST", "/api/v1/me/requests/2026-000001/messages", `{"body":"Please hurry."}`), 201)
	msgs := decodeAs[struct {
		Messages []struct{ From, Body string }
	}](t, a.api("GET", "/api/v1/me/requests/2026-000001/messages", ""), 200)
	if len(msgs.Messages) != 1 || msgs.Messages[0].Body != "Please hurry." || msgs.Messages[0].From != "requester" {
		t.Fatalf("messages: %+v", msgs)
	}

	// The agency's systems: only a token with requests:read.
	admin := h.signIn("adm@agency.example", staffPassword, english)
	issue := func(scope string) string {
		r := admin.post("/admin/tokens", url.Values{"name": {"system " + scope}, "scopes": {scope}})
		tok, _ := r.doc.Find("#new-token").Attr("value")
		if tok == "" {
			t.Fatalf("issue %s: %d", scope, r.Code)
		}
		return tok
	}
	reader, other := issue("requests:read"), issue("consent:read")
	apiError(t, h.browser().api("GET", "/api/v1/requests", ""), 401, "token_missing")
	apiError(t, h.browser().api("GET", "/api/v1/requests", "", bearer(other)), 403, "insufficient_scope")
	q := decodeAs[struct {
		Requests []apiSummary
		Counts   map[string]int
	}](t, h.browser().api("GET", "/api/v1/requests?kind=copy", "", bearer(reader)), 200)
	if len(q.Requests) != 1 || q.Requests[0].Ref != "2026-000001" || q.Counts["submitted"] != 1 {
		t.Fatalf("queue: %+v", q)
	}
	full := decodeAs[struct {
		Subject string `json:"subject"`
	}](t, h.browser().api("GET", "/api/v1/requests/2026-000001", "", bearer(reader)), 200)
	if full.Subject == "" {
		t.Fatal("the staff view lacks the subject")
	}
	apiError(t, h.browser().api("GET", "/api/v1/requests/2026-999999", "", bearer(reader)), 404, "not_found")
}

// The register and the inventory in the API, for tokens with records:read only.
func TestAPIRecords(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin, account.RoleOfficer)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	admin.post("/officer/disclosures", url.Values{"first": {"2026-11-20"}, "recipient_name": {"Court"}, "recipient_address": {"Taipei"},
		"recipient_kind": {"judicial"}, "categories": {"C001"}, "description": {"records"}, "ground": {"notice-1"}, "reference": {"R-1"}, "subjects": {"a@example.tw"}})
	admin.post("/admin/files", url.Values{"name_zh": {"會員"}, "name_en": {"Members"}, "unit": {"處"}, "contact": {"電話"}, "legal_basis": {"依據"},
		"purposes": {"069"}, "categories": {"C001"}, "retention_zh": {"期間"}, "retention_en": {"period"}})
	issue := func(scope string) string {
		r := admin.post("/admin/tokens", url.Values{"name": {"sys " + scope}, "scopes": {scope}})
		tok, _ := r.doc.Find("#new-token").Attr("value")
		return tok
	}
	reader, other := issue("records:read"), issue("requests:read")
	apiError(t, h.browser().api("GET", "/api/v1/disclosures", "", bearer(other)), 403, "insufficient_scope")
	ds := decodeAs[struct {
		Disclosures []struct {
			ID, RecipientName string
			Subjects          []string
		}
	}](t, h.browser().api("GET", "/api/v1/disclosures?ground=notice-1", "", bearer(reader)), 200)
	if len(ds.Disclosures) != 1 || ds.Disclosures[0].RecipientName != "Court" || len(ds.Disclosures[0].Subjects) != 1 {
		t.Fatalf("disclosures: %+v", ds)
	}
	one := decodeAs[struct{ Versions []any }](t, h.browser().api("GET", "/api/v1/disclosures/"+ds.Disclosures[0].ID, "", bearer(reader)), 200)
	if len(one.Versions) != 1 {
		t.Fatalf("versions: %+v", one)
	}
	fs := decodeAs[struct{ Files []struct{ ID, NameEn string } }](t, h.browser().api("GET", "/api/v1/files", "", bearer(reader)), 200)
	if len(fs.Files) != 1 || fs.Files[0].NameEn != "Members" {
		t.Fatalf("files: %+v", fs)
	}
	apiError(t, h.browser().api("GET", "/api/v1/files/nosuch", "", bearer(reader)), 404, "not_found")
}
