package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// The attachment cap is exactly 20 MB: a message with 20 MB + 1 byte gets the 413 page
// in the visitor's language and stores nothing (no file, no message, the request as it
// was); exactly 20 MB is accepted. A file whose content is no accepted type is refused by
// name, in both languages; an accepted type under another type's extension is renamed.
// (attachments_test.go covers filing with 20 MB + 1 in English.)
func TestSecurityUploadLimitAndDisguisedFiles(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "申請人", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword)
	mustStatus(t, "file", c.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}), http.StatusSeeOther)
	const ref = "2026-000001"
	// sized is a PDF of n bytes.
	sized := func(n int) []byte { return append(append([]byte{}, pdfFile...), make([]byte, n-len(pdfFile))...) }

	browsers := map[string]*browser{"zh": c, "en": h.signIn("c@example.tw", citizenPassword, english)}
	before := snapshot(t, h.db)
	for lang, want := range map[string]string{"zh": "上傳的內容過大", "en": "Too large"} {
		r := browsers[lang].multipart("/requests/"+ref+"/messages", url.Values{"body": {"too big"}}, upload{"big.pdf", sized(20<<20 + 1)})
		if r.Code != http.StatusRequestEntityTooLarge || r.text("h1") != want || !strings.Contains(r.text("main"), "20 MB") {
			t.Errorf("%s 20 MB + 1: %d %q %q", lang, r.Code, r.text("h1"), r.text("main"))
		}
	}
	// Text named .png is refused by name, saying the content decides.
	for lang, want := range map[string]string{"zh": "依檔案內容判斷", "en": "judged by its content"} {
		r := browsers[lang].multipart("/requests/"+ref+"/messages", url.Values{"body": {"see file"}}, upload{"photo.png", []byte("plain text")})
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "photo.png") || !strings.Contains(r.text(".error-summary"), want) {
			t.Errorf("%s text named .png: %d %q", lang, r.Code, r.text(".error-summary"))
		}
	}
	unchanged(t, "refused uploads", before, snapshot(t, h.db))
	if p := c.get("/requests/" + ref); p.doc.Find(".messages li").Length() != 0 || p.doc.Find(".files li").Length() != 0 {
		t.Fatal("a refused upload left a message or a file")
	}

	r := c.multipart("/requests/"+ref+"/messages", url.Values{"body": {"exactly 20 MB"}}, upload{"exact.pdf", sized(20 << 20)})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("exactly 20 MB: %d %q", r.Code, r.text(".error-summary"))
	}
	if p := c.get("/requests/" + ref); p.doc.Find(".files li").Length() != 1 || !strings.Contains(p.text(".files"), "exact.pdf") {
		t.Fatalf("the 20 MB file is not listed: %q", p.text(".files"))
	}

	// A real PNG named .pdf is kept under its true type: the name gains .png and the
	// download says image/png, so the name cannot pass it off as a PDF.
	mustStatus(t, "second request", c.post("/requests", url.Values{"kind": {"view"}, "scope": {"more"}}), http.StatusSeeOther)
	mustStatus(t, "png named .pdf", c.multipart("/requests/2026-000002/messages", url.Values{"body": {"scan"}}, upload{"scan.pdf", pngFile}), http.StatusSeeOther)
	p := c.get("/requests/2026-000002")
	link, _ := p.doc.Find(`.files a[href*="/files/"]`).Attr("href")
	if !strings.Contains(p.text(".files"), "scan.pdf.png") {
		t.Errorf("the disguised PNG is listed as %q", p.text(".files"))
	}
	if dl := c.get(link); dl.Header().Get("Content-Type") != "image/png" || !strings.Contains(dl.Header().Get("Content-Disposition"), "scan.pdf.png") {
		t.Errorf("download of the disguised PNG: %q %q", dl.Header().Get("Content-Type"), dl.Header().Get("Content-Disposition"))
	}
}
