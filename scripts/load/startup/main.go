// Command startup measures the portal's start-up time, from exec of the binary to
// /readyz answering 200 (the embedded engine started, the database prepared), and its
// resident memory once idle.
//
//	go run ./scripts/load/startup         # -runs 3 -people 120
//
// Three cases, each run -runs times: a fresh data directory (keys generated, collections
// and indexes created, the first notice published); the same directory again (after a
// clean SIGTERM); and a directory holding `portal demo` data (-people citizens with
// their requests, consents and a year of traffic). Prints a summary ready to paste into
// BENCHMARKS.md.
package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/example/pdpa-portal/scripts/load/loadkit"
)

func main() {
	runs := flag.Int("runs", 3, "starts per case")
	people := flag.Int("people", 120, "citizens in the demo data directory")
	flag.Parse()
	env := loadkit.Setup("startup")
	machine := loadkit.Machine()
	env.Build("./cmd/portal")

	type measured struct {
		ready     []time.Duration
		idle, hwm []float64
		name      string
	}
	start := func(m *measured, dir string) {
		p := env.StartPortal("portal", dir)
		d := p.MustReady()
		time.Sleep(2 * time.Second) // let start-up work settle before reading memory
		rss, hwm := loadkit.Memory(p.Pid())
		p.Stop()
		m.ready, m.idle, m.hwm = append(m.ready, d), append(m.idle, rss), append(m.hwm, hwm)
	}
	fresh := &measured{name: "fresh data directory"}
	again := &measured{name: "existing directory (after a fresh start)"}
	for i := 0; i < *runs; i++ {
		dir := filepath.Join(env.Out, fmt.Sprintf("fresh-%d", i))
		start(fresh, dir)
		start(again, dir)
	}
	demo := &measured{name: fmt.Sprintf("existing directory with demo data (%d citizens)", *people)}
	dir := filepath.Join(env.Out, "demo")
	env.Demo(dir, *people)
	for i := 0; i < *runs; i++ {
		start(demo, dir)
	}

	fmt.Printf("\n### Start-up time and idle memory\n\n")
	fmt.Printf("```sh\ngo run ./scripts/load/startup -runs %d -people %d\n```\n\n", *runs, *people)
	fmt.Printf("Machine: %s. Exec of the built binary to the first 200 from /readyz (polled every 10 ms); memory 2 s later.\n\n", machine)
	fmt.Printf("| case | exec → /readyz 200 (each run) | median | idle VmRSS (MiB) | VmHWM (MiB) |\n| --- | --- | ---: | ---: | ---: |\n")
	for _, m := range []*measured{fresh, again, demo} {
		var each []string
		for _, d := range m.ready {
			each = append(each, d.Round(time.Millisecond).String())
		}
		fmt.Printf("| %s | %s | %s | %.1f | %.1f |\n", m.name, strings.Join(each, ", "), median(m.ready).Round(time.Millisecond), medianF(m.idle), medianF(m.hwm))
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func medianF(fs []float64) float64 {
	s := append([]float64(nil), fs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
