package handlers_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/account"
)

// Two moments of an officer's and an administrator's working day, each followed to
// what the people concerned see: a requester's reply found from the queue's marker, and
// an imported office calendar moving an open request's due date.

// dayWords are what these journeys expect to read, per language.
type dayWords struct {
	asked, fromRequester, marker, staffUnread, due, movedDue, recomputed string
}

var officerDayWords = map[string]dayWords{
	"zh-TW": {asked: "請申請人加強驗證身分", fromRequester: "申請人", marker: "新回覆 1 則", staffUnread: "有新回覆：1 件",
		due: "2026年12月8日", movedDue: "2026年12月9日", recomputed: "辦公日曆變更，決定期限重新計算"},
	"en": {asked: "We asked you to confirm your identity", fromRequester: "From the requester", marker: "New replies: 1", staffUnread: "With new replies: 1",
		due: "8 December 2026", movedDue: "9 December 2026", recomputed: "Due date re-computed after a change to the office calendar"},
}

// signInAt signs someone in through the form in a language, and opens a page.
func signInAt(t *testing.T, j *journey, site, lang, email, password, page string) {
	t.Helper()
	must(t, j.ctx, chromedp.Navigate(site+"/lang?to="+lang+"&next=/signin"), chromedp.WaitVisible("html[lang="+lang+"] #f-email"),
		chromedp.SendKeys("#f-email", email), chromedp.SendKeys("#f-password", password+"\r"), chromedp.WaitNotPresent("#f-password"),
		chromedp.Navigate(site+page), chromedp.WaitVisible("h1"))
}

// queueRowSel selects the queue's row of a request.
func queueRowSel(ref string) string {
	return `main table tbody tr:has(a[href="/officer/requests/` + ref + `"])`
}

// TestBrowserOfficerDayReply: a citizen files a copy request, the officer asks for a
// stronger identity check, the citizen replies with a message and the scan of an ID
// card; the officer's home page counts the reply, the queue marks the request's row,
// the officer opens it from there and reads the reply, and the marker is gone after.
// In Chinese on a desktop and in English on a phone.
func TestBrowserOfficerDayReply(t *testing.T) {
	for _, tc := range []struct {
		lang   string
		w, hgt int
	}{{"zh-TW", 1280, 900}, {"en", 390, 844}} {
		t.Run(tc.lang, func(t *testing.T) {
			h := newHarness(t)
			site := httptest.NewServer(h.h)
			defer site.Close()
			h.makeUser("c@example.tw", "林小華", citizenPassword)
			h.makeUser("off@agency.example", "承辦人丙", staffPassword, account.RoleOfficer)
			want := officerDayWords[tc.lang]
			const ref = "2026-000001"
			scan := filepath.Join(t.TempDir(), "id-card-back.pdf")
			if err := os.WriteFile(scan, pdfFile, 0o600); err != nil {
				t.Fatal(err)
			}

			c := newJourney(t, "reply-citizen", tc.lang, tc.w, tc.hgt)
			signInAt(t, c, site.URL, tc.lang, "c@example.tw", citizenPassword, "/requests/new?kind=copy")
			must(t, c.ctx, chromedp.WaitVisible("#f-scope"), chromedp.SendKeys("#f-scope", "我的帳號資料"),
				chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".facts"))
			if p := evalString(t, c.ctx, "location.pathname"); p != "/requests/"+ref {
				t.Fatalf("after filing: %s", p)
			}

			// The officer asks for a stronger identity check, from the request's page.
			o := newJourney(t, "reply-officer", tc.lang, tc.w, tc.hgt)
			staffSignIn(t, o.ctx, site.URL, tc.lang, "off@agency.example", "/officer/queue")
			must(t, o.ctx, chromedp.Click(`main table a[href="/officer/requests/`+ref+`"]`), chromedp.WaitVisible(".facts"))
			// The ask is folded under its name unless it is the next step.
			evalString(t, o.ctx, `(s => { if (s) s.click(); return ''; })(document.querySelector('details#act-identity-ask > summary'))`)
			submitted(t, o.ctx, chromedp.SendKeys("#f-ask_note", "請上傳身分證反面影本。"),
				chromedp.Click(`form[action$="/identity-ask"] button[type=submit]`))
			if tl := textOf(t, o.ctx, ".timeline"); !strings.Contains(tl, "請上傳身分證反面影本") {
				t.Errorf("the ask is not in the officer's timeline: %q", tl)
			}
			o.check("asked")

			// The citizen reads the ask and replies with a message and the scan.
			must(t, c.ctx, chromedp.Reload(), chromedp.WaitVisible("#f-body"))
			if tl := textOf(t, c.ctx, ".timeline"); !strings.Contains(tl, want.asked) || !strings.Contains(tl, "請上傳身分證反面影本") {
				t.Errorf("the citizen's timeline does not show the ask: %q", tl)
			}
			c.check("asked")
			must(t, c.ctx, chromedp.SendKeys("#f-body", "已附上身分證反面影本，請查收。"), chromedp.SetUploadFiles("#f-files", []string{scan}))
			submitted(t, c.ctx, chromedp.Click("#messages form button[type=submit]"))
			if m := textOf(t, c.ctx, ".messages"); !strings.Contains(m, "已附上身分證反面影本") || !strings.Contains(m, "id-card-back.pdf") {
				t.Errorf("the citizen's reply as sent: %q", m)
			}
			c.check("replied")

			// The officer's home counts it; its link leads to the marked row.
			must(t, o.ctx, chromedp.Navigate(site.URL+"/staff"), chromedp.WaitVisible("#count-unread"))
			if n := textOf(t, o.ctx, "#count-unread"); !strings.Contains(n, want.staffUnread) {
				t.Errorf("/staff counts %q, want %q", n, want.staffUnread)
			}
			o.check("staff-count")
			must(t, o.ctx, chromedp.Click("#count-unread a"), chromedp.WaitVisible(queueRowSel(ref)))
			if row := textOf(t, o.ctx, queueRowSel(ref)); !strings.Contains(row, want.marker) {
				t.Errorf("the queue's row: %q, want the marker %q", row, want.marker)
			}
			if n := textOf(t, o.ctx, "#count-unread strong"); n != "1" {
				t.Errorf("the queue's count of requests with new replies: %q", n)
			}
			o.check("queue-marked")

			must(t, o.ctx, chromedp.Click(queueRowSel(ref)+` a[href="/officer/requests/`+ref+`"]`), chromedp.WaitVisible("#messages"))
			reply := textOf(t, o.ctx, ".messages .message-requester")
			if !strings.Contains(reply, want.fromRequester) || !strings.Contains(reply, "已附上身分證反面影本") || !strings.Contains(reply, "id-card-back.pdf") {
				t.Errorf("the reply as the officer reads it: %q", reply)
			}
			if f := fetchInPage(t, o.ctx, `.messages .message-requester a[href*="/files/"]`); f.Status != 200 || !strings.HasPrefix(f.Text, "%PDF") {
				t.Errorf("the scan as the officer downloads it: %d %q", f.Status, f.Type)
			}
			o.check("reply-read")

			must(t, o.ctx, chromedp.Navigate(site.URL+"/officer/queue"), chromedp.WaitVisible(queueRowSel(ref)))
			if row := textOf(t, o.ctx, queueRowSel(ref)); strings.Contains(row, want.marker) {
				t.Errorf("the marker is still on the row after reading: %q", row)
			}
			if n := textOf(t, o.ctx, "#count-unread strong"); n != "0" {
				t.Errorf("the queue still counts %q requests with new replies", n)
			}
			o.check("queue-read")
		})
	}
}

// TestBrowserOfficerDayCalendarImport: an administrator imports the office calendar
// with a day off inside an open request's period; the request's due date moves a day on
// the officer's page and on the citizen's (who reads in English on a phone), both
// timelines say why, and the citizen's inbox holds the mail with the new date.
func TestBrowserOfficerDayCalendarImport(t *testing.T) {
	h := newHarness(t)
	site := httptest.NewServer(h.h)
	defer site.Close()
	h.makeUser("c@example.tw", "林小華", citizenPassword)
	// A small agency: its administrator also handles requests.
	h.makeUser("adm@agency.example", "系統管理者甲", staffPassword, account.RoleAdmin, account.RoleOfficer)
	const ref = "2026-000001"
	zh, en := officerDayWords["zh-TW"], officerDayWords["en"]

	c := newJourney(t, "calendar-citizen", "en", 390, 844)
	signInAt(t, c, site.URL, "en", "c@example.tw", citizenPassword, "/requests/new?kind=copy")
	must(t, c.ctx, chromedp.WaitVisible("#f-scope"), chromedp.SendKeys("#f-scope", "my account"),
		chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(".facts"))
	// Received Monday 23 November; 15 days later is Tuesday 8 December.
	if due := textOf(t, c.ctx, ".facts .due"); !strings.Contains(due, en.due) {
		t.Fatalf("due date before the import %q, want %s", due, en.due)
	}

	a := newJourney(t, "calendar-admin", "zh-TW", 1280, 900)
	staffSignIn(t, a.ctx, site.URL, "zh-TW", "adm@agency.example", "/officer/queue")
	must(t, a.ctx, chromedp.Navigate(site.URL+"/officer/requests/"+ref), chromedp.WaitVisible(".facts"))
	if due := textOf(t, a.ctx, ".facts .due"); !strings.Contains(due, zh.due) {
		t.Fatalf("the officer's due date before the import %q, want %s", due, zh.due)
	}

	// The official file's format, with Tuesday 8 December declared a day off.
	csv := filepath.Join(t.TempDir(), "calendar.csv")
	if err := os.WriteFile(csv, []byte("西元日期,星期,是否放假,備註\n20261207,一,0,\n20261208,二,2,颱風停止上班\n20261209,三,0,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, a.ctx, chromedp.Navigate(site.URL+"/staff"), chromedp.WaitVisible(".cards"),
		chromedp.Click(`.cards a[href="/admin/calendar"]`), chromedp.WaitVisible("#f-csv"))
	a.check("calendar")
	// The upload first says which due dates would move; only "yes" imports it.
	must(t, a.ctx, chromedp.SetUploadFiles("#f-csv", []string{csv}), chromedp.Click(`form[action="/admin/calendar"] button[type=submit]`),
		chromedp.WaitVisible(".confirm-lines"))
	if lines := textOf(t, a.ctx, ".confirm-lines"); !strings.Contains(lines, ref+"：") {
		t.Errorf("the import's confirmation does not name %s: %q", ref, lines)
	}
	a.check("calendar-confirm")
	submitted(t, a.ctx, chromedp.Click(`form[action="/admin/calendar/import"] button[type=submit]`))
	if f := textOf(t, a.ctx, ".flashes"); !strings.Contains(f, "已匯入 3 個日期") || !strings.Contains(f, "1 件處理中請求的決定期限因此變更") {
		t.Errorf("after the import: %q", f)
	}
	if row := textOf(t, a.ctx, "main table tbody"); !strings.Contains(row, "颱風停止上班") {
		t.Errorf("the imported day off is not listed: %q", row)
	}
	a.check("calendar-imported")

	must(t, a.ctx, chromedp.Navigate(site.URL+"/officer/requests/"+ref), chromedp.WaitVisible(".facts"))
	if due := textOf(t, a.ctx, ".facts .due"); !strings.Contains(due, zh.movedDue) {
		t.Errorf("the officer's due date after the import %q, want %s", due, zh.movedDue)
	}
	if tl := textOf(t, a.ctx, ".timeline"); !strings.Contains(tl, zh.recomputed) || !strings.Contains(tl, "2026-12-08 → 2026-12-09") {
		t.Errorf("the officer's timeline: %q", tl)
	}
	a.check("request-moved")

	must(t, c.ctx, chromedp.Navigate(site.URL+"/requests/"+ref), chromedp.WaitVisible(".facts"))
	if due := textOf(t, c.ctx, ".facts .due"); !strings.Contains(due, en.movedDue) {
		t.Errorf("the citizen's due date after the import %q, want %s", due, en.movedDue)
	}
	if tl := textOf(t, c.ctx, ".timeline"); !strings.Contains(tl, en.recomputed) || !strings.Contains(tl, "2026-12-08 → 2026-12-09") {
		t.Errorf("the citizen's timeline: %q", tl)
	}
	c.check("request-moved")

	h.srv.Wait()
	must(t, c.ctx, chromedp.Navigate(site.URL+"/account/inbox"), chromedp.WaitVisible("ul.inbox a"))
	mail := `ul.inbox a[href^="/account/inbox/"]`
	if s := textOf(t, c.ctx, mail); !strings.Contains(s, ref) || !strings.Contains(s, "決定期限變更") && !strings.Contains(s, "due date has changed") {
		t.Fatalf("the newest mail in the inbox: %q, want the due date's change for %s", s, ref)
	}
	c.check("inbox")
	must(t, c.ctx, chromedp.Click(mail), chromedp.WaitVisible("article.message"))
	if body := textOf(t, c.ctx, "article.message"); !strings.Contains(body, "2026-12-09") || !strings.Contains(body, "2026-12-08 → 2026-12-09") {
		t.Errorf("the mail: %q", body)
	}
	c.check("mail")
}
