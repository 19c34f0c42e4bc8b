package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"
)

// The cost of counting on a public page: the same page served with counting off and on
// (a visitor with the analytics cookie, so every view decodes and re-encodes it, and the
// counts flushed every second meanwhile), in one run:
//
//	go test ./handlers -run '^$' -bench BenchmarkCounting -benchtime 3s
func BenchmarkCounting(b *testing.B) {
	withHarness(b, func(t *testing.T, h *harness) {
		visitor := h.browser(withUA(chromeUA))
		visitor.post("/cookies", url.Values{"choice": {"accept"}})
		visitor.get("/privacy")
		if _, ok := visitor.jar["portal_visit"]; !ok {
			t.Fatal("no visitor cookie")
		}
		serve := func() int {
			req := httptest.NewRequest(http.MethodGet, "/privacy", nil)
			req.Header.Set("User-Agent", chromeUA)
			req.Header.Set("Accept-Language", "zh-TW,zh;q=0.9")
			for _, c := range visitor.jar {
				req.AddCookie(c)
			}
			w := httptest.NewRecorder()
			h.h.ServeHTTP(w, req)
			return w.Code
		}
		counter := h.srv.Core.Counter
		perPage := map[string]time.Duration{}
		for _, mode := range []string{"off", "on"} {
			b.Run(mode, func(b *testing.B) {
				h.srv.Core.Counter = nil
				if mode == "on" {
					h.srv.Core.Counter = counter
				}
				stop, done := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(done)
					for {
						select {
						case <-stop:
							return
						case <-time.After(time.Second):
							_ = counter.Flush(context.Background(), h.clock.Now())
						}
					}
				}()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if serve() != http.StatusOK {
							b.Error("not 200")
						}
					}
				})
				close(stop)
				<-done
				perPage[mode] = b.Elapsed() / time.Duration(b.N)
			})
		}
		h.srv.Core.Counter = counter
		off, on := perPage["off"], perPage["on"]
		fmt.Fprintf(os.Stderr, "counting off: %s per page (%.0f pages/s)\ncounting on:  %s per page (%.0f pages/s)\nthroughput with counting: %.1f %% of without\n",
			off, float64(time.Second)/float64(off), on, float64(time.Second)/float64(on), 100*float64(off)/float64(on))
	})
}
