package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// queueRow is the queue's row of one request.
func queueRow(page *response, ref string) string {
	return page.doc.Find(`tbody tr:has(a[href="/officer/requests/` + ref + `"])`).Text()
}

// A requester's reply leaves a marker with its count in the queue and mails the officer
// the request is assigned to, once until an officer opens it; opening the request clears
// the marker. An officer's own message leaves none.
func TestOfficerSeesARequestersReply(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("o@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword, english)
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my records"}})
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"other records"}})
	const ref = "2026-000001"
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, ref, "assign", url.Values{"to": {o.meID(t)}})
	if r := o.multipart("/officer/requests/"+ref+"/message", url.Values{"body": {"Please send the back of your ID card."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("officer's message: %d", r.Code)
	}
	if got := queueRow(o.get("/officer/queue"), ref); strings.Contains(got, "New replies") {
		t.Fatalf("an officer's own message marks the request: %q", got)
	}
	before := len(h.mails("o@agency.example"))

	if r := c.multipart("/requests/"+ref+"/messages", url.Values{"body": {"Here it is."}}, upload{"back.pdf", pdfFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("the requester's reply: %d", r.Code)
	}
	ms := h.mails("o@agency.example")
	if len(ms) != before+1 || !strings.Contains(ms[len(ms)-1].Subject, "申請人回覆了案件 "+ref) ||
		!strings.Contains(ms[len(ms)-1].Body, "https://portal.example/officer/requests/"+ref) || strings.Contains(ms[len(ms)-1].Body, "Here it is.") {
		t.Fatalf("mail to the assignee: %d new, %+v", len(ms)-before, ms[len(ms)-1])
	}
	// A second reply before anyone opened the request raises the count, without more mail.
	if r := c.multipart("/requests/"+ref+"/messages", url.Values{"body": {"And the front."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("the second reply: %d", r.Code)
	}
	if n := len(h.mails("o@agency.example")); n != before+1 {
		t.Fatalf("%d mails after two replies, want one", n-before)
	}
	q := o.get("/officer/queue")
	if got := queueRow(q, ref); !strings.Contains(got, "New replies: 2") {
		t.Fatalf("the queue's row: %q", got)
	}
	if got := queueRow(q, "2026-000002"); strings.Contains(got, "New replies") {
		t.Fatalf("the other request is marked: %q", got)
	}
	if got := q.text("#count-unread"); got != "With new replies: 1" {
		t.Fatalf("the queue's count: %q", got)
	}
	if r := o.get("/officer/queue?unread=1"); r.doc.Find("#queue-caption + thead + tbody tr").Length() != 1 || queueRow(r, ref) == "" {
		t.Fatal("the new-replies filter")
	}
	if got := o.get("/staff").text("#count-unread"); !strings.Contains(got, "1") {
		t.Fatalf("the staff home's count: %q", got)
	}

	// Opening the request clears the marker, and the next reply mails again.
	if r := o.get("/officer/requests/" + ref); r.Code != http.StatusOK || r.doc.Find(".messages li").Length() != 3 {
		t.Fatalf("the request page: %d", r.Code)
	}
	q = o.get("/officer/queue")
	if got := queueRow(q, ref); strings.Contains(got, "New replies") || q.text("#count-unread") != "With new replies: 0" {
		t.Fatalf("after opening: %q, %q", got, q.text("#count-unread"))
	}
	c.multipart("/requests/"+ref+"/messages", url.Values{"body": {"Anything else?"}})
	if n := len(h.mails("o@agency.example")); n != before+2 {
		t.Fatalf("%d mails after a reply to an opened request, want 2", n-before)
	}
	if got := queueRow(o.get("/officer/queue"), ref); !strings.Contains(got, "New replies: 1") {
		t.Fatalf("after the third reply: %q", got)
	}
}
