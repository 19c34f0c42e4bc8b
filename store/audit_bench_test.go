package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// auditBenchStart is where the benchmark trails begin: three years before auditBenchEnd.
var (
	auditBenchEnd   = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	auditBenchStart = auditBenchEnd.AddDate(-3, 0, 0)
)

// benchEvents makes events [from, to) of a trail of n spread evenly over three years:
// about 50 actors (anonymous visitors and five busy accounts make most events, four
// staff members are rare), 100 distinct actions of uneven frequency, and on most events
// a target: request references, each with a handful of events within a few weeks.
func benchEvents(n, from, to int) []*audit.Event {
	r := rand.New(rand.NewPCG(uint64(from), 7))
	step := auditBenchEnd.Sub(auditBenchStart) / time.Duration(n)
	out := make([]*audit.Event, 0, to-from)
	for i := from; i < to; i++ {
		var actor string
		switch x := r.IntN(10_000); {
		case x < 20:
			actor = "staff-" + strconv.Itoa(x%4) // rare: each about 5 in 10 000 events
		case x < 3500:
			actor = audit.ActorAnonymous
		case x < 6000:
			actor = "busy-" + strconv.Itoa(x%5)
		default:
			actor = fmt.Sprintf("u-%02d", x%41)
		}
		// Zipf-like: action k is chosen about as often as 1/(k+1).
		k := min(99, int(1/(r.Float64()+0.01))-1)
		verb := "POST"
		if k%3 == 0 {
			verb = "GET"
		}
		e := &audit.Event{At: auditBenchStart.Add(time.Duration(i) * step), Actor: actor, Role: "citizen",
			Action: fmt.Sprintf("%s /area%d/page%02d/:ref", verb, k%7, k), Outcome: audit.OK, Details: map[string]string{"status": "200"}}
		if r.IntN(10) < 6 {
			// References live for a while: each has about a dozen events close together.
			e.Target = fmt.Sprintf("%d-%06d", 2023+i*3/n, (i+r.IntN(100))/20)
		}
		out = append(out, e)
	}
	return out
}

// seedBench writes a trail of n events through Seed, in chunks as the demo would.
func seedBench(b *testing.B, n int) (*store.Audit, time.Duration) {
	b.Helper()
	db := storetest.New(b)
	a := store.NewAudit(db.DB)
	start := time.Now()
	const chunk = 50_000
	for from := 0; from < n; from += chunk {
		if err := a.Seed(context.Background(), benchEvents(n, from, min(from+chunk, n))); err != nil {
			b.Fatal(err)
		}
	}
	return a, time.Since(start)
}

// BenchmarkAuditSearch seeds trails of 10 000 and 1 000 000 events (-short: only the
// first) and times, on each in the same run, what /admin/audit and its CSV ask of the
// store: the newest page of 50, an actor's (rare and common), part of an action, a
// target, a week, and the CSV's first row and whole 10 000 rows.
func BenchmarkAuditSearch(b *testing.B) {
	sizes := []int{10_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	ctx := context.Background()
	week := auditBenchStart.AddDate(1, 6, 0)
	for _, n := range sizes {
		a, took := seedBench(b, n)
		fmt.Fprintf(os.Stderr, "seeded %d events in %v (%.0f events/s)\n", n, took.Round(time.Second), float64(n)/took.Seconds())
		target := benchEvents(n, n/2, n/2+1)[0].Target
		if target == "" {
			target = benchEvents(n, n/2+1, n/2+2)[0].Target
		}
		page := func(q audit.Query) func(b *testing.B) {
			return func(b *testing.B) {
				q.Limit, q.Budget = 50, 5000
				found := 0
				for b.Loop() {
					found = 0
					if _, err := a.Search(ctx, q, func(*audit.Event) error { found++; return nil }); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(found), "events")
			}
		}
		b.Run(fmt.Sprintf("%d/newest", n), page(audit.Query{}))
		b.Run(fmt.Sprintf("%d/actor-rare", n), page(audit.Query{Actor: "staff-1"}))
		b.Run(fmt.Sprintf("%d/actor-common", n), page(audit.Query{Actor: "busy-3"}))
		b.Run(fmt.Sprintf("%d/action-part", n), page(audit.Query{Action: "page1"}))
		b.Run(fmt.Sprintf("%d/target", n), page(audit.Query{Target: target}))
		b.Run(fmt.Sprintf("%d/week", n), page(audit.Query{From: week, To: week.AddDate(0, 0, 7)}))
		b.Run(fmt.Sprintf("%d/csv-10000", n), func(b *testing.B) {
			var first, total time.Duration
			for b.Loop() {
				var buf bytes.Buffer
				w := csv.NewWriter(&buf)
				start := time.Now()
				rows := 0
				if _, err := a.Search(ctx, audit.Query{Limit: 10_000, Budget: 100_000}, func(e *audit.Event) error {
					if rows++; rows == 1 {
						first += time.Since(start)
					}
					return w.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339), e.Actor, e.Role, e.Action, e.Target, e.Outcome, e.Hash})
				}); err != nil {
					b.Fatal(err)
				}
				w.Flush()
				total += time.Since(start)
			}
			b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "ms-first-row")
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-total")
		})
	}
}

// BenchmarkAuditAppend times one Append with an actor, an action and a target: what the
// request middleware pays for each event.
func BenchmarkAuditAppend(b *testing.B) {
	db := storetest.New(b)
	a := store.NewAudit(db.DB)
	ctx := context.Background()
	at := time.Now()
	event := func(i int) *audit.Event {
		return &audit.Event{At: at, Actor: fmt.Sprintf("u%d", i%50), Role: "officer", Action: fmt.Sprintf("POST /officer/requests/:ref/a%d", i%20),
			Target: fmt.Sprintf("2026-%06d", i/5), Outcome: audit.OK, Details: map[string]string{"status": "303"}}
	}
	// Warm: the actors and actions have their postings, as in a portal that has run.
	for i := range 200 {
		if err := a.Append(ctx, event(i)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 200; b.Loop(); i++ {
		if err := a.Append(ctx, event(i)); err != nil {
			b.Fatal(err)
		}
	}
}
