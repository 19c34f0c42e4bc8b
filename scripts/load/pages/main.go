// Command pages measures the public pages under load with wrk, beside a bare Gin server
// measured in the same run, each page's latency with the script's own client (wrk's
// percentiles are corrected for coordinated omission: latency.go), and the portal's
// memory at idle and under load.
//
//	apt-get install -y wrk                # once
//	go run ./scripts/load/pages           # -d 10s -c 8 -t 2; -only public or -only signed-in for one part
//
// Three servers, one after the other, each a real binary on a fresh data directory:
//   - bare: scripts/load/bare, plain Gin rendering a page of the portal page's size;
//   - portal, analytics on: every request is a browser (Firefox user agent) that accepted
//     the analytics cookie and carries a visitor cookie, so every view is counted (the
//     buffer is flushed every second meanwhile); the counts are read back afterwards;
//   - portal, analytics off (PORTAL_ANALYTICS=off), the same requests, each page measured
//     right after the same page with analytics on (both portals run side by side);
//   - portal on the demo agency (`portal demo`), signed-in pages: a citizen's /account and
//     /requests, an officer's /officer/queue.
//
// wrk rather than hey: hey 0.1.4 replaces any User-Agent given with its own, and the
// counting path needs a browser's. Prints a summary ready to paste into BENCHMARKS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/scripts/load/loadkit"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
)

const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

type result struct {
	rps                float64
	p50, p90, p99      string
	requests, non2xx   int
	maxRSS, hwm, idle  float64
	server, page, note string
	lat                latencies
}

var (
	rpsRE   = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	latRE   = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+([\d.]+\w+)`)
	reqsRE  = regexp.MustCompile(`(\d+) requests in`)
	non2xRE = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func main() {
	dur := flag.Duration("d", 10*time.Second, "duration of each measurement")
	conns := flag.Int("c", 8, "connections")
	threads := flag.Int("t", 2, "wrk threads")
	latDur := flag.Duration("ld", 5*time.Second, "duration of each latency measurement (after wrk's, same connections)")
	only := flag.String("only", "", `"public" or "signed-in" to measure one part (with its bare pages); all when empty`)
	flag.Parse()
	if *only != "" && *only != "public" && *only != "signed-in" {
		loadkit.Fatalf("-only: public, signed-in or nothing")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		loadkit.Fatalf("wrk is not installed (apt-get install -y wrk)")
	}
	// The latency client runs in this process; one core at most, as wrk's threads share
	// the machine with the server too.
	runtime.GOMAXPROCS(1)
	env := loadkit.Setup("pages")
	machine := loadkit.Machine()
	env.Build("./cmd/portal", "./scripts/load/bare")

	wrk := func(url string, headers []string, pid int) result {
		args := []string{"-t", strconv.Itoa(*threads), "-c", strconv.Itoa(*conns), "-d", dur.String(), "--latency"}
		for _, h := range headers {
			args = append(args, "-H", h)
		}
		// Warm up (templates, connection pools, the page cache) before measuring.
		_ = exec.Command("wrk", append([]string{"-t", "1", "-c", "2", "-d", "2s"}, append(headers2args(headers), url)...)...).Run() // #nosec G204 -- the script runs its own freshly built binaries, go and wrk, with arguments it builds
		var maxRSS float64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		if pid > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if rss, _ := loadkit.Memory(pid); rss > maxRSS {
						maxRSS = rss
					}
					select {
					case <-stop:
						return
					case <-time.After(200 * time.Millisecond):
					}
				}
			}()
		}
		out, err := exec.Command("wrk", append(args, url)...).CombinedOutput() // #nosec G204 -- the script runs its own freshly built binaries, go and wrk, with arguments it builds
		close(stop)
		wg.Wait()
		if err != nil {
			loadkit.Fatalf("wrk: %v\n%s", err, out)
		}
		r := result{maxRSS: maxRSS}
		if m := rpsRE.FindSubmatch(out); m != nil {
			r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
		}
		for _, m := range latRE.FindAllSubmatch(out, -1) {
			switch string(m[1]) {
			case "50":
				r.p50 = string(m[2])
			case "90":
				r.p90 = string(m[2])
			case "99":
				r.p99 = string(m[2])
			}
		}
		if m := reqsRE.FindSubmatch(out); m != nil {
			r.requests, _ = strconv.Atoi(string(m[1]))
		}
		if m := non2xRE.FindSubmatch(out); m != nil {
			r.non2xx, _ = strconv.Atoi(string(m[1]))
		}
		if pid > 0 {
			_, r.hwm = loadkit.Memory(pid)
		}
		r.lat = measureLatency(url, headers, *conns, *latDur)
		if r.lat.failed != "" {
			loadkit.Fatalf("latency of %s: %s", url, r.lat.failed)
		}
		return r
	}

	publicPaths := []string{"/", "/privacy", "/cookies", "/privacy/files"}
	var paths []string
	var results []result
	sizes := map[string]int{}

	// The portal twice, analytics on and off, both running, each page measured on one and
	// then at once on the other: on a machine shared with others, measurements minutes
	// apart compared whatever else ran then more than they compared counting.
	type portal struct {
		mode, dir string
		p         *loadkit.Proc
		headers   []string
		idle      float64
		served    int
	}
	var portals []*portal
	modes := []string{"on", "off"}
	if *only == "signed-in" {
		modes = nil
	}
	for _, mode := range modes {
		dir := filepath.Join(env.Out, "data-"+mode)
		p := env.StartPortal("portal-"+mode, dir, "PORTAL_ANALYTICS="+mode, "PORTAL_ANALYTICS_FLUSH=1s")
		p.MustReady()
		portals = append(portals, &portal{mode: mode, dir: dir, p: p})
	}
	if len(portals) > 0 {
		paths = publicPaths
		time.Sleep(2 * time.Second)
	}
	for _, pt := range portals {
		pt.idle, _ = loadkit.Memory(pt.p.Pid())
		pt.headers = []string{"User-Agent: " + firefox, "Accept-Language: zh-TW,zh;q=0.9,en;q=0.5"}
		if pt.mode == "on" {
			pt.headers = append(pt.headers, "Cookie: portal_cookies=analytics; portal_visit="+visitorCookie(pt.p.URL))
		}
	}
	for _, path := range paths {
		// As served without counting (with it, a browser without the choice cookie also
		// gets the cookie banner, which wrk's browser, having chosen, does not).
		sizes[path] = pageSize(portals[1].p.URL+path, "")
		for _, pt := range portals {
			r := wrk(pt.p.URL+path, pt.headers, pt.p.Pid())
			r.server, r.page, r.idle = "portal, analytics "+pt.mode, path, pt.idle
			pt.served += r.requests
			results = append(results, r)
		}
	}
	if len(portals) > 0 {
		time.Sleep(2500 * time.Millisecond) // one more flush
	}
	for _, pt := range portals {
		if pt.mode == "on" {
			counted := countedViews(pt.dir)
			results[len(results)-1].note = fmt.Sprintf("views counted today (wrk, warm-ups and the set-up requests): %d; wrk's requests measured: %d", counted, pt.served)
		}
		pt.p.Stop()
		if panics, _, sample := loadkit.LogFindings(pt.p.LogPath); panics > 0 {
			loadkit.Fatalf("panic in the portal's log: %s", sample)
		}
	}

	// Signed-in pages, on the demo agency: its first citizen's account and requests, and
	// an officer's queue, each browser with its session cookie (counting on).
	signedIn := []struct{ email, path string }{{loadkit.Citizen(1), "/account"}, {loadkit.Citizen(1), "/requests"}, {"officer@demo.invalid", "/officer/queue"}}
	if *only != "public" {
		dir := filepath.Join(env.Out, "data-signed-in")
		env.Demo(dir, 10)
		p := env.StartPortal("portal-signed-in", dir, "PORTAL_ANALYTICS=on", "PORTAL_ANALYTICS_FLUSH=1s")
		p.MustReady()
		time.Sleep(2 * time.Second)
		// Idle before anyone signs in: each sign-in's argon2id hash takes 64 MiB for a
		// moment, which VmHWM afterwards includes.
		idle, _ := loadkit.Memory(p.Pid())
		// Each person signs in once, before any load, and the cookie serves all their pages.
		cookies := map[string]string{}
		for _, s := range signedIn {
			if _, ok := cookies[s.email]; !ok {
				cookies[s.email] = sessionCookie(p.URL, s.email)
			}
		}
		for _, s := range signedIn {
			ck := cookies[s.email]
			headers := []string{"User-Agent: " + firefox, "Accept-Language: zh-TW,zh;q=0.9,en;q=0.5", "Cookie: portal_cookies=analytics; " + ck}
			sizes[s.path] = pageSize(p.URL+s.path, ck)
			r := wrk(p.URL+s.path, headers, p.Pid())
			r.server, r.page, r.idle = "portal, signed in", s.path, idle
			results = append(results, r)
			paths = append(paths, s.path)
		}
		p.Stop()
		if panics, _, sample := loadkit.LogFindings(p.LogPath); panics > 0 {
			loadkit.Fatalf("panic in the portal's log: %s", sample)
		}
	}

	// The bare baseline with pages of the same sizes.
	addr := loadkit.FreeAddr()
	bareArgs := []string{"-addr", addr}
	for _, path := range paths {
		switch path {
		case "/":
			bareArgs = append(bareArgs, "-home-bytes", strconv.Itoa(sizes[path]))
		case "/privacy":
			bareArgs = append(bareArgs, "-privacy-bytes", strconv.Itoa(sizes[path]))
		default:
			bareArgs = append(bareArgs, "-page", path+"="+strconv.Itoa(sizes[path]))
		}
	}
	bare := env.Start("bare", "bare", bareArgs, nil)
	bare.URL = "http://" + addr
	bare.MustReady()
	for _, path := range paths {
		r := wrk(bare.URL+path, []string{"User-Agent: " + firefox}, bare.Pid())
		r.server, r.page = "bare Gin", path
		results = append(results, r)
	}
	bare.Stop()

	baseline := map[string]float64{}
	for _, r := range results {
		if r.server == "bare Gin" {
			baseline[r.page] = r.rps
		}
	}
	fmt.Printf("\n### Public pages under load, beside a bare Gin server\n\n")
	onlyArg := ""
	if *only != "" {
		onlyArg = " -only " + *only
	}
	fmt.Printf("```sh\napt-get install -y wrk\ngo run ./scripts/load/pages -d %s -c %d -t %d%s\n```\n\n", *dur, *conns, *threads, onlyArg)
	fmt.Printf("Machine: %s. wrk on the same machine; page sizes:", machine)
	for _, path := range paths {
		fmt.Printf(" %s %d B,", path, sizes[path])
	}
	fmt.Printf(" (the bare pages are made as large).\n\n")
	fmt.Printf("Throughput (wrk, %d connections, %d threads) and latency (the script's own client, the same %d connections one after the other, %s per page; raw latencies, see below):\n\n", *conns, *threads, *conns, *latDur)
	fmt.Printf("| server | page | req/s | portal/bare | p50 | p90 | p99 | p99.9 | in flight | non-2xx | wrk's p99 |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range results {
		ratio := "—"
		if b := baseline[r.page]; b > 0 && r.server != "bare Gin" {
			ratio = fmt.Sprintf("%.2f", r.rps/b)
		}
		l := r.lat
		fmt.Printf("| %s | `%s` | %.0f | %s | %s | %s | %s | %s | %.1f | %d | %s |\n", r.server, r.page, r.rps, ratio, ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p999), l.inFlight(), r.non2xx, r.p99)
	}
	fmt.Printf("\np99 portal / p99 bare (raw):")
	for _, path := range paths {
		var bare time.Duration
		for _, r := range results {
			if r.server == "bare Gin" && r.page == path {
				bare = r.lat.p99
			}
		}
		for _, r := range results {
			if r.server != "bare Gin" && r.page == path && bare > 0 {
				fmt.Printf(" `%s` %s %.1f×;", path, strings.TrimPrefix(r.server, "portal, "), float64(r.lat.p99)/float64(bare))
			}
		}
	}
	fmt.Println()
	fmt.Printf("\n\"in flight\" is mean latency × the client's requests per second, which for %d connections must be about %d: the check that the latencies are what the client waited. wrk's p99 is printed for comparison only: wrk 4 adds synthetic samples for coordinated omission to its histogram after the run, which in a closed loop of a few connections makes its p90 and p99 mostly synthetic.\n", *conns, *conns)
	if *only != "signed-in" {
		fmt.Printf("\nCounting on vs off, req/s:")
		for _, path := range paths {
			on, off := rpsOf(results, "portal, analytics on", path), rpsOf(results, "portal, analytics off", path)
			if off > 0 {
				fmt.Printf(" `%s` %.0f %%;", path, 100*on/off)
			}
		}
		fmt.Println()
	}
	fmt.Printf("\nMemory (VmRSS; peak VmHWM), MiB:\n\n| server | idle | highest sampled under load | VmHWM after |\n| --- | ---: | ---: | ---: |\n")
	for _, srv := range []string{"portal, analytics on", "portal, analytics off", "portal, signed in", "bare Gin"} {
		var idle, maxRSS, hwm float64
		measured := false
		for _, r := range results {
			if r.server == srv {
				idle, maxRSS, hwm = max(idle, r.idle), max(maxRSS, r.maxRSS), max(hwm, r.hwm)
				measured = true
			}
		}
		if !measured {
			continue // not in this run (-only)
		}
		idleS := fmt.Sprintf("%.1f", idle)
		if srv == "bare Gin" {
			idleS = "—"
		}
		fmt.Printf("| %s | %s | %.1f | %.1f |\n", srv, idleS, maxRSS, hwm)
	}
	for _, r := range results {
		if r.note != "" {
			fmt.Printf("\n%s.\n", r.note)
		}
	}
}

func headers2args(hs []string) []string {
	var out []string
	for _, h := range hs {
		out = append(out, "-H", h)
	}
	return out
}

func rpsOf(rs []result, server, page string) float64 {
	for _, r := range rs {
		if r.server == server && r.page == page {
			return r.rps
		}
	}
	return 0
}

// pageSize is the size of the page's body as a browser gets it (with cookie, if any);
// anything but 200 stops the run, as wrk would measure a redirect.
func pageSize(url, cookie string) int {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("User-Agent", firefox)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	loadkit.Must(err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		loadkit.Fatalf("%s: status %d", url, res.StatusCode)
	}
	return len(b)
}

// sessionCookie signs a demo person in and returns their session cookie as name=value.
func sessionCookie(base, email string) string {
	c := loadkit.NewClient(30*time.Second, "")
	loadkit.Must(c.SignIn(base, email, loadkit.DemoPassword))
	u, _ := url.Parse(base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if strings.Contains(ck.Name, "session") {
			return ck.Name + "=" + ck.Value
		}
	}
	loadkit.Fatalf("no session cookie for %s", email)
	return ""
}

// visitorCookie is the visitor cookie the portal gives a browser that accepted analytics.
func visitorCookie(base string) string {
	req, _ := http.NewRequest(http.MethodGet, base+"/privacy", nil)
	req.Header.Set("User-Agent", firefox)
	req.Header.Set("Cookie", "portal_cookies=analytics")
	res, err := http.DefaultClient.Do(req)
	loadkit.Must(err)
	_ = res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "portal_visit" {
			return c.Value
		}
	}
	loadkit.Fatalf("no visitor cookie: analytics not counting")
	return ""
}

// countedViews reads today's stored page views of the stopped-or-running portal's
// database through the portal's own socket.
func countedViews(dir string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Connect(ctx, embedded.SocketURI(dir), "portal", store.Options{})
	loadkit.Must(err)
	defer db.Close(ctx)
	today := analytics.DayOf(time.Now())
	r, err := store.NewAnalytics(db, time.Now).Range(ctx, today, today)
	loadkit.Must(err)
	var n int64
	for _, v := range r.Sum.Tables[analytics.DimPath] {
		n += v
	}
	if n == 0 {
		loadkit.Fatalf("no views counted with analytics on")
	}
	return n
}
