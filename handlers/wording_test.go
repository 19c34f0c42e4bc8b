//lint:file-ignore U1000 this file is compiled into handlers and, through a symbolic link, handlers/securitytest; each uses part of it

package handlers_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/i18n"
)

// keyLike matches what a catalogue key looks like ("stats.caption").
var keyLike = regexp.MustCompile(`[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+`)

// catalogueKeys are every key of both catalogues.
var catalogueKeys = func() map[string]bool {
	cat := i18n.MustLoad()
	m := map[string]bool{}
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		for _, k := range cat.Keys(lang) {
			m[k] = true
		}
	}
	return m
}()

// checkWording fails when a page shows a reader what was meant for the program: a
// format verb left unfilled or mangled ("%s", "%!d(MISSING)") or a catalogue key in
// place of its text (a missing or misnamed key), in the text or in the attributes a
// reader hears or sees (titles, labels, placeholders, alternative texts).
func checkWording(t *testing.T, what string, doc *goquery.Document) {
	t.Helper()
	var parts []string
	parts = append(parts, doc.Find("body").Text())
	doc.Find("[title],[aria-label],[placeholder],[alt]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"title", "aria-label", "placeholder", "alt"} {
			if v, ok := s.Attr(a); ok {
				parts = append(parts, v)
			}
		}
	})
	text := strings.Join(parts, "\n")
	for _, verb := range []string{"%s", "%d", "%v", "%q", "%!"} {
		if i := strings.Index(text, verb); i >= 0 {
			t.Errorf("%s: shows %q: …%s…", what, verb, text[max(0, i-40):min(len(text), i+40)])
		}
	}
	for _, tok := range keyLike.FindAllString(text, -1) {
		if catalogueKeys[tok] {
			t.Errorf("%s: shows the catalogue key %q instead of its text", what, tok)
		}
	}
}

// checkChinesePunctuation fails when a Chinese page puts a Latin comma, colon, semicolon
// or parenthesis beside a Chinese character in the portal's own words: Chinese takes
// ，：；（）. What people typed (class "entered"), text in another language, code and
// form values are theirs or quoted exactly, and are left out.
func checkChinesePunctuation(t *testing.T, what string, doc *goquery.Document) {
	t.Helper()
	if lang, _ := doc.Find("html").Attr("lang"); lang != i18n.ZH {
		return
	}
	body := doc.Find("body").Clone()
	body.Find(`.entered, [lang]:not([lang="zh-TW"]), code, pre, .pre, textarea, input, select, script, style, kbd, samp`).Remove()
	text := body.Text()
	for _, k := range csvQuoted {
		text = strings.ReplaceAll(text, wordingCat.T(i18n.ZH, k), "")
	}
	for _, m := range latinBesideHan.FindAllString(text, -1) {
		t.Errorf("%s: Latin punctuation in Chinese text: …%s…", what, m)
	}
}

// csvQuoted are the texts whose commas separate the columns of the CSV file they quote
// (latinAllowed in i18n/punct_test.go).
var (
	csvQuoted  = []string{"calendar.file_hint", "calendar.err.no_header"}
	wordingCat = i18n.MustLoad()
)

// latinBesideHan is a Latin , : ; ( or ) with a Han character or full-width mark right
// beside it, spaces between allowed.
var latinBesideHan = regexp.MustCompile(`[\p{Han}\x{3000}-\x{303f}\x{ff00}-\x{ffef}] *[,:;()]|[,:;()] *[\p{Han}\x{3000}-\x{303f}\x{ff00}-\x{ffef}]`)
