package i18n_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/rights"
)

func TestCataloguesHaveTheSameKeysAndNoBlanks(t *testing.T) {
	c := i18n.MustLoad()
	zh, en := c.Keys(i18n.ZH), c.Keys(i18n.EN)
	for _, k := range zh {
		if !c.Has(i18n.EN, k) {
			t.Errorf("%q is missing in en", k)
		}
		if strings.TrimSpace(c.T(i18n.ZH, k)) == "" || strings.TrimSpace(c.T(i18n.EN, k)) == "" {
			t.Errorf("%q is blank", k)
		}
	}
	for _, k := range en {
		if !c.Has(i18n.ZH, k) {
			t.Errorf("%q is missing in zh-TW", k)
		}
	}
	// Same verbs in both languages, so an argument never shows as %!d(MISSING).
	verbs := regexp.MustCompile(`%[a-z]`)
	for _, k := range zh {
		a, b := verbs.FindAllString(c.T(i18n.ZH, k), -1), verbs.FindAllString(c.T(i18n.EN, k), -1)
		if strings.Join(a, "") != strings.Join(b, "") {
			t.Errorf("%q: verbs %v in zh-TW but %v in en", k, a, b)
		}
	}
}

// Every key a template names literally, and every key it builds, exists in both catalogues.
func TestTemplatesUseOnlyDefinedKeys(t *testing.T) {
	c := i18n.MustLoad()
	keys := map[string]bool{}
	lit := regexp.MustCompile(`\.T "([a-z0-9_.]+)"|"(Label|Hint)" "([a-z0-9_.]+)"`)
	err := filepath.WalkDir("../templates", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]+m[3]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys: the pattern no longer matches the templates", len(keys))
	}
	for _, k := range rights.Kinds {
		keys[fmt.Sprintf("right.%s.name", k)], keys[fmt.Sprintf("right.%s.desc", k)] = true, true
	}
	for _, s := range []int{400, 403, 404, 405, 409, 413, 429, 500, 503} {
		keys[fmt.Sprintf("error.%d.title", s)], keys[fmt.Sprintf("error.%d.text", s)] = true, true
	}
	delete(keys, "")
	for k := range keys {
		for _, l := range i18n.Supported {
			if !c.Has(l, k) {
				t.Errorf("template key %q missing in %s", k, l)
			}
		}
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"": "zh-TW", "en": "en", "en-GB,en;q=0.8": "en", "zh-TW,zh;q=0.9,en;q=0.5": "zh-TW",
		"zh-Hant": "zh-TW", "fr": "zh-TW", "garbage;;q=x": "zh-TW", "ja,en;q=0.3": "en",
	} {
		if got := i18n.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}
