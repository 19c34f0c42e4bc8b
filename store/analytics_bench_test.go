package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// The traffic report over a year of 1 000 paths on the embedded engine: the range read
// day by day (before the month summaries exist) and with them, in one run:
//
//	go test ./store -run '^$' -bench BenchmarkTrafficReport -benchtime 20x
func BenchmarkTrafficReport(b *testing.B) {
	db := storetest.New(b)
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 12, 0, 0, 0, twtime.Zone)
	st := store.NewAnalytics(db.DB, func() time.Time { return today })
	start := time.Now()
	hasher := analytics.NewHasher([]byte("bench"))
	for i := range 366 {
		date := analytics.DayOf(today.AddDate(0, 0, -i))
		d := analytics.NewDay(date)
		d.Views, d.Visits, d.Online = 5000, 1200, 1200*95
		for p := range 1000 {
			d.Count(analytics.DimPath, fmt.Sprintf("/page/%04d", p), int64(1+p%40))
		}
		for r := range 200 {
			d.Count(analytics.DimReferrer, fmt.Sprintf("site%03d.example.tw", r), int64(1+r%9))
		}
		for _, dim := range []string{analytics.DimBrowser, analytics.DimOS, analytics.DimDevice, analytics.DimLang} {
			for v := range 6 {
				d.Count(dim, fmt.Sprintf("v%d", v), int64(100*v+3))
			}
		}
		for v := range 1200 {
			d.Visitors.Add(hasher.Sum([]byte(date), []byte{byte(v), byte(v >> 8)}))
			d.Networks.Add(hasher.Sum([]byte("n"), []byte{byte(v % 300), byte(v >> 8)}))
		}
		if err := st.Put(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Engine.IndexIDs(ctx, db.Name); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "seeded 366 days × 1 000 paths in %s\n", time.Since(start).Round(time.Second))
	from, to := analytics.DayOf(today.AddDate(0, 0, -364)), analytics.DayOf(today)
	report := func(b *testing.B) {
		for b.Loop() {
			r, err := st.Range(ctx, from, to)
			if err != nil {
				b.Fatal(err)
			}
			rep := analytics.Build(r, 5)
			if len(rep.Daily) != 365 || rep.Views.Value != 365*5000 {
				b.Fatalf("report: %d days, %d views", len(rep.Daily), rep.Views.Value)
			}
		}
	}
	b.Run("day-by-day", report)
	if err := st.Roll(ctx, today); err != nil {
		b.Fatal(err)
	}
	b.Run("month-summaries", report)
}

// countingStore counts the writes the flushes make.
type countingStore struct {
	analytics.Store
	adds int
}

func (c *countingStore) Add(ctx context.Context, d *analytics.Day) error {
	c.adds++
	return c.Store.Add(ctx, d)
}

// Database writes per 10 000 page views: every view recorded into the buffer, flushed
// every 5 seconds of a simulated clock, at three traffic rates. Each flush writes one
// document per day it holds (plus the "first day" marker once).
//
//	go test ./store -run '^$' -bench BenchmarkWritesPer10kViews -benchtime 1x
func BenchmarkWritesPer10kViews(b *testing.B) {
	db := storetest.New(b)
	ctx := context.Background()
	for _, perSecond := range []int{2, 20, 200} {
		b.Run(fmt.Sprintf("%d-views-per-s", perSecond), func(b *testing.B) {
			for b.Loop() {
				now := time.Date(2026, 11, 23, 9, 0, 0, 0, twtime.Zone)
				cs := &countingStore{Store: store.NewAnalytics(db.DB, func() time.Time { return now })}
				c := &analytics.Counter{Buffer: analytics.NewBuffer([]byte("k")), Store: cs}
				next := now.Add(5 * time.Second)
				for i := range 10_000 {
					now = now.Add(time.Second / time.Duration(perSecond))
					c.Buffer.Record(analytics.Hit{Time: now, Path: "/", Lang: "zh-TW", Referrer: analytics.Direct,
						Agent: analytics.Agent{Browser: "chrome", OS: "windows", Device: "desktop"}, Network: []byte{10, 0, byte(i)}})
					if !now.Before(next) {
						if err := c.Flush(ctx, now); err != nil {
							b.Fatal(err)
						}
						next = now.Add(5 * time.Second)
					}
				}
				if err := c.Flush(ctx, now); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(cs.adds), "writes/10k-views")
			}
		})
	}
}
