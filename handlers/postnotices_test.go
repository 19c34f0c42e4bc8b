package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// Every written notice a person without e-mail is owed goes on the post run as an
// official letter: the request for proof of identity (with what the officer asked for)
// and a due date the office calendar moved. (A duplicate needs two requests of one
// person, which paper requests without e-mail never are: each is a person of its own.)
// Each has
// its own document number and is taken off the run when its posting is recorded; a
// merely informational step (a note) puts nothing on the run, and nothing is mailed.
func TestPostRunCarriesEveryWrittenNotice(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	o := h.signIn("o@agency.example", staffPassword, english)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	const address = "臺南市東區範例路 8 號"
	enter := func(name, lang string) {
		t.Helper()
		f := url.Values{"name": {name}, "address": {address}, "channel": {"paper"}, "received": {rightsToday(h)}, "basis": {"received"},
			"identity": {"none"}, "kind": {"view"}, "scope": {"everything you hold on me"}, "lang": {lang}}
		if r := o.multipart("/officer/intake", f); r.Code != http.StatusSeeOther {
			t.Fatalf("enter: %d %q", r.Code, r.text(".error-summary"))
		}
	}
	enter("林郵寄", "zh-TW")
	enter("Mary Post", "en") // her letters in English
	mailBefore := pendingMail(t, h)

	// Received Monday 23 November: due Tuesday 8 December.
	if r := act(t, o, "2026-000001", "identity-ask", url.Values{"ask_note": {"請寄身分證正反面影本"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("ask for identity: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := act(t, o, "2026-000001", "note", url.Values{"note": {"called, no answer"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("note: %d", r.Code)
	}
	if r := admin.post("/admin/calendar/day-off", url.Values{"date": {"2026-12-08"}, "reason": {"颱風停止上班"}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("typhoon day: %d %s", r.Code, r.text(".error-summary"))
	}
	if n := pendingMail(t, h); n != mailBefore {
		t.Errorf("mail to a person without e-mail: %d → %d", mailBefore, n)
	}

	post := o.get("/officer/post")
	due := post.text("table.post-due")
	for _, want := range []string{"Request for proof of identity", "Notice of a changed due date"} {
		if !strings.Contains(due, want) {
			t.Errorf("the post run lacks %q: %q", want, due)
		}
	}
	if n := post.doc.Find("table.post-due tbody tr").Length(); n != 3 {
		t.Errorf("the post run has %d letters, want 3: %q", n, due)
	}

	print := o.get("/officer/post/print")
	arts := print.doc.Find("article.letter")
	if arts.Length() != 3 {
		t.Fatalf("the print run has %d letters: %q", arts.Length(), print.text("main"))
	}
	numbers := map[string]bool{}
	for i := range arts.Length() {
		a := arts.Eq(i)
		num := strings.TrimSpace(a.Find(".doc-number").Text())
		serial := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, num) // the same in either language
		if !strings.HasPrefix(num, "數服個資字第115") && !strings.HasPrefix(num, "DSO-PD No. 115") || numbers[serial] {
			t.Errorf("letter %d: number %q (seen: %v)", i, num, numbers)
		}
		numbers[serial] = true
		if a.AttrOr("lang", "") == "en" {
			if !strings.Contains(a.Find(".doc-date").Text(), "2026") || !strings.Contains(a.Find(".to").Text(), "Mary Post") ||
				!strings.Contains(a.Text(), "the decision deadline has moved from 8 December 2026 to 9 December 2026") || !strings.Contains(a.Find(".signature").Text(), "Director-General") {
				t.Errorf("the English letter: %q", a.Text())
			}
			continue
		}
		if !strings.HasPrefix(a.Find(".doc-date").Text(), "中華民國115年") || !strings.Contains(a.Find(".window .address").Text(), address) ||
			!strings.Contains(a.Find(".to").Text(), "林郵寄") || a.Find(".subject").Length() != 1 || a.Find(".explanation").Length() != 1 ||
			!strings.Contains(a.Find(".signature").Text(), "處長") {
			t.Errorf("letter %d lacks a part of a 函: %q", i, a.Text())
		}
	}
	checkWording(t, "the print run", print.doc)
	all := print.text("main")
	for _, want := range []string{"請寄身分證正反面影本", "決定期限由中華民國115年12月8日改為中華民國115年12月9日", "案號2026-000001"} {
		if !strings.Contains(all, want) {
			t.Errorf("the letters lack %q: %q", want, all)
		}
	}

	// Posted today: off the list, on the request's record; a made-up letter is refused.
	if r := act(t, o, "2026-000001", "delivery", url.Values{"letter": {"identity"}, "method": {"post"}, "on": {rightsToday(h)}}); r.Code != http.StatusSeeOther {
		t.Fatalf("record the posting: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := act(t, o, "2026-000001", "delivery", url.Values{"letter": {"identity-7x"}, "method": {"post"}, "on": {rightsToday(h)}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.text(".error-summary"), "no such letter") {
		t.Errorf("a letter the request does not have: %d %q", r.Code, r.text(".error-summary"))
	}
	page := o.get("/officer/requests/2026-000001")
	if !strings.Contains(page.text(".timeline"), "Request for proof of identity posted") || page.doc.Find(`form#delivery-due_moved`).Length() != 1 {
		t.Errorf("the request's deliveries: %q", page.text("main"))
	}
	post = o.get("/officer/post")
	if n := post.doc.Find("table.post-due tbody tr").Length(); n != 2 || !strings.Contains(post.text("ul.post-done"), "Request for proof of identity") {
		t.Errorf("after posting: %d due, %q", n, post.text("main"))
	}
}

// A person with e-mail is mailed the same notices, and nothing of theirs goes on the
// post run; their request page lists each notice's letter, which they can open and print
// in both languages.
func TestNoticeLettersOnTheRequestersPage(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	o := h.signIn("o@agency.example", staffPassword, english)
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {"my account"}})
	if r := act(t, o, "2026-000001", "identity-ask", url.Values{"ask_note": {"Please send a copy of your ID card."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("ask for identity: %d %q", r.Code, r.text(".error-summary"))
	}
	h.signIn("adm@agency.example", staffPassword).post("/admin/calendar/day-off", url.Values{"date": {"2026-12-08"}, "reason": {"颱風停止上班"}, "confirm": {"yes"}})
	if post := o.get("/officer/post"); post.doc.Find("table.post-due").Length() != 0 {
		t.Errorf("a mailed person's letters are on the post run: %q", post.text("main"))
	}
	for _, b := range []*browser{citizen, h.signIn("c@example.tw", citizenPassword)} {
		page := b.get("/requests/2026-000001")
		links := page.doc.Find("ul.notices a")
		if links.Length() != 2 {
			t.Fatalf("the notices on the request page: %q", page.text("main"))
		}
		checkWording(t, "request page", page.doc)
		for i := range links.Length() {
			href, _ := links.Eq(i).Attr("href")
			l := b.get(href)
			if l.Code != http.StatusOK || l.doc.Find("article.letter .doc-number").Text() == "" || l.doc.Find("article.letter .subject p").Text() == "" {
				t.Errorf("%s: %d %q", href, l.Code, l.text("main"))
			}
			checkWording(t, href, l.doc)
		}
	}
	if l := citizen.get("/requests/2026-000001/letters/identity"); !strings.Contains(l.text("article.letter"), "Please send a copy of your ID card.") {
		t.Errorf("the identity letter lacks what was asked: %q", l.text("article.letter"))
	}
}
