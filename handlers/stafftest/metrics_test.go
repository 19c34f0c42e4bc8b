package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// /metrics: request counts and latencies per route pattern (no references in labels),
// open and overdue requests, the outbox backlog; served by its own handler only, never
// by the site.
func TestMetrics(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	c := h.signIn("c@example.tw", citizenPassword)
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	c.get("/requests/2026-000001")
	h.clock.Advance(40 * 24 * time.Hour) // past the due date, still undecided
	for _, m := range []string{"X0", "X1", "BREW"} {
		h.do(m, "/", nil)
	}
	if r := h.get("/metrics"); r.Code != http.StatusNotFound {
		t.Fatalf("the site serves /metrics: %d", r.Code)
	}
	w := httptest.NewRecorder()
	h.srv.MetricsHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := w.Body.String()
	for _, want := range []string{
		`portal_http_requests_total{code="303",method="POST",route="/requests"} 1`,
		`portal_http_requests_total{code="200",method="GET",route="/requests/:ref"} 1`,
		`portal_http_request_duration_seconds_bucket{method="GET",route="/requests/:ref"`,
		`portal_open_requests{state="submitted"} 1`,
		`portal_overdue_requests 1`,
		`portal_outbox_backlog `,
		`portal_database_up 1`,
		`route="unmatched"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, `method="X0"`) || !strings.Contains(body, `method="other"`) {
		t.Error("a client's invented method became a label value")
	}
	if strings.Contains(body, "2026-000001") {
		t.Error("a reference number in the metrics")
	}
}
