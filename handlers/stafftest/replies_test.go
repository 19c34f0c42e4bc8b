package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
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

// digests returns the digest mails waiting for an address.
func (h *harness) digests(to string) []string {
	h.t.Helper()
	var out []string
	for _, m := range h.mails(to) {
		if m.Kind == "digest" {
			out = append(out, m.Body)
		}
	}
	return out
}

// The daily digest, sent by two instances on one database at once: each officer is told
// of their own requests overdue, due within three working days and with unread replies,
// the administrator of the unassigned ones, each once; a later run the same day sends
// nothing, the next working day's sends again.
func TestDailyDigestIsSentOnceByTwoInstances(t *testing.T) {
	a := newHarnessIn(t, store.Shared, nil)
	b := a.twin()
	a.makeUser("c@example.tw", "陳小明", citizenPassword)
	a.makeUser("o1@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	a.makeUser("o2@agency.example", "李承辦", staffPassword, account.RoleOfficer)
	a.makeUser("lead@agency.example", "主管", staffPassword, account.RoleAdmin)
	o := a.signIn("o1@agency.example", staffPassword, english)
	// Monday 23 November 2026. Received 14 September: long overdue; 10 November: due
	// Wednesday 25 November, within three working days; today: due 8 December.
	for _, received := range []string{"2026-09-14", "2026-11-10", "2026-11-23", "2026-11-23", "2026-11-23"} {
		form := url.Values{"email": {"c@example.tw"}, "channel": {"paper"}, "received": {received}, "kind": {"view"}, "scope": {"all"}}
		if r := o.post("/officer/intake", form); r.Code != http.StatusSeeOther {
			t.Fatalf("intake: %d %q", r.Code, r.text(".error-summary"))
		}
	}
	me := o.meID(t)
	for _, ref := range []string{"2026-000001", "2026-000002", "2026-000003", "2026-000005"} {
		act(t, o, ref, "assign", url.Values{"to": {me}})
	}
	c := a.signIn("c@example.tw", citizenPassword)
	if r := c.multipart("/requests/2026-000003/messages", url.Values{"body": {"補件"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("reply: %d", r.Code)
	}

	run := func() int {
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i, h := range []*harness{a, b} {
			wg.Go(func() {
				n, err := h.jobs.Digests.Send(context.Background())
				if err != nil {
					t.Error(err)
				}
				sent[i] = n
			})
		}
		wg.Wait()
		return sent[0] + sent[1]
	}
	if n := run(); n != 2 {
		t.Fatalf("%d digests queued by the two instances, want 2", n)
	}
	if n := run(); n != 0 {
		t.Fatalf("a second run the same day queued %d", n)
	}
	mine := a.digests("o1@agency.example")
	if len(mine) != 1 {
		t.Fatalf("%d digests to the officer, want 1", len(mine))
	}
	section := func(body, heading string) string {
		i := strings.Index(body, heading)
		if i < 0 {
			return ""
		}
		rest := body[i+len(heading):]
		if j := strings.Index(rest, "\n\n"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	if s := section(mine[0], "已逾期（1 件）"); !strings.Contains(s, "2026-000001") || !strings.Contains(s, "2026-09-29") {
		t.Errorf("overdue: %q in %s", s, mine[0])
	}
	if s := section(mine[0], "3 個工作天內到期（1 件）"); !strings.Contains(s, "2026-000002") || !strings.Contains(s, "2026-11-25") {
		t.Errorf("due soon: %q in %s", s, mine[0])
	}
	if s := section(mine[0], "有新回覆（1 件）"); !strings.Contains(s, "2026-000003") {
		t.Errorf("unread: %q in %s", s, mine[0])
	}
	if strings.Contains(mine[0], "2026-000004") || strings.Contains(mine[0], "2026-000005") {
		t.Errorf("the officer's digest lists an unassigned or quiet request: %s", mine[0])
	}
	if n := len(a.digests("o2@agency.example")); n != 0 {
		t.Errorf("an officer with nothing to do got %d digests", n)
	}
	lead := a.digests("lead@agency.example")
	if len(lead) != 1 || !strings.Contains(section(lead[0], "尚未指派承辦人（1 件）"), "2026-000004") || strings.Contains(lead[0], "2026-000001") {
		t.Fatalf("the administrator's digest: %q", lead)
	}

	// Both mail workers deliver; then two runs that missed the day's record (as an
	// instance does that read it just before it was written) find each digest taken.
	sender := &countingSender{sent: map[string]int{}}
	deliver := func() {
		var wg sync.WaitGroup
		for _, h := range []*harness{a, b} {
			w := &mail.Worker{Store: h.mail, Word: h.words.Fill, Sender: sender, Log: h.srv.Log, Now: h.clock.Now}
			wg.Go(func() {
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Errorf("mail worker: %v", err)
				}
			})
		}
		wg.Wait()
	}
	deliver()
	if err := store.NewDigests(a.db.DB).SetLastDigest(context.Background(), rights.NewDate(2026, 11, 20)); err != nil {
		t.Fatal(err)
	}
	if n := run(); n != 0 {
		t.Fatalf("runs that missed the record queued %d", n)
	}
	deliver()
	digestsSent := 0
	for id, n := range sender.sent {
		if strings.HasPrefix(id, "digest-") {
			digestsSent++
			if n != 1 {
				t.Errorf("%s delivered %d times", id, n)
			}
		}
	}
	if digestsSent != 2 {
		t.Fatalf("%d digests delivered, want 2", digestsSent)
	}

	// Tuesday: another day, another digest.
	a.clock.Advance(24 * time.Hour)
	if n := run(); n != 2 || len(a.digests("o1@agency.example")) != 1 {
		t.Fatalf("the next day: %d queued, %d to the officer", n, len(a.digests("o1@agency.example")))
	}
}

// The staff home counts the open requests overdue, due today and with new replies (all,
// and those assigned to the person looking), each linking to the queue so filtered; the
// header gives staff their roles' pages instead of a citizen's.
func TestStaffHomeCountsAndNavigation(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("o@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	h.makeUser("w@agency.example", "網管", staffPassword, account.RoleWebmaster)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	o := h.signIn("o@agency.example", staffPassword, english)
	// Monday 23 November: received 14 September is overdue, 8 November falls due today.
	for _, received := range []string{"2026-09-14", "2026-11-08", "2026-11-08"} {
		form := url.Values{"email": {"c@example.tw"}, "channel": {"paper"}, "received": {received}, "kind": {"view"}, "scope": {"all"}}
		if r := o.post("/officer/intake", form); r.Code != http.StatusSeeOther {
			t.Fatalf("intake: %d %q", r.Code, r.text(".error-summary"))
		}
	}
	act(t, o, "2026-000002", "assign", url.Values{"to": {o.meID(t)}})
	c := h.signIn("c@example.tw", citizenPassword, english)
	c.multipart("/requests/2026-000001/messages", url.Values{"body": {"Any news?"}})

	home := o.get("/staff")
	for sel, want := range map[string]string{
		"#count-overdue": "Overdue: 1 (assigned to you: 0)",
		"#count-today":   "Due today: 2 (assigned to you: 1)",
		"#count-unread":  "With new replies: 1 (assigned to you: 0)",
	} {
		if got := home.text(sel); got != want {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	if href, _ := home.doc.Find("#count-today a").Attr("href"); href != "/officer/queue?due=today" {
		t.Errorf("the due-today count links to %q", href)
	}
	if r := o.get("/officer/queue?due=today"); r.doc.Find("#queue-caption + thead + tbody tr").Length() != 2 {
		t.Error("the queue filtered as the count says")
	}
	// An administrator sees the counts without links to a queue their role does not open.
	if r := h.signIn("adm@agency.example", staffPassword, english).get("/staff"); r.text("#count-overdue") != "Overdue: 1 (assigned to you: 0)" || r.doc.Find("#request-counts a").Length() != 0 {
		t.Errorf("the administrator's counts: %q", r.text("#request-counts"))
	}
	if r := h.signIn("w@agency.example", staffPassword, english).get("/staff"); r.doc.Find("#request-counts").Length() != 0 {
		t.Error("the webmaster sees request counts")
	}

	nav := func(b *browser) string {
		var hrefs []string
		b.get("/privacy").doc.Find(".main-nav a").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			hrefs = append(hrefs, href)
		})
		return strings.Join(hrefs, " ")
	}
	for who, want := range map[*browser]string{
		o: "/ /privacy /staff /officer/queue /officer/disclosures /account/inbox",
		h.signIn("w@agency.example", staffPassword):   "/ /privacy /staff /webmaster/traffic /account/inbox",
		h.signIn("adm@agency.example", staffPassword): "/ /privacy /staff /admin/staff /admin/audit /account/inbox",
		c: "/ /privacy /requests /account /account/inbox",
	} {
		if got := nav(who); got != want {
			t.Errorf("header links %q, want %q", got, want)
		}
	}
	if q := o.get("/officer/queue"); q.doc.Find(`.main-nav a[href="/officer/queue"][aria-current=page]`).Length() != 1 {
		t.Error("the queue's link is not marked current on the queue")
	}
}
