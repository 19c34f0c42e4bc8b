package handlers_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// upload posts a CSV file as a browser's file input does.
func (b *browser) upload(target, field, name string, content []byte) *response {
	b.h.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		b.h.t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	opts := append([]func(*http.Request){func(r *http.Request) {
		for _, c := range b.jar {
			r.AddCookie(c)
		}
		r.Header.Set("Content-Type", w.FormDataContentType())
	}}, b.opts...)
	r := b.h.do(http.MethodPost, target, &body, opts...)
	for _, c := range r.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return r
}

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
	ok := admin.upload("/admin/calendar", "csv", "days.csv", []byte("\ufeffdate,day_off,note\n2026-12-08,true,測試假日\n2026-12-09,false,\n"))
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
