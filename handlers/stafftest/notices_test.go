package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
)

// An administrator drafts, previews and publishes a version with a new purpose: the
// banner appears until dismissed or acknowledged, and the citizen is asked about the
// new purpose only at the next sign-in.
func TestNoticeDraftPreviewPublish(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.browser().post("/signup", signUpForm("cit@example.tw", "民眾", citizenPassword, "newsletter"))
	admin := h.signIn("adm@agency.example", staffPassword, english)

	// A new purpose in the catalogue: bad input first.
	bad := admin.post("/admin/purposes", url.Values{"new": {"1"}, "id": {"Events!"}, "code": {"40"}, "categories": {"X1"}})
	if bad.Code != http.StatusBadRequest || bad.doc.Find(".error-summary li").Length() < 5 {
		t.Fatalf("bad purpose: %d, %d problems", bad.Code, bad.doc.Find(".error-summary li").Length())
	}
	p := url.Values{"new": {"1"}, "id": {"events"}, "code": {"040"}, "categories": {"C001"}, "gpc": {"on"}}
	for _, f := range []string{"name", "description", "basis", "retention", "decline"} {
		p.Set(f+"-zh-TW", "活動邀請 "+f)
		p.Set(f+"-en", "Event invitations "+f)
	}
	if r := admin.post("/admin/purposes", p); r.Code != http.StatusSeeOther {
		t.Fatalf("new purpose: %d %s", r.Code, r.text(".error-summary"))
	}
	if r := admin.post("/admin/purposes", p); r.Code != http.StatusBadRequest {
		t.Fatalf("the same id twice: %d", r.Code)
	}

	if r := admin.post("/admin/notices/draft/start", url.Values{}); r.Code != http.StatusSeeOther {
		t.Fatalf("start draft: %d", r.Code)
	}
	editor := admin.get("/admin/notices/draft")
	form := formValues(editor.doc, `main form[action="/admin/notices/draft"]`)
	if form.Get("section-agency-en") == "" || len(form["purposes"]) != 7 {
		t.Fatalf("the draft does not start from the current version: %d purposes", len(form["purposes"]))
	}
	// Mismatched languages are refused, and what was typed is kept.
	broken := url.Values{}
	for k, v := range form {
		broken[k] = v
	}
	broken.Set("section-agency-en", form.Get("section-agency-en")+"\n\nAn extra paragraph only in English.")
	r := admin.post("/admin/notices/draft", broken)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text("#f-section-agency-en"), "extra paragraph") {
		t.Fatalf("mismatched draft: %d", r.Code)
	}
	// Publishing without a summary of changes is refused.
	if r := admin.post("/admin/notices/draft/publish", url.Values{}); r.Code != http.StatusBadRequest {
		t.Fatalf("publish without a summary: %d", r.Code)
	}
	form.Set("summary-zh-TW", "新增活動邀請目的。")
	form.Set("summary-en", "Adds the event invitations purpose.")
	form.Add("purposes", "events")
	if r := admin.post("/admin/notices/draft", form); r.Code != http.StatusSeeOther {
		t.Fatalf("save draft: %d %s", r.Code, r.text(".error-summary"))
	}
	preview := admin.get("/admin/notices/draft/preview")
	if preview.Code != 200 || !strings.Contains(preview.text(".notice"), "version 2") {
		t.Fatalf("preview: %d %q", preview.Code, preview.text(".notice"))
	}
	// Nobody else sees the draft.
	if r := h.get("/privacy", english); strings.Contains(r.text(".meta"), "Version 2") {
		t.Fatal("the draft is public before publishing")
	}
	// Publishing and discarding ask first; unconfirmed, nothing changes.
	if r := admin.post("/admin/notices/draft/publish", url.Values{}); r.Code != 200 || !strings.Contains(r.text(".notice"), "Version 2") ||
		r.doc.Find(`main form[action="/admin/notices/draft/publish"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("publish unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if r := admin.post("/admin/notices/draft/discard", url.Values{}); r.Code != 200 || !strings.Contains(r.text(".notice"), "cannot be recovered") {
		t.Fatalf("discard unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if r := h.get("/privacy", english); strings.Contains(r.text(".meta"), "Version 2") || admin.get("/admin/notices/draft").Code != 200 {
		t.Fatal("an unconfirmed publication or discard changed something")
	}
	if r := admin.post("/admin/notices/draft/publish", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", r.Code, r.text(".error-summary"))
	}

	// A visitor sees the banner on every page until dismissing it.
	visitor := h.browser(english)
	for _, path := range []string{"/", "/privacy", "/signin"} {
		if !strings.Contains(visitor.get(path).text(".notice-banner"), "version 2") {
			t.Fatalf("%s: no banner for version 2", path)
		}
	}
	if !strings.Contains(visitor.get("/privacy/changes").text("main"), "Adds the event invitations purpose.") {
		t.Fatal("the changes page lacks the summary")
	}
	visitor.post("/notice/dismiss", url.Values{"next": {"/"}})
	if visitor.get("/").doc.Find(".notice-banner").Length() != 0 {
		t.Fatal("the banner stays after dismissing")
	}

	// The citizen: asked about the new purpose only, then acknowledges the banner.
	b := h.browser()
	r = b.post("/signin", url.Values{"email": {"cit@example.tw"}, "password": {citizenPassword}})
	if r.Header().Get("Location") != "/account/consents" {
		t.Fatalf("sign-in after the new version went to %q", r.Header().Get("Location"))
	}
	page := b.get("/account/consents")
	boxes := page.doc.Find(`form[action="/account/consents/review"] input[name=purposes]`)
	if boxes.Length() != 1 || boxes.AttrOr("value", "") != "events" {
		t.Fatalf("asked about %d purposes, want only the new one", boxes.Length())
	}
	if page.doc.Find(".notice-banner").Length() != 1 {
		t.Fatal("a signed-in citizen sees no banner")
	}
	b.post("/notice/dismiss", url.Values{"next": {"/account"}})
	if b.get("/account").doc.Find(".notice-banner").Length() != 0 {
		t.Fatal("the banner stays after acknowledging")
	}
	// The acknowledgement belongs to the person: another browser of theirs sees no banner.
	if h.signIn("cit@example.tw", citizenPassword).get("/account").doc.Find(".notice-banner").Length() != 0 {
		t.Fatal("the acknowledgement was not recorded for the person")
	}

	// Statistics: counts only.
	stats := admin.get("/admin/notices/stats")
	if stats.Code != 200 {
		t.Fatalf("stats: %d", stats.Code)
	}
	// Its own heading, and the period it shows (it once showed the request statistics'
	// heading and a literal "%s to %s").
	if h1, caption := stats.text("h1"), stats.text("caption"); (h1 != "同意統計" && h1 != "Consent statistics") ||
		!strings.Contains(caption, "2026-11") || strings.Contains(caption, "%") {
		t.Fatalf("stats page: heading %q, caption %q", h1, caption)
	}
	row := stats.doc.Find("tbody tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.Contains(s.Find("th").Text(), "newsletter")
	})
	if strings.TrimSpace(row.Find("td").First().Text()) != "1" || !strings.Contains(row.Text(), "+1") {
		t.Fatalf("newsletter row %q", row.Text())
	}
	if strings.Contains(stats.Body.String(), "cit@example.tw") || strings.Contains(stats.Body.String(), "民眾") {
		t.Fatal("the statistics name a person")
	}
}

// Every published version stays readable in full, as published, in both languages: the
// history of changes, each consent history row and each receipt link to the version
// they name, and a version never published is not found in the reader's language.
func TestEveryNoticeVersionReadableInFull(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.browser().post("/signup", signUpForm("cit@example.tw", "民眾", citizenPassword, "newsletter"))
	admin := h.signIn("adm@agency.example", staffPassword, english)
	admin.post("/admin/notices/draft/start", url.Values{})
	form := formValues(admin.get("/admin/notices/draft").doc, `main form[action="/admin/notices/draft"]`)
	oldEN, oldZH := form.Get("section-agency-en"), form.Get("section-agency-zh-TW")
	if oldEN == "" || oldZH == "" {
		t.Fatal("the draft has no agency section")
	}
	form.Set("section-agency-en", "The Office has moved to 99 New Road.")
	form.Set("section-agency-zh-TW", "本處已遷至新路 99 號。")
	form.Set("summary-en", "New address.")
	form.Set("summary-zh-TW", "新地址。")
	if r := admin.post("/admin/notices/draft", form); r.Code != http.StatusSeeOther {
		t.Fatalf("save draft: %d %s", r.Code, r.text(".error-summary"))
	}
	if r := admin.post("/admin/notices/draft/publish", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", r.Code, r.text(".error-summary"))
	}
	firstLine := func(s string) string { return strings.TrimSpace(strings.SplitN(s, "\n", 2)[0]) }

	// Version 1 as published, in each language, saying it is not the one in force.
	en := h.get("/privacy/versions/1", english)
	if en.Code != 200 || !strings.Contains(en.text(".meta"), "Version 1") || !strings.Contains(en.text("#s-agency"), firstLine(oldEN)) ||
		strings.Contains(en.text("main"), "99 New Road") || !strings.Contains(en.text("#version-status"), "in force now is version 2") ||
		en.doc.Find(`#version-status a[href="/privacy"]`).Length() != 1 {
		t.Fatalf("version 1 in English: %d %q", en.Code, en.text("main"))
	}
	zh := h.get("/privacy/versions/1")
	if zh.Code != 200 || !strings.Contains(zh.text(".meta"), "第 1 版") || !strings.Contains(zh.text("#s-agency"), firstLine(oldZH)) ||
		!strings.Contains(zh.text("#version-status"), "目前施行的是第 2 版") {
		t.Fatalf("version 1 in Chinese: %d %q", zh.Code, zh.text("main"))
	}
	if r := h.get("/privacy/versions/2", english); r.Code != 200 || !strings.Contains(r.text("#s-agency"), "99 New Road") ||
		!strings.Contains(r.text("#version-status"), "in force now") {
		t.Fatalf("version 2: %d %q", r.Code, r.text("main"))
	}
	for _, bad := range []string{"3", "0", "-1", "01", "x", "99999999999999999999"} {
		if r := h.get("/privacy/versions/"+bad, english); r.Code != http.StatusNotFound || !strings.Contains(r.text("h1"), "Page not found") {
			t.Errorf("version %q: %d %q", bad, r.Code, r.text("h1"))
		}
	}
	if r := h.get("/privacy/versions/3"); r.Code != http.StatusNotFound || !strings.Contains(r.text("h1"), "找不到網頁") {
		t.Errorf("unknown version in Chinese: %d %q", r.Code, r.text("h1"))
	}

	// The history of changes links each version's full text.
	changes := h.get("/privacy/changes", english)
	for _, v := range []string{"1", "2"} {
		if a := changes.doc.Find(`main a[href="/privacy/versions/` + v + `"]`); a.Length() != 1 || !strings.Contains(a.Text(), "version "+v) {
			t.Errorf("the changes page does not link version %s: %q", v, changes.text("main"))
		}
	}

	// The citizen's consent history and receipts name version 1 and link to it.
	cit := h.signIn("cit@example.tw", citizenPassword, english)
	page := cit.get("/account/consents")
	rows := page.doc.Find("table tbody tr")
	if rows.Length() == 0 || rows.Find(`a[href="/privacy/versions/1"]`).Length() != rows.Length() {
		t.Fatalf("history rows linking version 1: %d of %d", rows.Find(`a[href="/privacy/versions/1"]`).Length(), rows.Length())
	}
	link, _ := page.doc.Find(`a[href^="/account/consents/receipts/"]`).First().Attr("href")
	if r := cit.get(link); r.Code != 200 || r.doc.Find(`.facts a[href="/privacy/versions/1"]`).Length() != 1 {
		t.Fatalf("the receipt does not link its version: %d %q", r.Code, r.text(".facts"))
	}
	if r := cit.get(link + "/download"); !strings.Contains(r.Body.String(), `/privacy/versions/1"`) {
		t.Fatalf("the receipt's policyUrl is not its version's page: %s", r.Body.String())
	}
}
