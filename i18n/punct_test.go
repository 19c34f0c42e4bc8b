package i18n_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/example/pdpa-portal/i18n"
)

// latinMarks are the marks Chinese text writes full-width (，：；（）).
const latinMarks = ",:;()"

// textVerb matches a format verb that stands for a text, which in a Chinese sentence is
// Chinese as often as not (a reason, a name); %d stands for a number and does not count.
var textVerb = regexp.MustCompile(`%(\[\d+\])?[svq]$|^%(\[\d+\])?[svq]`)

// wide tells whether r belongs to Chinese writing: Han characters and the CJK and
// full-width punctuation around them.
func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// latinBesideChinese returns each Latin mark of s whose nearest neighbour on either
// side, spaces skipped, is Chinese or a text argument, with a little context.
func latinBesideChinese(s string) []string {
	rs := []rune(s)
	var out []string
	for i, r := range rs {
		if !strings.ContainsRune(latinMarks, r) {
			continue
		}
		before, after := i-1, i+1
		for before >= 0 && rs[before] == ' ' {
			before--
		}
		for after < len(rs) && rs[after] == ' ' {
			after++
		}
		chinese := before >= 0 && wide(rs[before]) || after < len(rs) && wide(rs[after]) ||
			before >= 0 && textVerb.MatchString(string(rs[max(0, before-4):before+1])) ||
			after < len(rs) && textVerb.MatchString(string(rs[after:min(len(rs), after+5)]))
		if chinese {
			out = append(out, string(rs[max(0, i-8):min(len(rs), i+9)]))
		}
	}
	return out
}

// latinAllowed are the zh-TW texts whose Latin marks are not punctuation of the sentence
// but part of something quoted exactly, with the reason.
var latinAllowed = map[string]string{
	"calendar.file_hint":     "the commas separate the columns of the CSV file it describes",
	"calendar.err.no_header": "the commas separate the columns of the CSV header it quotes",
}

// Chinese sentences take full-width punctuation: a Latin comma, colon, semicolon or
// parenthesis beside a Chinese character (or beside an argument that may be Chinese)
// reads as a mistake to a Taiwanese reader.
func TestChinesePunctuationInTheCatalogue(t *testing.T) {
	c := i18n.MustLoad()
	for _, k := range c.Keys(i18n.ZH) {
		bad := latinBesideChinese(c.T(i18n.ZH, k))
		if _, ok := latinAllowed[k]; ok {
			if len(bad) == 0 {
				t.Errorf("%q is allowed Latin punctuation but has none beside Chinese: drop it from latinAllowed", k)
			}
			continue
		}
		for _, b := range bad {
			t.Errorf("%q: Latin punctuation in Chinese text: …%s… (use ，：；（）)", k, b)
		}
	}
}

// The detector finds the marks it is meant to find, and leaves times, addresses and
// lists of codes alone.
func TestChinesePunctuationDetector(t *testing.T) {
	for s, want := range map[string]int{
		"目的: 電子報":             1,
		"電子報 (選擇性)":           2,
		"甲, 乙; 丙":             2,
		"%s → %s (%s)":        2,
		"第 %d 版 (%s)":         2,
		"原因:\n%s":             1,
		"服務時間：週一 08:30–17:30": 0,
		"例如 C001, C011。":      0,
		"請以 https:// 開頭":      0,
		"%d,%d":               0,
		"目的：電子報（選擇性）":         0,
	} {
		if got := latinBesideChinese(s); len(got) != want {
			t.Errorf("%q: found %q, want %d", s, got, want)
		}
	}
}

// templateAction finds a Latin mark written in a template's text right beside an action:
// the action's words come from the catalogue in either language, so the mark between
// them must come from there too ("punct.colon", "punct.open", "list.sep" …).
var templateAction = regexp.MustCompile(`\}\} ?[` + latinMarks + `]|[` + latinMarks + `] ?\{\{`)

// tagOrComment is what of a template is not punctuation a reader sees: tags with their
// attributes, character references (whose ";" is markup) and template comments.
var tagOrComment = regexp.MustCompile(`<[^>]*>|&#?[a-zA-Z0-9]+;|\{\{/\*.*?\*/\}\}`)

func TestTemplatesTakePunctuationFromTheCatalogue(t *testing.T) {
	err := filepath.WalkDir("../templates", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		for i, line := range strings.Split(string(b), "\n") {
			text := tagOrComment.ReplaceAllString(line, "")
			for _, m := range templateAction.FindAllStringIndex(text, -1) {
				t.Errorf("%s:%d: a Latin mark beside a template action: …%s…", p, i+1, text[max(0, m[0]-30):min(len(text), m[1]+30)])
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
