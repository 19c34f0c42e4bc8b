package handlers_test

import (
	"net/http"

	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestPublicTextsMatchWhatThePortalDoes reads what the published notice, /cookies, the
// sign-up form and the data page say about server logs, in both languages, and checks it
// against the access log this portal really writes: a visitor with a known address,
// browser string, e-mail and name uses those pages, the log is read, and every sentence
// about logs that names the address must deny recording it. (What the analytics store
// holds is checked by TestNoVisitorDataIsStored; the cookie table by the cookie tests.)
func TestPublicTextsMatchWhatThePortalDoes(t *testing.T) {
	h := newHarness(t)
	const (
		email, name, password = "truth@example.tw", "林真實", "correct horse battery staple"
		addr, agent           = "203.0.113.77", "TruthProbe/1.0 (unique-agent-string)"
	)
	h.makeUser(email, name, password)
	visitor := func(r *http.Request) { r.RemoteAddr = addr + ":40123"; r.Header.Set("User-Agent", agent) }

	texts := map[string][]string{} // "page lang" -> the page's paragraphs, list items and cells
	paragraphs := func(r *response) []string {
		var out []string
		r.doc.Find("main p, main li, main td, main dd").Each(func(_ int, s *goquery.Selection) {
			out = append(out, strings.Join(strings.Fields(s.Text()), " "))
		})
		return out
	}
	for _, lang := range []string{"zh", "en"} {
		opts := []func(*http.Request){visitor}
		if lang == "en" {
			opts = append(opts, english)
		}
		for _, path := range []string{"/privacy", "/cookies", "/signup"} {
			r := h.get(path, opts...)
			if r.Code != http.StatusOK {
				t.Fatalf("%s (%s): status %d", path, lang, r.Code)
			}
			texts[path+" "+lang] = paragraphs(r)
		}
		b := h.signIn(email, password, opts...)
		r := b.get("/account/data")
		if r.Code != http.StatusOK {
			t.Fatalf("/account/data (%s): status %d", lang, r.Code)
		}
		texts["/account/data "+lang] = paragraphs(r)
	}

	// What the log holds: the paths, and none of the visitor's identifiers.
	logs := h.logs.String()
	if !strings.Contains(logs, "path=/privacy") || !strings.Contains(logs, "path=/account/data") {
		t.Fatalf("the access log does not record the pages requested, as the texts say it does:\n%s", logs)
	}
	for _, secret := range []string{addr, agent, email, name} {
		if strings.Contains(logs, secret) {
			t.Errorf("the access log holds %q, which the public texts say it does not", secret)
		}
	}

	// What the texts say: a paragraph about the logs that names the address denies it.
	aboutLogs := map[string]*regexp.Regexp{"zh": regexp.MustCompile(`伺服器`), "en": regexp.MustCompile(`(?i)\blogs?\b|\bservers?\b`)}
	namesAddr := map[string]*regexp.Regexp{"zh": regexp.MustCompile(`IP|位址`), "en": regexp.MustCompile(`\bIP\b|(?i)\baddress`)}
	denies := map[string]*regexp.Regexp{"zh": regexp.MustCompile(`不記|不含|不會|不儲存|不保存`), "en": regexp.MustCompile(`(?i)\bnot\b|\bwithout\b|\bno\b|\bnever\b`)}
	sentence := regexp.MustCompile(`。|\. `)
	for page, paras := range texts {
		lang, stated := page[strings.LastIndexByte(page, ' ')+1:], 0
		for _, p := range paras {
			if !aboutLogs[lang].MatchString(p) {
				continue
			}
			// Each sentence of a paragraph about the logs that names the address denies it.
			for _, s := range sentence.Split(p, -1) {
				if !namesAddr[lang].MatchString(s) {
					continue
				}
				stated++
				if !denies[lang].MatchString(s) {
					t.Errorf("%s says the logs keep the address, but they do not: %q", page, s)
				}
			}
		}
		if stated == 0 {
			t.Errorf("%s does not say whether the logs hold the address", page)
		}
	}
}
