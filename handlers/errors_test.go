package handlers_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/handlers"
)

func TestErrorPagesInBothLanguages(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name   string
		do     func(opt func(*http.Request)) *response
		status int
		zh, en string
	}{
		{"404", func(o func(*http.Request)) *response { return h.get("/no/such/page", o) }, 404, "找不到網頁", "Page not found"},
		{"405", func(o func(*http.Request)) *response { return h.post("/privacy", url.Values{}, o) }, 405, "不支援的操作", "Not supported"},
		{"400", func(o func(*http.Request)) *response { return h.get("/lang?to=klingon", o) }, 400, "請求內容有誤", "Something is wrong with the request"},
		{"403", func(o func(*http.Request)) *response {
			return h.post("/signout", url.Values{}, o, header("Sec-Fetch-Site", "cross-site"))
		}, 403, "無法執行", "Not allowed"},
		{"413", func(o func(*http.Request)) *response {
			return h.post("/setup", url.Values{"token": {strings.Repeat("x", 70<<10)}}, o)
		}, 413, "上傳的內容過大", "Too large"},
	}
	for _, tc := range cases {
		checkErrorPage(t, tc.name+" zh", tc.do(func(*http.Request) {}), tc.status, tc.zh)
		checkErrorPage(t, tc.name+" en", tc.do(english), tc.status, tc.en)
	}
}

// The streamed case: no Content-Length, the body grows past the limit while being read.
func TestOversizeBodyWithoutLengthIs413(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, "/setup", strings.NewReader("token="+strings.Repeat("x", 70<<10)), func(r *http.Request) { r.ContentLength = -1 })
	checkErrorPage(t, "streamed", r, 413, "上傳的內容過大")
}

func TestCrossOriginPostIsRejected(t *testing.T) {
	h := newHarness(t)
	for name, opt := range map[string]func(*http.Request){
		"sec-fetch-site": header("Sec-Fetch-Site", "cross-site"),
		"origin":         header("Origin", "https://evil.example"),
	} {
		r := h.post("/setup", url.Values{"token": {"x"}}, opt)
		if r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "其他網站") {
			t.Fatalf("%s: status %d", name, r.Code)
		}
		if r.Header().Get("Content-Security-Policy") == "" {
			t.Fatalf("%s: the refusal lacks security headers", name)
		}
	}
	// Same-origin form posts pass the guard (and reach the handler, which rejects the bad token).
	r := h.post("/setup", url.Values{"token": {"x"}}, header("Sec-Fetch-Site", "same-origin"))
	if r.Code != http.StatusNotFound {
		t.Fatalf("same-origin post: status %d, want 404 for an unknown setup link", r.Code)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newHarness(t)
	css, _ := h.get("/").doc.Find(`link[rel="stylesheet"]`).Attr("href")
	for _, p := range []string{"/", "/privacy", "/healthz", "/readyz", "/.well-known/gpc.json", "/missing", css} {
		r := h.get(p)
		hd := r.Header()
		csp := hd.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
			if hd.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", p, k, hd.Get(k), v)
			}
		}
		if hd.Get("Permissions-Policy") == "" || hd.Get("X-Request-ID") == "" {
			t.Errorf("%s: missing Permissions-Policy or X-Request-ID", p)
		}
		if hd.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", p)
		}
		// A page goes out in one piece with its length, whether rendered or cached.
		if strings.HasPrefix(hd.Get("Content-Type"), "text/html") && hd.Get("Content-Length") != strconv.Itoa(r.Body.Len()) {
			t.Errorf("%s: Content-Length %q for a body of %d bytes", p, hd.Get("Content-Length"), r.Body.Len())
		}
		// The header values are made once and shared: one response's added value is its own.
		hd.Add("X-Frame-Options", "SAMEORIGIN")
		hd["Referrer-Policy"] = append(hd["Referrer-Policy"], "no-referrer")
	}
	if v := h.get("/privacy").Header().Values("X-Frame-Options"); len(v) != 1 || v[0] != "DENY" {
		t.Errorf("X-Frame-Options after another response added to its own: %q", v)
	}
	if v := h.get("/missing").Header().Values("Referrer-Policy"); len(v) != 1 || v[0] != "same-origin" {
		t.Errorf("Referrer-Policy after another response added to its own: %q", v)
	}
	// A forwarded https claim from an untrusted peer does not switch HSTS on.
	if h.get("/", header("X-Forwarded-Proto", "https")).Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS from an untrusted X-Forwarded-Proto")
	}
	// Over TLS it is on.
	r := h.get("/", func(r *http.Request) { r.TLS = tlsState() })
	if !strings.Contains(r.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS over TLS")
	}
}

func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	h := newHarness(t)
	if h.db.Engine == nil {
		t.Skip("outage is simulated by stopping the embedded engine; PORTAL_TEST_MONGODB_URI is set")
	}
	if r := h.get("/readyz"); r.Code != 200 {
		t.Fatalf("readyz %d", r.Code)
	}
	dir := h.db.Dir
	h.db.Engine.Close()
	r := h.get("/privacy")
	checkErrorPage(t, "outage zh", r, 503, "服務暫時無法使用")
	if r.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	checkErrorPage(t, "outage en", h.get("/privacy", english), 503, "Service temporarily unavailable")
	if r := h.get("/readyz"); r.Code != 503 {
		t.Fatalf("readyz during outage: %d", r.Code)
	}
	if r := h.get("/healthz"); r.Code != 200 {
		t.Fatalf("healthz must report the process, not the database: %d", r.Code)
	}
	h.restartEngine(dir)
	deadline := time.Now().Add(20 * time.Second)
	for h.get("/privacy").Code != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the portal did not recover when the database returned")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := h.get("/readyz"); r.Code != 200 {
		t.Fatalf("readyz after recovery: %d", r.Code)
	}
}

// While the database is away, every page's notice banner fails to read the current
// notice. Those reads must not queue behind one another's server-selection timeouts: the
// home page (which needs nothing else from the database) answers each visitor while the
// database is still away, instead of all of them when it returns.
func TestPagesDoNotQueueBehindTheNoticeDuringAnOutage(t *testing.T) {
	h := newHarness(t)
	if h.db.Engine == nil {
		t.Skip("outage is simulated by stopping the embedded engine; PORTAL_TEST_MONGODB_URI is set")
	}
	dir := h.db.Dir
	h.db.Engine.Close() // before any page: the notice is not cached
	const visitors = 8
	answered := make(chan int, visitors)
	for range visitors {
		go func() { answered <- h.get("/").Code }()
	}
	// Each read gives up after the driver's 3 s; queued one behind another, the eighth
	// visitor would wait 24 s.
	outage := time.After(12 * time.Second)
	for i := 0; i < visitors; i++ {
		select {
		case code := <-answered:
			if code != http.StatusOK && code != http.StatusServiceUnavailable {
				t.Errorf("home during the outage: %d", code)
			}
		case <-outage:
			t.Fatalf("%d of %d visitors answered while the database was away", i, visitors)
		}
	}
	h.restartEngine(dir)
}

func TestTrustedProxyDecidesHTTPS(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	fromProxy := func(r *http.Request) { r.RemoteAddr = "10.1.2.3:5555"; r.Header.Set("X-Forwarded-Proto", "https") }
	if h.get("/", fromProxy).Header().Get("Strict-Transport-Security") == "" {
		t.Fatal("https via a trusted proxy: no HSTS")
	}
	fromElsewhere := func(r *http.Request) { r.RemoteAddr = "203.0.113.9:5555"; r.Header.Set("X-Forwarded-Proto", "https") }
	if h.get("/", fromElsewhere).Header().Get("Strict-Transport-Security") != "" {
		t.Fatal("an untrusted peer switched HSTS on")
	}
}

// While the database is prepared at start-up (a one-time upgrade can take minutes at an
// agency's size), pages and the API say so with a 503 and Retry-After, readiness is
// withheld, and liveness and the static files go on.
func TestPagesWaitWhileTheDatabaseIsPrepared(t *testing.T) {
	h := newHarness(t)
	h.srv.SetPreparing(true)
	page := h.get("/privacy")
	if page.Code != http.StatusServiceUnavailable || page.Header().Get("Retry-After") == "" || !strings.Contains(page.text("main"), "整理資料庫") {
		t.Fatalf("page while preparing: %d %q", page.Code, page.text("main"))
	}
	if en := h.get("/privacy", english); !strings.Contains(en.text("main"), "preparing its database") {
		t.Fatalf("English page while preparing: %q", en.text("main"))
	}
	if api := h.get("/api/v1/me/consents", english); api.Code != http.StatusServiceUnavailable || !strings.Contains(api.Body.String(), `"code":"preparing"`) {
		t.Fatalf("API while preparing: %d %s", api.Code, api.Body.String())
	}
	if r := h.get("/readyz"); r.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz while preparing: %d", r.Code)
	}
	if r := h.get("/healthz"); r.Code != http.StatusOK {
		t.Fatalf("healthz while preparing: %d", r.Code)
	}
	h.srv.SetPreparing(false)
	if r := h.get("/privacy"); r.Code != http.StatusOK {
		t.Fatalf("page once prepared: %d", r.Code)
	}
	if r := h.get("/readyz"); r.Code != http.StatusOK {
		t.Fatalf("readyz once prepared: %d", r.Code)
	}
}
