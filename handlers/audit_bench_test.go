package handlers_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/store"
)

// BenchmarkAuditPage times /admin/audit and its CSV through the handler (server time:
// search, the actors' names, the template) over trails of 10 000 and 1 000 000 events
// seeded through Seed in the same run (-short: the first only): 45 actors that are
// accounts and anonymous visitors, a rare staff member, 100 actions, targets.
func BenchmarkAuditPage(b *testing.B) {
	sizes := []int{10_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, n := range sizes {
		withHarness(b, func(t *testing.T, h *harness) {
			h.makeUser("adm@agency.example", "管理者", staffPassword, account.RoleAdmin)
			rare := h.makeUser("rare@agency.example", "稽核員", staffPassword, account.RoleOfficer)
			var people []string
			for i := range 44 {
				people = append(people, h.makeUser(fmt.Sprintf("c%d@example.tw", i), fmt.Sprintf("民眾%d", i), citizenPassword).ID)
			}
			a := h.srv.Audit.(*store.Audit)
			start := time.Now()
			end := h.clock.Now()
			step := 3 * 365 * 24 * time.Hour / time.Duration(n)
			r := rand.New(rand.NewPCG(1, 2))
			for from := 0; from < n; from += 50_000 {
				var events []*audit.Event
				for i := from; i < min(from+50_000, n); i++ {
					actor := audit.ActorAnonymous
					switch x := r.IntN(10_000); {
					case x < 5:
						actor = rare.ID
					case x >= 3500:
						actor = people[x%len(people)]
					}
					k := min(99, int(1/(r.Float64()+0.01))-1)
					e := &audit.Event{At: end.Add(-time.Duration(n-i) * step), Actor: actor, Role: "citizen",
						Action: fmt.Sprintf("POST /area%d/page%02d/:ref", k%7, k), Outcome: audit.OK, Details: map[string]string{"status": "303"}}
					if r.IntN(10) < 6 {
						e.Target = fmt.Sprintf("2025-%06d", (i+r.IntN(100))/20)
					}
					events = append(events, e)
				}
				if err := a.Seed(context.Background(), events); err != nil {
					t.Fatal(err)
				}
			}
			fmt.Fprintf(os.Stderr, "%s: seeded %d events in %s\n", b.Name(), n, time.Since(start).Round(time.Second))
			admin := h.signIn("adm@agency.example", staffPassword, english)
			cst := twtime.Zone
			mid := end.Add(-time.Duration(n/2) * step).In(cst)
			week := "from=" + mid.Format(time.DateOnly) + "&to=" + mid.AddDate(0, 0, 6).Format(time.DateOnly)
			target := fmt.Sprintf("2025-%06d", n/40)
			if r := admin.get("/admin/audit?actor=rare@agency.example"); r.Code != http.StatusOK || r.doc.Find("table.audit tbody tr").Length() == 0 {
				t.Fatalf("rare actor: %d, %d rows", r.Code, r.doc.Find("table.audit tbody tr").Length())
			}
			for _, p := range []struct{ name, target string }{
				{"newest", "/admin/audit"},
				{"actor_rare_by_email", "/admin/audit?actor=rare@agency.example"},
				{"actor_common", "/admin/audit?actor=" + people[3]},
				{"action_part", "/admin/audit?action=page1"},
				{"target", "/admin/audit?target=" + target},
				{"week", "/admin/audit?" + week},
			} {
				b.Run(fmt.Sprintf("%d/%s", n, p.name), func(b *testing.B) {
					for b.Loop() {
						if code := serveOnly(h, admin, p.target); code != http.StatusOK {
							b.Fatalf("GET %s: %d", p.target, code)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
				})
			}
			b.Run(fmt.Sprintf("%d/csv", n), func(b *testing.B) {
				var first, total time.Duration
				var size int
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, "/admin/audit.csv", nil)
					for _, c := range admin.jar {
						req.AddCookie(c)
					}
					english(req)
					w := &firstWrite{ResponseRecorder: httptest.NewRecorder(), start: time.Now()}
					h.h.ServeHTTP(w, req)
					total += time.Since(w.start)
					first += w.first
					size = w.Body.Len()
				}
				b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "ms-first-byte")
				b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-total")
				b.ReportMetric(float64(size)/1024, "KiB")
			})
		})
	}
}

// firstWrite records when the first bytes of the body were flushed to the client.
type firstWrite struct {
	*httptest.ResponseRecorder
	start time.Time
	first time.Duration
}

func (w *firstWrite) Flush() {
	if w.first == 0 && w.Body.Len() > 0 {
		w.first = time.Since(w.start)
	}
	w.ResponseRecorder.Flush()
}
