package letters_test

import (
	"testing"
	"time"

	"github.com/example/pdpa-portal/letters"
)

func TestDatesAndNumbers(t *testing.T) {
	// 6 December 2026 in Taiwan, though it is still the 5th in UTC.
	at := time.Date(2026, 12, 5, 17, 30, 0, 0, time.UTC)
	if got := letters.Date(at, "zh-TW"); got != "中華民國115年12月6日" {
		t.Errorf("ROC date: %q", got)
	}
	if got := letters.Date(at, "en"); got != "6 December 2026" {
		t.Errorf("English date: %q", got)
	}
	n := letters.Number{Year: 2026, Serial: 123}
	prefix := letters.Text{ZH: "府個資字", EN: "TPG-PD"}
	if got := n.Format(prefix, "zh-TW"); got != "府個資字第1150000123號" {
		t.Errorf("number: %q", got)
	}
	if got := n.Format(prefix, "en"); got != "TPG-PD No. 1150000123" {
		t.Errorf("English number: %q", got)
	}
}

func TestSettingsAreChecked(t *testing.T) {
	if err := letters.Defaults().Validate().OrNil(); err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	s := letters.Defaults()
	s.Prefix = letters.Text{ZH: "府個資", EN: "TP 1"}
	s.Appeal.EN = ""
	s.HeadName = letters.Text{} // optional
	inv := s.Validate()
	want := map[string]string{"prefix_zh": "letters.prefix_zi", "prefix_en": "letters.prefix_chars", "appeal_en": "letters.required"}
	got := map[string]string{}
	for _, p := range inv.Problems {
		got[p.Field] = p.Key
	}
	for f, k := range want {
		if got[f] != k {
			t.Errorf("%s: %q, want %q (all: %v)", f, got[f], k, inv.Problems)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems: %v", inv.Problems)
	}
}
