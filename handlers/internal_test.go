package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/consent"
)

// panicking stands in for a store with a bug, to prove a panic becomes a clean 500.
type panicking struct{ consent.Notices }

func (panicking) Current(context.Context) (*consent.Notice, error) {
	panic("boom: secret internal detail")
}

func TestPanicBecomesA500PageWithoutInternals(t *testing.T) {
	var logs strings.Builder
	s, err := New(Deps{Log: slog.New(slog.NewTextHandler(&logs, nil)), Notices: panicking{}}, Options{HashKey: make([]byte, 32), BlockKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	for lang, title := range map[string]string{"zh-TW": "系統發生錯誤", "en": "Something went wrong"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/privacy", nil)
		req.Header.Set("Accept-Language", lang)
		s.Handler().ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 500 || !strings.Contains(body, title) || strings.Contains(body, "boom") || strings.Contains(body, "goroutine") {
			t.Fatalf("%s: %d %s", lang, rec.Code, body)
		}
		id := rec.Header().Get("X-Request-ID")
		if id == "" || !strings.Contains(body, id) {
			t.Fatal("the 500 page does not show the reference a citizen can quote")
		}
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Fatal("the panic was not logged for the operator")
	}
}

// 429 has no route of its own yet (rate limits come with accounts), so its page is
// rendered directly: it must exist in both languages.
func TestEveryErrorStatusHasAPageInBothLanguages(t *testing.T) {
	s, err := New(Deps{Log: slog.New(slog.DiscardHandler)}, Options{HashKey: make([]byte, 32), BlockKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []int{400, 403, 404, 405, 413, 429, 500, 503} {
		for _, lang := range []string{"zh-TW", "en"} {
			rec := httptest.NewRecorder()
			s.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), lang, "rid", status, "")
			body := rec.Body.String()
			if rec.Code != status || strings.Contains(body, "error.") || !strings.Contains(body, `lang="`+lang+`"`) {
				t.Errorf("%d %s: status %d, untranslated key or wrong language", status, lang, rec.Code)
			}
		}
	}
	if !s.Pages().Used("error") {
		t.Fatal("error page not recorded as used")
	}
}
