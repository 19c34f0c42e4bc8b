package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/example/pdpa-portal/analytics"
)

// The ratios of the signed-in pages and of counting, measured on a machine others share.
// BenchmarkSignedIn and BenchmarkCounting time one side for seconds and then the other,
// so whatever else the machine runs meanwhile lands on one side: their ratios moved by
// more than any change. Here the two sides take turns in short rounds (a few
// milliseconds), each round's ratio is kept, and the median is reported: a burst of
// other work spoils a few rounds, not the figure.
//
//	go test ./handlers -run '^$' -bench 'BenchmarkRatio' -benchtime 400x -count 5
//
// The -benchtime count is the number of rounds; bare/page is the bare Gin page's time
// over the portal page's (the load script's portal/bare), on/off the page's time with
// counting off over with counting on (its throughput with counting, as a share).

// roundViews is how many times each side runs in a round.
const roundViews = 8

// medianRatio runs a and then c (in alternating order) roundViews times each, b.N times,
// and returns the median of time(c)/time(a) and a's median time per run.
func medianRatio(b *testing.B, a, c func()) (ratio float64, perA time.Duration) {
	ratios := make([]float64, 0, b.N)
	times := make([]time.Duration, 0, b.N)
	timeOf := func(f func()) time.Duration {
		start := time.Now()
		for range roundViews {
			f()
		}
		return time.Since(start)
	}
	a()
	c()
	b.ResetTimer()
	for i := range b.N {
		var ta, tc time.Duration
		if i%2 == 0 {
			ta = timeOf(a)
			tc = timeOf(c)
		} else {
			tc = timeOf(c)
			ta = timeOf(a)
		}
		ratios = append(ratios, float64(tc)/float64(ta))
		times = append(times, ta/roundViews)
	}
	slices.Sort(ratios)
	slices.Sort(times)
	return ratios[len(ratios)/2], times[len(times)/2]
}

// BenchmarkRatioSignedIn: /account, /requests and /officer/queue against the bare page of
// each one's size.
func BenchmarkRatioSignedIn(b *testing.B) {
	withHarness(b, func(t *testing.T, h *harness) {
		seedRequests(t, h, 100, 60)
		off := h.signIn("off@agency.example", staffPassword)
		citizen := h.signIn("c0@example.tw", citizenPassword)
		for _, p := range []struct {
			name   string
			as     *browser
			target string
		}{
			{"account", citizen, "/account"},
			{"requests", citizen, "/requests"},
			{"queue", off, "/officer/queue"},
		} {
			rec := httptest.NewRecorder()
			if serveRequestTo(h, p.as, rec, p.target); rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", p.target, rec.Code)
			}
			bare := barePage(rec.Body.Len())
			b.Run(p.name, func(b *testing.B) {
				ratio, per := medianRatio(b, func() {
					if code := serveOnly(h, p.as, p.target); code != http.StatusOK {
						b.Fatalf("GET %s: %d", p.target, code)
					}
				}, func() {
					bare.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
				})
				b.ReportMetric(ratio, "bare/page")
				b.ReportMetric(float64(per.Nanoseconds()), "page-ns")
				b.ReportMetric(0, "ns/op")
			})
		}
	})
}

// BenchmarkRatioCounting: /privacy for a visitor who accepted the analytics cookie, with
// counting off and on; every counted view decodes the visitor cookie, and re-encodes
// it when a second has passed.
func BenchmarkRatioCounting(b *testing.B) {
	withHarness(b, func(t *testing.T, h *harness) {
		visitor := h.browser(withUA(chromeUA))
		visitor.post("/cookies", url.Values{"choice": {"accept"}})
		visitor.get("/privacy")
		if _, ok := visitor.jar["portal_visit"]; !ok {
			t.Fatal("no visitor cookie")
		}
		serve := func() {
			req := httptest.NewRequest(http.MethodGet, "/privacy", nil)
			req.Header.Set("User-Agent", chromeUA)
			req.Header.Set("Accept-Language", "zh-TW,zh;q=0.9")
			for _, c := range visitor.jar {
				req.AddCookie(c)
			}
			w := httptest.NewRecorder()
			if h.h.ServeHTTP(w, req); w.Code != http.StatusOK {
				b.Fatalf("GET /privacy: %d", w.Code)
			}
		}
		// The counter the middleware reads is the core's: the server's own field is only
		// what it was built with, and switching that one measured nothing.
		counter := h.srv.Core.Counter
		defer func() { h.srv.Core.Counter = counter }()
		views := func() int64 { return h.traffic(analytics.DayOf(h.clock.Now())).Sum.Views }
		before := views()
		h.srv.Core.Counter = nil
		serve()
		h.srv.Core.Counter = counter
		serve()
		if n := views() - before; n != 1 {
			t.Fatalf("one view counted and one not: %d counted", n)
		}
		b.Run("privacy", func(b *testing.B) {
			ratio, per := medianRatio(b, func() {
				h.srv.Core.Counter = counter
				serve()
			}, func() {
				h.srv.Core.Counter = nil
				serve()
			})
			b.ReportMetric(ratio, "on/off")
			b.ReportMetric(float64(per.Nanoseconds()), "page-ns")
			b.ReportMetric(0, "ns/op")
		})
		// Allocations of one counted view beyond the same view uncounted.
		allocs := func(on bool) float64 {
			h.srv.Core.Counter = nil
			if on {
				h.srv.Core.Counter = counter
			}
			return testing.AllocsPerRun(200, serve)
		}
		off, on := allocs(false), allocs(true)
		fmt.Fprintf(os.Stderr, "allocations a view: counting off %.0f, on %.0f (%.0f for counting)\n", off, on, on-off)
	})
}
