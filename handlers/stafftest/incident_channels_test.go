package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
)

// People without an account are told too: by e-mail with the same text as an
// account's notice, and by a letter printed for post, one A4 page each in the person's
// language. Sending asks first with the count per channel; the record keeps how and when
// each was told, and editing the list tells nobody twice.
func TestIncidentNoticeByEmailAndPost(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("mei@example.tw", "王美美", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword)

	// Bad input: each says what is wrong, in the reader's language, and saves nothing.
	bad := incidentForm(h)
	bad.Set("emails", "lee@example.org\nnot-an-address\nx@y | klingon")
	bad.Set("letters", "只有姓名\n王大明 | "+strings.Repeat("路", 301))
	r := admin.post("/admin/incidents", bad)
	if sum := r.text(".error-summary"); r.Code != http.StatusBadRequest || !strings.Contains(sum, "not-an-address") || !strings.Contains(sum, "x@y | klingon") ||
		!strings.Contains(sum, "只有姓名") || !strings.Contains(sum, "不是電子郵件地址") {
		t.Fatalf("bad contacts: %d %q", r.Code, sum)
	}
	if r := h.signIn("adm@agency.example", staffPassword, english).post("/admin/incidents", bad); !strings.Contains(r.text(".error-summary"), "are not e-mail addresses") {
		t.Fatalf("bad contacts in English: %q", r.text(".error-summary"))
	}
	long := incidentForm(h)
	long.Set("measures", strings.Repeat("措", 5001))
	if r := admin.post("/admin/incidents", long); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "5000") {
		t.Fatalf("oversize measures: %d %q", r.Code, r.text(".error-summary"))
	}
	if list := admin.get("/admin/incidents"); list.doc.Find("tbody tr").Length() != 0 {
		t.Fatal("a refused form saved a record")
	}

	// Nobody to tell: the notice says so.
	empty := incidentForm(h)
	empty.Del("affected")
	empty.Del("emails")
	empty.Del("letters")
	r = admin.post("/admin/incidents", empty)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	emptyID := strings.TrimPrefix(r.Header().Get("Location"), "/admin/incidents/")
	if r := admin.post("/admin/incidents/"+emptyID+"/notify", url.Values{"version": {incidentVersion(admin, emptyID)}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.text(".error-summary"), "請先填入要通知的人") {
		t.Fatalf("nobody to tell: %d %q", r.Code, r.text(".error-summary"))
	}

	r = admin.post("/admin/incidents", incidentForm(h))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	id := strings.TrimPrefix(r.Header().Get("Location"), "/admin/incidents/")
	page := admin.get("/admin/incidents/" + id)
	if txt := page.text("#notify-title ~ p"); !strings.Contains(txt, "帳號者 1 位") || !strings.Contains(txt, "電子郵件通知 2 位") || !strings.Contains(txt, "郵寄通知 2 位") {
		t.Fatalf("the channels: %q", txt)
	}

	// Unconfirmed: the counts per channel, and nothing sent or produced.
	r = admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {incidentVersion(admin, id)}})
	if txt := r.text(".notice"); r.Code != http.StatusOK || !strings.Contains(txt, "帳號 1 封") || !strings.Contains(txt, "電子郵件 2 封") || !strings.Contains(txt, "2 封郵寄信件") {
		t.Fatalf("unconfirmed: %d %q", r.Code, txt)
	}
	if len(h.mails("lee@example.org"))+len(h.mails("mei@example.tw")) != 0 || admin.get("/admin/incidents/"+id+"/letters").doc.Find("article.letter").Length() != 0 {
		t.Fatal("an unconfirmed notice told someone")
	}

	if r := admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {incidentVersion(admin, id)}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("notify: %d", r.Code)
	}
	zh, en, acc := h.mails("lee@example.org"), h.mails("smith@example.com"), h.mails("mei@example.tw")
	if len(zh) != 1 || !strings.Contains(zh[0].Subject, "事故") || !strings.Contains(zh[0].Body, "名冊遭外洩") || !strings.Contains(zh[0].Body, "已關閉外洩管道") {
		t.Fatalf("the Chinese e-mail: %+v", zh)
	}
	if len(en) != 1 || !strings.Contains(en[0].Body, "A list with names and addresses leaked.") || !strings.Contains(en[0].Body, "The leak was closed") || strings.Contains(en[0].Body, "外洩") {
		t.Fatalf("the English e-mail: %+v", en)
	}
	if len(acc) != 1 || acc[0].Kind != "incident" {
		t.Fatalf("the account's notice: %+v", acc)
	}

	// The record: each contact with when, and the notices given per channel.
	page = admin.get("/admin/incidents/" + id)
	if rows := page.doc.Find("table.contacts tbody tr"); rows.Length() != 4 || strings.Contains(rows.Text(), "尚未通知") {
		t.Fatalf("the contacts: %q", rows.Text())
	}
	rounds := page.text("#rounds-title + div tbody")
	for _, want := range []string{"寄到帳號", "電子郵件", "郵寄信件"} {
		if !strings.Contains(rounds, want) {
			t.Fatalf("the notices given lack %s: %q", want, rounds)
		}
	}
	if !strings.Contains(page.text("#clocks-title + dl"), "已通知 5 人") || page.doc.Find(`form[action$="/notify"]`).Length() != 0 {
		t.Fatalf("after the notice: %q", page.text("#clocks-title + dl"))
	}

	// The print run: one letter each, in the person's language, the address in the window.
	letters := admin.get("/admin/incidents/" + id + "/letters")
	arts := letters.doc.Find("article.letter")
	if letters.Code != http.StatusOK || arts.Length() != 2 {
		t.Fatalf("letters: %d, %d", letters.Code, arts.Length())
	}
	first, second := arts.Eq(0), arts.Eq(1)
	if first.AttrOr("lang", "") != "zh-TW" || !strings.Contains(first.Find(".window").Text(), "重慶南路一段122號") || !strings.Contains(first.Text(), "名冊遭外洩") {
		t.Fatalf("the Chinese letter: %q", first.Text())
	}
	if second.AttrOr("lang", "") != "en" || !strings.Contains(second.Find(".window").Text(), "Jane Doe") || !strings.Contains(second.Text(), "The leak was closed") || strings.Contains(second.Text(), "外洩") {
		t.Fatalf("the English letter: %q", second.Text())
	}

	// Someone added later is the only one told next; nobody is mailed twice.
	form := incidentForm(h)
	form.Set("version", incidentVersion(admin, id))
	form.Set("emails", form.Get("emails")+"\nnew@example.net")
	if r := admin.post("/admin/incidents/"+id, form); r.Code != http.StatusSeeOther {
		t.Fatalf("add a person: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {incidentVersion(admin, id)}}); !strings.Contains(r.text(".notice"), "電子郵件 1 封") ||
		!strings.Contains(r.text(".notice"), "0 封郵寄信件") {
		t.Fatalf("the person added: %q", r.text(".notice"))
	}
	admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {incidentVersion(admin, id)}, "confirm": {"yes"}})
	if len(h.mails("new@example.net")) != 1 || len(h.mails("lee@example.org")) != 1 || len(h.mails("smith@example.com")) != 1 || len(h.mails("mei@example.tw")) != 1 {
		t.Fatal("someone was mailed twice, or the person added not at all")
	}
	if n := admin.get("/admin/incidents/" + id + "/letters").doc.Find("article.letter").Length(); n != 2 {
		t.Fatalf("letters after the second notice: %d", n)
	}
}

// When individual notice is impracticable, the facts and measures are announced on a
// public page in both languages, linked from the home page's footer while recent. The
// announcement asks first, needs the reason and the measures, and is made once.
func TestIncidentPublicAnnouncement(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword)
	form := incidentForm(h)
	form.Del("affected")
	form.Set("measures", "")
	r := admin.post("/admin/incidents", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	id := strings.TrimPrefix(r.Header().Get("Location"), "/admin/incidents/")
	announce := func(reason string, confirm bool) *response {
		v := url.Values{"version": {incidentVersion(admin, id)}, "impracticable": {reason}}
		if confirm {
			v.Set("confirm", "yes")
		}
		return admin.post("/admin/incidents/"+id+"/announce", v)
	}
	if r := announce("人數逾十萬且多無聯絡方式。", true); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "措施") {
		t.Fatalf("without measures: %d %q", r.Code, r.text(".error-summary"))
	}
	form.Set("measures", "已關閉外洩管道並通報主管機關。")
	form.Set("version", incidentVersion(admin, id))
	if r := admin.post("/admin/incidents/"+id, form); r.Code != http.StatusSeeOther {
		t.Fatalf("update: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := announce("  ", true); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "無法個別通知的理由") {
		t.Fatalf("without a reason: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := announce(strings.Repeat("理", 5001), true); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "5000") {
		t.Fatalf("oversize reason: %d %q", r.Code, r.text(".error-summary"))
	}

	// Unconfirmed: nothing is public.
	if r := announce("人數逾十萬且多無聯絡方式。", false); r.Code != http.StatusOK || r.doc.Find(`main form[action$="/announce"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if r := h.get("/announcements/" + id); r.Code != http.StatusNotFound {
		t.Fatalf("an unannounced incident is public: %d", r.Code)
	}
	if h.get("/").doc.Find(`footer a[href="/announcements"]`).Length() != 0 || h.get("/announcements").doc.Find(`a[href="/announcements/`+id+`"]`).Length() != 0 {
		t.Fatal("an unconfirmed announcement was published")
	}

	if r := announce("人數逾十萬且多無聯絡方式。", true); r.Code != http.StatusSeeOther {
		t.Fatalf("announce: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := announce("再一次", true); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "已經公告") {
		t.Fatalf("announced twice: %d %q", r.Code, r.text(".error-summary"))
	}
	page := admin.get("/admin/incidents/" + id)
	if !strings.Contains(page.text("#rounds-title + div tbody"), "公告") || !strings.Contains(page.text("#clocks-title + dl"), "完成") {
		t.Fatalf("the record: %q / %q", page.text("#rounds-title + div tbody"), page.text("#clocks-title + dl"))
	}

	// Public, in both languages, linked from the home page.
	for _, lang := range []string{"zh-TW", "en"} {
		anon := h.browser(header("Accept-Language", lang))
		home := anon.get("/")
		if home.doc.Find(`footer a[href="/announcements"]`).Length() != 1 {
			t.Fatalf("%s: no link from the home page", lang)
		}
		list := anon.get("/announcements")
		if list.Code != http.StatusOK || list.doc.Find(`main a[href="/announcements/`+id+`"]`).Length() != 1 {
			t.Fatalf("%s: the list: %d %q", lang, list.Code, list.text("main"))
		}
		one := anon.get("/announcements/" + id)
		body := one.text("main")
		switch lang {
		case "zh-TW":
			if !strings.Contains(body, "名冊遭外洩") || !strings.Contains(body, "已關閉外洩管道") || !strings.Contains(one.text("h1"), "個人資料事故") {
				t.Fatalf("zh announcement: %q", body)
			}
		case "en":
			if !strings.Contains(body, "A list with names and addresses leaked.") || !strings.Contains(body, "What the agency has done") || strings.Contains(body, "外洩") {
				t.Fatalf("en announcement: %q", body)
			}
		}
		if strings.Contains(body, "人數逾十萬") {
			t.Fatal("the administrator's reason is on the public page")
		}
	}

	// After 90 days it stays listed but leaves the home page.
	h.clock.Advance(91 * 24 * time.Hour)
	if h.get("/").doc.Find(`footer a[href="/announcements"]`).Length() != 0 {
		t.Fatal("an old announcement is still linked from the home page")
	}
	if h.get("/announcements").doc.Find(`main a[href="/announcements/`+id+`"]`).Length() != 1 {
		t.Fatal("an old announcement left the list")
	}
}
