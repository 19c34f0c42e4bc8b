package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/store"
)

var (
	zhNumber = regexp.MustCompile(`^府個資字第115(\d{7})號$`)
	enNumber = regexp.MustCompile(`^DSO-PD No\. 115(\d{7})$`)
)

// The extension notice and the decision letter are official letters (函): the agency's
// letterhead, the requester's name and postal address where the envelope window is, the
// date in the ROC calendar, a document number of the year's sequence under the prefix
// the administrator set — given once and the same on every later printing, whoever
// opens it — 主旨 and 說明, the legal basis of each item, the appeal paragraph naming the
// appeal authority and the 30-day limit, and the head's signature; all in the
// requester's language, whichever language the reader's browser asks for.
func TestLettersAreOfficialLetters(t *testing.T) {
	h := newHarness(t)
	zh := h.makeUser("zh@example.tw", "王小明", citizenPassword)
	h.withAddress(zh, "100 臺北市中正區重慶南路一段122號", "zh-TW")
	en := h.makeUser("en@example.tw", "Alice Chen", citizenPassword)
	h.withAddress(en, "No. 1, Sec. 1, Chongqing S. Rd., Taipei 100", "en")
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	h.makeUser("admin@agency.example", "管理者", staffPassword, account.RoleAdmin)

	// The administrator sets the prefix, the head and the appeal authority; a prefix
	// that would not read as a 字 is refused in the reader's language.
	admin := h.signIn("admin@agency.example", staffPassword)
	settings := formValues(admin.get("/admin/letters").doc, `main form[action="/admin/letters"]`)
	if settings.Get("prefix_zh") != "數服個資字" || settings.Get("appeal_zh") != "範例市政府" {
		t.Fatalf("defaults: %v", settings)
	}
	settings.Set("prefix_zh", "府個資")
	if r := admin.post("/admin/letters", settings); r.Code != http.StatusBadRequest || !strings.Contains(r.text("#e-prefix_zh"), "以「字」結尾") {
		t.Fatalf("prefix without 字: %d %q", r.Code, r.text(".error-summary"))
	}
	settings.Set("prefix_zh", "府個資字")
	settings.Set("head_name_zh", "林大同")
	settings.Set("head_name_en", "Lin Da-tong")
	settings.Set("appeal_zh", "臺北市政府")
	settings.Set("appeal_en", "Taipei City Government")
	if r := admin.post("/admin/letters", settings); r.Code != http.StatusSeeOther {
		t.Fatalf("save settings: %d %q", r.Code, r.text(".error-summary"))
	}
	enAdmin := h.signIn("admin@agency.example", staffPassword, english)
	settings.Set("prefix_en", "DSO PD")
	if r := enAdmin.post("/admin/letters", settings); r.Code != http.StatusBadRequest || !strings.Contains(r.text("#e-prefix_en"), "digits or spaces") {
		t.Fatalf("English prefix with a space: %d %q", r.Code, r.text(".error-summary"))
	}

	// Each citizen files a view request; the officer extends it, then refuses it in part.
	zhB := h.signIn("zh@example.tw", citizenPassword, english) // reads the site in English
	enB := h.signIn("en@example.tw", citizenPassword)          // reads the site in Chinese
	zhB.post("/requests", url.Values{"kind": {"view"}, "scope": {"我的帳號資料"}})
	enB.post("/requests", url.Values{"kind": {"view"}, "scope": {"my account data"}})
	off := h.signIn("off@agency.example", staffPassword)
	for _, ref := range []string{"2026-000001", "2026-000002"} {
		act(t, off, ref, "review", nil)
		if r := act(t, off, ref, "extend", url.Values{"reason": {"檔案分存兩處 / records in two archives"}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("extend %s: %d", ref, r.Code)
		}
		d := off.get("/officer/requests/" + ref + "/decide")
		form := url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:refuse"},
			"reason": {"", "", "", "", "涉及第三人 / names a third party"}, "grounds": {"4:art10-3"}}
		if r := off.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusSeeOther {
			t.Fatalf("decide %s: %d %q", ref, r.Code, r.text(".error-summary"))
		}
	}

	numbers := map[string]string{} // number → letter
	seen := func(number, letter string) {
		t.Helper()
		if other, dup := numbers[number]; dup && other != letter {
			t.Fatalf("%s and %s share the number %s", other, letter, number)
		}
		numbers[number] = letter
	}

	// The Chinese letters.
	for _, letter := range []string{"extension", "decision"} {
		path := "/requests/2026-000001/letters/" + letter
		r := zhB.get(path)
		if r.Code != 200 {
			t.Fatalf("%s: %d", path, r.Code)
		}
		l := r.doc.Find(".letter")
		if lang, _ := l.Attr("lang"); lang != "zh-TW" {
			t.Errorf("%s: letter language %q", path, lang)
		}
		text := l.Text()
		number := r.text(".doc-number")
		if !zhNumber.MatchString(number) {
			t.Errorf("%s: document number %q", path, number)
		}
		seen(number, path)
		for _, want := range []string{"範例市政府數位服務處", "函", "主旨", "說明", "中華民國115年11月23日", "王小明 君", "處長", "林大同"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q: %s", path, want, text)
			}
		}
		if w := r.text(".window"); !strings.Contains(w, "100 臺北市中正區重慶南路一段122號") || !strings.Contains(w, "王小明") {
			t.Errorf("%s: envelope window %q", path, w)
		}
		if !strings.HasPrefix(r.text(".doc-date"), "中華民國115年") {
			t.Errorf("%s: date %q", path, r.text(".doc-date"))
		}
		for _, english := range []string{"Example City", "Subject", "Explanation", "Personal Data Protection Act", "appeal", "Official letter"} {
			if strings.Contains(text, english) {
				t.Errorf("%s: the Chinese letter holds %q", path, english)
			}
		}
		// The officer prints the same letter, with the same number.
		if again := off.get("/officer/requests/2026-000001/letters/" + letter); again.text(".doc-number") != number || again.text(".doc-date") != r.text(".doc-date") {
			t.Errorf("%s: printed again as %q %q, first %q", path, again.text(".doc-number"), again.text(".doc-date"), number)
		}
	}
	dec := zhB.get("/requests/2026-000001/letters/decision")
	if remedy := dec.text(".remedy"); !strings.Contains(remedy, "送達之次日起30日內") || !strings.Contains(remedy, "經由本機關向臺北市政府提起訴願") ||
		!strings.Contains(remedy, "訴願法第14條及第58條") {
		t.Errorf("appeal paragraph: %q", remedy)
	}
	if items := dec.text(".items"); !strings.Contains(items, "個人資料保護法第3條第1款、第10條") || !strings.Contains(items, "個資法第10條第3款") {
		t.Errorf("legal basis per item: %q", items)
	}
	if ext := zhB.get("/requests/2026-000001/letters/extension"); ext.doc.Find(".remedy").Length() != 0 || !strings.Contains(ext.text(".subject"), "個人資料保護法第13條") {
		t.Errorf("extension notice: %q", ext.text(".subject"))
	}

	// The English letters: no Chinese at all but what the officer typed.
	for _, letter := range []string{"extension", "decision"} {
		path := "/requests/2026-000002/letters/" + letter
		r := enB.get(path)
		l := r.doc.Find(".letter")
		if lang, _ := l.Attr("lang"); r.Code != 200 || lang != "en" {
			t.Fatalf("%s: %d, letter language %q", path, r.Code, lang)
		}
		number := r.text(".doc-number")
		if !enNumber.MatchString(number) {
			t.Errorf("%s: document number %q", path, number)
		}
		seen(number, path)
		text := strings.NewReplacer("檔案分存兩處", "", "涉及第三人", "").Replace(l.Text())
		if i := strings.IndexFunc(text, func(r rune) bool { return unicode.Is(unicode.Han, r) }); i >= 0 {
			t.Errorf("%s: the English letter holds Chinese: …%s…", path, text[max(0, i-60):min(len(text), i+60)])
		}
		for _, want := range []string{"Example City Government Digital Services Office", "Subject", "23 November 2026", "Alice Chen", "Director-General", "Lin Da-tong"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q: %s", path, want, text)
			}
		}
		if w := r.text(".window"); !strings.Contains(w, "Chongqing S. Rd., Taipei 100") {
			t.Errorf("%s: envelope window %q", path, w)
		}
	}
	remedy := enB.get("/requests/2026-000002/letters/decision").text(".remedy")
	for _, want := range []string{"within 30 days from the day after", "through this agency to Taipei City Government", "Articles 14 and 58"} {
		if !strings.Contains(remedy, want) {
			t.Errorf("English appeal paragraph lacks %q: %q", want, remedy)
		}
	}

	// Four letters, four numbers of 2026, numbered in the order they went out.
	serials := map[string]bool{}
	for n := range numbers {
		m := zhNumber.FindStringSubmatch(n)
		if m == nil {
			m = enNumber.FindStringSubmatch(n)
		}
		serials[m[1]] = true
	}
	for _, want := range []string{"0000001", "0000002", "0000003", "0000004"} {
		if !serials[want] {
			t.Errorf("serial %s not issued: %v", want, numbers)
		}
	}

	// A letter dated in the next year starts that year's sequence: 116, serial 1.
	h.clock.Advance(40 * 24 * time.Hour)
	zhB = h.signIn("zh@example.tw", citizenPassword, english)
	off = h.signIn("off@agency.example", staffPassword)
	zhB.post("/requests", url.Values{"kind": {"view"}, "scope": {"再一次"}})
	act(t, off, "2027-000001", "review", nil)
	decideAll(t, off, "2027-000001", true, "")
	r := zhB.get("/requests/2027-000001/letters/decision")
	if got := r.text(".doc-number"); got != "府個資字第1160000001號" || !strings.HasPrefix(r.text(".doc-date"), "中華民國116年1月") {
		t.Errorf("the next year's first letter: %q %q", got, r.text(".doc-date"))
	}
	if r.doc.Find(".remedy").Length() != 0 {
		t.Error("a letter granting everything carries the appeal paragraph")
	}

	// Without a postal address on file the officer is told before posting.
	h.makeUser("noaddr@example.tw", "陳無址", citizenPassword)
	h.signIn("noaddr@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"view"}, "scope": {"全部"}})
	act(t, off, "2027-000002", "review", nil)
	decideAll(t, off, "2027-000002", true, "")
	if r := off.get("/officer/requests/2027-000002/letters/decision"); !strings.Contains(r.text(".no-print"), "沒有申請人的郵寄地址") || r.text(".window .address") != "" {
		t.Errorf("letter without an address: %q", r.text(".no-print"))
	}
}

// Two portal instances on one database number letters at the same moment: decisions
// sent from both at once each take their own number, and each letter keeps the number
// it got whichever instance prints it.
func TestLetterNumbersAreUniqueAcrossInstances(t *testing.T) {
	a := newHarnessIn(t, store.Shared, nil)
	b := a.twin()
	a.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	a.makeUser("c@example.tw", "陳小明", citizenPassword)
	citizen := a.signIn("c@example.tw", citizenPassword)
	offA := a.signIn("off@agency.example", staffPassword)
	offB := offA.on(b)
	const n = 6
	var refs []string
	forms := make([]url.Values, n)
	for i := range n {
		citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {"全部"}})
		ref := fmt.Sprintf("2026-%06d", i+1)
		act(t, offA, ref, "review", nil)
		d := offA.get("/officer/requests/" + ref + "/decide")
		forms[i] = url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:grant"}}
		refs = append(refs, ref)
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i, ref := range refs {
		off := []*browser{offA, offB}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = off.post("/officer/requests/"+ref+"/decide", forms[i]).Code
		}()
	}
	wg.Wait()
	used := map[string]string{}
	for i, ref := range refs {
		if codes[i] != http.StatusSeeOther {
			t.Fatalf("decide %s: %d", ref, codes[i])
		}
		onA := offA.get("/officer/requests/" + ref + "/letters/decision").text(".doc-number")
		onB := offB.get("/officer/requests/" + ref + "/letters/decision").text(".doc-number")
		if onA != onB || !strings.HasPrefix(onA, "數服個資字第115") {
			t.Errorf("%s: %q on A, %q on B", ref, onA, onB)
		}
		if other, dup := used[onA]; dup {
			t.Errorf("%s and %s share %s", other, ref, onA)
		}
		used[onA] = ref
	}
}
