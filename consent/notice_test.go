package consent_test

import (
	"slices"
	"testing"
	"time"

	"github.com/example/pdpa-portal/consent"
)

// The demo notice must carry the six Art. 8 items, in order, and every text in both languages.
func TestDefaultNoticeIsCompleteInBothLanguages(t *testing.T) {
	n, err := consent.DefaultNotice(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	check := func(where string, tx consent.Text) {
		for _, l := range []string{"zh-TW", "en"} {
			if tx[l] == "" {
				t.Errorf("%s: no %s text", where, l)
			}
		}
	}
	check("title", n.Title)
	check("summary", n.Summary)
	check("intro", n.Intro)
	for _, s := range n.Sections {
		keys = append(keys, s.Key)
		check(s.Key+" heading", s.Heading)
		for _, b := range s.Blocks {
			if !slices.Contains([]string{"p", "ul", "ol"}, b.Kind) || len(b.Items) == 0 {
				t.Errorf("%s: block kind %q with %d items", s.Key, b.Kind, len(b.Items))
			}
			for _, it := range b.Items {
				check(s.Key+" item", it)
			}
		}
	}
	if !slices.Equal(keys[:6], consent.Art8Sections) {
		t.Fatalf("first sections %v, want the Art. 8 items %v", keys[:6], consent.Art8Sections)
	}
	for _, k := range []string{"security", "cookies", "logs", "outsourcing", "changes", "contact"} {
		if !slices.Contains(keys, k) {
			t.Errorf("no %q section", k)
		}
	}
}

func TestTextFallsBackToChinese(t *testing.T) {
	tx := consent.Text{"zh-TW": "中文"}
	if tx.In("en") != "中文" || tx.In("zh-TW") != "中文" {
		t.Fatal("fallback to zh-TW failed")
	}
}
