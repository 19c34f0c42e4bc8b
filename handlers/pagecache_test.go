package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
)

// The public pages come from a cache of rendered pages, yet each visitor gets the page
// their own state calls for: the cookie banner until they answer it, their language,
// their flash message, their own visitor cookie, and a signed-in person their own
// header. A browser holding the page gets 304 only for the very page it would be sent;
// a notice version published by another instance reaches the cached pages.
func TestPublicPagesAreCachedPerVisitorState(t *testing.T) {
	h := newHarness(t)
	newcomer := h.browser(withUA(chromeUA))
	refuser := h.browser(withUA(chromeUA))
	refuser.post("/cookies", url.Values{"choice": {"refuse"}, "next": {"/privacy"}})

	first := newcomer.get("/privacy")
	etag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || etag == "" || first.Header().Get("Cache-Control") != "private, no-cache" || first.Header().Get("Last-Modified") == "" {
		t.Fatalf("first view: %d, ETag %q, Cache-Control %q", first.Code, etag, first.Header().Get("Cache-Control"))
	}
	if first.doc.Find(".cookie-banner").Length() != 1 {
		t.Fatal("a new visitor is not asked about the analytics cookie")
	}
	// The refuser's page follows the refuser's flash, then their answer: no banner.
	withFlash := refuser.get("/privacy")
	if withFlash.doc.Find(".cookie-banner").Length() != 0 || withFlash.doc.Find(".flash").Length() == 0 {
		t.Fatalf("the refuser's page: banner %d, flash %d", withFlash.doc.Find(".cookie-banner").Length(), withFlash.doc.Find(".flash").Length())
	}
	refused := refuser.get("/privacy")
	if refused.doc.Find(".cookie-banner").Length() != 0 || refused.doc.Find(".flash").Length() != 0 || refused.Header().Get("ETag") == etag {
		t.Fatalf("the refuser's next page: banner %d, flash %d, same ETag %v",
			refused.doc.Find(".cookie-banner").Length(), refused.doc.Find(".flash").Length(), refused.Header().Get("ETag") == etag)
	}
	// Neither the flash nor the answer reached the newcomer.
	again := newcomer.get("/privacy")
	if again.doc.Find(".cookie-banner").Length() != 1 || again.doc.Find(".flash").Length() != 0 || again.Body.String() != first.Body.String() {
		t.Fatal("the newcomer's page changed after another visitor's answer")
	}

	// Revalidation: 304 for the page the browser holds; the refuser sending the
	// newcomer's ETag gets their own page instead.
	if r := newcomer.send304(etag); r.Code != http.StatusNotModified || r.Body.Len() != 0 {
		t.Fatalf("revalidation: %d with %d bytes", r.Code, r.Body.Len())
	}
	if r := refuser.send304(etag); r.Code != http.StatusOK || r.doc.Find(".cookie-banner").Length() != 0 {
		t.Fatalf("another variant's ETag: %d, banner %d", r.Code, r.doc.Find(".cookie-banner").Length())
	}

	// Language: the English page is its own.
	en := h.browser(withUA(chromeUA), english).get("/privacy")
	if lang, _ := en.doc.Find("html").Attr("lang"); lang != "en" || en.Header().Get("ETag") == etag || !strings.Contains(en.text("h1"), "Privacy") {
		t.Fatalf("English: lang %q, h1 %q", lang, en.text("h1"))
	}

	// Two visitors who accepted counting: the page is shared, the visitor cookie is not.
	var visits []string
	for range 2 {
		v := h.browser(withUA(chromeUA))
		v.post("/cookies", url.Values{"choice": {"accept"}, "next": {"/"}})
		v.get("/")
		r := v.get("/")
		ck := v.jar["portal_visit"]
		if ck == nil || r.Header().Get("ETag") == "" {
			t.Fatalf("an accepting visitor's page: visit cookie %v, ETag %q", ck, r.Header().Get("ETag"))
		}
		visits = append(visits, ck.Value)
	}
	if visits[0] == visits[1] {
		t.Fatal("two visitors were given the same visitor cookie")
	}

	// A signed-in person's page is theirs alone, never kept.
	h.browser().post("/signup", signUpForm("lin@example.tw", "林小姐", citizenPassword))
	lin := h.signIn("lin@example.tw", citizenPassword).get("/privacy")
	if !strings.Contains(lin.text(".signed-in"), "林小姐") || lin.Header().Get("ETag") != "" || lin.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("signed-in page: %q, ETag %q, Cache-Control %q", lin.text(".signed-in"), lin.Header().Get("ETag"), lin.Header().Get("Cache-Control"))
	}
	if strings.Contains(newcomer.get("/privacy").Body.String(), "林小姐") {
		t.Fatal("a signed-in person's name reached an anonymous visitor")
	}

	// Compressed when the browser accepts it: the same page.
	gz := newcomer.send304("", header("Accept-Encoding", "gzip, deflate, br"))
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil || gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v, Content-Encoding %q", err, gz.Header().Get("Content-Encoding"))
	}
	if plain, _ := io.ReadAll(zr); string(plain) != first.Body.String() || gz.Header().Get("ETag") == etag {
		t.Fatal("the compressed page is not the page, or shares its ETag")
	}

	// Another instance publishes version 2 (straight into the database): once this
	// instance's notice cache has expired, every cached page shows it.
	n, _ := consent.DefaultNotice(h.clock.Now())
	n.Version = 2
	n.Summary = consent.Text{"zh-TW": "新版本", "en": "New version"}
	if err := h.notices.Publish(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(6 * time.Second)
	v2 := newcomer.get("/privacy")
	if v2.doc.Find(".notice-banner").Length() != 1 || v2.Header().Get("ETag") == etag || !strings.Contains(v2.text(".meta"), "2") {
		t.Fatalf("after version 2: banner %d, %q", v2.doc.Find(".notice-banner").Length(), v2.text(".meta"))
	}
	if r := newcomer.send304(etag); r.Code != http.StatusOK {
		t.Fatalf("the page of version 1 revalidated: %d", r.Code)
	}
	if home := newcomer.get("/"); home.doc.Find(".notice-banner").Length() != 1 {
		t.Fatal("the home page does not announce version 2")
	}
	// Dismissed: the visitor's own pages lose the banner, the newcomer's keep it.
	dismisser := h.browser(withUA(chromeUA))
	dismisser.post("/notice/dismiss", url.Values{"next": {"/"}})
	if r := dismisser.get("/privacy"); r.doc.Find(".notice-banner").Length() != 0 {
		t.Fatal("the banner stays after it was dismissed")
	}
	if r := newcomer.get("/privacy"); r.doc.Find(".notice-banner").Length() != 1 {
		t.Fatal("one visitor's dismissal hid the banner from another")
	}
}

// send304 asks for /privacy as a revalidation with etag (none when empty).
func (b *browser) send304(etag string, opts ...func(*http.Request)) *response {
	b.h.t.Helper()
	all := append([]func(*http.Request){func(r *http.Request) {
		for _, c := range b.jar {
			r.AddCookie(c)
		}
		if etag != "" {
			r.Header.Set("If-None-Match", etag)
		}
	}}, b.opts...)
	return b.h.do(http.MethodGet, "/privacy", nil, append(all, opts...)...)
}

// The public inventory is cached too; a file saved here is listed at once.
func TestPublicInventoryShowsASavedFileAtOnce(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword)
	visitor := h.browser(withUA(chromeUA))
	before := visitor.get("/privacy/files")
	if before.Code != http.StatusOK || before.Header().Get("ETag") == "" || strings.Contains(before.Body.String(), "會員資料") {
		t.Fatalf("before: %d, ETag %q", before.Code, before.Header().Get("ETag"))
	}
	if r := admin.post("/admin/files", url.Values{"name_zh": {"會員資料"}, "name_en": {"Members"}, "unit": {"處"}, "contact": {"電話"}, "legal_basis": {"依據"},
		"purposes": {"069"}, "categories": {"C001"}, "retention_zh": {"期間"}, "retention_en": {"period"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Code, r.text(".error-summary"))
	}
	after := visitor.get("/privacy/files")
	if !strings.Contains(after.Body.String(), "會員資料") || after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Fatal("the saved file is not on the public page")
	}
}
