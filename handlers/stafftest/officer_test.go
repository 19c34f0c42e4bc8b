package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
)

// A copy request from filing to closing: review, the one extension with its written
// notice, an item-by-item decision whose refusal names its ground, the fee, the identity
// check that must come before data is released, fulfilment; the requester follows it all
// and reads the letters; the statistics count it.
func TestOfficerWorksACopyRequestToTheEnd(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("x@example.tw", "旁人", citizenPassword)
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	h.makeUser("admin@agency.example", "管理者", staffPassword, account.RoleAdmin)
	admin := h.signIn("admin@agency.example", staffPassword, english)
	if r := admin.post("/admin/fees", url.Values{"id": {"", ""}, "name_zh": {"影印每頁", ""}, "name_en": {"Copy, per page", ""}, "unit": {"2", ""}}); r.Code != http.StatusSeeOther {
		t.Fatalf("fee schedule: %d %s", r.Code, r.text(".error-summary"))
	}
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	citizen.post("/requests", url.Values{"kind": {"copy"}, "scope": {"my account data"}})
	const ref = "2026-000001"
	off := h.signIn("off@agency.example", staffPassword, english)

	page := off.get("/officer/requests/" + ref)
	if page.Code != 200 || !strings.Contains(page.text(".facts"), "陳小明") || page.doc.Find(`form[action$="/fulfil"]`).Length() != 0 {
		t.Fatalf("officer's page: %d %q", page.Code, page.text(".facts"))
	}
	if r := act(t, off, ref, "review", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("review: %d", r.Code)
	}
	// The extension needs its written reason; it moves the due date by at most 15 days.
	if r := act(t, off, ref, "extend", url.Values{"reason": {"  "}}); r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-reason"]`).Length() != 1 {
		t.Fatalf("extension without a reason: %d %q", r.Code, r.text(".error-summary"))
	}
	// The one extension asks first, saying the new due date and that it is spent;
	// unconfirmed, nothing changes and nobody is mailed.
	mailed := len(h.mails("c@example.tw"))
	r := act(t, off, ref, "extend", url.Values{"reason": {"The records are kept in two archives."}})
	if r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "from 8 December 2026 to 23 December 2026") || !strings.Contains(r.text(".notice"), "only once") ||
		r.doc.Find(`main form[action="/officer/requests/`+ref+`/extend"] input[name=confirm][value=yes]`).Length() != 1 ||
		r.doc.Find(`main form input[name=reason][value="The records are kept in two archives."]`).Length() != 1 {
		t.Fatalf("extend unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if p := off.get("/officer/requests/" + ref); strings.Contains(p.text(".facts"), "23 December 2026") || len(h.mails("c@example.tw")) != mailed {
		t.Fatal("an unconfirmed extension changed something")
	}
	r = act(t, off, ref, "extend", url.Values{"reason": {"The records are kept in two archives."}, "confirm": {"yes"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("extend: %d %s", r.Code, r.text(".error-summary"))
	}
	page = off.get("/officer/requests/" + ref)
	// Received Monday 23 November: due Tuesday 8 December, extended by 15 days to Wednesday 23 December.
	if !strings.Contains(page.text(".facts"), "23 December 2026") || page.doc.Find(`form[action$="/extend"]`).Length() != 0 {
		t.Fatalf("after the extension: %q", page.text(".facts"))
	}
	if r := off.post("/officer/requests/"+ref+"/extend", url.Values{"version": {version(t, page, "/note")}, "reason": {"again"}}); r.Code != http.StatusConflict {
		t.Fatalf("a second extension: %d", r.Code)
	}
	ms := h.mails("c@example.tw")
	if last := ms[len(ms)-1]; !strings.Contains(last.Subject, "延長決定期間通知（案號 2026-000001）") || !strings.Contains(last.Body, "/requests/"+ref+"/letters/extension") ||
		!strings.Contains(last.Body, "two archives") || !strings.Contains(last.Body, "2026-12-23") {
		t.Fatalf("extension mail: %q %q", last.Subject, last.Body)
	}
	// The letter is in the requester's language (their mail's), not the browser's.
	letter := citizen.get("/requests/" + ref + "/letters/extension")
	if letter.Code != 200 || !strings.Contains(letter.text(".letter"), "two archives") || !strings.Contains(letter.text(".letter"), "中華民國115年12月23日") ||
		!strings.Contains(letter.text(".letterhead"), "範例市政府數位服務處") {
		t.Fatalf("extension notice: %d %q", letter.Code, letter.text(".letter"))
	}
	if r := h.signIn("x@example.tw", citizenPassword).get("/requests/" + ref + "/letters/extension"); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen read the notice: %d", r.Code)
	}

	// The decision: five items; a refusal without a ground does not go through.
	d := off.get("/officer/requests/" + ref + "/decide")
	if d.Code != 200 || d.doc.Find(`select[name=outcome]`).Length() != 5 || d.doc.Find(`input[name=quantity]`).Length() != 1 {
		t.Fatalf("decision form: %d, %d items", d.Code, d.doc.Find(`select[name=outcome]`).Length())
	}
	v := version(t, d, "/decide")
	form := url.Values{"version": {v}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:refuse"},
		"reason": {"", "", "", "", "The archive file names a third party."}, "quantity": {"10"}}
	if r := off.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.text(".error-summary"), "at least one legal ground") || !strings.Contains(r.doc.Find("#f-item4_reason").Text(), "third party") {
		t.Fatalf("refusal without a ground: %d %q", r.Code, r.text(".error-summary"))
	}
	form.Set("grounds", "4:art11-3-consent") // a ground of another kind
	if r := off.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusBadRequest {
		t.Fatalf("a ground that does not apply: %d", r.Code)
	}
	form.Set("grounds", "4:art10-3")
	// Unconfirmed: the decision item by item and the fee, and no letter yet.
	r = off.post("/officer/requests/"+ref+"/decide", form)
	if lines := r.doc.Find(".confirm-lines li"); r.Code != http.StatusOK || lines.Length() != 6 || !strings.Contains(lines.Eq(0).Text(), "Granted") ||
		!strings.Contains(lines.Eq(4).Text(), "Refused") || !strings.Contains(lines.Eq(4).Text(), "Art. 10(3)") || !strings.Contains(lines.Eq(4).Text(), "third party") ||
		!strings.Contains(lines.Eq(5).Text(), "NT$20") || r.doc.Find(`main form[action$="/decide"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("the decision's confirmation: %d %q", r.Code, r.text("main"))
	}
	if f := off.get("/officer/requests/" + ref).text(".facts"); strings.Contains(f, "Partly granted") {
		t.Fatalf("an unconfirmed decision was recorded: %q", f)
	}
	form.Set("confirm", "yes")
	if r := off.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusSeeOther {
		t.Fatalf("decide: %d %q", r.Code, r.text(".error-summary"))
	}
	page = off.get("/officer/requests/" + ref)
	if !strings.Contains(page.text(".facts"), "Partly granted") || !strings.Contains(page.text(".facts"), "NT$20") {
		t.Fatalf("after deciding: %q", page.text(".facts"))
	}
	letter = citizen.get("/requests/" + ref + "/letters/decision")
	for _, want := range []string{"部分准予", "個資法第10條第3款", "names a third party", "提起訴願", "2 元 × 10", "新臺幣 20 元"} {
		if !strings.Contains(letter.text(".letter"), want) {
			t.Fatalf("decision letter lacks %q: %q", want, letter.text(".letter"))
		}
	}
	if ms := h.mails("c@example.tw"); !strings.Contains(ms[len(ms)-1].Subject, "決定通知") || !strings.Contains(ms[len(ms)-1].Body, "個資法第10條第3款") ||
		!strings.Contains(ms[len(ms)-1].Body, "names a third party") || !strings.Contains(ms[len(ms)-1].Body, "訴願") {
		t.Fatalf("decision mail: %q\n%s", ms[len(ms)-1].Subject, ms[len(ms)-1].Body)
	}
	if mine := citizen.get("/requests/" + ref); !strings.Contains(mine.text(".facts"), "Partly granted") || !strings.Contains(mine.text(".facts"), "NT$20") {
		t.Fatalf("the requester's page: %q", mine.text(".facts"))
	}

	// Data is released only after a stronger identity check and once the fee is settled.
	if r := act(t, off, ref, "fulfil", nil); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "stronger identity check") ||
		!strings.Contains(r.text(".error-summary"), "neither paid nor waived") {
		t.Fatalf("fulfil too early: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := act(t, off, ref, "identity", url.Values{"level": {"document"}, "identity_note": {"ID card copy checked, A123"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("identity: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := act(t, off, ref, "payment", url.Values{"pay_on": {"2026-11-23"}, "pay_amount": {"20"}, "pay_method": {"counter"}, "pay_receipt": {"R-1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("fee paid: %d", r.Code)
	}
	if r := act(t, off, ref, "fulfil", url.Values{"fulfil_note": {"Copy mailed on a CD."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text(".error-summary"))
	}
	// The mails name the request in their subjects; the fulfilment's says where the copy
	// is and for how long.
	ms = h.mails("c@example.tw")
	if first, last := ms[0], ms[len(ms)-1]; !strings.Contains(first.Subject, ref) || !strings.Contains(last.Subject, ref) ||
		!strings.Contains(last.Body, "Copy mailed on a CD.") || !strings.Contains(last.Body, "30 日") || strings.Contains(last.Body, "\n\n\n") {
		t.Fatalf("filing mail %q; fulfilment mail %q\n%s", first.Subject, last.Subject, last.Body)
	}
	if r := act(t, off, ref, "note", url.Values{"note": {"Called the requester, all fine."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("note: %d", r.Code)
	}
	// Closing asks first; unconfirmed, the request stays open.
	if r := act(t, off, ref, "close", nil); r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "cannot be reopened") {
		t.Fatalf("close unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if off.get("/officer/requests/"+ref).doc.Find(`form[action$="/close"]`).Length() != 1 {
		t.Fatal("an unconfirmed close closed the request")
	}
	if r := act(t, off, ref, "close", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("close: %d", r.Code)
	}
	mine := citizen.get("/requests/" + ref)
	tl := mine.text(".timeline")
	for _, want := range []string{"Review started", "Period extended", "Decided: partly granted", "Fee paid", "Copy mailed on a CD", "Closed"} {
		if !strings.Contains(tl, want) {
			t.Fatalf("the requester's timeline lacks %q: %q", want, tl)
		}
	}
	if strings.Contains(mine.Body.String(), "A123") || strings.Contains(mine.Body.String(), "all fine") {
		t.Fatal("the requester sees internal notes")
	}
	if officerTL := off.get("/officer/requests/" + ref).text(".timeline"); !strings.Contains(officerTL, "all fine") || !strings.Contains(officerTL, "王承辦") {
		t.Fatalf("the officer's timeline: %q", officerTL)
	}
	if q := off.get("/officer/queue"); strings.Contains(q.text("main table"), ref) {
		t.Fatal("a closed request is still in the queue")
	}
	st := admin.get("/admin/requests/stats")
	row := st.doc.Find("tbody tr").First().Text()
	if st.Code != 200 || !strings.Contains(row, "2026-11") || !strings.Contains(row, "Get a copy") || !strings.Contains(row, "100%") {
		t.Fatalf("statistics: %d %q", st.Code, row)
	}
	csv := admin.get("/admin/requests/stats.csv")
	if !strings.HasPrefix(csv.Body.String(), "\ufeff") || !strings.Contains(csv.Body.String(), "2026-11,Get a copy,1,0,1,0,0,0,100,1") {
		t.Fatalf("statistics CSV:\n%s", csv.Body.String())
	}
	// The public page exists only once an administrator publishes it.
	if r := h.browser().get("/transparency"); r.Code != http.StatusNotFound {
		t.Fatalf("unpublished transparency page: %d", r.Code)
	}
	if r := admin.post("/admin/requests/stats/publish", url.Values{"publish": {"on"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Code)
	}
	pub := h.browser(english).get("/transparency")
	if pub.Code != 200 || !strings.Contains(pub.text("tbody"), "Get a copy") || strings.Contains(pub.Body.String(), "陳小明") {
		t.Fatalf("transparency page: %d %q", pub.Code, pub.text("tbody"))
	}
}

// Two officers acting on the same page at once: one wins, the other is told the request
// changed, and the request shows one outcome.
func TestTwoOfficersAtOnce(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "申請人", citizenPassword)
	h.makeUser("a@agency.example", "甲", staffPassword, account.RoleOfficer)
	h.makeUser("b@agency.example", "乙", staffPassword, account.RoleOfficer)
	h.signIn("c@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"delete"}, "purposes": {"newsletter"}})
	a, b := h.signIn("a@agency.example", staffPassword, english), h.signIn("b@agency.example", staffPassword, english)
	act(t, a, "2026-000001", "review", nil)
	page := a.get("/officer/requests/2026-000001")
	v := version(t, page, "/extend")
	codes := make(chan int, 2)
	go func() {
		codes <- a.post("/officer/requests/2026-000001/extend", url.Values{"version": {v}, "reason": {"busy"}, "confirm": {"yes"}}).Code
	}()
	go func() {
		codes <- b.post("/officer/requests/2026-000001/decide", url.Values{"version": {v}, "outcome": {"0:grant"}, "reason": {""}, "confirm": {"yes"}}).Code
	}()
	got := map[int]int{<-codes: 1}
	got[<-codes]++
	if got[http.StatusSeeOther] != 1 || got[http.StatusConflict] != 1 {
		t.Fatalf("two actions at once: %v", got)
	}
	facts := a.get("/officer/requests/2026-000001").text(".facts")
	if strings.Contains(facts, "Originally due") == strings.Contains(facts, "Granted") {
		t.Fatalf("both or neither action took effect: %q", facts)
	}
}

// Refusals of stop and delete requests name the Art. 11 provisos; a decided refusal is
// closed without fulfilment; duplicates close only against the same requester's request.
func TestRefusalAndDuplicate(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "申請人", citizenPassword)
	h.makeUser("d@example.tw", "別人", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword)
	c.post("/requests", url.Values{"kind": {"stop"}, "purposes": {"newsletter"}, "scope": {"and the survey"}})
	h.signIn("d@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	c.post("/requests", url.Values{"kind": {"stop"}, "purposes": {"newsletter"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	d := o.get("/officer/requests/2026-000001/decide")
	if d.doc.Find(`select[name=outcome]`).Length() != 2 || d.doc.Find(`input[value="0:er21-1"]`).Length() != 1 || d.doc.Find(`input[value="0:art10-1"]`).Length() != 0 {
		t.Fatalf("stop decision form: %d items", d.doc.Find(`select[name=outcome]`).Length())
	}
	form := url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:refuse", "1:refuse"}, "grounds": {"0:er21-1", "1:art11-3-purpose"},
		"reason": {"Kept 5 years under the Archives Act.", ""}}
	if r := o.post("/officer/requests/2026-000001/decide", form); r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-item1_reason"]`).Length() != 1 {
		t.Fatalf("a refused item without reasons: %d %q", r.Code, r.text(".error-summary"))
	}
	form["reason"] = []string{"Kept 5 years under the Archives Act.", "The survey is still running."}
	if r := o.post("/officer/requests/2026-000001/decide", form); r.Code != http.StatusSeeOther {
		t.Fatalf("refuse: %d %q", r.Code, r.text(".error-summary"))
	}
	page := o.get("/officer/requests/2026-000001")
	if page.doc.Find(`form[action$="/fulfil"]`).Length() != 0 || page.doc.Find(`form[action$="/close"]`).Length() != 1 {
		t.Fatal("a refused request offers fulfilment, or no way to close it")
	}
	if r := act(t, o, "2026-000001", "close", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("close: %d", r.Code)
	}
	if r := act(t, o, "2026-000003", "duplicate", url.Values{"of": {"2026-000002"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("a duplicate of someone else's request: %d", r.Code)
	}
	// Closing as a duplicate asks first; unconfirmed, the request stays open.
	if r := act(t, o, "2026-000003", "duplicate", url.Values{"of": {"2026-000001"}, "dup_note": {"Same as 2026-000001."}}); r.Code != http.StatusOK ||
		!strings.Contains(r.text(".notice"), "repeat of 2026-000001") || r.doc.Find(`main form input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("duplicate unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if o.get("/officer/requests/2026-000003").doc.Find(`form[action$="/duplicate"]`).Length() != 1 {
		t.Fatal("an unconfirmed duplicate closed the request")
	}
	if r := act(t, o, "2026-000003", "duplicate", url.Values{"of": {"2026-000001"}, "dup_note": {"Same as 2026-000001."}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("duplicate: %d %q", r.Code, r.text(".error-summary"))
	}
	if ms := h.mails("c@example.tw"); !strings.Contains(ms[len(ms)-1].Subject, "重複申請") {
		t.Fatalf("duplicate mail: %q", ms[len(ms)-1].Subject)
	}
	for _, bad := range []string{"/officer/requests/2026-000002/launch", "/officer/requests/..%2f/review", "/officer/requests/2026-999999/review"} {
		if r := o.post(bad, url.Values{"version": {"1"}}); r.Code != http.StatusNotFound {
			t.Fatalf("%s: %d", bad, r.Code)
		}
	}
	if r := o.post("/officer/requests/2026-000002/review", url.Values{"version": {"x"}}); r.Code != http.StatusBadRequest && r.Code != http.StatusConflict {
		t.Fatalf("a malformed version: %d", r.Code)
	}
}

// The queue at work: counts per state, filters, assignment, search by reference (closed
// ones too), pages of 50 and a CSV of everything the filter matches.
func TestQueueFiltersPagesAndExports(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "申請人", citizenPassword)
	h.makeUser("o@agency.example", "承辦甲", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword)
	for i := 0; i < 53; i++ {
		kind := []string{"view", "copy"}[i%2]
		if r := c.post("/requests", url.Values{"kind": {kind}, "scope": {fmt.Sprintf("item %d", i)}}); r.Code != http.StatusSeeOther {
			t.Fatalf("file %d: %d", i, r.Code)
		}
	}
	c.post("/requests", url.Values{"kind": {"delete"}, "purposes": {"newsletter"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	q := o.get("/officer/queue")
	if q.doc.Find("tbody tr").Length() != 50 || !strings.Contains(q.text(".counts"), "All: 54") || !strings.Contains(q.text("caption"), "page 1 of 2") {
		t.Fatalf("first page: %d rows, %q, %q", q.doc.Find("tbody tr").Length(), q.text(".counts"), q.text("caption"))
	}
	next, _ := q.doc.Find(`a[rel=next]`).Attr("href")
	if p2 := o.get(next); p2.doc.Find("tbody tr").Length() != 4 {
		t.Fatalf("second page: %d rows", p2.doc.Find("tbody tr").Length())
	}
	if r := o.get("/officer/queue?kind=delete"); r.doc.Find("tbody tr").Length() != 1 || !strings.Contains(r.text("tbody"), "2026-000054") {
		t.Fatalf("filter by kind: %d", r.doc.Find("tbody tr").Length())
	}
	act(t, o, "2026-000054", "assign", url.Values{"to": {o.meID(t)}})
	act(t, o, "2026-000054", "review", nil)
	if r := o.get("/officer/queue?assignee=me&state=review"); r.doc.Find("tbody tr").Length() != 1 || !strings.Contains(r.text("tbody"), "承辦甲") {
		t.Fatalf("mine in review: %d %q", r.doc.Find("tbody tr").Length(), r.text("tbody"))
	}
	if r := o.get("/officer/queue?due=overdue"); r.doc.Find("tbody tr").Length() != 0 {
		t.Fatal("nothing is overdue yet")
	}
	h.clock.Advance(20 * 24 * time.Hour)
	o = h.signIn("o@agency.example", staffPassword, english) // the staff session has timed out meanwhile
	if r := o.get("/officer/queue?due=overdue"); !strings.HasPrefix(r.text("caption"), "53 matching") || !strings.Contains(r.text("tbody"), "overdue by") {
		t.Fatalf("overdue after 20 days: %q", r.text("caption"))
	}
	if r := o.get("/officer/queue?state=$ne&due=999"); r.Code != 200 || r.doc.Find("tbody tr").Length() != 50 {
		t.Fatalf("a hand-edited filter: %d", r.Code)
	}
	csv := o.get("/officer/queue.csv?kind=view")
	if lines := strings.Count(csv.Body.String(), "\n"); !strings.HasPrefix(csv.Body.String(), "\ufeff") || lines != 28 {
		t.Fatalf("CSV of 27 view requests has %d lines", lines)
	}
	if r := o.get("/officer/queue?q=2026-000007"); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/officer/requests/2026-000007" {
		t.Fatalf("search by reference: %d", r.Code)
	}
	if r := o.get("/officer/queue?q=2026-999999"); !strings.Contains(r.text(".notice"), "2026-999999") {
		t.Fatalf("an unknown reference: %q", r.text(".notice"))
	}
}

// meID reads the signed-in officer's id from the assign form.
func (b *browser) meID(t *testing.T) string {
	t.Helper()
	page := b.get("/officer/requests/2026-000001")
	id := ""
	page.doc.Find(`select[name=to] option`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "(me)") {
			id, _ = s.Attr("value")
		}
	})
	if id == "" {
		t.Fatal("the assign form does not offer me")
	}
	return id
}

// An officer enters a request that came by registered mail: the period counts from the
// postmark date, the requester is told by mail, and the timeline says who entered it.
func TestOfficerEntersAPaperRequest(t *testing.T) {
	h := newHarness(t)
	h.makeUser("p@example.tw", "紙本", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword, english)
	if r := o.get("/officer/intake"); r.Code != 200 || r.doc.Find(`input[name=received][type=date]`).Length() != 1 {
		t.Fatalf("intake form: %d", r.Code)
	}
	form := url.Values{"email": {"o@agency.example"}, "channel": {"paper"}, "received": {"2026-11-30"}, "kind": {"delete"}, "purposes": {"newsletter"}}
	if r := o.post("/officer/intake", form); r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-email"]`).Length() != 1 ||
		r.doc.Find(`.error-summary a[href="#f-received"]`).Length() != 1 {
		t.Fatalf("a staff address and a future date: %d %q", r.Code, r.text(".error-summary"))
	}
	form.Set("email", "p@example.tw")
	form.Set("received", "2026-11-13") // the postmark: a Friday
	r := o.post("/officer/intake", form)
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/officer/requests/2026-000001" {
		t.Fatalf("enter: %d %q", r.Code, r.text(".error-summary"))
	}
	page := o.follow(r)
	// 30 days from 13 November is Sunday 13 December: due Monday 14 December.
	if !strings.Contains(page.text(".facts"), "14 December 2026") || !strings.Contains(page.text(".facts"), "on paper") ||
		!strings.Contains(page.text(".timeline"), "Received on paper") || !strings.Contains(page.text(".timeline"), "承辦") {
		t.Fatalf("entered request: %q / %q", page.text(".facts"), page.text(".timeline"))
	}
	if ms := h.mails("p@example.tw"); len(ms) == 0 || !strings.Contains(ms[len(ms)-1].Body, "2026-000001") {
		t.Fatal("the requester was not told")
	}
	// Someone without an account: a guest who follows it by reference and code.
	r = o.post("/officer/intake", url.Values{"email": {"letter@example.tw"}, "name": {"寄信人"}, "channel": {"counter"}, "received": {"2026-11-23"}, "kind": {"view"}, "scope": {"all"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("enter for someone without an account: %d %q", r.Code, r.text(".error-summary"))
	}
	ms := h.mails("letter@example.tw")
	if len(ms) != 1 || !strings.Contains(ms[0].Body, "/guest/requests/2026-000002") {
		t.Fatalf("the guest's mail: %+v", ms)
	}
	g := h.browser(english)
	g.post("/guest/track", url.Values{"ref": {"2026-000002"}, "email": {"letter@example.tw"}})
	g.post("/guest/requests/2026-000002/confirm", url.Values{"code": {lastCode(t, h, "letter@example.tw")}})
	if page := g.get("/guest/requests/2026-000002"); page.Code != 200 || !strings.Contains(page.text(".timeline"), "Received at the counter") {
		t.Fatalf("the guest follows the counter request: %d %q", page.Code, page.text(".timeline"))
	}
	h.clock.Advance(15 * 24 * time.Hour)
	if r, c, _ := h.jobs.Guests.Sweep(context.Background()); r+c != 0 {
		t.Fatal("a counter request was swept as unconfirmed")
	}
}

// The queue's two clocks: an undecided request runs against its decision deadline; once
// decided, against the fulfilment target the administrator sets (days after the
// decision), with its own label and filter — a request decided late no longer shows as
// overdue against the deadline it had.
func TestQueueShowsTheDecisionAndFulfilmentClocks(t *testing.T) {
	h := newHarness(t)
	h.makeUser("p@example.tw", "紙本", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	o := h.signIn("o@agency.example", staffPassword, english)
	// Two letters received on Monday 14 September: due Tuesday 29 September (view) and
	// Wednesday 14 October (stop), both long past on 23 November.
	for _, form := range []url.Values{
		{"email": {"p@example.tw"}, "channel": {"paper"}, "received": {"2026-09-14"}, "kind": {"stop"}, "purposes": {"newsletter"}},
		{"email": {"p@example.tw"}, "channel": {"paper"}, "received": {"2026-09-14"}, "kind": {"view"}, "scope": {"all"}},
	} {
		if r := o.post("/officer/intake", form); r.Code != http.StatusSeeOther {
			t.Fatalf("intake: %d %q", r.Code, r.text(".error-summary"))
		}
	}
	act(t, o, "2026-000001", "review", nil)
	d := o.get("/officer/requests/2026-000001/decide")
	if r := o.post("/officer/requests/2026-000001/decide", url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:grant"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("decide: %d %q", r.Code, r.text(".error-summary"))
	}
	row := func(page *response, ref string) string {
		return page.doc.Find(`tbody tr:has(a[href="/officer/requests/` + ref + `"])`).Text()
	}
	q := o.get("/officer/queue")
	// Decided today (23 November): the fulfilment target is 15 days later, 8 December.
	if got := row(q, "2026-000001"); !strings.Contains(got, "Fulfilment target") || !strings.Contains(got, "8 December 2026") || strings.Contains(got, "overdue") {
		t.Fatalf("the decided request: %q", got)
	}
	if got := row(q, "2026-000002"); !strings.Contains(got, "Decision deadline") || !strings.Contains(got, "29 September 2026") || !strings.Contains(got, "overdue") {
		t.Fatalf("the undecided request: %q", got)
	}
	if r := o.get("/officer/queue?clock=fulfil"); row(r, "2026-000001") == "" || row(r, "2026-000002") != "" {
		t.Fatal("the fulfilment filter")
	}
	if r := o.get("/officer/queue?clock=decision"); row(r, "2026-000001") != "" || row(r, "2026-000002") == "" {
		t.Fatal("the decision filter")
	}
	if r := o.get("/officer/queue?due=overdue"); row(r, "2026-000001") != "" || row(r, "2026-000002") == "" {
		t.Fatal("the overdue filter counts a decided request against its decision deadline")
	}
	if r := o.get("/officer/queue.csv?clock=fulfil"); !strings.Contains(r.Body.String(), "Fulfilment target,2026-12-08,15,") {
		t.Fatalf("CSV: %s", r.Body.String())
	}
	// The administrator sets the target; a bad value is named, nothing changes.
	admin := h.signIn("adm@agency.example", staffPassword)
	for _, bad := range []string{"0", "91", "x", ""} {
		if r := admin.post("/admin/calendar/fulfilment", url.Values{"fulfil_days": {bad}}); r.Code != http.StatusBadRequest || !strings.Contains(r.text("#e-fulfil_days"), "請填寫 1 至 90 的整數日數") {
			t.Errorf("target %q: %d %q", bad, r.Code, r.text("#e-fulfil_days"))
		}
	}
	if r := admin.post("/admin/calendar/fulfilment", url.Values{"fulfil_days": {"30"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("set the target: %d", r.Code)
	}
	if got := row(o.get("/officer/queue"), "2026-000001"); !strings.Contains(got, "23 December 2026") {
		t.Fatalf("after a 30-day target: %q", got)
	}
	// The requester's page no longer counts the decided request against its old deadline.
	if r := h.signIn("p@example.tw", citizenPassword, english).get("/requests/2026-000001"); strings.Contains(r.text("main"), "overdue") {
		t.Fatalf("the requester sees an overdue decided request: %q", r.text("main"))
	}
}

// A caller is found by the beginning of a reference (the open requests) or by their
// e-mail: the account through its keyed hash, then the person's own requests, open or
// closed — nobody else's.
func TestQueueSearchByReferencePrefixAndEmail(t *testing.T) {
	h := newHarness(t)
	h.makeUser("a@example.tw", "甲", citizenPassword)
	h.makeUser("b@example.tw", "乙", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	a := h.signIn("a@example.tw", citizenPassword)
	a.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	h.signIn("b@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	a.post("/requests", url.Values{"kind": {"copy"}, "scope": {"all"}})
	if r := a.post("/requests/2026-000003/withdraw", url.Values{"confirm": {"yes"}, "version": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Code)
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	r := o.get("/officer/queue?q=" + url.QueryEscape(" A@Example.TW "))
	found := r.doc.Find(`.found .table-wrap tbody a`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	sort.Strings(found)
	if r.Code != 200 || !strings.Contains(r.text("#found-h"), "A@Example.TW") || len(found) != 2 || found[0] != "2026-000001" || found[1] != "2026-000003" {
		t.Fatalf("by e-mail: %d %q %v", r.Code, r.text("#found-h"), found)
	}
	if r := o.get("/officer/queue?q=nobody@example.tw"); !strings.Contains(r.text(".notice"), "No request matches nobody@example.tw") || r.doc.Find("#found-h").Length() != 0 {
		t.Fatalf("an unknown address: %q", r.text(".notice"))
	}
	if r := o.get("/officer/queue?q=2026-00000"); r.doc.Find(`#queue-caption + thead + tbody tr`).Length() != 2 || !strings.Contains(r.text("main"), "begins with 2026-00000") {
		t.Fatalf("a reference prefix: %d rows", r.doc.Find(`#queue-caption + thead + tbody tr`).Length())
	}
	if r := o.get("/officer/queue?q=2025-"); r.doc.Find(`#queue-caption`).Length() != 0 {
		t.Fatal("a prefix no reference has")
	}
	if r := o.get("/officer/queue?q=王小明"); r.Code != 200 || !strings.Contains(r.text(".notice"), "No request matches 王小明") {
		t.Fatalf("a name nobody has: %d %q", r.Code, r.text(".notice"))
	}
}

// A caller is found by name or phone as they say it — spaces, full-width letters, +886 —
// through the keyed index written with the account: the person's own requests, open or
// closed, nobody else's; a changed name finds them under the new one only.
func TestQueueSearchByNameAndPhone(t *testing.T) {
	h := newHarness(t)
	h.makeUser("w@example.tw", "王小明", citizenPassword)
	h.makeUser("m@example.tw", "Mary Chen", citizenPassword)
	h.makeUser("n@example.tw", "王小華", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	w := h.signIn("w@example.tw", citizenPassword)
	if r := w.post("/account/profile", url.Values{"name": {"王小明"}, "phone": {"0912-345-678"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("profile: %d %s", r.Code, r.text(".error-summary"))
	}
	w.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	h.signIn("m@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"copy"}, "scope": {"all"}})
	h.signIn("n@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	w.post("/requests", url.Values{"kind": {"copy"}, "scope": {"all"}})
	if r := w.post("/requests/2026-000004/withdraw", url.Values{"confirm": {"yes"}, "version": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Code)
	}
	found := func(r *response) []string {
		refs := r.doc.Find(`.found .table-wrap tbody a`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
		sort.Strings(refs)
		return refs
	}
	en := h.signIn("o@agency.example", staffPassword, english)
	zh := h.signIn("o@agency.example", staffPassword)
	for _, q := range []string{"王小明", " 王 小明 ", "0912345678", "+886 912 345 678", "(09)1234-5678"} {
		r := en.get("/officer/queue?q=" + url.QueryEscape(q))
		if got := found(r); r.Code != 200 || strings.Join(got, ",") != "2026-000001,2026-000004" || !strings.Contains(r.text(".found h3"), "王小明") {
			t.Errorf("%q found %v (%d) %q", q, got, r.Code, r.text(".found"))
		}
	}
	// A name written with spaces is found by either part, case and width aside.
	for _, q := range []string{"Mary Chen", "chen", "ＣＨＥＮ", "mary"} {
		if got := found(en.get("/officer/queue?q=" + url.QueryEscape(q))); strings.Join(got, ",") != "2026-000002" {
			t.Errorf("%q found %v", q, got)
		}
	}
	r := en.get("/officer/queue?q=" + url.QueryEscape("王小明"))
	if got := r.text("#found-h"); got != "Requests found for 王小明" {
		t.Errorf("English heading %q", got)
	}
	r = zh.get("/officer/queue?q=" + url.QueryEscape("王小明"))
	if got := r.text("#found-h"); got != "符合 王小明 的請求" || !strings.Contains(r.text(".found"), "已撤回") {
		t.Errorf("Chinese: %q %q", got, r.text(".found"))
	}
	// Part of a name without spaces is no search term: nobody else is listed.
	if r := zh.get("/officer/queue?q=" + url.QueryEscape("小明")); !strings.Contains(r.text(".notice"), "找不到符合 小明 的請求") || len(found(r)) != 0 {
		t.Errorf("a part of a Chinese name: %q %v", r.text(".notice"), found(r))
	}
	// A new name: found under it, no longer under the old one.
	if r := w.post("/account/profile", url.Values{"name": {"王大明"}, "phone": {"0912-345-678"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.Code)
	}
	if got := found(en.get("/officer/queue?q=" + url.QueryEscape("王大明"))); len(got) != 2 {
		t.Errorf("under the new name: %v", got)
	}
	if r := en.get("/officer/queue?q=" + url.QueryEscape("王小明")); len(found(r)) != 0 || !strings.Contains(r.text(".notice"), "No request matches 王小明") {
		t.Errorf("still under the old name: %v", found(r))
	}
}
