package consent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/consent"
)

// A receipt is written in the language of the moment it was given in, punctuation
// included: a Chinese receipt joins its texts with full-width marks, an English one with
// Latin marks, and neither falls back on the other language.
func TestReceiptSpeaksOneLanguage(t *testing.T) {
	n, err := consent.DefaultNotice(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &consent.ReceiptSigner{PolicyURL: "https://portal.example/privacy"}
	for _, c := range []struct {
		lang, purpose, action string
		want, not             []string
	}{
		{"zh-TW", "newsletter", "grant", []string{"："}, []string{": "}},
		{"en", "newsletter", "grant", []string{": "}, []string{"："}},
		{"zh-TW", "account", "acknowledge", []string{"（", "）"}, []string{" ("}},
		{"en", "account", "acknowledge", []string{" (", ")"}, []string{"（"}},
	} {
		p := n.Purpose(c.purpose)
		if p == nil {
			t.Fatalf("no purpose %q in the default notice", c.purpose)
		}
		e := &consent.Event{ID: "e1", Subject: "u1", Purpose: p.ID, Action: consent.Action(c.action), NoticeVersion: n.Version, At: time.Now(), Lang: c.lang}
		got := r.Build(e, n, p).Services[0].Purposes[0]
		text := got.Purpose + "\n" + got.Termination
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %s: %q lacks %q", c.lang, c.purpose, text, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(text, w) {
				t.Errorf("%s %s: %q has %q", c.lang, c.purpose, text, w)
			}
		}
	}
	// A purpose without a stated retention ends with the consent's withdrawal, said in
	// the receipt's language.
	p := *n.Purpose("newsletter")
	p.Retention = nil
	for lang, want := range map[string]string{"zh-TW": "撤回同意時", "en": "withdrawal of consent"} {
		e := &consent.Event{ID: "e2", Subject: "u1", Purpose: p.ID, Action: consent.Grant, NoticeVersion: n.Version, At: time.Now(), Lang: lang}
		if got := r.Build(e, n, &p).Services[0].Purposes[0].Termination; got != want {
			t.Errorf("%s: termination %q, want %q", lang, got, want)
		}
	}
}
