package handlers_test

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
)

// The signed-in pages the load script measures (scripts/load/pages): a citizen's
// /account and /requests, an officer's queue, on a small agency (60 open requests, 20 of
// them the citizen's). Each sub-benchmark also reports the database commands one page
// sends, and prints them once by kind:
//
//	go test ./handlers -run '^$' -bench BenchmarkSignedIn -cpuprofile cpu.out
func BenchmarkSignedIn(b *testing.B) {
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
			if code := serveOnly(h, p.as, p.target); code != http.StatusOK {
				t.Fatalf("GET %s: %d", p.target, code)
			}
			b.Run(p.name, func(b *testing.B) {
				h.db.Commands()
				for b.Loop() {
					if code := serveOnly(h, p.as, p.target); code != http.StatusOK {
						b.Fatalf("GET %s: %d", p.target, code)
					}
				}
				cmds := h.db.Commands()
				var total int
				var kinds []string
				for k, n := range cmds {
					total += n
					kinds = append(kinds, fmt.Sprintf("%s %.1f", k, float64(n)/float64(b.N)))
				}
				sort.Strings(kinds)
				b.ReportMetric(float64(total)/float64(b.N), "db-commands/page")
				fmt.Fprintf(os.Stderr, "%s: %s\n", p.target, strings.Join(kinds, "; "))
			})
		}
	})
}
