package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/handlers"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/store"
)

// What the trail records: a citizen's request, an officer's action and the staff member's
// address, a failed and a successful sign-in, staff opening a record; never a citizen's
// reading, never form contents. The chain verifies afterwards.
func TestAuditTrailRecordsActions(t *testing.T) {
	h := newHarness(t)
	cit := h.makeUser("c@example.tw", "陳小明", citizenPassword)
	off := h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	h.browser().post("/signin", url.Values{"email": {"off@agency.example"}, "password": {"wrong-Password-1!"}})
	citizen := h.signIn("c@example.tw", citizenPassword)
	citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {"我的申請資料 0912-345-678"}})
	citizen.get("/requests/2026-000001")
	o := h.signIn("off@agency.example", staffPassword)
	if r := act(t, o, "2026-000001", "review", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("review: %d", r.Code)
	}
	// A form refused as too large is recorded too (the trail wraps the body limit).
	citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {strings.Repeat("x", 70<<10)}})
	events := h.events()
	if big := findEvent(events, func(e *audit.Event) bool { return e.Action == "POST /requests" && e.Details["status"] == "413" }); big == nil || big.Outcome != audit.Refused {
		t.Fatalf("an oversize form: %+v", big)
	}

	failed := findEvent(events, func(e *audit.Event) bool { return e.Action == "POST /signin" && e.Outcome == audit.Refused })
	if failed == nil || failed.Actor != audit.ActorAnonymous || failed.Addr != "" {
		t.Fatalf("failed sign-in: %+v", failed)
	}
	signin := findEvent(events, func(e *audit.Event) bool { return e.Action == "POST /signin" && e.Actor == off.ID })
	if signin == nil || signin.Outcome != audit.OK || signin.Role != "officer" || signin.Addr == "" {
		t.Fatalf("staff sign-in: %+v", signin)
	}
	filed := findEvent(events, func(e *audit.Event) bool { return e.Action == "POST /requests" && e.Outcome == audit.OK })
	if filed == nil || filed.Actor != cit.ID || filed.Role != "citizen" || filed.Addr != "" || filed.Outcome != audit.OK {
		t.Fatalf("filing: %+v", filed)
	}
	review := findEvent(events, func(e *audit.Event) bool { return e.Action == "POST /officer/requests/:ref/:action" })
	if review == nil || review.Actor != off.ID || review.Target != "2026-000001" || review.Details["action"] != "review" || review.Addr != "192.0.2.1" {
		t.Fatalf("officer action: %+v", review)
	}
	viewed := findEvent(events, func(e *audit.Event) bool { return e.Action == "GET /officer/requests/:ref" })
	if viewed == nil || viewed.Actor != off.ID || viewed.Target != "2026-000001" {
		t.Fatalf("staff opening a request: %+v", viewed)
	}
	if findEvent(events, func(e *audit.Event) bool { return e.Action == "GET /requests/:ref" }) != nil {
		t.Fatal("a citizen reading their own request was recorded")
	}
	dump := strings.Builder{}
	for _, e := range events {
		dump.WriteString(e.Action + e.Target + e.Actor)
		for k, v := range e.Details {
			dump.WriteString(k + v)
		}
	}
	if strings.Contains(dump.String(), "0912-345-678") || strings.Contains(dump.String(), "wrong-Password") || strings.Contains(dump.String(), "off@agency.example") {
		t.Fatal("form contents in the audit trail")
	}
	if n, brk, err := audit.Verify(context.Background(), h.srv.Audit); err != nil || brk != nil || n != int64(len(events)) {
		t.Fatalf("verify: %d %+v %v", n, brk, err)
	}
	// Bytes that are not UTF-8 in a route parameter do not break the chain.
	h.browser().post("/guest/requests/%FF%FEab/withdraw", url.Values{})
	o.get("/officer/requests/" + strings.Repeat("字", 40))
	if _, brk, err := audit.Verify(context.Background(), h.srv.Audit); err != nil || brk != nil {
		t.Fatalf("verify after odd bytes: %+v %v", brk, err)
	}
}

// The administrators' page: newest first, filters by actor (e-mail), action and dates,
// pages that continue by sequence number, CSV; bad input is a 400 with a message.
func TestAuditPage(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理者", staffPassword, account.RoleAdmin)
	cit := h.makeUser("c@example.tw", "陳小明", citizenPassword)
	a := h.srv.Audit.(*store.Audit)
	start := h.clock.Now().Add(-72 * time.Hour)
	for i := range 120 {
		actor := "u-other"
		if i%3 == 0 {
			actor = cit.ID
		}
		if err := a.Append(context.Background(), &audit.Event{At: start.Add(time.Duration(i) * 30 * time.Minute), Actor: actor, Role: "citizen",
			Action: "POST /account/consents", Outcome: audit.OK, Details: map[string]string{"status": "303"}}); err != nil {
			t.Fatal(err)
		}
	}
	admin := h.signIn("adm@agency.example", staffPassword)
	r := admin.get("/admin/audit")
	rows := r.doc.Find("table.audit tbody tr")
	if r.Code != 200 || rows.Length() != 50 {
		t.Fatalf("first page: %d, %d rows", r.Code, rows.Length())
	}
	first := strings.TrimSpace(rows.First().Find("th").Text())
	second := strings.TrimSpace(rows.Eq(1).Find("th").Text())
	if first <= second && len(first) == len(second) {
		t.Fatalf("not newest first: %s then %s", first, second)
	}
	older, ok := r.doc.Find(`a[href*="before="]`).Attr("href")
	if !ok {
		t.Fatal("no link to older events")
	}
	if r2 := admin.get(older); r2.doc.Find("table.audit tbody tr").Length() != 50 {
		t.Fatalf("second page: %d rows", r2.doc.Find("table.audit tbody tr").Length())
	}
	// By the citizen's e-mail address: only their 40 events, each naming them.
	r = admin.get("/admin/audit?actor=c@example.tw&action=consents")
	names := 0
	r.doc.Find("table.audit tbody tr").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "陳小明") {
			names++
		}
	})
	if names != 40 || r.doc.Find("table.audit tbody tr").Length() != 40 {
		t.Fatalf("actor filter: %d rows, %d naming the citizen", r.doc.Find("table.audit tbody tr").Length(), names)
	}
	// A day: the events of 2026-11-21 (Taipei) only.
	day := "2026-11-21"
	r = admin.get("/admin/audit?from=" + day + "&to=" + day)
	count := 0
	for _, e := range h.events() {
		if e.At.In(twtime.Zone).Format(time.DateOnly) == day {
			count++
		}
	}
	if got := r.doc.Find("table.audit tbody tr").Length(); got != min(count, 50) || count == 0 {
		t.Fatalf("date filter: %d rows, want %d", got, count)
	}
	csv := admin.get("/admin/audit.csv?actor=c@example.tw")
	if csv.Code != 200 || strings.Count(csv.Body.String(), "POST /account/consents") != 40 {
		t.Fatalf("csv: %d", csv.Code)
	}
	// The export itself is on the trail: staff took a list out.
	if findEvent(h.events(), func(e *audit.Event) bool { return e.Action == "GET /admin/audit.csv" && e.Details["export"] == "csv" }) == nil {
		t.Fatal("a CSV export was not recorded")
	}
	for _, q := range []string{"from=2026-13-01", "from=2026-11-22&to=2026-11-01", "before=-4", "actor=" + strings.Repeat("x", 300)} {
		if r := admin.get("/admin/audit?" + q); r.Code != http.StatusBadRequest || r.doc.Find(".error-summary").Length() == 0 {
			t.Errorf("%s: %d", q, r.Code)
		}
	}
	if r := h.signIn("c@example.tw", citizenPassword).get("/admin/audit"); r.Code != http.StatusForbidden {
		t.Fatalf("a citizen reached the audit page: %d", r.Code)
	}
}

// A CSV download is not a page: the message waiting for the next page survives it.
func TestCSVKeepsThePendingMessage(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理者", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword)
	if r := admin.post("/admin/retention", url.Values{"sessions": {"40"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Code)
	}
	if csv := admin.get("/admin/audit.csv"); csv.Code != 200 {
		t.Fatalf("csv: %d", csv.Code)
	}
	if r := admin.get("/admin/retention"); r.text(".flash") == "" {
		t.Fatal("the CSV download swallowed the message meant for the next page")
	}
}

// Anonymous requests that change nothing stored are not events: a thousand dismissals
// of the notice by visitors add none, nor do sign-outs without a session or receipt
// checks; a signed-in person's dismissal (an acknowledgement) still is one.
func TestAnonymousNoOpsAreNotEvents(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	before := len(h.events())
	for range 1000 {
		if r := h.browser().post("/notice/dismiss", url.Values{"next": {"/"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("dismiss: %d", r.Code)
		}
	}
	visitor := h.browser()
	visitor.post("/signout", url.Values{})
	visitor.post("/receipts/verify", url.Values{"jws": {"a.b.c"}})
	if got := len(h.events()); got != before {
		t.Fatalf("anonymous no-ops added %d events", got-before)
	}
	h.signIn("c@example.tw", citizenPassword).post("/notice/dismiss", url.Values{"next": {"/"}})
	if findEvent(h.events(), func(e *audit.Event) bool {
		return e.Action == "POST /notice/dismiss" && e.Actor != audit.ActorAnonymous
	}) == nil {
		t.Fatal("a signed-in person's dismissal was not recorded")
	}
}

// The CSV is sent as it is read: the header row first, flushed before the rows, every
// row of the filter, newest first, in the visitor's language.
func TestAuditCSVStreams(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "Admin", staffPassword, account.RoleAdmin)
	a := h.srv.Audit.(*store.Audit)
	events := make([]*audit.Event, 450)
	for i := range events {
		events[i] = &audit.Event{At: h.clock.Now().Add(time.Duration(i-500) * time.Minute), Actor: "u-" + strconv.Itoa(i%3), Role: "citizen",
			Action: "POST /requests", Target: "2026-" + strconv.Itoa(i%7), Outcome: audit.OK}
	}
	if err := a.Seed(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	admin := h.signIn("adm@agency.example", staffPassword, func(r *http.Request) { r.Header.Set("Accept-Language", "en") })
	r := admin.get("/admin/audit.csv?actor=u-1&action=requests")
	lines := strings.Split(strings.TrimSpace(r.Body.String()), "\n")
	if r.Code != 200 || !r.Flushed || !strings.HasPrefix(lines[0], "\ufeffNo.,Time,Actor") || len(lines) != 151 {
		t.Fatalf("csv: %d, flushed %v, %d lines, header %q", r.Code, r.Flushed, len(lines), lines[0])
	}
	if !strings.HasPrefix(lines[1], "449,") || !strings.HasPrefix(lines[150], "2,") {
		t.Fatalf("not newest first: %q … %q", lines[1], lines[150])
	}
	if r := admin.get("/admin/audit.csv?from=2026-02-30"); r.Code != http.StatusBadRequest {
		t.Fatalf("a bad date: %d", r.Code)
	}

	if strings.Contains(r.Body.String(), "newest") {
		t.Fatalf("a whole export says it is capped: %q", lines[len(lines)-1])
	}

	// At the cap the file says it is not the whole trail, and where the rest begins.
	defer handlers.SetAuditCSVRows(100)()
	lines = strings.Split(strings.TrimSpace(admin.get("/admin/audit.csv?actor=u-1").Body.String()), "\n")
	if len(lines) != 102 || !strings.HasPrefix(lines[100], "152,") || !strings.Contains(lines[101], "newest 100 events") ||
		!strings.Contains(lines[101], "below 152") {
		t.Fatalf("capped: %d lines, ending %q", len(lines), lines[len(lines)-2:])
	}
}

// Odd filters are searches like any other (200); impossible ones are a 400 naming the
// field in the visitor's language, English here.
func TestAuditPageOddInput(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "Admin", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword, func(r *http.Request) { r.Header.Set("Accept-Language", "en") })
	for _, q := range []string{"actor=@", "actor=a@b@c", "actor=nobody@example.tw", "action=%25", "action=.*", "target=x%23000000001", "before=99999999999999",
		"target=" + url.QueryEscape(strings.Repeat("字", 21))} {
		if r := admin.get("/admin/audit?" + q); r.Code != http.StatusOK {
			t.Errorf("%s: %d", q, r.Code)
		}
	}
	if r := admin.get("/admin/audit?actor=%00"); r.Code != http.StatusBadRequest || r.text(".error-summary") == "" {
		t.Fatalf("a control character: %d", r.Code)
	}
	r := admin.get("/admin/audit?from=2026-11-22&to=2026-11-01")
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "The last day cannot be before the first.") {
		t.Fatalf("dates in the wrong order: %d %q", r.Code, r.text(".error-summary"))
	}
}
