package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// payloadText is what the payload reads as when shown as text, as it must be.
const payloadText = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"

// injected lists what an HTML document has that no page of the portal has: a script that
// is not one of its own files, an event-handler attribute, the payload's image, a
// javascript: URL in a link, form or frame.
func injected(doc *goquery.Document) []string {
	var out []string
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		node := s.Get(0)
		if node.Data == "script" {
			if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/static/") {
				out = append(out, "a foreign script")
			}
		}
		if node.Data == "img" && s.AttrOr("src", "") == "x" {
			out = append(out, "the payload's <img>")
		}
		for _, a := range node.Attr {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(strings.ToLower(a.Key), "on"):
				out = append(out, "an attribute "+a.Key)
			case a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction" || a.Key == "srcdoc":
				if strings.HasPrefix(strings.ReplaceAll(v, " ", ""), "javascript:") {
					out = append(out, a.Key+"="+a.Val)
				}
			}
		}
	})
	return out
}

// shown reports whether a page shows the payload as text, or as the value of a field.
func shown(doc *goquery.Document) bool {
	if strings.Contains(doc.Text(), payloadText) {
		return true
	}
	found := false
	doc.Find("input[value]").Each(func(_ int, s *goquery.Selection) {
		found = found || strings.Contains(s.AttrOr("value", ""), payloadText)
	})
	return found
}

// checkSecurityHeaders asserts the headers every response carries.
func checkSecurityHeaders(t *testing.T, what string, r *response) {
	t.Helper()
	hd := r.Header()
	csp := hd.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "object-src 'none'") ||
		strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP %q", what, csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
		if hd.Get(k) != v {
			t.Errorf("%s: %s = %q, want %q", what, k, hd.Get(k), v)
		}
	}
	if hd.Get("Permissions-Policy") == "" {
		t.Errorf("%s: no Permissions-Policy", what)
	}
}

// checkExport checks a response that is not a page: CSV cells holding the payload are
// neutralised, JSON is JSON (never HTML), a package's offline page is escaped. It
// reports whether the payload is in it.
func checkExport(t *testing.T, what string, r *response) bool {
	t.Helper()
	ct := r.Header().Get("Content-Type")
	body := r.Body.Bytes()
	switch {
	case strings.HasPrefix(ct, "text/csv"):
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Errorf("%s: not CSV: %v", what, err)
			return false
		}
		seen := false
		for _, row := range rows {
			for _, cell := range row {
				if !strings.Contains(cell, "alert(1)") {
					continue
				}
				seen = true
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: a cell starts a formula: %q", what, cell)
				}
			}
		}
		return seen
	case strings.HasPrefix(ct, "application/json"):
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("%s: not JSON: %v", what, err)
			return false
		}
		out, _ := json.Marshal(v)
		var s string
		return strings.Contains(string(out), "alert(1)") && json.Unmarshal([]byte(`"`+strings.ReplaceAll(payloadText, `"`, `\"`)+`"`), &s) == nil
	case ct == "application/zip":
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Errorf("%s: not a ZIP: %v", what, err)
			return false
		}
		seen := false
		for _, f := range zr.File {
			rc, _ := f.Open()
			var b bytes.Buffer
			_, _ = b.ReadFrom(rc)
			rc.Close()
			switch {
			case strings.HasSuffix(f.Name, ".html"):
				doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(b.Bytes()))
				if bad := injected(doc); len(bad) > 0 {
					t.Errorf("%s %s: injected %v", what, f.Name, bad)
				}
				seen = seen || strings.Contains(doc.Text(), payloadText)
			case strings.HasSuffix(f.Name, ".json"):
				seen = seen || json.Valid(b.Bytes()) && strings.Contains(b.String(), "alert(1)")
			}
		}
		return seen
	}
	return false
}

// The payload saved in every text field (newWorld) comes back as text on every page of
// the route table — each GET route as its owner, in both languages — and in every
// export; every response, error pages included, carries the security headers. The
// pages and exports known to show the texts must show them, so an escape that dropped
// the text would fail too.
func storedXSSAndHeadersOnEveryResponse(t *testing.T, w *world) {
	// The detector finds the payload when it is not escaped.
	raw, _ := goquery.NewDocumentFromReader(strings.NewReader("<p>" + xssPayload + `<a href=" JavaScript:alert(1)">x</a></p>`))
	if len(injected(raw)) != 4 {
		t.Fatalf("the detector misses the raw payload: %v", injected(raw))
	}
	h := w.h
	shows := map[string]bool{}
	for _, rt := range h.srv.Routes() {
		if rt.Method != http.MethodGet {
			continue
		}
		path := w.path(rt.Path)
		if path == "" {
			t.Errorf("GET %s: no object in the world to show", rt.Path)
			continue
		}
		for _, lang := range []string{"zh-TW", "en"} {
			b := w.owner(path)
			b.opts = append(b.opts[:len(b.opts):len(b.opts)], header("Accept-Language", lang))
			r := b.get(path)
			what := lang + " GET " + path
			checkSecurityHeaders(t, what, r)
			if r.Code >= 500 {
				t.Errorf("%s: %d", what, r.Code)
			}
			if strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") {
				if bad := injected(r.doc); len(bad) > 0 {
					t.Errorf("%s: injected %v", what, bad)
				}
				checkWording(t, what, r.doc)
				checkChinesePunctuation(t, what, r.doc)
				if shown(r.doc) {
					shows[rt.Path] = true
				}
			} else if checkExport(t, what, r) {
				shows[rt.Path] = true
			}
		}
	}
	var seen []string
	for p := range shows {
		seen = append(seen, p)
	}
	sort.Strings(seen)
	t.Logf("the payload is shown by %v", seen)
	for _, p := range []string{
		"/account", "/account/data", "/account/data.json", "/requests", "/requests/:ref", "/requests/:ref/letters/:letter", "/requests/:ref/package",
		"/guest/requests/:ref", "/guest/requests/:ref/package", "/signup", "/account/consents", "/privacy/changes", "/privacy/versions/:n", "/privacy/files", "/fees",
		"/officer/queue", "/officer/intake", "/officer/consents", "/officer/requests/:ref", "/officer/requests/:ref/letters/:letter",
		"/officer/disclosures", "/officer/disclosures.csv", "/officer/disclosures/:id",
		"/admin/staff", "/admin/staff.csv", "/admin/users/:id", "/admin/tokens", "/admin/files", "/admin/files/:id", "/admin/fees", "/admin/letters", "/admin/calendar",
		"/admin/purposes/:id", "/admin/notices", "/admin/audit.csv", "/admin/incidents", "/admin/incidents/:id", "/admin/incidents/:id/letters", "/announcements/:id",
		"/api/v1/me/requests/:ref", "/api/v1/disclosures/:id", "/api/v1/files/:id",
	} {
		if !shows[p] {
			t.Errorf("GET %s does not show the saved text", p)
		}
	}

	// Where the portal builds a link or a redirect from input, a javascript: URL is dropped.
	const js = "javascript:alert(1)"
	redirects := map[string]*response{
		"lang":    h.get("/lang?to=en&next=" + url.QueryEscape(js)),
		"cookies": h.post("/cookies", url.Values{"choice": {"refuse"}, "next": {js}}),
		"notice":  h.post("/notice/dismiss", url.Values{"next": {js}}),
		"signin":  h.browser().post("/signin", url.Values{"email": {"b@example.tw"}, "password": {citizenPassword}, "next": {js}}),
	}
	for what, r := range redirects {
		if loc := r.Header().Get("Location"); r.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.Contains(loc, "javascript") {
			t.Errorf("%s with next=%s: %d to %q", what, js, r.Code, loc)
		}
	}
	if r := h.get("/signin?next=" + url.QueryEscape(js)); strings.Contains(r.Body.String(), "javascript:") {
		t.Error("the sign-in form keeps a javascript: next")
	}

	// Error pages and the guard's refusal carry the headers too.
	for what, r := range map[string]*response{
		"404":     h.get("/no/such/page"),
		"405":     h.post("/privacy", url.Values{}),
		"400":     h.get("/lang?to=klingon"),
		"403":     h.post("/signout", url.Values{}, header("Origin", "https://evil.example")),
		"413":     h.post("/setup", url.Values{"token": {strings.Repeat("x", 70<<10)}}),
		"api 401": h.get("/api/v1/me/consents"),
		"api 404": h.get("/api/v1/nothing"),
		"staff":   w.citizen.get("/admin/staff"),
	} {
		checkSecurityHeaders(t, what, r)
	}
}
