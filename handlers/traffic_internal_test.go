package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/i18n"
)

// TestEveryCountedPageHasATitle: every page the counter can count (a GET route the
// route table does not declare uncounted, not a download) is named in the traffic report by a title
// both catalogues hold, so a page added later cannot show up as a bare pattern.
func TestEveryCountedPageHasATitle(t *testing.T) {
	s, err := New(Deps{Log: slog.New(slog.DiscardHandler)}, Options{HashKey: make([]byte, 32), BlockKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	cat := i18n.MustLoad()
	routes := map[string]bool{}
	for _, r := range s.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		routes[r.Path] = true
		counted := !r.Uncounted
		download := strings.HasSuffix(r.Path, ".csv") || strings.HasSuffix(r.Path, ".json") || strings.HasSuffix(r.Path, "/download") ||
			strings.HasSuffix(r.Path, "/package") || strings.Contains(r.Path, "/files/:")
		if counted && !download && s.PageTitle(r.Path) == "" {
			t.Errorf("%s can be counted but has no title in webmaster.PageTitles", r.Path)
		}
	}
	for path, key := range s.PageTitles() {
		if !routes[path] {
			t.Errorf("webmaster.PageTitles names %s, which is not a page", path)
		}
		for _, lang := range []string{i18n.ZH, i18n.EN} {
			if got := cat.T(lang, key); got == "" || got == key || strings.Contains(got, "%") {
				t.Errorf("%s: title %s in %s is %q", path, key, lang, got)
			}
		}
	}
}
