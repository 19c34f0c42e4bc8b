package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/retention"
)

// The scheduled deletion: ended sessions, old sent mail and the attachments of requests
// closed long ago go, what is still within its period stays; the run is listed on the
// administrators' page and in the audit trail; two instances at once run it once.
func TestRetentionRun(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	cit := h.makeUser("c@example.tw", "申請人", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	c := h.signIn("c@example.tw", citizenPassword)
	if r := c.multipart("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}, upload{"id.pdf", pdfFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d", r.Code)
	}
	c.post("/requests", url.Values{"kind": {"copy"}, "scope": {"all"}})
	if r := c.post("/requests/2026-000001/withdraw", url.Values{"confirm": {"yes"}, "version": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", r.Code, r.text("main"))
	}
	// A session and a mail from long ago, and recent ones.
	old := h.clock.Now().Add(-400 * 24 * time.Hour)
	if err := h.sessions.Create(ctx, &account.Session{ID: "old-session", UserID: "u-x", Created: old, LastSeen: old}); err != nil {
		t.Fatal(err)
	}
	m := &mail.Message{ID: "m-old", UserID: cit.ID, To: "c@example.tw", Subject: "s", Body: "b", Lang: "zh-TW", Created: old, NextAttempt: old}
	if err := h.mail.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := h.mail.MarkSent(ctx, m, old); err != nil {
		t.Fatal(err)
	}
	admin := h.signIn("adm@agency.example", staffPassword)
	if r := admin.post("/admin/retention", url.Values{"sessions": {"30"}, "sent_mail": {"365"}, "closed_attachments": {"30"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("save periods: %d %q", r.Code, r.text(".error-summary"))
	}
	// Not yet: the withdrawn request's file is within its 30 days.
	run, err := h.jobs.Retention.Run(ctx, "a")
	if err != nil || run == nil || run.Error != "" {
		t.Fatalf("run: %+v %v", run, err)
	}
	if run.Deleted["sessions"] != 1 || run.Deleted["sent_mail"] != 1 || run.Deleted["closed_attachments"] != 0 {
		t.Fatalf("first run deleted %v", run.Deleted)
	}
	if _, err := h.sessions.Get(ctx, "old-session"); err == nil {
		t.Fatal("the old session is still there")
	}
	if r := c.get("/requests/2026-000001"); r.Code != 200 {
		t.Fatalf("the requester lost access: %d", r.Code)
	}
	// 31 days later the attachment goes; the request and its timeline stay.
	h.clock.Advance(31 * 24 * time.Hour)
	var wg sync.WaitGroup
	runs := make([]*retention.Run, 2)
	for i, holder := range []string{"instance-a", "instance-b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.jobs.Retention.Run(ctx, holder)
			if err != nil {
				t.Error(err)
			}
			runs[i] = r
		}()
	}
	wg.Wait()
	ran := 0
	for _, r := range runs {
		if r != nil {
			ran++
			if r.Deleted["closed_attachments"] != 1 {
				t.Fatalf("second run deleted %v", r.Deleted)
			}
		}
	}
	if ran == 0 {
		t.Fatal("neither instance ran")
	}
	if files, err := h.srv.Files.List(ctx, "2026-000001"); err != nil || len(files) != 0 {
		t.Fatalf("attachments left: %d %v", len(files), err)
	}
	c = h.signIn("c@example.tw", citizenPassword) // a month on: signed out meanwhile
	if r := c.get("/requests/2026-000001"); r.Code != 200 {
		t.Fatalf("the closed request itself went: %d", r.Code)
	}
	admin = h.signIn("adm@agency.example", staffPassword)
	page := admin.get("/admin/retention")
	if page.Code != 200 || page.doc.Find("tbody tr").Length() < 1+len(retention.Items) || !strings.Contains(page.text("main"), "instance-") {
		t.Fatalf("retention page: %d %q", page.Code, page.text("main"))
	}
	events := h.events()
	n := 0
	for _, e := range events {
		if e.Action == "retention run" && e.Actor == audit.ActorSystem {
			n++
		}
	}
	if n != 1+ran {
		t.Fatalf("%d runs in the audit trail, want %d", n, 1+ran)
	}
	// Periods out of bounds, or not numbers: 400 with a message per field, nothing saved.
	r := admin.post("/admin/retention", url.Values{"sessions": {"0"}, "sent_mail": {"abc"}, "closed_attachments": {"99999"}})
	if r.Code != http.StatusBadRequest || r.doc.Find(".error-summary li").Length() != 3 {
		t.Fatalf("bad periods: %d %q", r.Code, r.text(".error-summary"))
	}
	if p, _ := h.srv.Retention.Periods(ctx); p.Days("sessions") != 30 {
		t.Fatalf("a refused form changed the periods: %v", p)
	}
}

// A lease held by another instance stops a run until it runs out.
func TestRetentionLease(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	now := h.clock.Now()
	if ok, err := h.jobs.Retention.Store.Acquire(ctx, "retention", "other", time.Hour, now); !ok || err != nil {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	if run, err := h.jobs.Retention.Run(ctx, "me"); run != nil || err != nil {
		t.Fatalf("ran despite the lease: %+v %v", run, err)
	}
	h.clock.Advance(61 * time.Minute)
	if run, err := h.jobs.Retention.Run(ctx, "me"); run == nil || err != nil {
		t.Fatalf("an expired lease still blocks: %v", err)
	}
}

// Audit events older than the period (never under three years) are purged by the run,
// and the trail still verifies behind its checkpoint.
func TestRetentionPurgesOldAuditEvents(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for i := range 6 {
		if err := h.srv.Audit.Append(ctx, &audit.Event{At: h.clock.Now().AddDate(-4, 0, i), Actor: "u-old", Action: "POST /requests", Outcome: audit.OK}); err != nil {
			t.Fatal(err)
		}
	}
	// Three calendar years back from 17:00 on 23 November 2026 (Taiwan) is 17:00 on 23
	// November 2023 (1 096 days, across 29 February 2024): an event an hour younger is
	// kept, one an hour older is not. (1 095 days would have deleted both.)
	tw := twtime.Zone
	for _, at := range []time.Time{time.Date(2023, 11, 23, 16, 0, 0, 0, tw), time.Date(2023, 11, 23, 18, 0, 0, 0, tw)} {
		if err := h.srv.Audit.Append(ctx, &audit.Event{At: at, Actor: "u-edge", Action: "POST /requests", Outcome: audit.OK}); err != nil {
			t.Fatal(err)
		}
	}
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword)
	if r := admin.post("/admin/retention", url.Values{"audit": {"1095"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.text("#e-audit"), "請填寫 3 至 10 年") {
		t.Fatalf("an audit period in days: %d %q", r.Code, r.text("#e-audit"))
	}
	if page := admin.get("/admin/retention"); page.doc.Find("#f-audit").AttrOr("value", "") != "3" || !strings.Contains(page.text("tbody"), "3 至 10 年（依曆計算）") {
		t.Fatalf("the audit period on the page: %q", page.doc.Find("#f-audit").AttrOr("value", ""))
	}
	run, err := h.jobs.Retention.Run(ctx, "a")
	if err != nil || run == nil || run.Deleted["audit"] != 7 || run.Error != "" {
		t.Fatalf("run: %+v %v", run, err)
	}
	if _, brk, err := audit.Verify(ctx, h.srv.Audit); err != nil || brk != nil {
		t.Fatalf("verify after the purge: %+v %v", brk, err)
	}
}

// Incident records go after their five years, not before.
func TestRetentionDeletesIncidentsAfterFiveYears(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, age := range []int{6, 4} {
		i := &incident.Incident{ID: ids.New("inc"), Discovered: h.clock.Now().AddDate(-age, 0, 0), Recorded: h.clock.Now().AddDate(-age, 0, 0),
			Title: "t", What: "w", Data: "d"}
		if err := h.srv.Incidents.Save(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	run, err := h.jobs.Retention.Run(ctx, "a")
	if err != nil || run == nil || run.Deleted["incidents"] != 1 {
		t.Fatalf("run: %+v %v", run, err)
	}
	if list, _ := h.srv.Incidents.List(ctx); len(list) != 1 {
		t.Fatalf("%d incidents left, want the 4-year-old one", len(list))
	}
}

// The hourly run forgets an address's failures from one client once their 24 hours have
// passed, so such records do not pile up; the consecutive failures that make the lock
// stay, and a third failure still locks the account.
func TestRetentionForgetsClientFailuresAfterTheirWindow(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.makeUser("c@example.tw", "陳", citizenPassword)
	from := func(addr string) func(*http.Request) { return func(r *http.Request) { r.RemoteAddr = addr + ":4711" } }
	wrong := url.Values{"email": {"c@example.tw"}, "password": {"Wrong-Pass-1!"}}
	for _, addr := range []string{"203.0.113.9", "198.51.100.7"} {
		if r := h.browser(from(addr)).post("/signin", wrong); r.Code != http.StatusUnauthorized {
			t.Fatalf("failure from %s: %d", addr, r.Code)
		}
	}
	records := func() int64 {
		t.Helper()
		c, err := mongo.Connect(options.Client().ApplyURI(h.db.URI))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Disconnect(ctx)
		n, err := c.Database(h.db.Name).Collection("signin_failures").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := records(); n != 3 {
		t.Fatalf("%d failure records, want the address's and one per client", n)
	}
	h.clock.Advance(23 * time.Hour)
	if run, err := h.jobs.Retention.Run(ctx, "a"); err != nil || run.Deleted["signin_failures"] != 0 {
		t.Fatalf("within the window: %+v %v", run, err)
	}
	h.clock.Advance(2 * time.Hour)
	if run, err := h.jobs.Retention.Run(ctx, "a"); err != nil || run.Deleted["signin_failures"] != 2 {
		t.Fatalf("after the window: %+v %v", run, err)
	}
	if n := records(); n != 1 {
		t.Fatalf("%d failure records left, want the address's own", n)
	}
	h.browser(from("192.0.2.1")).post("/signin", wrong)
	if r := h.browser(from("192.0.2.2")).post("/signin", url.Values{"email": {"c@example.tw"}, "password": {citizenPassword}}); r.Code == http.StatusSeeOther {
		t.Fatal("the third failure did not lock the account")
	}
}
