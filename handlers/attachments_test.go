package handlers_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/store/storetest"
)

// Attachments on filing and in messages: stored whole, served only as downloads to the
// requester and officers, refused by content when not a PDF, JPEG or PNG, refused whole
// (nothing stored) over 20 MB; messages both ways, the officer's mailed to the requester.
func TestAttachmentsAndMessages(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "申請人", citizenPassword)
	h.makeUser("x@example.tw", "旁人", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword, english)

	// Refused before anything is stored: a text file named .pdf, and 20 MB + 1 byte.
	r := c.multipart("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}, upload{"id-card.pdf", []byte("just text, not a PDF")})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "id-card.pdf") {
		t.Fatalf("a disguised file: %d %q", r.Code, r.text(".error-summary"))
	}
	big := append(append([]byte{}, pdfFile...), make([]byte, 20<<20+1-len(pdfFile))...)
	if r := c.multipart("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}, upload{"big.pdf", big}); r.Code != http.StatusRequestEntityTooLarge ||
		!strings.Contains(r.text("main"), "20 MB") {
		t.Fatalf("20 MB + 1 byte: %d %q", r.Code, r.text("main"))
	}
	if list := c.get("/requests"); list.doc.Find("tbody tr").Length() != 0 {
		t.Fatal("a refused upload left a request behind")
	}

	r = c.multipart("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}, upload{"../../etc/身分證正反面.pdf", pdfFile})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("file with an attachment: %d %q", r.Code, r.text(".error-summary"))
	}
	page := c.follow(r)
	link, ok := page.doc.Find(`.files a[href^="/requests/2026-000001/files/"]`).Attr("href")
	if !ok || !strings.Contains(page.text(".files"), "身分證正反面.pdf") || strings.Contains(page.text(".files"), "etc") {
		t.Fatalf("attachment list: %q", page.text(".files"))
	}
	dl := c.get(link)
	if dl.Code != 200 || !bytes.Equal(dl.Body.Bytes(), pdfFile) || dl.Header().Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q %q", dl.Code, dl.Header().Get("Content-Type"), dl.Header().Get("Content-Disposition"))
	}
	if r := h.signIn("x@example.tw", citizenPassword).get(link); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen downloaded it: %d", r.Code)
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	if r := o.get(strings.Replace(link, "/requests/", "/officer/requests/", 1)); r.Code != 200 || !bytes.Equal(r.Body.Bytes(), pdfFile) {
		t.Fatalf("officer's download: %d", r.Code)
	}
	if r := o.get("/officer/requests/2026-000001/files/nosuchfile"); r.Code != http.StatusNotFound {
		t.Fatalf("an unknown file: %d", r.Code)
	}

	// Messages: the officer asks with a file, the requester answers; an empty one is refused.
	if r := o.multipart("/officer/requests/2026-000001/message", url.Values{"body": {"Please send the back of your ID card."}}, upload{"example.png", pngFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("officer's message: %d %q", r.Code, r.text(".error-summary"))
	}
	if ms := h.mails("c@example.tw"); !strings.Contains(ms[len(ms)-1].Subject, "2026-000001") {
		t.Fatalf("message mail: %q", ms[len(ms)-1].Subject)
	}
	if r := c.multipart("/requests/2026-000001/messages", url.Values{"body": {"  "}}); r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-body"]`).Length() != 1 {
		t.Fatalf("an empty message: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := c.multipart("/requests/2026-000001/messages", url.Values{"body": {"Here it is."}}, upload{"back.pdf", pdfFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("the requester's answer: %d", r.Code)
	}
	if r := h.signIn("x@example.tw", citizenPassword).multipart("/requests/2026-000001/messages", url.Values{"body": {"hi"}}); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen wrote on the request: %d", r.Code)
	}
	page = c.get("/requests/2026-000001")
	msgs := page.doc.Find(".messages li")
	if msgs.Length() != 2 || !strings.Contains(msgs.First().Text(), "back of your ID card") || !strings.Contains(msgs.First().Text(), "example.png") ||
		!strings.Contains(msgs.Last().Text(), "Here it is.") || page.doc.Find(".files li").Length() != 3 {
		t.Fatalf("messages: %d %q", msgs.Length(), page.text(".messages"))
	}
	if off := o.get("/officer/requests/2026-000001"); off.doc.Find(".messages li").Length() != 2 {
		t.Fatal("the officer does not see the messages")
	}
	// (The notice itself mentions 身分證, so the check looks for the rest of the name.)
	if dump := storetest.Dump(t, h.db); strings.Contains(dump, "back of your ID card") || strings.Contains(dump, "正反面") {
		t.Fatal("a message or a file name is stored in plaintext")
	}
}

// An agent files for someone else: the written authorisation is required, checked by
// content and kept with the request; the officer sees whom the request is for.
func TestAgentFilesWithAuthorisation(t *testing.T) {
	h := newHarness(t)
	h.makeUser("agent@example.tw", "代理人", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	a := h.signIn("agent@example.tw", citizenPassword, english)
	form := url.Values{"kind": {"view"}, "scope": {"her records"}, "on_behalf": {"on"}, "principal": {"林老太太"}}
	r := a.multipart("/requests", form)
	if r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-authorisation"]`).Length() != 1 {
		t.Fatalf("no authorisation: %d %q", r.Code, r.text(".error-summary"))
	}
	if v, _ := r.doc.Find("#f-principal").Attr("value"); v != "林老太太" {
		t.Fatalf("the principal's name was lost: %q", v)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range form {
		_ = w.WriteField(k, vs[0])
	}
	part, _ := w.CreateFormFile("authorisation", "委任書.pdf")
	_, _ = part.Write(pdfFile)
	_ = w.Close()
	r = a.h.do(http.MethodPost, "/requests", &body, func(req *http.Request) {
		req.Header.Set("Content-Type", w.FormDataContentType())
		for _, c := range a.jar {
			req.AddCookie(c)
		}
	}, english)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("with the authorisation: %d %q", r.Code, r.text(".error-summary"))
	}
	page := h.signIn("o@agency.example", staffPassword, english).get("/officer/requests/2026-000001")
	if !strings.Contains(page.text(".facts"), "林老太太") || !strings.Contains(page.text(".files"), "委任書.pdf") || !strings.Contains(page.text(".files"), "written authorisation") {
		t.Fatalf("officer's view: %q / %q", page.text(".facts"), page.text(".files"))
	}
}
