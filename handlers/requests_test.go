package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
)

// A verified citizen files a request and sees its reference and due date at once; the
// same arrive by mail; it is in their list and in the officers' queue, and no one else
// can open it.
func TestCitizenFilesARequest(t *testing.T) {
	h := newHarness(t)
	h.makeUser("f@example.tw", "申請人", citizenPassword)
	h.makeUser("other@example.tw", "旁人", citizenPassword)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	b := h.signIn("f@example.tw", citizenPassword, english)
	if r := b.get("/requests/new"); r.Code != 200 || r.doc.Find(`a[href="/requests/new?kind=copy"]`).Length() != 1 {
		t.Fatalf("choose a kind: %d", r.Code)
	}
	if r := b.get("/requests/new?kind=copy"); r.Code != 200 || r.doc.Find(`textarea[name=scope]`).Length() != 1 || r.doc.Find(`select[name=field]`).Length() != 0 {
		t.Fatalf("copy form: %d", r.Code)
	}
	if r := b.post("/requests", url.Values{"kind": {"copy"}}); r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-scope"]`).Length() != 1 {
		t.Fatalf("a copy request without a scope: %d", r.Code)
	}
	r := b.post("/requests", url.Values{"kind": {"copy"}, "scope": {"All the data in my account, 0912-345-678"}})
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/requests/2026-000001" {
		t.Fatalf("file: %d %s %s\n%s", r.Code, r.Header().Get("Location"), r.text(".error-summary"), h.logs.String())
	}
	page := b.follow(r)
	// Received Monday 23 November 2026; 15 days: Tuesday 8 December.
	if !strings.Contains(page.text(".facts"), "2026-000001") || !strings.Contains(page.text(".facts"), "8 December 2026") ||
		!strings.Contains(page.text(".facts"), "15 day(s) left") || !strings.Contains(page.text("#filed .ref"), "2026-000001") ||
		!strings.Contains(page.text("#filed .filed-facts"), "8 December 2026") {
		t.Fatalf("confirmation: %q / %q", page.text(".facts"), page.text("#filed"))
	}
	if again := b.get("/requests/2026-000001"); again.doc.Find("#filed").Length() != 0 {
		t.Fatal("the filing's confirmation panel shows again on a later visit")
	}
	ms := h.mails("f@example.tw")
	if len(ms) == 0 || !strings.Contains(ms[len(ms)-1].Body, "2026-000001") || !strings.Contains(ms[len(ms)-1].Body, "2026-12-08") {
		t.Fatalf("no confirmation mail: %+v", ms)
	}
	if list := b.get("/requests"); !strings.Contains(list.text("tbody"), "2026-000001") {
		t.Fatal("the request is not in the citizen's list")
	} else if row := strings.Join(strings.Fields(list.text("tbody tr")), " "); !strings.Contains(row, "Get a copy") || !strings.Contains(row, "received") ||
		!strings.Contains(row, "23 November 2026") || !strings.Contains(row, "8 December 2026 · 15 day(s) left") {
		t.Fatalf("the list's row: %q", row)
	}
	other := h.signIn("other@example.tw", citizenPassword)
	if r := other.get("/requests/2026-000001"); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen opened the request: %d", r.Code)
	}
	if r := b.get("/requests/../admin"); r.Code != http.StatusNotFound && r.Code != http.StatusMovedPermanently {
		t.Fatalf("a malformed reference: %d", r.Code)
	}
	if r := b.get("/requests/2026-999999"); r.Code != http.StatusNotFound {
		t.Fatalf("an unknown reference: %d", r.Code)
	}
	// A correction needs its field, value and reason; a deletion refuses forged purposes.
	r = b.post("/requests", url.Values{"kind": {"correct"}, "proposed": {"臺北市"}})
	if r.Code != http.StatusBadRequest || r.doc.Find(".error-summary li").Length() != 2 {
		t.Fatalf("an incomplete correction: %d %q", r.Code, r.text(".error-summary"))
	}
	if v, _ := r.doc.Find("#f-proposed").Html(); !strings.Contains(v, "臺北市") {
		t.Fatal("the typed value was lost")
	}
	if r := b.post("/requests", url.Values{"kind": {"delete"}, "purposes": {"$where"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("a forged purpose: %d", r.Code)
	}
	b.post("/requests", url.Values{"kind": {"delete"}, "purposes": {"newsletter"}})
	// The queue: soonest due first, in words as well as colour.
	h.clock.Advance(16 * 24 * time.Hour)
	off := h.signIn("off@agency.example", staffPassword, english)
	q := off.get("/officer/queue")
	rows := q.doc.Find("tbody tr")
	if q.Code != 200 || rows.Length() != 2 || !strings.Contains(rows.First().Text(), "2026-000001") || !strings.Contains(rows.First().Text(), "overdue by 1 day(s)") {
		t.Fatalf("queue: %d rows, first %q", rows.Length(), rows.First().Text())
	}
	if strings.Contains(q.Body.String(), "0912-345-678") {
		t.Fatal("the queue shows what the requester wrote")
	}
}

// An account whose address is not verified cannot file yet, and is told how to proceed.
func TestUnverifiedAccountCannotFile(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("u@example.tw", "未驗證", citizenPassword))
	b := h.signIn("u@example.tw", citizenPassword)
	r := b.post("/requests", url.Values{"kind": {"view"}, "scope": {"全部"}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text(`.notice:has(form[action="/account/verify"])`), "驗證") {
		t.Fatalf("unverified filing: %d %q", r.Code, r.text(".notice"))
	}
	if list := b.get("/requests"); list.doc.Find("tbody tr").Length() != 0 {
		t.Fatal("an unverified account filed a request")
	}
}

// The requester withdraws an open request: it leaves the queue and the timeline shows
// it; of two withdrawals sent from the same page at once, one wins and the other is told
// the request changed; nobody else can withdraw it.
func TestRequesterWithdraws(t *testing.T) {
	h := newHarness(t)
	h.makeUser("w@example.tw", "撤回", citizenPassword)
	h.makeUser("x@example.tw", "旁人", citizenPassword)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	b := h.signIn("w@example.tw", citizenPassword, english)
	b.post("/requests", url.Values{"kind": {"view"}, "scope": {"everything"}})
	page := b.get("/requests/2026-000001")
	version, _ := page.doc.Find(`form[action$="/withdraw"] input[name=version]`).Attr("value")
	if version == "" || !strings.Contains(page.text(".timeline"), "Received") {
		t.Fatalf("no withdraw form or timeline: %q", page.text(".timeline"))
	}
	if r := h.signIn("x@example.tw", citizenPassword).post("/requests/2026-000001/withdraw", url.Values{"confirm": {"yes"}, "version": {version}}); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen withdrew it: %d", r.Code)
	}
	// The first click asks: the consequences, and the same form to confirm; nothing
	// changes until the confirmed one comes back.
	ask := b.post("/requests/2026-000001/withdraw", url.Values{"version": {version}})
	again, _ := ask.doc.Find(`main form[action="/requests/2026-000001/withdraw"] input[name=confirm]`).Attr("value")
	kept, _ := ask.doc.Find(`main form input[name=version]`).Attr("value")
	if ask.Code != 200 || again != "yes" || kept != version || !strings.Contains(ask.text(".notice"), "cannot be undone") {
		t.Fatalf("withdraw without confirming: %d %q", ask.Code, ask.text("main"))
	}
	if !strings.Contains(b.get("/requests/2026-000001").text(".facts"), "Received") {
		t.Fatal("the request changed before the withdrawal was confirmed")
	}
	codes := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() {
			codes <- b.post("/requests/2026-000001/withdraw", url.Values{"confirm": {"yes"}, "version": {version}}).Code
		}()
	}
	got := map[int]int{<-codes: 1}
	got[<-codes]++
	if got[http.StatusSeeOther] != 1 || got[http.StatusConflict] != 1 {
		t.Fatalf("two withdrawals at once: %v", got)
	}
	page = b.get("/requests/2026-000001")
	if !strings.Contains(page.text(".facts"), "withdrawn") || !strings.Contains(page.text(".timeline"), "Withdrawn by the requester") ||
		page.doc.Find(`form[action$="/withdraw"]`).Length() != 0 {
		t.Fatalf("after withdrawing: %q / %q", page.text(".facts"), page.text(".timeline"))
	}
	if q := h.signIn("off@agency.example", staffPassword).get("/officer/queue"); strings.Contains(q.text("main"), "2026-000001") {
		t.Fatal("a withdrawn request is still in the queue")
	}
}

// The list's rows are rendered once and kept (rows.go): a row shows the request as it is
// now and in the reader's language, whoever viewed the list before.
func TestRequestsListShowsEachRowAsItIsNow(t *testing.T) {
	h := newHarness(t)
	h.makeUser("w@example.tw", "撤回", citizenPassword)
	en := h.signIn("w@example.tw", citizenPassword, english)
	zh := h.signIn("w@example.tw", citizenPassword)
	en.post("/requests", url.Values{"kind": {"view"}, "scope": {"everything"}})
	row := func(b *browser) string {
		return b.get("/requests").text(`tbody tr:has(a[href="/requests/2026-000001"])`)
	}

	if got := row(en); !strings.Contains(got, "received") || !strings.Contains(got, "day(s) left") {
		t.Fatalf("English row: %q", got)
	}
	if got := row(zh); !strings.Contains(got, "已收件") || !strings.Contains(got, "剩 ") {
		t.Fatalf("Chinese row after the English one: %q", got)
	}
	// The words the row has of its own, read out on narrow screens, too.
	label, _ := zh.get("/requests").doc.Find(`tbody tr:has(a[href="/requests/2026-000001"]) td:nth-of-type(3)`).Attr("data-label")
	if label != "狀態" {
		t.Fatalf("Chinese row's state label: %q", label)
	}
	version, _ := en.get("/requests/2026-000001").doc.Find(`form[action$="/withdraw"] input[name=version]`).Attr("value")
	if r := en.post("/requests/2026-000001/withdraw", url.Values{"confirm": {"yes"}, "version": {version}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Code)
	}
	if got := row(en); !strings.Contains(got, "withdrawn") || strings.Contains(got, "left") || !strings.Contains(got, "—") {
		t.Fatalf("English row after withdrawing: %q", got)
	}
	if got := row(zh); !strings.Contains(got, "已撤回") {
		t.Fatalf("Chinese row after withdrawing: %q", got)
	}
}
