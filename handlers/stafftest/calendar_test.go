package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/store"
)

// An administrator imports days off; the due dates of a request received today move
// past them; a bad line is named and nothing is stored.
func TestCalendarImportMovesDueDates(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	page := admin.get("/admin/calendar")
	// Received Monday 23 November 2026: 15 days later is Tuesday 8 December.
	if page.Code != 200 || !strings.Contains(page.text("#due-h + p + ul"), "8 December 2026") {
		t.Fatalf("calendar page: %d %q", page.Code, page.text("#due-h + p + ul"))
	}
	bad := admin.upload("/admin/calendar", "csv", "bad.csv", []byte("date,day_off,note\n2026-12-08,true,假日\n2026-13-01,true,不存在\n"))
	if bad.Code != http.StatusBadRequest || !strings.Contains(bad.text(".error-summary"), "Line 3") {
		t.Fatalf("a bad line: %d %q", bad.Code, bad.text(".error-summary"))
	}
	if strings.Contains(admin.get("/admin/calendar").text("#due-h + p + ul"), "9 December") {
		t.Fatal("a failed import stored dates")
	}
	ok := admin.importConfirmed("days.csv", []byte("\ufeffdate,day_off,note\n2026-12-08,true,測試假日\n2026-12-09,false,\n"))
	if ok.Code != http.StatusSeeOther {
		t.Fatalf("import: %d %s", ok.Code, ok.text(".error-summary"))
	}
	page = admin.get(ok.Header().Get("Location"))
	if !strings.Contains(page.text(".flash"), "2 dates imported") || !strings.Contains(page.text("#due-h + p + ul"), "9 December 2026") {
		t.Fatalf("after import: %q / %q", page.text(".flash"), page.text("#due-h + p + ul"))
	}
	if !strings.Contains(page.text("tbody"), "測試假日") {
		t.Fatal("the imported day is not listed")
	}
	// A problem with the whole file is named too, in the administrator's language.
	zh := h.signIn("adm@agency.example", staffPassword)
	if r := zh.upload("/admin/calendar", "csv", "utf16.csv", []byte{0xff, 0xfe, 'd', 0, 'a', 0}); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "UTF-16 編碼") {
		t.Fatalf("a UTF-16 file: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := zh.upload("/admin/calendar", "csv", "bad.csv", []byte("date,day_off,note\n2026-12-08,maybe,x\n")); !strings.Contains(r.text(".error-summary"), "第 2 行") || !strings.Contains(r.text(".error-summary"), "須為 true") {
		t.Fatalf("a bad line in Chinese: %q", r.text(".error-summary"))
	}
	if r := admin.upload("/admin/calendar", "wrong", "x.csv", []byte("x")); r.Code != http.StatusBadRequest {
		t.Fatalf("no file: %d", r.Code)
	}
	if r := admin.upload("/admin/calendar", "csv", "big.csv", bytes.Repeat([]byte("2026-12-08,true,x\n"), 5000)); r.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("an oversize file: %d", r.Code)
	}
}

// A typhoon day added by hand, an import and a removal each re-compute the due dates of
// the open requests whose period they touch — only those — with a timeline entry and a
// mail to the requester; a period ending on a make-up working Saturday ends that
// Saturday; the year's list names only real make-up days 「補行上班」; bad input is
// named in the administrator's language.
func TestCalendarChangesMoveOpenRequestsAndTellRequesters(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	// Received Monday 23 November: view due Tuesday 8 December, correct due Wednesday 23 December.
	citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {"my account"}})
	citizen.post("/requests", url.Values{"kind": {"correct"}, "field": {"phone"}, "proposed": {"0912345678"}, "explanation": {"new number"}})
	if r := citizen.get("/requests/2026-000002"); !strings.Contains(r.text("main"), "23 December 2026") {
		t.Fatalf("the correction's due date: %q", r.text("main"))
	}
	before := len(h.mails("c@example.tw"))

	// Unconfirmed: the page says how many open requests move, and nothing changes.
	r := admin.post("/admin/calendar/day-off", url.Values{"date": {"2026-12-08"}, "reason": {"颱風停止上班"}})
	if r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "due dates of 1 open requests move") ||
		r.doc.Find(`main form[action="/admin/calendar/day-off"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("typhoon day unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if view := citizen.get("/requests/2026-000001"); !strings.Contains(view.text("main"), "8 December 2026") || len(h.mails("c@example.tw")) != before {
		t.Fatalf("an unconfirmed day off moved a date: %q", view.text("main"))
	}
	r = admin.post("/admin/calendar/day-off", url.Values{"date": {"2026-12-08"}, "reason": {"颱風停止上班"}, "confirm": {"yes"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("typhoon day: %d %s", r.Code, r.text(".error-summary"))
	}
	if page := admin.follow(r); !strings.Contains(page.text(".flashes"), "2026-12-08 recorded as a day off") || !strings.Contains(page.text(".flashes"), "of 1 open requests changed") {
		t.Fatalf("flash: %q", page.text(".flashes"))
	}
	view := citizen.get("/requests/2026-000001")
	if !strings.Contains(view.text("main"), "9 December 2026") || !strings.Contains(view.text("main"), "Due date re-computed after a change to the office calendar") ||
		!strings.Contains(view.text("main"), "2026-12-08 → 2026-12-09 (颱風停止上班)") {
		t.Fatalf("the view request after the typhoon day: %q", view.text("main"))
	}
	if r := citizen.get("/requests/2026-000002"); !strings.Contains(r.text("main"), "23 December 2026") || strings.Contains(r.text("main"), "re-computed") {
		t.Fatalf("a request the day does not touch moved: %q", r.text("main"))
	}
	ms := h.mails("c@example.tw")
	if len(ms) != before+1 || !strings.Contains(ms[len(ms)-1].Subject, "2026-000001") || !strings.Contains(ms[len(ms)-1].Body, "2026-12-08 → 2026-12-09（颱風停止上班）") {
		t.Fatalf("mail after the typhoon day: %d→%d %+v", before, len(ms), ms[len(ms)-1])
	}

	// The official file: the 23rd to the 25th off, Saturday the 26th a make-up working
	// day, so the correction's period ends on that Saturday. The 22nd is an ordinary
	// working day, and is not labelled a make-up day.
	csv := "西元日期,星期,是否放假,備註\n20261222,二,0,\n20261223,三,2,測試假日\n20261224,四,2,測試假日\n20261225,五,2,行憲紀念日\n20261226,六,0,補行上班\n20261227,日,2,\n"
	if r := admin.importConfirmed("gov.csv", []byte(csv)); r.Code != http.StatusSeeOther {
		t.Fatalf("import: %d %s", r.Code, r.text(".error-summary"))
	}
	if r := citizen.get("/requests/2026-000002"); !strings.Contains(r.text("main"), "26 December 2026") || !strings.Contains(r.text("main"), "2026-12-23 → 2026-12-26") {
		t.Fatalf("a period ending on a make-up Saturday: %q", r.text("main"))
	}
	if ms := h.mails("c@example.tw"); len(ms) != before+2 || !strings.Contains(ms[len(ms)-1].Body, "2026-12-26") {
		t.Fatalf("mail after the import: %d", len(ms))
	}
	zh := h.signIn("adm@agency.example", staffPassword)
	rows := zh.get("/admin/calendar?year=2026").doc.Find("tbody tr")
	labels := map[string]string{}
	rows.Each(func(_ int, s *goquery.Selection) { labels[s.Find("td").First().Text()] = s.Find("td").Eq(1).Text() })
	if got := rows.FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find("td").Eq(1).Text() == "補行上班" }).Length(); got != 1 {
		t.Fatalf("%d rows labelled 補行上班, want only the Saturday: %v", got, labels)
	}
	if got := rows.FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find("td").Eq(1).Text() == "上班" }).Length(); got != 1 {
		t.Fatalf("the ordinary working day: %v", labels)
	}

	// Removing the typhoon day brings the view request back to the 8th. The list's button
	// leads to a confirmation that asks the reason the requesters are told.
	if r := zh.post("/admin/calendar/remove", url.Values{"date": {"2026-12-08"}}); r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "1 件處理中申請") ||
		r.text(`label[for="f-reason"]`) != "移除原因" || r.doc.Find(`form input#f-reason[name=reason][required]`).Length() != 1 {
		t.Fatalf("remove unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if r := citizen.get("/requests/2026-000001"); strings.Contains(r.text("main"), "2026-12-09 → 2026-12-08") {
		t.Fatal("an unconfirmed removal moved a date")
	}
	for lang, want := range map[string]string{"zh-TW": "移除原因：此欄位必須填寫", "en": "Reason for the removal: "} {
		who := map[string]*browser{"zh-TW": zh, "en": admin}[lang]
		r := who.post("/admin/calendar/remove", url.Values{"date": {"2026-12-08"}, "reason": {" "}, "confirm": {"yes"}})
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), want) || r.doc.Find(`input[name=confirm][value=yes]`).Length() != 1 ||
			r.doc.Find(`input[type=hidden][name=date][value="2026-12-08"]`).Length() != 1 {
			t.Fatalf("a removal without its reason, %s: %d %q", lang, r.Code, r.text("main"))
		}
	}
	if r := citizen.get("/requests/2026-000001"); strings.Contains(r.text("main"), "2026-12-09 → 2026-12-08") {
		t.Fatal("a removal without a reason moved a date")
	}
	if r := admin.post("/admin/calendar/remove", url.Values{"date": {"2026-12-08"}, "reason": {"颱風停班取消"}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", r.Code, r.text(".error-summary"))
	}
	if r := citizen.get("/requests/2026-000001"); !strings.Contains(r.text("main"), "2026-12-09 → 2026-12-08 (颱風停班取消)") {
		t.Fatalf("after the removal: %q", r.text("main"))
	}
	if ms := h.mails("c@example.tw"); len(ms) != before+3 || !strings.Contains(ms[len(ms)-1].Body, "2026-12-09 → 2026-12-08（颱風停班取消）") {
		t.Fatalf("mail after the removal: %d %+v", len(ms), ms[len(ms)-1])
	}

	// Bad input: a clear message, 400, nothing stored.
	for _, tc := range []struct {
		path string
		form url.Values
		want string
	}{
		{"/admin/calendar/day-off", url.Values{"date": {"2026-02-30"}, "reason": {"颱風"}}, "請填寫 2026-07-29 這樣的日期"},
		{"/admin/calendar/day-off", url.Values{"date": {"2026-12-10"}, "reason": {" "}}, "此欄位必須填寫"},
		{"/admin/calendar/day-off", url.Values{"date": {"2026-12-10"}, "reason": {strings.Repeat("颱", 101)}}, "100"},
		{"/admin/calendar/remove", url.Values{"date": {"2026-12-10"}}, "2026-12-10 不在日曆上"},
		{"/admin/calendar/remove", url.Values{"date": {"x"}}, "請填寫 2026-07-29 這樣的日期"},
	} {
		r := zh.post(tc.path, tc.form)
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), tc.want) {
			t.Errorf("%s %v: %d %q", tc.path, tc.form, r.Code, r.text(".error-summary"))
		}
	}
	if r := citizen.get("/requests/2026-000001"); !strings.Contains(r.text("main"), "8 December 2026") {
		t.Fatalf("bad input moved a date: %q", r.text("main"))
	}
}

// From 1 November, administrators and officers are warned on /staff while next year's
// calendar lists no date; the warning goes once a date of next year is loaded.
func TestStaffWarnedWhenNextYearsCalendarIsMissing(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("web@agency.example", "網管", staffPassword, account.RoleWebmaster)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	off := h.signIn("off@agency.example", staffPassword)
	web := h.signIn("web@agency.example", staffPassword)
	if r := admin.get("/staff"); !strings.Contains(r.text("#calendar-warning"), "The office calendar for 2027 is not loaded") || r.doc.Find(`#calendar-warning a[href="/admin/calendar?year=2027"]`).Length() != 1 {
		t.Fatalf("administrator: %q", r.text("#calendar-warning"))
	}
	if r := off.get("/staff"); !strings.Contains(r.text("#calendar-warning"), "2027 年的辦公日曆尚未登錄") {
		t.Fatalf("officer: %q", r.text("#calendar-warning"))
	}
	if r := web.get("/staff"); r.doc.Find("#calendar-warning").Length() != 0 {
		t.Fatal("the webmaster is warned")
	}
	// In October it is too early to warn.
	h.clock.mu.Lock()
	saved := h.clock.now
	h.clock.now = time.Date(2026, 10, 31, 9, 0, 0, 0, time.UTC)
	h.clock.mu.Unlock()
	if r := off.get("/staff"); r.doc.Find("#calendar-warning").Length() != 0 {
		t.Fatal("warned in October")
	}
	h.clock.mu.Lock()
	h.clock.now = saved
	h.clock.mu.Unlock()
	if r := admin.importConfirmed("2027.csv", []byte("date,day_off,note\n2027-01-01,true,開國紀念日\n")); r.Code != http.StatusSeeOther {
		t.Fatalf("import: %d", r.Code)
	}
	if r := off.get("/staff"); r.doc.Find("#calendar-warning").Length() != 0 {
		t.Fatal("still warned after next year's calendar was loaded")
	}
}

// An uploaded calendar first says what it would do — how many dates change, which open
// requests' due dates move and to when — and changes nothing until confirmed; the moved
// requests' timelines and mails then say why: the file's note (颱風停班), or the
// official calendar when the file gave none. A confirmation used twice, or replaced by a
// later upload, changes nothing and says so.
func TestCalendarImportAsksFirstAndSaysWhy(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	// Received Monday 23 November: view due Tuesday 8 December, correct due Wednesday 23 December.
	citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {"my account"}})
	citizen.post("/requests", url.Values{"kind": {"correct"}, "field": {"phone"}, "proposed": {"0912345678"}, "explanation": {"new number"}})
	before := len(h.mails("c@example.tw"))
	file := []byte("西元日期,星期,是否放假,備註\n20261208,二,2,颱風停班\n20261222,二,0,\n20261223,三,2,\n")
	unchanged := func(when string) {
		t.Helper()
		if r := citizen.get("/requests/2026-000001"); !strings.Contains(r.text(".facts"), "8 December 2026") || strings.Contains(r.text("main"), "re-computed") {
			t.Fatalf("%s: the view request moved: %q", when, r.text("main"))
		}
		if r := citizen.get("/requests/2026-000002"); !strings.Contains(r.text(".facts"), "23 December 2026") {
			t.Fatalf("%s: the correction moved: %q", when, r.text(".facts"))
		}
		if strings.Contains(admin.get("/admin/calendar?year=2026").text("tbody"), "颱風停班") {
			t.Fatalf("%s: the file's dates are stored", when)
		}
		if n := len(h.mails("c@example.tw")); n != before {
			t.Fatalf("%s: %d mails sent", when, n-before)
		}
	}

	r := admin.upload("/admin/calendar", "csv", "gov.csv", file)
	if r.Code != http.StatusOK || !strings.Contains(r.text("h1"), "Import this calendar file?") ||
		!strings.Contains(r.text(".notice"), "The file lists 3 dates; 2 of them change between day off and working day. The decision due dates of 2 open requests move") {
		t.Fatalf("the upload's confirmation: %d %q", r.Code, r.text("main"))
	}
	lines := r.text(".confirm-lines")
	for _, want := range []string{"2026-000001: 8 December 2026 → 9 December 2026", "2026-000002: 23 December 2026 → 24 December 2026"} {
		if !strings.Contains(lines, want) {
			t.Errorf("the confirmation does not list %q: %q", want, lines)
		}
	}
	form := r.doc.Find(`main form[action="/admin/calendar/import"]`)
	token, _ := form.Find("input[name=staged]").Attr("value")
	back, _ := form.Find("a.button").Attr("href")
	if token == "" || form.Find("input[name=confirm][value=yes]").Length() != 1 || back != "/admin/calendar?year=2026" {
		t.Fatalf("the confirmation's form: token %q, back %q", token, back)
	}
	unchanged("uploaded")
	// Cancelling is going back; sending the form without confirm=yes asks again.
	if r := admin.get(back); r.Code != http.StatusOK {
		t.Fatalf("cancel: %d", r.Code)
	}
	if r := admin.post("/admin/calendar/import", url.Values{"staged": {token}}); r.Code != http.StatusOK || !strings.Contains(r.text(".confirm-lines"), "2026-000001") {
		t.Fatalf("unconfirmed: %d %q", r.Code, r.text("main"))
	}
	unchanged("cancelled")
	// The confirmation shows the administrator's language.
	zh := h.signIn("adm@agency.example", staffPassword)
	if r := zh.upload("/admin/calendar", "csv", "gov.csv", file); !strings.Contains(r.text(".notice"), "檔案共列 3 個日期，其中 2 個日期") ||
		!strings.Contains(r.text(".confirm-lines"), "2026-000001：") {
		t.Fatalf("the confirmation in Chinese: %q", r.text("main"))
	}
	// That upload replaced the first: its confirmation is refused and changes nothing.
	if r := admin.post("/admin/calendar/import", url.Values{"staged": {token}, "confirm": {"yes"}}); r.Code != http.StatusConflict || !strings.Contains(r.text("main"), "no longer waiting for confirmation") {
		t.Fatalf("a replaced upload confirmed: %d %q", r.Code, r.text("main"))
	}
	unchanged("replaced")

	r = admin.upload("/admin/calendar", "csv", "gov.csv", file)
	token, _ = r.doc.Find(`main form input[name=staged]`).Attr("value")
	r = admin.post("/admin/calendar/import", url.Values{"staged": {token}, "confirm": {"yes"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed: %d %q", r.Code, r.text("main"))
	}
	if page := admin.follow(r); !strings.Contains(page.text(".flashes"), "3 dates imported") || !strings.Contains(page.text(".flashes"), "of 2 open requests changed") ||
		!strings.Contains(page.text("tbody"), "颱風停班") {
		t.Fatalf("after the import: %q", page.text(".flashes"))
	}
	if v := citizen.get("/requests/2026-000001"); !strings.Contains(v.text(".facts"), "9 December 2026") || !strings.Contains(v.text(".timeline"), "2026-12-08 → 2026-12-09 (颱風停班)") {
		t.Fatalf("the view request: %q", v.text("main"))
	}
	if v := citizen.get("/requests/2026-000002"); !strings.Contains(v.text(".facts"), "24 December 2026") || !strings.Contains(v.text(".timeline"), "2026-12-23 → 2026-12-24 (official office calendar)") {
		t.Fatalf("the correction: %q", v.text("main"))
	}
	if v := h.signIn("c@example.tw", citizenPassword).get("/requests/2026-000002"); !strings.Contains(v.text(".timeline"), "2026-12-23 → 2026-12-24（行政機關辦公日曆）") {
		t.Fatalf("the correction in Chinese: %q", v.text(".timeline"))
	}
	ms := h.mails("c@example.tw")
	if len(ms) != before+2 {
		t.Fatalf("%d mails after the import, want 2", len(ms)-before)
	}
	bodies := ms[before].Body + ms[before+1].Body
	if !strings.Contains(bodies, "2026-12-08 → 2026-12-09（颱風停班）") || !strings.Contains(bodies, "2026-12-23 → 2026-12-24（行政機關辦公日曆）") {
		t.Fatalf("the mails do not say why:\n%s", bodies)
	}
	// Used once: the same confirmation again changes nothing.
	if r := admin.post("/admin/calendar/import", url.Values{"staged": {token}, "confirm": {"yes"}}); r.Code != http.StatusConflict {
		t.Fatalf("confirmed twice: %d", r.Code)
	}
	if n := len(h.mails("c@example.tw")); n != before+2 {
		t.Fatalf("a second confirmation sent %d mails", n-before-2)
	}
}

// An upload left more than an hour unconfirmed has expired: confirming it changes
// nothing and says so (409) in the administrator's language, and the next upload, any
// administrator's, deletes it.
func TestCalendarImportExpires(t *testing.T) {
	h := newHarness(t)
	adm := h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("adm2@agency.example", "管理二", staffPassword, account.RoleAdmin)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {"my account"}}) // due Tuesday 8 December
	before := len(h.mails("c@example.tw"))
	file := []byte("date,day_off,note\n2026-12-08,true,颱風停班\n")
	for lang, want := range map[string]string{"en": "no longer waiting for confirmation", "zh-TW": "已不在等待確認"} {
		var opts []func(*http.Request)
		if lang == "en" {
			opts = append(opts, english)
		}
		admin := h.signIn("adm@agency.example", staffPassword, opts...)
		r := admin.upload("/admin/calendar", "csv", "days.csv", file)
		token, _ := r.doc.Find(`main form[action="/admin/calendar/import"] input[name=staged]`).Attr("value")
		if token == "" {
			t.Fatalf("%s: no confirmation: %d %q", lang, r.Code, r.text("main"))
		}
		// Over an hour later (signed in again: a staff session ends after 30 idle minutes).
		h.clock.Advance(time.Hour + time.Minute)
		admin = h.signIn("adm@agency.example", staffPassword, opts...)
		if r := admin.post("/admin/calendar/import", url.Values{"staged": {token}, "confirm": {"yes"}}); r.Code != http.StatusConflict || !strings.Contains(r.text("main"), want) {
			t.Fatalf("%s: an expired upload confirmed: %d %q", lang, r.Code, r.text("main"))
		}
		if r := citizen.get("/requests/2026-000001"); !strings.Contains(r.text(".facts"), "8 December 2026") || strings.Contains(r.text("main"), "re-computed") {
			t.Fatalf("%s: the expired upload moved a due date: %q", lang, r.text("main"))
		}
		if strings.Contains(admin.get("/admin/calendar?year=2026").text("tbody"), "颱風停班") {
			t.Fatalf("%s: the expired upload's dates are stored", lang)
		}
		if n := len(h.mails("c@example.tw")); n != before {
			t.Fatalf("%s: %d mails after an expired upload", lang, n-before)
		}
	}
	// Left unconfirmed again, it is deleted by another administrator's upload.
	h.signIn("adm@agency.example", staffPassword).upload("/admin/calendar", "csv", "days.csv", file)
	staged := store.NewCalendarImports(h.db.DB)
	if _, err := staged.Staged(context.Background(), adm.ID); err != nil {
		t.Fatalf("the waiting upload: %v", err)
	}
	h.clock.Advance(time.Hour)
	h.signIn("adm2@agency.example", staffPassword).upload("/admin/calendar", "csv", "days.csv", file)
	if _, err := staged.Staged(context.Background(), adm.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("the expired upload is kept after another upload: %v", err)
	}
}

// A confirmation names the first 20 requests whose due dates would move and counts the
// rest in one line, in the administrator's language.
func TestCalendarImportListsTwentyAndCountsTheRest(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	citizen := h.signIn("c@example.tw", citizenPassword)
	for i := range 23 {
		if r := citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {fmt.Sprintf("紀錄 %d", i)}}); r.Code != http.StatusSeeOther {
			t.Fatalf("filing %d: %d %q", i, r.Code, r.text(".error-summary"))
		}
	}
	file := []byte("date,day_off,note\n2026-12-08,true,颱風停班\n")
	for lang, want := range map[string][2]string{"en": {"2026-000020: 8 December 2026 → 9 December 2026", "and 3 more"}, "zh-TW": {"2026-000020：", "另有 3 件"}} {
		var opts []func(*http.Request)
		if lang == "en" {
			opts = append(opts, english)
		}
		r := h.signIn("adm@agency.example", staffPassword, opts...).upload("/admin/calendar", "csv", "days.csv", file)
		lines := r.doc.Find(".confirm-lines li")
		if r.Code != http.StatusOK || lines.Length() != 21 || !strings.HasPrefix(lines.Eq(19).Text(), want[0]) || lines.Eq(20).Text() != want[1] ||
			strings.Contains(lines.Text(), "2026-000021") {
			t.Fatalf("%s: %d lines: %q", lang, lines.Length(), lines.Text())
		}
	}
}
