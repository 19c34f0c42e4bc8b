// Command crash files 1 000 rights requests concurrently while the portal is killed with
// SIGKILL part-way and restarted, then checks through the officer's API that every
// request whose confirmation reached the client exists exactly once.
//
//	go run ./scripts/load/crash            # -n 1000 -c 32 -citizens 20 -kill-after 300
//
// It builds ./cmd/portal, fills a fresh database under out/load/crash with `portal demo`
// (verified citizens person001… and admin@demo.invalid), and prints a summary ready to
// paste into BENCHMARKS.md. Exit status 1 when a confirmed request is lost or duplicated.
//
// The filing path is the JSON API, POST /api/v1/me/requests, with each citizen's session:
// its 201 carries the reference, the same confirmation the web form shows on the
// request's page, and it is easy to tell apart from a failure. Filing has no per-address
// limit; signing in does (10 a quarter-hour per address). The citizens sign in through a
// trusted proxy (PORTAL_TRUSTED_PROXIES=127.0.0.1) each with its own X-Forwarded-For
// address, as real citizens behind the agency's reverse proxy would, rather than
// lifting the limit. Sessions live in the database, so they outlast the crash.
//
// A filing whose connection is refused (the portal is down) never reached it, so it is
// sent again once the portal is back: it cannot have been stored. Any other failure
// (reset mid-request, no reply, 5xx) counts as failed in flight and is not retried: the
// client does not know whether it was stored, which is what the check must tolerate.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/example/pdpa-portal/scripts/load/loadkit"
)

func main() {
	n := flag.Int("n", 1000, "requests to file")
	conc := flag.Int("c", 32, "concurrent clients")
	citizens := flag.Int("citizens", 20, "citizen accounts filing")
	killAfter := flag.Int("kill-after", 300, "SIGKILL the portal once this many filings are confirmed")
	flag.Parse()

	env := loadkit.Setup("crash")
	machine := loadkit.Machine()
	env.Build("./cmd/portal")
	data := env.Out + "/data"
	fmt.Fprintln(os.Stderr, "seeding with portal demo …")
	env.Demo(data, max(*citizens, 10))
	settings := []string{"PORTAL_TRUSTED_PROXIES=127.0.0.1"}
	p := env.StartPortal("portal", data, settings...)
	p.MustReady()
	base := p.URL

	clients := make([]*loadkit.Client, *citizens)
	for i := range clients {
		clients[i] = loadkit.NewClient(30*time.Second, fmt.Sprintf("198.51.100.%d", i+1))
		loadkit.Must(clients[i].SignIn(base, loadkit.Citizen(i+1), loadkit.DemoPassword))
	}
	admin := loadkit.NewClient(30*time.Second, "198.51.100.250")
	loadkit.Must(admin.SignIn(base, "admin@demo.invalid", loadkit.DemoPassword))
	token, err := admin.IssueToken(base, "crash check", "requests:read")
	loadkit.Must(err)
	before, err := admin.OpenRefs(base, token)
	loadkit.Must(err)

	run := fmt.Sprintf("crash-%d", time.Now().Unix())
	type result struct {
		tag     string
		citizen int
		f       loadkit.Filing
		resent  int
	}
	results := make([]result, *n)
	var confirmed atomic.Int64
	var mu sync.RWMutex // guards base/p across the restart
	killed := make(chan struct{})
	var killOnce sync.Once
	var killedAt, readyAt time.Time
	var restartReady time.Duration

	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ci := i % *citizens
				r := result{tag: fmt.Sprintf("%s-%04d", run, i), citizen: ci}
				for {
					mu.RLock()
					b := base
					mu.RUnlock()
					r.f = clients[ci].File(b, r.tag)
					if r.f.Sent {
						break
					}
					r.resent++
					time.Sleep(50 * time.Millisecond)
				}
				results[i] = r
				if r.f.Ref != "" && confirmed.Add(1) == int64(*killAfter) {
					killOnce.Do(func() { close(killed) })
				}
			}
		}()
	}
	// The crash: SIGKILL at the chosen point, then restart on the same data directory
	// and port as an init system would.
	crashDone := make(chan struct{})
	go func() {
		defer close(crashDone)
		<-killed
		killedAt = time.Now()
		p.Kill()
		addr := base[len("http://"):]
		np := env.Start("portal", "portal", []string{"-addr", addr, "-data-dir", data, "-shutdown-timeout", "10s"}, settings)
		np.URL = base
		d, err := np.WaitReady(60 * time.Second)
		loadkit.Must(err)
		restartReady, readyAt = d, time.Now()
		mu.Lock()
		p = np
		mu.Unlock()
	}()
	for i := 0; i < *n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	killOnce.Do(func() { close(killed) }) // fewer confirmations than kill-after: crash at the end
	<-crashDone

	// The check, through the officer's API after the restart.
	byTag := map[string][]loadkit.StoredRequest{}
	after, err := admin.OpenRefs(base, token)
	loadkit.Must(err)
	old := map[string]bool{}
	for _, r := range before {
		old[r] = true
	}
	// A filing cut off between its queue entry and its document leaves an entry whose
	// page answers 404 (store.Requests.Create writes the queue entry first, by design):
	// counted, and a failure only if its reference was confirmed.
	orphans := map[string]bool{}
	for _, ref := range after {
		if old[ref] {
			continue
		}
		var sr loadkit.StoredRequest
		code, err := admin.GetJSON(base+"/api/v1/requests/"+ref, token, &sr)
		switch {
		case err == nil && code == 404:
			orphans[ref] = true
			continue
		case err != nil || code != 200:
			loadkit.Fatalf("officer API on %s: %d %v", ref, code, err)
		}
		byTag[sr.Explanation] = append(byTag[sr.Explanation], sr)
	}
	// Each citizen's own list must name each of their confirmed requests once, too.
	listed := map[string]int{}
	for _, c := range clients {
		var mine struct {
			Requests []struct {
				Ref string `json:"ref"`
			} `json:"requests"`
		}
		code, err := c.GetJSON(base+"/api/v1/me/requests", "", &mine)
		if err != nil || code != 200 {
			loadkit.Fatalf("my requests: %d %v", code, err)
		}
		for _, r := range mine.Requests {
			listed[r.Ref]++
		}
	}

	var nConfirmed, nFailed, nStoredUnconfirmed, lost, dup, wrong, notListed, resent int
	statuses := map[string]int{}
	var problems []string
	for _, r := range results {
		resent += r.resent
		stored := byTag[r.tag]
		if len(stored) > 1 {
			dup++
			problems = append(problems, fmt.Sprintf("%s stored %d times", r.tag, len(stored)))
		}
		if r.f.Ref == "" {
			nFailed++
			key := fmt.Sprint(r.f.Status)
			if r.f.Status == 0 {
				key = "no reply"
			}
			statuses[key]++
			if len(stored) == 1 {
				nStoredUnconfirmed++
			}
			continue
		}
		nConfirmed++
		switch {
		case len(stored) == 0:
			lost++
			problems = append(problems, fmt.Sprintf("%s confirmed as %s but not stored", r.tag, r.f.Ref))
		case stored[0].Ref != r.f.Ref:
			wrong++
			problems = append(problems, fmt.Sprintf("%s confirmed as %s but stored as %s", r.tag, r.f.Ref, stored[0].Ref))
		}
		if listed[r.f.Ref] != 1 {
			notListed++
			problems = append(problems, fmt.Sprintf("%s listed %d times on its owner's page", r.f.Ref, listed[r.f.Ref]))
		}
	}
	panics, errorLines, sample := loadkit.LogFindings(p.LogPath)
	mu.RLock()
	p.Stop()
	mu.RUnlock()

	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	failedBy := ""
	for _, k := range keys {
		failedBy += fmt.Sprintf(" %s×%d", k, statuses[k])
	}
	fmt.Printf("\n### Crash: SIGKILL while %d requests are filed\n\n", *n)
	fmt.Printf("```sh\ngo run ./scripts/load/crash -n %d -c %d -citizens %d -kill-after %d\n```\n\n", *n, *conc, *citizens, *killAfter)
	fmt.Printf("Machine: %s.\n\n", machine)
	fmt.Printf("| | |\n| --- | ---: |\n")
	fmt.Printf("| requests filed (POST /api/v1/me/requests, %d clients, %d citizens) | %d |\n", *conc, *citizens, *n)
	fmt.Printf("| confirmed (201 with a reference) | %d |\n", nConfirmed)
	fmt.Printf("| failed in flight (sent, no confirmation):%s | %d |\n", failedBy, nFailed)
	fmt.Printf("| … of which stored anyway (unconfirmed, found once) | %d |\n", nStoredUnconfirmed)
	fmt.Printf("| queue entries left without their request (404 to the officer) | %d |\n", len(orphans))
	fmt.Printf("| refused connections sent again after the restart | %d |\n", resent)
	fmt.Printf("| confirmed but missing | **%d** |\n", lost)
	fmt.Printf("| stored more than once | **%d** |\n", dup)
	fmt.Printf("| confirmed under another reference | **%d** |\n", wrong)
	fmt.Printf("| confirmed but not listed exactly once on the citizen's list | **%d** |\n", notListed)
	fmt.Printf("| restart, exec to /readyz 200 | %s |\n", restartReady.Round(time.Millisecond))
	fmt.Printf("| portal down (SIGKILL to ready) | %s |\n", readyAt.Sub(killedAt).Round(time.Millisecond))
	fmt.Printf("| whole run | %s (%.0f filings/s) |\n", elapsed.Round(time.Millisecond), float64(*n)/elapsed.Seconds())
	fmt.Printf("| portal log: panics / error lines | %d / %d |\n", panics, errorLines)
	if sample != "" {
		fmt.Printf("\nFirst log finding: `%.200s`\n", sample)
	}
	if len(problems) > 0 {
		for i, pr := range problems {
			if i == 20 {
				break
			}
			fmt.Println("- " + pr)
		}
		os.Exit(1)
	}
	fmt.Println("\nEvery confirmed request exists exactly once, under the reference the client was given.")
}
