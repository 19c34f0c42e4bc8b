package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/pdpa-portal/internal/browsertest"
)

// serve returns the URL of a test server that answers every request with page.
func serve(t *testing.T, page string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAccessiblePage(t *testing.T) {
	url := serve(t, `<!doctype html><html lang="zh-Hant"><head><title>測試</title></head>`+
		`<body><main><h1>個人資料保護</h1></main></body></html>`)
	ctx := browsertest.New(t, 1280, 800)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}

	if n := browsertest.Axe(t, ctx, "accessible"); n != 0 {
		t.Errorf("Axe = %d violations, want 0", n)
	}

	path := browsertest.Screenshot(t, ctx, "browsertest-accessible")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Errorf("screenshot %s is empty", path)
	}
	t.Logf("screenshot: %s (%d bytes)", path, fi.Size())
}

// recorder is a testing.TB that records Errorf calls instead of failing, so a
// test can assert that Axe reports a page as failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestInaccessiblePage(t *testing.T) {
	// No lang, no title, and an image without alt text.
	url := serve(t, `<!doctype html><html><head></head><body><img src="/x.png"></body></html>`)
	ctx := browsertest.New(t, 800, 600)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}

	rec := &recorder{TB: t}
	n := browsertest.Axe(rec, ctx, "inaccessible")
	if n == 0 || len(rec.errors) == 0 {
		t.Fatalf("Axe = %d violations with %d errors, want > 0", n, len(rec.errors))
	}
	for _, rule := range []string{"image-alt", "html-has-lang", "document-title"} {
		if !strings.Contains(rec.errors[0], rule) {
			t.Errorf("Axe report lacks rule %s:\n%s", rule, rec.errors[0])
		}
	}
	t.Logf("Axe reported, as expected:\n%s", rec.errors[0])
}
