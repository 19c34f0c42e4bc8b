package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/example/pdpa-portal/scripts/load/loadkit"
)

// latencies are request latencies as the client saw them, each from writing the request
// to reading the last byte of the response, with nothing added.
//
// wrk's own percentiles are not that: after the run wrk 4 "corrects" its histogram for
// coordinated omission (stats_correct), adding for every response slower than twice the
// mean interval between one connection's requests synthetic samples at that latency less
// one, two, … intervals. In a closed loop of 8 connections the interval is a fraction of a
// millisecond, so one 10 ms response adds about 20 samples and the printed p90/p99 are
// mostly synthetic: with 8 connections wrk reports mean latency × requests/s of 13 in
// flight for the bare page and over 40 for the portal, which no 8 connections can have.
type latencies struct {
	p50, p90, p99, p999, mean time.Duration
	rps                       float64
	n                         int
	failed                    string
}

// inFlight is Little's law's check of the figures: mean latency × throughput, which for a
// closed loop must come out at about the number of connections.
func (l latencies) inFlight() float64 { return l.mean.Seconds() * l.rps }

// measureLatency runs conns connections for dur, each sending the next request as soon as
// the last response is read (the closed loop wrk runs), over keep-alive, and records each
// request's latency.
func measureLatency(rawURL string, headers []string, conns int, dur time.Duration) latencies {
	u, err := url.Parse(rawURL)
	loadkit.Must(err)
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	for _, h := range headers {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	raw := []byte(req.String())

	var (
		mu     sync.Mutex
		all    []time.Duration
		failed string
		wg     sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(dur)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own, err := oneConnection(u.Host, raw, end)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, own...)
			if err != nil && failed == "" {
				failed = err.Error()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	l := latencies{n: len(all), failed: failed}
	if len(all) == 0 {
		return l
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	at := func(q float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*q))] }
	l.p50, l.p90, l.p99, l.p999 = at(0.50), at(0.90), at(0.99), at(0.999)
	l.mean = sum / time.Duration(len(all))
	l.rps = float64(len(all)) / elapsed.Seconds()
	return l
}

func oneConnection(host string, req []byte, end time.Time) ([]time.Duration, error) {
	c, err := net.Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	out := make([]time.Duration, 0, 1<<16)
	for time.Now().Before(end) {
		t := time.Now()
		if _, err := c.Write(req); err != nil {
			return out, err
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			return out, err
		}
		_, err = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if err != nil {
			return out, err
		}
		if res.StatusCode != http.StatusOK {
			return out, fmt.Errorf("status %d", res.StatusCode)
		}
		out = append(out, time.Since(t))
	}
	return out, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
