package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/i18n"
)

// Every page a citizen, a guest, an officer, a webmaster and an administrator can reach
// speaks the reader's language, over a portal full of data: in English no Chinese
// character shows outside names and texts people typed (marked class="entered", or lang
// set to the language they are in); in Chinese no internal word shows — a purpose's id
// in place of its name, a catalogue key, a format verb. Stored timeline entries, mail,
// receipts and exports are worded when read, so the same data passes in both languages.
func TestEveryPageSpeaksTheReadersLanguage(t *testing.T) {
	w := newWorld(t, "W0RDS")
	h, A, boss := w.h, w.citizenA, w.boss
	// What the security world lacks: a granted deletion of one purpose (a consent
	// withdrawn by request), a stop of another, worked by an officer reading Chinese; a
	// day off that moves a due date; a correction's file task.
	mustStatus(t, "grant", A.post("/account/consents", url.Values{"purpose": {"newsletter"}, "grant": {"on"}, "version": {"2"}}), http.StatusSeeOther)
	mustStatus(t, "grant survey", A.post("/account/consents", url.Values{"purpose": {"survey"}, "grant": {"on"}, "version": {"2"}}), http.StatusSeeOther)
	del := redirectRef(t, mustStatus(t, "delete", A.post("/requests", url.Values{"kind": {"delete"}, "purposes": {"newsletter"}}), http.StatusSeeOther))
	stop := redirectRef(t, mustStatus(t, "stop", A.post("/requests", url.Values{"kind": {"stop"}, "purposes": {"survey"}}), http.StatusSeeOther))
	for _, ref := range []string{del, stop} {
		mustStatus(t, "review "+ref, act(t, boss, ref, "review", nil), http.StatusSeeOther)
		decideAll(t, boss, ref, true, "")
		page := boss.get("/officer/requests/" + ref)
		fileID, _ := page.doc.Find(`form[action$="/task"] input[name=task_file]`).Attr("value")
		mustStatus(t, "task "+ref, boss.multipart("/officer/requests/"+ref+"/task", url.Values{"version": {version(t, page, "/task")},
			"task_file": {fileID}, "task_note": {"nothing held there"}}), http.StatusSeeOther)
		mustStatus(t, "fulfil "+ref, act(t, boss, ref, "fulfil", nil), http.StatusSeeOther)
	}
	mustStatus(t, "day off", boss.post("/admin/calendar/day-off", url.Values{"date": {"2026-12-01"}, "reason": {"颱風"}, "confirm": {"yes"}}), http.StatusSeeOther)
	h.srv.Wait()

	purposeIDs := []string{"newsletter", "survey", "xss"}
	w.paths["/requests/:ref"] = "/requests/" + del
	pages := map[string]*browser{}
	for _, rt := range h.srv.Routes() {
		if rt.Method != http.MethodGet || strings.HasPrefix(rt.Path, "/static/") || strings.Contains(rt.Path, "/files/") {
			continue
		}
		p := w.path(rt.Path)
		if p == "" {
			t.Errorf("GET %s: no object to name in the world", rt.Path)
			continue
		}
		pages[p] = w.owner(p)
		if !strings.ContainsAny(rt.Path, ":*") && !strings.HasPrefix(p, "/api/") {
			pages[p+"#staff"] = boss // the staff's header and menus on every plain page too
		}
	}
	for _, p := range []string{"/requests/" + stop, "/officer/requests/" + del, "/officer/requests/" + stop, "/officer/requests/" + w.r2,
		"/account/data.json", "/admin/calendar"} {
		pages[p] = w.owner(p)
	}
	// Every mail A and the administrator were sent, each opened.
	for _, b := range []*browser{A, boss} {
		for page := 1; page <= 3; page++ {
			b.get("/account/inbox?page=" + string(rune('0'+page))).doc.Find("ul.inbox a").Each(func(_ int, s *goquery.Selection) {
				href, _ := s.Attr("href")
				pages[href] = b
			})
		}
	}
	if len(pages) < 100 {
		t.Fatalf("only %d pages", len(pages))
	}

	for _, lang := range []string{i18n.ZH, i18n.EN} {
		for p, b := range pages {
			path, _, _ := strings.Cut(p, "#")
			b.opts = append(b.opts[:len(b.opts):len(b.opts)], header("Accept-Language", lang))
			r := b.get(path)
			if r.Code != http.StatusOK {
				continue // a page that is not for this reader (a guest's, once used) is not the point here
			}
			what := lang + " " + p
			if strings.HasPrefix(path, "/account/inbox/") && r.doc.Find(".message [lang]").Length() > 0 {
				// Mail keeps codes: it is worded in the reader's language, never shown as
				// sent in another (only mail stored by earlier versions is).
				t.Errorf("%s: the mail is shown in another language", what)
			}
			ctype := r.Header().Get("Content-Type")
			var text string
			switch {
			case strings.HasPrefix(ctype, "text/html"):
				text = readerText(r.doc, lang, false)
			case strings.Contains(ctype, "csv"):
				// A CSV's cells are data (names, codes); its header is worded for the reader.
				text, _, _ = strings.Cut(r.Body.String(), "\n")
			default:
				// Downloads and the API keep codes and what people wrote; only the
				// format verbs are checked.
				// (A ZIP or an image is compressed bytes: any two may read "%!".)
				if !strings.Contains(ctype, "json") && !strings.HasPrefix(ctype, "text/") {
					continue
				}
				if i := strings.Index(r.Body.String(), "%!"); i >= 0 {
					t.Errorf("%s: a mangled format verb: %q", what, r.Body.String()[max(0, i-80):min(len(r.Body.String()), i+40)])
				}
				continue
			}
			if lang == i18n.EN {
				for n, i := 0, strings.IndexFunc(text, isCJK); i >= 0 && n < 5; n++ {
					t.Errorf("%s: Chinese in the English page: …%s…", what, around(text, i))
					if i+60 >= len(text) {
						break
					}
					next := strings.IndexFunc(text[i+60:], isCJK)
					if next < 0 {
						break
					}
					i += 60 + next
				}
				continue
			}
			words := text
			if strings.HasPrefix(ctype, "text/html") {
				words = readerText(r.doc, lang, true) // a code may name a purpose by its id
			}
			for _, id := range purposeIDs {
				if loc := regexp.MustCompile(`\b` + id + `\b`).FindStringIndex(words); loc != nil {
					t.Errorf("%s: shows the purpose id %q: …%s…", what, id, around(words, loc[0]))
				}
			}
			for _, tok := range keyLike.FindAllString(text, -1) {
				if catalogueKeys[tok] || strings.HasPrefix(tok, "timeline.") {
					t.Errorf("%s: shows the catalogue key %q", what, tok)
				}
			}
			if strings.Contains(text, "%s") || strings.Contains(text, "%!") {
				t.Errorf("%s: shows a format verb", what)
			}
		}
	}
}

// readerText is what a reader of lang sees of a page: its text, title and the attributes
// read aloud or shown, without what people typed (class "entered") and without passages
// marked as written in another language (and, withoutCode, without codes).
func readerText(doc *goquery.Document, lang string, withoutCode bool) string {
	body := doc.Find("html").Clone()
	body.Find(".entered, script, style").Remove()
	if withoutCode {
		body.Find("code, kbd, samp").Remove()
	}
	body.Find("[lang]").Each(func(_ int, s *goquery.Selection) {
		if l, _ := s.Attr("lang"); l != lang {
			s.Remove()
		}
	})
	parts := []string{body.Text()}
	body.Find("[title],[aria-label],[placeholder],[alt]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"title", "aria-label", "placeholder", "alt"} {
			if v, ok := s.Attr(a); ok {
				parts = append(parts, v)
			}
		}
	})
	return strings.Join(parts, "\n")
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Bopomofo, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

func around(s string, i int) string {
	from, to := max(0, i-60), min(len(s), i+60)
	for from > 0 && !isRuneStart(s[from]) {
		from--
	}
	for to < len(s) && !isRuneStart(s[to]) {
		to++
	}
	return strings.Join(strings.Fields(s[from:to]), " ")
}

func isRuneStart(b byte) bool { return b&0xc0 != 0x80 }
