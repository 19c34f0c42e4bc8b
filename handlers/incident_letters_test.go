package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
)

// An incident's letters are official letters (函) like a request's: the letterhead,
// the address in the window and 受文者, 發文日期 in the ROC calendar (a plain date in
// English), 發文字號 from the same per-year sequence as the request letters, 主旨 and
// 說明, and the head's signature. Numbers are taken once: printing the run again, or
// after someone is added and told, gives each letter the number it had.
func TestIncidentLettersAreOfficialLetters(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("mei@example.tw", "王美美", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	o := h.signIn("o@agency.example", staffPassword, english)

	// A request letter first takes number 1 of the year.
	o.multipart("/officer/intake", url.Values{"name": {"林郵寄"}, "address": {"臺南市東區範例路 8 號"}, "channel": {"paper"}, "received": {rightsToday(h)},
		"basis": {"received"}, "identity": {"none"}, "kind": {"view"}, "scope": {"all"}, "lang": {"zh-TW"}})
	act(t, o, "2026-000001", "identity-ask", url.Values{"ask_note": {"請寄身分證影本"}})

	r := admin.post("/admin/incidents", incidentForm(h))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	id := strings.TrimPrefix(r.Header().Get("Location"), "/admin/incidents/")
	if r := admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {incidentVersion(admin, id)}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("notify: %d", r.Code)
	}
	page := admin.get("/admin/incidents/" + id + "/letters")
	arts := page.doc.Find("article.letter")
	if arts.Length() != 2 {
		t.Fatalf("letters: %d %q", arts.Length(), page.text("main"))
	}
	checkWording(t, "incident letters", page.doc)
	zh, en := arts.Eq(0), arts.Eq(1)
	parts := map[string]string{
		".letterhead .agency":      "範例市政府數位服務處",
		".letterhead .doc-kind":    "函",
		".window .address":         "100臺北市中正區重慶南路一段122號",
		".particulars .to":         "王大明",
		".particulars .doc-number": "數服個資字第1150000002號",
		".subject":                 "請查照",
		".explanation .what":       "名冊遭外洩",
		".explanation .measures":   "已關閉外洩管道",
		".signature .head-title":   "處長",
		".copies":                  "正本",
		".letterhead .sender":      "範例市中正區示範路1號",
		".explanation":             "個人資料保護法第 12 條",
		".particulars .doc-date":   "中華民國115年",
	}
	for sel, want := range parts {
		if got := zh.Find(sel).Text(); !strings.Contains(got, want) {
			t.Errorf("the Chinese letter's %s: %q, want %q", sel, got, want)
		}
	}
	if got := en.Find(".doc-number").Text(); got != "DSO-PD No. 1150000003" {
		t.Errorf("the English letter's number: %q", got)
	}
	if got := en.Find(".doc-date").Text(); !strings.Contains(got, "2026") || strings.Contains(got, "中華民國") {
		t.Errorf("the English letter's date: %q", got)
	}
	if en.Find(".subject").Length() != 1 || en.Find(".explanation").Length() != 1 || !strings.Contains(en.Find(".to").Text(), "Jane Doe") {
		t.Errorf("the English letter: %q", en.Text())
	}

	// Someone added and told later gets the next number; the others keep theirs.
	form := incidentForm(h)
	form.Set("version", incidentVersion(admin, id))
	form.Set("letters", "新加入 | 高雄市前金區範例路 3 號\n"+form.Get("letters"))
	if r := admin.post("/admin/incidents/"+id, form); r.Code != http.StatusSeeOther {
		t.Fatalf("add a person: %d %q", r.Code, r.text(".error-summary"))
	}
	admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {incidentVersion(admin, id)}, "confirm": {"yes"}})
	numbers := map[string]string{}
	page = admin.get("/admin/incidents/" + id + "/letters")
	page.doc.Find("article.letter").Each(func(_ int, a *goquery.Selection) {
		numbers[strings.TrimSpace(a.Find(".to").Text())] = a.Find(".doc-number").Text()
	})
	want := map[string]string{"王大明 君": "數服個資字第1150000002號", "Jane Doe": "DSO-PD No. 1150000003", "新加入 君": "數服個資字第1150000004號"}
	if len(numbers) != len(want) {
		t.Fatalf("letters after the second notice: %v", numbers)
	}
	for to, n := range want {
		if numbers[to] != n {
			t.Errorf("%s: %q, want %q (all: %v)", to, numbers[to], n, numbers)
		}
	}
}
