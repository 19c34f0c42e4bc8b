package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/internal/demo"
	"github.com/example/pdpa-portal/store"
)

// Every page at an agency's real size. For each size of population (1 000 and 100 000
// citizens by default, PORTAL_SCALE_PEOPLE="1000,20000" to choose), the demo agency is
// written (three years of consent histories, mail, sessions, requests and an audit
// trail of at least ten events a person), the security suite's world (one of every
// object, with a citizen, a guest and staff who own them) is built on top, and every
// GET route of the route table is served as its owner would see it: the median server
// time of several requests through the whole handler. What grows with the agency's
// activity rather than its citizens is held equal at every size: 50 staff, 300 open
// requests, 200 disclosure records. The CSV exports are timed to their first byte and
// to the end, with the memory they held.
//
//	go test ./handlers -run '^$' -bench BenchmarkScale -benchtime 1x -timeout 4h
//
// The table is printed, and written to PORTAL_SCALE_REPORT when set.
func BenchmarkScale(b *testing.B) {
	sizes := []int{1_000, 100_000}
	if v := os.Getenv("PORTAL_SCALE_PEOPLE"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("PORTAL_SCALE_PEOPLE: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	var runs []*scaleRun
	for _, n := range sizes {
		var run *scaleRun
		withHarness(b, func(t *testing.T, h *harness) { run = measureScale(t, h, n) })
		runs = append(runs, run)
	}
	report := scaleReport(runs)
	fmt.Fprint(os.Stderr, report)
	if path := os.Getenv("PORTAL_SCALE_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o600); err != nil {
			b.Fatal(err)
		}
	}
}

type scaleRun struct {
	people  int
	made    *demo.Result
	seeded  time.Duration
	pages   map[string]scalePage // by route pattern (with a query for the extra cases)
	exports map[string]scaleExport
	jobs    []string
}

type scalePage struct {
	path   string
	status int
	median time.Duration
}

type scaleExport struct {
	status           int
	first, total     time.Duration
	bytes            int64
	peakHeap, allocs uint64 // the most the heap grew while it ran; bytes allocated
}

// scaleSamples is how many times each page is served (after two unmeasured ones).
const scaleSamples = 9

func measureScale(t *testing.T, h *harness, people int) *scaleRun {
	ctx := context.Background()
	start := time.Now()
	made, err := demo.Generate(ctx, demo.Deps{Portal: h.portal, Now: h.clock.Now(),
		Officers: 45, Open: 300, Disclosures: 200,
		Progress: func(what string, n, total int64) {
			if total > 0 && (n == total || n*10/total != (n-1)*10/total) {
				fmt.Fprintf(os.Stderr, "  %d people: %s %d/%d\n", people, what, n, total)
			}
		}}, people)
	if err != nil {
		t.Fatal(err)
	}
	run := &scaleRun{people: people, made: made, seeded: time.Since(start), pages: map[string]scalePage{}, exports: map[string]scaleExport{}}
	fmt.Fprintf(os.Stderr, "%d people: %d requests (%d open), %d audit events, seeded in %s (%s)\n", people, made.Requests, made.Open,
		made.AuditEvents, run.seeded.Round(time.Second), strings.Join(made.Took, ", "))
	w := newWorldOn(t, h, "規模")
	h.srv.Wait()
	// What the world leaves unshown: the published statistics, a notice draft (the
	// world published its own), the language switch with its parameters.
	mustStatus(t, "publish statistics", w.boss.post("/admin/requests/stats/publish", url.Values{"publish": {"on"}}), http.StatusSeeOther)
	mustStatus(t, "draft", w.boss.post("/admin/notices/draft/start", url.Values{}), http.StatusSeeOther)
	w.paths["/lang"] = "/lang?to=en&next=/privacy"

	for _, rt := range h.srv.Routes() {
		if rt.Method != http.MethodGet {
			continue
		}
		path := w.path(rt.Path)
		if p, ok := w.paths[rt.Path]; ok {
			path = p
		}
		if path == "" {
			t.Errorf("no path for %s: give the world one", rt.Path)
			continue
		}
		if strings.HasSuffix(rt.Path, ".csv") {
			run.exports[rt.Path] = measureExport(h, w.owner(path), path)
			continue
		}
		run.pages[rt.Path] = measurePage(h, w.owner(path), path)
	}
	// The audit trail's filters, over the whole trail: a rare actor (the world's citizen,
	// a few events), a common one (an officer of the demo), an action, a target.
	officer := made.OfficerIDs[0]
	for name, q := range map[string]string{
		"/admin/audit?actor=<citizen>":  "actor=" + w.a.ID,
		"/admin/audit?actor=<officer>":  "actor=" + officer,
		"/admin/audit?action=consents":  "action=consents",
		"/admin/audit?target=<request>": "target=" + made.Refs[len(made.Refs)/2],
		"/admin/audit?from=&to= (a month)": "from=" + h.clock.Now().AddDate(0, -7, 0).Format("2006-01-02") +
			"&to=" + h.clock.Now().AddDate(0, -6, 0).Format("2006-01-02"),
		"/officer/queue?kind=view&due=7": "",
		"/admin/users?email=<citizen>":   "",
	} {
		path := "/admin/audit?" + q
		switch {
		case strings.HasPrefix(name, "/officer/queue"):
			path = "/officer/queue?kind=view&due=7"
		case strings.HasPrefix(name, "/admin/users"):
			path = "/admin/users?email=" + demo.Email(people/2)
		}
		run.pages[name] = measurePage(h, w.boss, path)
	}
	run.exports["/admin/audit.csv?actor=<officer>"] = measureExport(h, w.boss, "/admin/audit.csv?actor="+officer)

	// The background jobs that read whole collections, timed once each.
	job := func(name string, f func() (string, error)) {
		t0 := time.Now()
		what, err := f()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		run.jobs = append(run.jobs, fmt.Sprintf("%s: %s (%s)", name, time.Since(t0).Round(100*time.Millisecond), what))
	}
	job("retention run", func() (string, error) {
		r, err := h.jobs.Retention.Run(ctx, "bench")
		if r == nil {
			return "", err
		}
		return fmt.Sprint(r.Deleted), err
	})
	job("audit trail verification", func() (string, error) {
		n, brk, err := audit.Verify(ctx, h.portal.Audit)
		if brk != nil {
			return "", brk
		}
		return fmt.Sprintf("%d events", n), err
	})
	job("backup", func() (string, error) {
		var out countingWriter
		m, err := store.Backup(ctx, h.db.DB, &out, store.BackupOptions{})
		if err != nil {
			return "", err
		}
		var docs int64
		for _, c := range m.Collections {
			docs += c.Docs
		}
		return fmt.Sprintf("%d documents, %d MB compressed", docs, out.n>>20), nil
	})
	return run
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// measurePage serves path scaleSamples times (after two unmeasured) and keeps the median.
func measurePage(h *harness, as *browser, path string) scalePage {
	var times []time.Duration
	status := 0
	for i := range scaleSamples + 2 {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		t0 := time.Now()
		status = serveRequest(h, as, req)
		if i >= 2 {
			times = append(times, time.Since(t0))
		}
	}
	slices.Sort(times)
	return scalePage{path: path, status: status, median: times[len(times)/2]}
}

// firstByteRecorder notes when the first byte of the body was written.
type firstByteRecorder struct {
	http.ResponseWriter
	status int
	start  time.Time
	first  time.Duration
	bytes  int64
}

func (r *firstByteRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
func (r *firstByteRecorder) Write(p []byte) (int, error) {
	if r.first == 0 && len(p) > 0 {
		r.first = time.Since(r.start)
	}
	r.bytes += int64(len(p))
	return len(p), nil // the body is counted, not kept: memory is the server's
}
func (r *firstByteRecorder) Flush() {}

// measureExport serves an export once (after one unmeasured), with the time to the first
// byte and to the end, and how far the heap grew meanwhile (sampled every 5 ms).
func measureExport(h *harness, as *browser, path string) scaleExport {
	serve := func() *firstByteRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, c := range as.jar {
			req.AddCookie(c)
		}
		for _, o := range as.opts {
			o(req)
		}
		rec := &firstByteRecorder{ResponseWriter: httptest.NewRecorder(), status: 200, start: time.Now()}
		h.h.ServeHTTP(rec, req)
		return rec
	}
	serve()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > before.HeapInuse && m.HeapInuse-before.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse - before.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	t0 := time.Now()
	rec := serve()
	total := time.Since(t0)
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return scaleExport{status: rec.status, first: rec.first, total: total, bytes: rec.bytes, peakHeap: peak.Load(), allocs: after.TotalAlloc - before.TotalAlloc}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// scaleReport is the table for BENCHMARKS.md: each page's median at each size, the ratio
// of the largest to the smallest, and a mark where a page is over 150 ms or grew by more
// than half.
func scaleReport(runs []*scaleRun) string {
	var sb strings.Builder
	if len(runs) == 0 {
		return ""
	}
	first, last := runs[0], runs[len(runs)-1]
	fmt.Fprintf(&sb, "\n| page | status |")
	for _, r := range runs {
		fmt.Fprintf(&sb, " %d citizens |", r.people)
	}
	fmt.Fprintf(&sb, " ratio |\n| --- | --- |")
	for range runs {
		fmt.Fprintf(&sb, " ---: |")
	}
	fmt.Fprintf(&sb, " ---: |\n")
	names := make([]string, 0, len(last.pages))
	for k := range last.pages {
		names = append(names, k)
	}
	sort.Strings(names)
	over := 0
	for _, name := range names {
		lp, fp := last.pages[name], first.pages[name]
		ratio := float64(lp.median) / float64(max(fp.median, time.Microsecond))
		mark := ""
		// Below 2 ms a ratio is the machine's noise, not the page's cost.
		if lp.median > 150*time.Millisecond || ratio > 1.5 && lp.median > 2*time.Millisecond {
			mark, over = " ⚠", over+1
		}
		fmt.Fprintf(&sb, "| `%s` | %d |", name, lp.status)
		for _, r := range runs {
			fmt.Fprintf(&sb, " %s ms |", ms(r.pages[name].median))
		}
		fmt.Fprintf(&sb, " %.2f%s |\n", ratio, mark)
	}
	fmt.Fprintf(&sb, "\n| export | ")
	for _, r := range runs {
		fmt.Fprintf(&sb, "%d: first byte / total / bytes / heap grew | ", r.people)
	}
	fmt.Fprintf(&sb, "\n| --- |")
	for range runs {
		fmt.Fprintf(&sb, " --- |")
	}
	fmt.Fprintf(&sb, "\n")
	exports := make([]string, 0, len(last.exports))
	for k := range last.exports {
		exports = append(exports, k)
	}
	sort.Strings(exports)
	for _, name := range exports {
		fmt.Fprintf(&sb, "| `%s` |", name)
		for _, r := range runs {
			e := r.exports[name]
			fmt.Fprintf(&sb, " %s / %s ms / %d B / %d KiB |", ms(e.first), ms(e.total), e.bytes, e.peakHeap>>10)
		}
		fmt.Fprintf(&sb, "\n")
	}
	fmt.Fprintf(&sb, "\n")
	for _, r := range runs {
		fmt.Fprintf(&sb, "- %d citizens: %d requests (%d open), %d audit events; demo written in %s (%s). Background jobs: %s.\n", r.people, r.made.Requests, r.made.Open,
			r.made.AuditEvents, r.seeded.Round(time.Second), strings.Join(r.made.Took, ", "), strings.Join(r.jobs, "; "))
	}
	fmt.Fprintf(&sb, "- Pages over 150 ms, or over 2 ms and more than 1.5× the smallest size's time (⚠): %d.\n", over)
	return sb.String()
}
