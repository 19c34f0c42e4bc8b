package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// The notice editor says which of its two dozen text areas a problem is in (the
// section's heading and the language), saves before it previews, and sets each section
// beside the published version, every change named in words.
func TestNoticeEditorNamesSectionsPreviewsSavedAndCompares(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	en := h.signIn("adm@agency.example", staffPassword, english)
	zh := h.signIn("adm@agency.example", staffPassword)
	if r := en.post("/admin/notices/draft/start", url.Values{}); r.Code != http.StatusSeeOther {
		t.Fatalf("start draft: %d", r.Code)
	}
	editor := en.get("/admin/notices/draft")
	form := formValues(editor.doc, `main form[action="/admin/notices/draft"]`)
	if got := editor.text("#changes-h"); got != "Changes from the published version 1" || !strings.Contains(editor.text("main .notice"), "No section differs") {
		t.Fatalf("a fresh draft: %q %q", got, editor.text("main .notice"))
	}
	if got := zh.get("/admin/notices/draft").text("#changes-h"); got != "與已公布第 1 版的差異" {
		t.Fatalf("in Chinese: %q", got)
	}
	headEN, headZH := form.Get("heading-agency-en"), form.Get("heading-agency-zh-TW")
	oldEN, oldZH := form.Get("section-agency-en"), form.Get("section-agency-zh-TW")
	zhParas := len(strings.Split(strings.TrimSpace(oldZH), "\n\n"))

	// One paragraph too many in English: the summary names the section and the language,
	// and counts the paragraphs of each.
	broken := url.Values{}
	for k, v := range form {
		broken[k] = append([]string(nil), v...)
	}
	broken.Set("section-agency-en", oldEN+"\n\nAn extra paragraph only in English.")
	r := en.post("/admin/notices/draft", broken)
	item := r.text(`.error-summary a[href="#f-section-agency-en"]`)
	if r.Code != http.StatusBadRequest || !strings.Contains(item, headEN) || !strings.Contains(item, "Text (English)") ||
		!strings.Contains(item, "The Chinese text has "+strconv.Itoa(zhParas)+" paragraphs or lists and the English "+strconv.Itoa(zhParas+1)) {
		t.Fatalf("English summary: %d %q", r.Code, item)
	}
	r = zh.post("/admin/notices/draft", broken)
	item = r.text(`.error-summary a[href="#f-section-agency-en"]`)
	if r.Code != http.StatusBadRequest || !strings.Contains(item, "「"+headZH+"」") || !strings.Contains(item, "內容（英文）") || !strings.Contains(item, "中文有 "+strconv.Itoa(zhParas)+" 個段落") {
		t.Fatalf("Chinese summary: %d %q", r.Code, item)
	}
	// The typed text is kept, and its comparison already shows the added paragraph.
	if !strings.Contains(r.text("#f-section-agency-en"), "extra paragraph") || !strings.Contains(r.text(`#sec-agency tr.cmp-added ins`), "An extra paragraph only in English.") {
		t.Fatalf("the refused text: %q", r.text("#sec-agency .compare-box"))
	}

	// "Save and preview" saves what was typed, then shows it.
	edited := url.Values{}
	for k, v := range form {
		edited[k] = append([]string(nil), v...)
	}
	firstEN := strings.SplitN(strings.TrimSpace(oldEN), "\n\n", 2)
	firstZH := strings.SplitN(strings.TrimSpace(oldZH), "\n\n", 2)
	edited.Set("section-agency-en", strings.Replace(oldEN, firstEN[0], "The agency now answers at a new address.", 1))
	edited.Set("section-agency-zh-TW", strings.Replace(oldZH, firstZH[0], "本機關已遷至新址。", 1))
	edited.Set("then", "preview")
	r = en.post("/admin/notices/draft", edited)
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/admin/notices/draft/preview" {
		t.Fatalf("save and preview: %d %q %s", r.Code, r.Header().Get("Location"), r.text(".error-summary"))
	}
	if p := en.get("/admin/notices/draft/preview"); !strings.Contains(p.text("main"), "The agency now answers at a new address.") {
		t.Fatal("the preview does not show what was just saved")
	}

	// The comparison: the changed section is listed and marked in words; the old
	// paragraph is shown removed beside the new one added; other sections are unchanged.
	editor = en.get("/admin/notices/draft")
	if editor.doc.Find(`#changes-h ~ ul a[href="#sec-agency"]`).Length() != 1 || !strings.Contains(editor.text("#sec-agency legend"), "changed") {
		t.Fatalf("changed sections: %q", editor.text("main .notice"))
	}
	removed := editor.doc.Find(`#sec-agency .compare-table`).First().Find("tr.cmp-removed")
	added := editor.doc.Find(`#sec-agency .compare-table`).Last().Find("tr.cmp-added")
	if strings.TrimSpace(removed.Find("th").Text()) == "" || !strings.Contains(removed.Find("th").Text(), "Removed") ||
		!strings.Contains(removed.Find("del").Text(), firstZH[0]) || !strings.Contains(added.Find("ins").Text(), "The agency now answers at a new address.") ||
		!strings.Contains(added.Find("th").Text(), "Added") {
		t.Fatalf("the agency section's comparison: %q", editor.text("#sec-agency .compare-box"))
	}
	if n := editor.doc.Find(".compare-box[open]").Length(); n != 1 {
		t.Errorf("%d comparisons open, want the one changed section", n)
	}
	if got := strings.TrimSpace(editor.doc.Find(`#sec-purposes .compare-box > summary`).Text()); !strings.HasSuffix(got, "unchanged") {
		t.Errorf("an unchanged section: %q", got)
	}
	z := zh.get("/admin/notices/draft")
	row := z.doc.Find(`#sec-agency .compare-table`).First().Find("tr.cmp-removed th").Text()
	if !strings.Contains(row, "刪除") || !strings.Contains(z.text("#sec-agency legend"), "已修改") ||
		!strings.Contains(z.doc.Find(`#sec-agency .compare-table`).First().Find("tr.cmp-added th").Text(), "新增") {
		t.Errorf("the comparison in Chinese: %q", z.text("#sec-agency .compare-box"))
	}
}
