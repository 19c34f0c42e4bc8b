package handlers_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/brotli"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
)

func TestHomeSpeaksChineseByDefaultAndEnglishOnRequest(t *testing.T) {
	h := newHarness(t)
	zh := h.get("/")
	if zh.Code != http.StatusOK {
		t.Fatalf("status %d", zh.Code)
	}
	if lang, _ := zh.doc.Find("html").Attr("lang"); lang != "zh-TW" {
		t.Fatalf("html lang = %q, want zh-TW", lang)
	}
	if got := zh.text("h1"); got != "行使您的個人資料權利" {
		t.Fatalf("h1 = %q", got)
	}
	if n := zh.doc.Find(".cards .card").Length(); n != 5 {
		t.Fatalf("%d rights described, want the five of Art. 3", n)
	}
	if !strings.Contains(zh.doc.Find(".cards").Text(), "15 日內") || !strings.Contains(zh.doc.Find(".cards").Text(), "30 日內") {
		t.Fatal("the decision periods (15 and 30 days) are not shown")
	}

	en := h.get("/", english)
	if lang, _ := en.doc.Find("html").Attr("lang"); lang != "en" {
		t.Fatalf("html lang = %q, want en", lang)
	}
	if got := en.text("h1"); got != "Exercise your personal data rights" {
		t.Fatalf("h1 = %q", got)
	}
	// A language the portal does not speak falls back to zh-TW.
	if lang, _ := h.get("/", header("Accept-Language", "fr-FR")).doc.Find("html").Attr("lang"); lang != "zh-TW" {
		t.Fatalf("fallback lang = %q", lang)
	}
}

func TestLanguageSwitchRemembersChoiceAndStaysOnSite(t *testing.T) {
	h := newHarness(t)
	home := h.get("/privacy")
	href, ok := home.doc.Find("a.lang-switch").Attr("href")
	if !ok {
		t.Fatal("no visible language switch")
	}
	sw := h.get(href)
	if sw.Code != http.StatusSeeOther || sw.Header().Get("Location") != "/privacy" {
		t.Fatalf("switch: %d to %q, want 303 back to /privacy", sw.Code, sw.Header().Get("Location"))
	}
	ck := cookieNamed(sw, "lang")
	if ck == nil || ck.Value != "en" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("lang cookie = %+v", ck)
	}
	after := h.get("/privacy", withCookies(sw), header("Accept-Language", "zh-TW"))
	if lang, _ := after.doc.Find("html").Attr("lang"); lang != "en" {
		t.Fatalf("the choice must win over Accept-Language; lang = %q", lang)
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		r := h.get("/lang?" + url.Values{"to": {"en"}, "next": {next}}.Encode())
		if loc := r.Header().Get("Location"); loc != "/" {
			t.Errorf("next=%q redirected to %q, want /", next, loc)
		}
	}
	if r := h.get("/lang?to=xx"); r.Code != http.StatusBadRequest {
		t.Fatalf("unsupported language: status %d, want 400", r.Code)
	}
}

func TestLayoutHasSkipLinkGuideBricksAndNavigation(t *testing.T) {
	h := newHarness(t)
	for _, lang := range []func(*http.Request){func(*http.Request) {}, english} {
		r := h.get("/", lang)
		first := r.doc.Find("body a").First()
		if href, _ := first.Attr("href"); href != "#C" || !first.HasClass("skip-link") {
			t.Fatalf("first link must skip to the content, got %q", href)
		}
		if r.doc.Find("#C").Length() != 1 || goquery1(r, "main#C") != 1 {
			t.Fatal("the skip link target must be the main element")
		}
		for key, region := range map[string]string{"U": "header", "C": "main", "Z": "footer"} {
			b := r.doc.Find(region + ` a.brick[accesskey="` + key + `"]`)
			if b.Length() != 1 || strings.TrimSpace(b.Text()) != ":::" {
				t.Fatalf("no ::: guide brick with accesskey %s in %s", key, region)
			}
			if title, _ := b.Attr("title"); title == "" {
				t.Fatalf("brick %s has no title", key)
			}
		}
		if r.doc.Find(`nav[aria-label] a[href="/privacy"]`).Length() == 0 {
			t.Fatal("navigation lacks the privacy notice")
		}
	}
}

func goquery1(r *response, sel string) int { return r.doc.Find(sel).Length() }

func TestPrivacyNoticeHasTheSixArticle8ItemsAndSeedSections(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		opt   func(*http.Request)
		title string
	}{{func(*http.Request) {}, "隱私權"}, {english, "Privacy"}} {
		r := h.get("/privacy", tc.opt)
		if r.Code != http.StatusOK {
			t.Fatalf("status %d", r.Code)
		}
		if !strings.Contains(r.text("h1"), tc.title) {
			t.Fatalf("h1 = %q", r.text("h1"))
		}
		var keys []string
		r.doc.Find("section.notice-section").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			keys = append(keys, strings.TrimPrefix(id, "s-"))
		})
		want := append(append([]string{}, consent.Art8Sections...), "security", "cookies", "logs", "outsourcing", "changes", "contact")
		if strings.Join(keys, ",") != strings.Join(want, ",") {
			t.Fatalf("sections %v, want %v", keys, want)
		}
		if n := r.doc.Find("p.art8").Length(); n != 6 {
			t.Fatalf("%d sections marked as Art. 8 items, want 6", n)
		}
		if n := r.doc.Find("#s-use ol li").Length(); n != 8 {
			t.Fatalf("%d disclosure exceptions listed, want the notice's eight", n)
		}
		if r.doc.Find(".toc a").Length() != len(want) {
			t.Fatal("the table of contents does not list every section")
		}
	}
}

func TestGPCDeclaration(t *testing.T) {
	h := newHarness(t)
	r := h.get("/.well-known/gpc.json")
	if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") || !strings.Contains(r.Body.String(), `"gpc":true`) {
		t.Fatalf("gpc.json: %d %s %s", r.Code, r.Header().Get("Content-Type"), r.Body.String())
	}
}

func TestStaticFilesHaveContentHashedURLsAndLongCache(t *testing.T) {
	h := newHarness(t)
	href, _ := h.get("/").doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(href, "/static/") || !strings.HasSuffix(href, "/css/site.css") || len(strings.Split(href, "/")[2]) != 12 {
		t.Fatalf("stylesheet URL %q is not content-hashed", href)
	}
	r := h.get(href)
	if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("css: %d %s", r.Code, r.Header().Get("Content-Type"))
	}
	if cc := r.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Fatalf("Cache-Control %q", cc)
	}
	gz := h.get(href, header("Accept-Encoding", "gzip"))
	zr, err := gzip.NewReader(gz.Body)
	if err != nil || gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip: %v, Content-Encoding %q, Vary %q", err, gz.Header().Get("Content-Encoding"), gz.Header().Get("Vary"))
	}
	if plain, _ := io.ReadAll(zr); string(plain) != r.Body.String() || r.Header().Get("Content-Encoding") != "" {
		t.Fatal("the compressed stylesheet is not the stylesheet, or was sent to a browser that did not ask")
	}
	// Brotli when the browser takes it, ahead of gzip; gzip when brotli is refused.
	br := h.get(href, header("Accept-Encoding", "gzip, deflate, br, zstd"))
	if br.Header().Get("Content-Encoding") != "br" || br.Header().Get("Vary") != "Accept-Encoding" || !strings.Contains(br.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("brotli: Content-Encoding %q, Vary %q, Cache-Control %q", br.Header().Get("Content-Encoding"), br.Header().Get("Vary"), br.Header().Get("Cache-Control"))
	}
	if plain, err := io.ReadAll(brotli.NewReader(br.Body)); err != nil || string(plain) != r.Body.String() {
		t.Fatalf("the brotli stylesheet is not the stylesheet: %v", err)
	}
	bl, _ := strconv.Atoi(br.Header().Get("Content-Length"))
	gl, _ := strconv.Atoi(gz.Header().Get("Content-Length"))
	if bl == 0 || bl >= gl {
		t.Errorf("brotli body %d bytes, gzip %d: brotli should be the smaller", bl, gl)
	}
	if r := h.get(href, header("Accept-Encoding", "br;q=0, gzip")); r.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("brotli refused with q=0: Content-Encoding %q, want gzip", r.Header().Get("Content-Encoding"))
	}
	old := h.get("/static/000000000000/css/site.css")
	if old.Code != 200 || strings.Contains(old.Header().Get("Cache-Control"), "31536000") {
		t.Fatalf("an old hash must still serve the file, briefly cached: %d %q", old.Code, old.Header().Get("Cache-Control"))
	}
	for _, p := range []string{"/static/x/../../go.mod", "/static/x/nothing.css", "/static/x/static.go"} {
		if r := h.get(p); r.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, r.Code)
		}
	}
}

// A page template that no route renders is dead or untested: visiting the site's pages
// must use every one.
func TestEveryPageTemplateIsRendered(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"/", "/privacy", "/setup?token=" + h.setupLink(), "/missing"} {
		if r := h.get(p); r.Code >= 500 {
			t.Fatalf("%s: %d", p, r.Code)
		}
	}
	off := h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	for i, lang := range []func(*http.Request){func(*http.Request) {}, english} {
		anon := h.browser(lang)
		anon.post("/forgot", url.Values{"email": {"off@agency.example"}})
		link, _ := h.lastLink("off@agency.example")
		admin := h.signIn("adm@agency.example", staffPassword, lang)
		// A new citizen's verification mail, to open one message of the inbox.
		reader := "reader" + string(rune('a'+i)) + "@example.tw"
		anon.post("/signup", signUpForm(reader, "讀者", citizenPassword))
		citizen := h.signIn(reader, citizenPassword, lang)
		mail, _ := citizen.get("/account/inbox").doc.Find("ul.inbox a").First().Attr("href")
		visits := []struct {
			b    *browser
			path string
		}{
			{anon, "/signup"}, {anon, "/receipts/verify"}, {anon, "/guest/track"}, {anon, "/guest/requests/2026-000001/confirm"}, {anon, "/guest/requests/new?kind=stop"}, {anon, "/signin"}, {anon, "/forgot"}, {anon, "/mail-sent?about=reset"}, {anon, link},
			{admin, "/account"}, {admin, "/account/password"}, {admin, "/account/inbox"}, {admin, "/account/data"}, {admin, "/account/consents"}, {admin, "/staff"},
			{admin, "/admin/staff"}, {admin, "/admin/staff/new"}, {admin, "/admin/users"}, {admin, "/admin/users/" + off.ID}, {admin, "/admin/tokens"},
			{admin, "/admin/notices"}, {admin, "/admin/purposes/newsletter"}, {admin, "/admin/notices/stats"}, {anon, "/privacy/changes"}, {anon, "/privacy/versions/1"}, {anon, "/fees"}, {admin, "/admin/calendar"}, {admin, "/requests"}, {admin, "/requests/new"}, {admin, "/requests/new?kind=correct"},
			{citizen, mail}, {anon, "/cookies"}, {admin, "/admin/audit"}, {admin, "/admin/retention"}, {admin, "/admin/letters"}, {admin, "/admin/quotas"}, {admin, "/admin/incidents"}, {admin, "/admin/incidents/new"},
		}
		for _, v := range visits {
			if r := v.b.get(v.path); r.Code != 200 {
				t.Fatalf("%s: %d", v.path, r.Code)
			}
		}
		admin.post("/admin/notices/draft/start", url.Values{})
		if r := admin.get("/admin/notices/draft"); r.Code != 200 {
			t.Fatalf("draft editor: %d", r.Code)
		}
		if r := admin.post("/admin/users/"+off.ID+"/password", url.Values{"confirm": {"yes"}}); r.Code != 200 || r.text(".temp-password") == "" {
			t.Fatalf("temporary password page: %d", r.Code)
		}
	}
	h.makeUser("web@agency.example", "網管", staffPassword, account.RoleWebmaster)
	if r := h.signIn("web@agency.example", staffPassword).get("/webmaster/traffic"); r.Code != 200 {
		t.Fatalf("traffic report: %d", r.Code)
	}
	h.makeUser("off2@agency.example", "承辦二", staffPassword, account.RoleOfficer)
	off2 := h.signIn("off2@agency.example", staffPassword)
	if r := off2.get("/officer/consents"); r.Code != 200 {
		t.Fatalf("paper consent form: %d", r.Code)
	}
	if r := off2.post("/requests", url.Values{"kind": {"view"}, "scope": {"全部"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file a request: %d", r.Code)
	}
	for _, p := range []string{"/requests/2026-000001", "/officer/queue", "/officer/requests/2026-000001", "/officer/intake", "/officer/post", "/officer/post/print"} {
		if r := off2.get(p); r.Code != 200 {
			t.Fatalf("%s: %d", p, r.Code)
		}
	}
	// Withdrawing asks first (the confirmation page); not confirmed, nothing changes.
	if r := off2.post("/requests/2026-000001/withdraw", url.Values{"version": {"1"}}); r.Code != 200 {
		t.Fatalf("withdrawal's confirmation: %d", r.Code)
	}
	act(t, off2, "2026-000001", "review", nil)
	d := off2.get("/officer/requests/2026-000001/decide")
	off2.post("/officer/requests/2026-000001/decide", url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:grant"}})
	admin := h.signIn("adm@agency.example", staffPassword)
	for _, v := range []struct {
		b    *browser
		path string
	}{{off2, "/requests/2026-000001/letters/decision"}, {admin, "/admin/fees"}, {admin, "/admin/requests/stats"}} {
		if r := v.b.get(v.path); r.Code != 200 {
			t.Fatalf("%s: %d", v.path, r.Code)
		}
	}
	// A copy request fulfilled: its package renders the offline index page.
	off2.post("/requests", url.Values{"kind": {"copy"}, "scope": {"全部"}})
	act(t, off2, "2026-000002", "review", nil)
	act(t, off2, "2026-000002", "identity", url.Values{"level": {"in_person"}})
	decideAll(t, off2, "2026-000002", true, "")
	act(t, off2, "2026-000002", "fulfil", nil)
	h.srv.Wait()
	if r := off2.get("/requests/2026-000002"); r.Code != 200 || r.doc.Find(`a[href="/requests/2026-000002/package"]`).Length() != 1 {
		t.Fatalf("the copy package is not offered: %d", r.Code)
	}
	rec := off2.post("/officer/disclosures", url.Values{"first": {"2026-11-20"}, "recipient_name": {"地檢署"}, "recipient_address": {"臺北市"},
		"recipient_kind": {"judicial"}, "categories": {"C001"}, "description": {"資料"}, "ground": {"notice-1"}, "reference": {"函"}, "count": {"3"}})
	for _, p := range []string{"/officer/disclosures", "/officer/disclosures/new", "/officer/disclosures/report", rec.Header().Get("Location")} {
		if r := off2.get(p); r.Code != 200 {
			t.Fatalf("%s: %d", p, r.Code)
		}
	}
	admin.post("/admin/files", url.Values{"name_zh": {"會員"}, "name_en": {"Members"}, "unit": {"處"}, "contact": {"電話"}, "legal_basis": {"依據"},
		"purposes": {"069"}, "categories": {"C001"}, "retention_zh": {"期間"}, "retention_en": {"period"}})
	fileHref, _ := admin.get("/admin/files").doc.Find(`tbody a`).Attr("href")
	for _, p := range []string{"/admin/files", "/admin/files/new", fileHref, "/privacy/files"} {
		if r := admin.get(p); r.Code != 200 {
			t.Fatalf("%s: %d", p, r.Code)
		}
	}
	admin.post("/admin/requests/stats/publish", url.Values{"publish": {"on"}})
	for _, v := range []struct {
		b    *browser
		path string
	}{{h.browser(), "/transparency"}} {
		if r := v.b.get(v.path); r.Code != 200 {
			t.Fatalf("%s: %d", v.path, r.Code)
		}
	}
	h.browser().post("/signup", signUpForm("c@example.tw", "民眾", citizenPassword))
	cit := h.signIn("c@example.tw", citizenPassword)
	link, _ := cit.get("/account/consents").doc.Find(`a[href^="/account/consents/receipts/"]`).First().Attr("href")
	if r := cit.get(link); r.Code != 200 {
		t.Fatalf("receipt %q: %d", link, r.Code)
	}
	// An incident told by post and announced: its letters and its public page.
	boss := h.signIn("adm@agency.example", staffPassword)
	inc := incidentForm(h)
	inc.Del("affected")
	r := boss.post("/admin/incidents", inc)
	id := strings.TrimPrefix(r.Header().Get("Location"), "/admin/incidents/")
	boss.post("/admin/incidents/"+id+"/notify", url.Values{"version": {incidentVersion(boss, id)}, "confirm": {"yes"}})
	boss.post("/admin/incidents/"+id+"/announce", url.Values{"version": {incidentVersion(boss, id)}, "impracticable": {"人數眾多"}, "confirm": {"yes"}})
	for _, v := range []struct {
		b    *browser
		path string
	}{{boss, "/admin/incidents/" + id + "/letters"}, {h.browser(), "/announcements"}, {h.browser(), "/announcements/" + id}} {
		if r := v.b.get(v.path); r.Code != 200 {
			t.Fatalf("%s: %d", v.path, r.Code)
		}
	}
	for _, name := range h.srv.Pages().Names() {
		// A letter as a document of its own goes only into the farewell mail before an
		// erasure: TestFarewellCarriesTheLettersAndThePackage renders and reads it.
		if name == "letter_doc" {
			continue
		}
		if !h.srv.Pages().Used(name) {
			t.Errorf("template %q was never rendered", name)
		}
	}
}

// An error page shown to a signed-in person has the signed-in header (their menu and
// the sign-out button), as every other page does: a 404 of an unknown address or of
// another's request, and a 403 of a staff area.
func TestErrorPagesKnowWhoIsSignedIn(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳", citizenPassword)
	b := h.signIn("c@example.tw", citizenPassword, english)
	for path, status := range map[string]int{"/no-such-page": 404, "/requests/2026-999999": 404, "/officer/queue": 403, "/admin/staff": 403} {
		r := b.get(path)
		if r.Code != status || r.doc.Find(`form[action="/signout"]`).Length() != 1 || !strings.Contains(r.text("header"), "My requests") {
			t.Errorf("%s: %d, header %q", path, r.Code, r.text("header"))
		}
	}
	if r := h.browser().get("/no-such-page"); r.doc.Find(`form[action="/signout"]`).Length() != 0 {
		t.Error("a visitor's 404 shows a sign-out button")
	}
}

// A citizen whose address is not verified is told so before the request form, with the
// button that sends the link again, instead of after filling the form in; filing is
// still refused.
func TestUnverifiedCitizenIsToldBeforeTheForm(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("new@example.tw", "新人", citizenPassword))
	b := h.signIn("new@example.tw", citizenPassword, english)
	page := b.get("/requests/new?kind=view")
	if page.Code != 200 || page.doc.Find(`form[action="/requests"]`).Length() != 0 || page.doc.Find(`.notice form[action="/account/verify"]`).Length() != 1 {
		t.Fatalf("form page for an unverified citizen: %d, %d request forms", page.Code, page.doc.Find(`form[action="/requests"]`).Length())
	}
	if r := b.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("filing unverified: %d", r.Code)
	}
	h.makeUser("ok@example.tw", "已驗證", citizenPassword)
	if n := h.signIn("ok@example.tw", citizenPassword).get("/requests/new?kind=view").doc.Find(`form[action="/requests"]`).Length(); n != 1 {
		t.Fatalf("a verified citizen sees %d forms", n)
	}
}
