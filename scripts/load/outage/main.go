// Command outage stops the database for 10 seconds while the portal is under load and
// counts the answers per second: pages must be clear 503s (never 500, never a panic in
// the log), and everything must work again once the database is back, including
// requests filed during the recovery.
//
//	go run ./scripts/load/outage          # -down 10s -before 5s -after 20s -c 8
//
// The embedded engine lives inside the portal's process, so here the same engine runs in
// a process of its own (scripts/load/dbserver, embedded.Start on a Unix socket) and
// the portal reaches it with MONGODB_URI. The outage is a SIGKILL of that process (no
// clean shutdown, sockets reset), and a restart on the same files 10 s later.
//
// Load: anonymous GET / and /privacy, a signed-in citizen's GET /requests (every such
// page reads the session from the database), GET /readyz, and filings through
// POST /api/v1/me/requests. Afterwards every filing confirmed with a reference is looked
// up through the officer's API. Prints a summary ready to paste into BENCHMARKS.md; exit
// status 1 on a 500, a panic, a lost request or no recovery.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/example/pdpa-portal/scripts/load/loadkit"
	"github.com/example/pdpa-portal/store/embedded"
)

type sample struct {
	at     time.Duration // answered, since the load started
	took   time.Duration // from sending to the answer
	target string
	status int // 0: no HTTP answer
	clear  bool
}

func main() {
	down := flag.Duration("down", 10*time.Second, "how long the database stays stopped")
	before := flag.Duration("before", 5*time.Second, "load before the outage")
	after := flag.Duration("after", 20*time.Second, "load after the database is restarted")
	conc := flag.Int("c", 8, "concurrent page clients (plus 2 filing)")
	flag.Parse()

	env := loadkit.Setup("outage")
	machine := loadkit.Machine()
	env.Build("./cmd/portal", "./scripts/load/dbserver")
	dbDir, portalDir := filepath.Join(env.Out, "db"), filepath.Join(env.Out, "portal")
	uri := embedded.SocketURI(dbDir)
	startDB := func() *loadkit.Proc {
		db := env.Start("dbserver", "dbserver", []string{"-dir", dbDir}, nil)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if c, err := net.Dial("unix", embedded.SocketPath(dbDir)); err == nil {
				_ = c.Close()
				return db
			}
			time.Sleep(10 * time.Millisecond)
		}
		loadkit.Fatalf("dbserver did not listen (log %s)", db.LogPath)
		return nil
	}
	db := startDB()
	settings := []string{"MONGODB_URI=" + uri, "PORTAL_TRUSTED_PROXIES=127.0.0.1"}
	fmt.Fprintln(os.Stderr, "seeding with portal demo …")
	env.Demo(portalDir, 10, settings...)
	p := env.StartPortal("portal", portalDir, settings...)
	p.MustReady()
	base := p.URL

	admin := loadkit.NewClient(30*time.Second, "198.51.100.250")
	loadkit.Must(admin.SignIn(base, "admin@demo.invalid", loadkit.DemoPassword))
	token, err := admin.IssueToken(base, "outage check", "requests:read")
	loadkit.Must(err)
	citizens := make([]*loadkit.Client, 4)
	for i := range citizens {
		citizens[i] = loadkit.NewClient(15*time.Second, fmt.Sprintf("198.51.100.%d", i+1))
		loadkit.Must(citizens[i].SignIn(base, loadkit.Citizen(i+1), loadkit.DemoPassword))
	}
	anon := loadkit.NewClient(15*time.Second, "")

	var mu sync.Mutex
	var samples []sample
	type filed struct {
		tag, ref string
		at       time.Duration
	}
	var filings []filed
	record := func(s sample) { mu.Lock(); samples = append(samples, s); mu.Unlock() }
	get := func(c *loadkit.Client, target string, t0 time.Time) {
		req, _ := http.NewRequest(http.MethodGet, base+target, nil)
		sent := time.Now()
		res, err := c.Do(req)
		s := sample{at: time.Since(t0), took: time.Since(sent), target: target}
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			s.status = res.StatusCode
			// A clear 503: Retry-After and the page saying the database is away, in the
			// visitor's language; /readyz is for load balancers and says it in JSON.
			switch {
			case res.StatusCode != 503:
				s.clear = true
			case target == "/readyz":
				s.clear = strings.Contains(string(body), "database unavailable")
			default:
				s.clear = res.Header.Get("Retry-After") != "" && strings.Contains(string(body), "服務暫時無法使用")
			}
		}
		record(s)
	}

	total := *before + *down + *after
	t0 := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	targets := []string{"/", "/privacy", "/requests", "/readyz"}
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				target := targets[(w+i)%len(targets)]
				c := anon
				if target == "/requests" {
					c = citizens[w%len(citizens)]
				}
				get(c, target, t0)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tag := fmt.Sprintf("outage-%d-%d-%04d", t0.Unix(), w, i)
				sent := time.Now()
				f := citizens[w].File(base, tag)
				at := time.Since(t0)
				s := sample{at: at, took: time.Since(sent), target: "POST /api/v1/me/requests", status: f.Status, clear: true}
				if f.Ref != "" {
					s.status = 201
					mu.Lock()
					filings = append(filings, filed{tag, f.Ref, at})
					mu.Unlock()
				}
				record(s)
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}

	time.Sleep(*before)
	killAt := time.Since(t0)
	db.Kill()
	time.Sleep(*down)
	restartAt := time.Since(t0)
	db = startDB()
	time.Sleep(total - time.Since(t0))
	close(stop)
	wg.Wait()

	// Every confirmed filing, before, during and after the outage, through the officer's API.
	var lost []string
	afterRestart := 0
	for _, f := range filings {
		var sr loadkit.StoredRequest
		code, err := admin.GetJSON(base+"/api/v1/requests/"+f.ref, token, &sr)
		if err != nil || code != 200 || sr.Explanation != f.tag {
			lost = append(lost, fmt.Sprintf("%s (%s): %d %v", f.ref, f.tag, code, err))
		}
		if f.at > restartAt {
			afterRestart++
		}
	}
	p.Stop()
	db.Stop()
	panics, errorLines, logSample := loadkit.LogFindings(p.LogPath)

	// Statuses per second of the run.
	secs := int(total/time.Second) + 1
	type row struct{ ok, unavailable, server, other, noAnswer, unclear int }
	rows := make([]row, secs)
	var n500, unclear int
	lastBad := time.Duration(0)
	for _, s := range samples {
		r := &rows[min(int(s.at/time.Second), secs-1)]
		switch {
		case s.status == 200 || s.status == 201:
			r.ok++
		case s.status == 503:
			r.unavailable++
		case s.status >= 500:
			r.server++
			n500++
		case s.status == 0:
			r.noAnswer++
		default:
			r.other++
		}
		if !s.clear {
			r.unclear++
			unclear++
		}
		if s.status != 200 && s.status != 201 && s.at > lastBad {
			lastBad = s.at
		}
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i].at < samples[j].at })

	fmt.Printf("\n### Database stopped for %s under load\n\n", *down)
	fmt.Printf("```sh\ngo run ./scripts/load/outage -down %s -before %s -after %s -c %d\n```\n\n", *down, *before, *after, *conc)
	fmt.Printf("Machine: %s. Database: FerretDB 1.24 (SQLite) in its own process (scripts/load/dbserver), MONGODB_URI on its Unix socket; SIGKILL at %.1f s, restarted at %.1f s.\n\n",
		machine, killAt.Seconds(), restartAt.Seconds())
	fmt.Printf("| second | 200/201 | 503 | 500+ | other | no answer |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for i, r := range rows {
		mark := ""
		switch {
		case time.Duration(i)*time.Second >= killAt.Truncate(time.Second) && time.Duration(i)*time.Second < restartAt:
			mark = " (down)"
		}
		fmt.Printf("| %d%s | %d | %d | %d | %d | %d |\n", i, mark, r.ok, r.unavailable, r.server, r.other, r.noAnswer)
	}
	// Per target, for the requests sent while the database was away.
	type tally struct {
		ok, unavailable, other int
		slowest                time.Duration
	}
	during := map[string]*tally{}
	for _, s := range samples {
		if sentAt := s.at - s.took; sentAt < killAt || sentAt > restartAt {
			continue
		}
		t := during[s.target]
		if t == nil {
			t = &tally{}
			during[s.target] = t
		}
		switch {
		case s.status == 200 || s.status == 201:
			t.ok++
		case s.status == 503:
			t.unavailable++
		default:
			t.other++
		}
		t.slowest = max(t.slowest, s.took)
	}
	names := make([]string, 0, len(during))
	for k := range during {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Printf("\nRequests sent while the database was away (per-second table: by time of answer):\n\n| target | 200/201 | 503 | other | slowest answer |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, k := range names {
		t := during[k]
		fmt.Printf("| `%s` | %d | %d | %d | %s |\n", k, t.ok, t.unavailable, t.other, t.slowest.Round(time.Millisecond))
	}
	recovered := lastBad - restartAt
	fmt.Printf("\n- answers: %d; 500 or other 5xx: **%d**; 503 without Retry-After and the unavailable message: **%d**\n", len(samples), n500, unclear)
	fmt.Printf("- last answer other than 200/201 at %.1f s, %.1f s after the database was restarted\n", lastBad.Seconds(), recovered.Seconds())
	fmt.Printf("- filings confirmed: %d (%d after the restart); missing afterwards: **%d**\n", len(filings), afterRestart, len(lost))
	fmt.Printf("- portal log: panics or stack traces **%d**, error lines %d (each 5xx is logged)\n", panics, errorLines)
	failed := n500 > 0 || unclear > 0 || len(lost) > 0 || panics > 0 || afterRestart == 0 || lastBad > total-5*time.Second
	if panics > 0 {
		fmt.Printf("\nFirst log finding: `%.200s`\n", logSample)
	}
	for _, l := range lost {
		fmt.Println("- lost: " + l)
	}
	if failed {
		fmt.Println("\nFAILED: see above.")
		os.Exit(1)
	}
	fmt.Println("\nThe portal answered 503 while the database was away and recovered fully on its own.")
}
