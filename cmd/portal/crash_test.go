package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
	"github.com/example/pdpa-portal/store/storetest"
)

// The longer runs of these checks, with figures, are scripts/load/crash and
// scripts/load/outage; here they are small enough for every test run, and assert
// outcomes only.

const citizenPassword = "Citizen-Pass-2026!"

// child is the real portal (or the engine alone) in a process of its own, so it can be
// killed with SIGKILL.
type child struct {
	cmd       *exec.Cmd
	out, errb *syncBuffer
	done      chan struct{}
	url       string
}

// startChild runs this test binary as the portal (PORTAL_TEST_RUN_MAIN) or as the
// database engine alone (PORTAL_TEST_RUN_ENGINE=dir), with extra environment.
func startChild(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	return startChildIn(t, "", env, args...)
}

// startChildIn is startChild with the working directory wd ("": the test's own).
func startChildIn(t *testing.T, wd string, env []string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(testBinary(t), args...), out: &syncBuffer{}, errb: &syncBuffer{}, done: make(chan struct{})}
	c.cmd.Dir = wd
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.errb
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() { c.kill() })
	return c
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *child) kill() {
	if !c.exited() {
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
		<-c.done
	}
}

// term stops the process with SIGTERM, as an operator does, and waits.
func (c *child) term(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.kill()
		t.Fatal("no exit within 30 s of SIGTERM")
	}
}

// startPortalProcess starts the portal binary on addr ("127.0.0.1:0" for any port) and
// waits until it serves.
func startPortalProcess(t *testing.T, dir, addr string, env ...string) *child {
	t.Helper()
	// The filing quotas are off: the crash test files 50 requests per citizen.
	c := startChild(t, append([]string{"PORTAL_TEST_RUN_MAIN=1"}, env...), "-addr", addr, "-data-dir", dir, "-shutdown-timeout", "5s", "-quota-open", "0", "-quota-per-day", "0")
	deadline := time.Now().Add(60 * time.Second)
	for c.url == "" {
		if m := servingAt.FindStringSubmatch(c.out.String()); m != nil {
			c.url = m[1]
		} else if c.exited() || time.Now().After(deadline) {
			t.Fatalf("portal did not start: %s", c.errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitStatus(t, c.url+"/readyz", 200, 60*time.Second)
	return c
}

// waitStatus polls url until it answers want.
func waitStatus(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	last := 0
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if last = res.StatusCode; last == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %d, not %d within %s", url, last, want, within)
}

// seedCitizens creates verified citizens through the portal's own stores (the portal
// is not running yet), as `portal demo` does, and returns them.
func seedCitizens(t *testing.T, dir string, env map[string]string, n int) []*account.User {
	t.Helper()
	c, err := parseConfig("portal", []string{"-data-dir", dir}, envOf(env), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(c, slog.New(slog.NewTextHandler(io.Discard, nil)), false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := a.bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword(citizenPassword)
	if err != nil {
		t.Fatal(err)
	}
	users := make([]*account.User, n)
	for i := range users {
		now := time.Now()
		users[i] = &account.User{ID: ids.New("u"), Email: fmt.Sprintf("citizen%d@example.tw", i), Name: fmt.Sprintf("測試市民 %d", i),
			PasswordHash: hash, PasswordHistory: []string{hash}, PasswordChanged: now, Created: now, EmailVerified: true, Lang: "zh-TW"}
		if err := a.Users.Create(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	return users
}

// signIn returns a client holding the citizen's session.
func signIn(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := cl.PostForm(base+"/signin", url.Values{"email": {email}, "password": {citizenPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "portal_session" {
			return cl
		}
	}
	t.Fatalf("sign-in of %s: %d, no session", email, res.StatusCode)
	return nil
}

// fileOnce files a view request through the API with tag as its explanation. sent is
// false when the connection was refused: the portal never saw the request.
func fileOnce(cl *http.Client, base, tag string) (status int, ref string, sent bool) {
	body, _ := json.Marshal(map[string]string{"kind": "view", "scope": "all my data", "explanation": tag})
	res, err := cl.Post(base+"/api/v1/me/requests", "application/json", bytes.NewReader(body))
	if err != nil {
		var op *net.OpError
		return 0, "", !(errors.As(err, &op) && op.Op == "dial")
	}
	defer res.Body.Close()
	var s struct {
		Ref string `json:"ref"`
	}
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode == http.StatusCreated && json.Unmarshal(b, &s) == nil {
		return res.StatusCode, s.Ref, true
	}
	return res.StatusCode, "", true
}

// 200 requests are filed concurrently while the portal is killed with SIGKILL and
// restarted: every request whose reference reached its client is stored exactly once,
// under that reference, in its owner's list and in the officers' queue.
func TestSIGKILLWhileFilingLosesNoConfirmedRequest(t *testing.T) {
	const total, workers, killAfter = 200, 12, 60
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	users := seedCitizens(t, dir, nil, 4)
	p := startPortalProcess(t, dir, "127.0.0.1:0")
	base := p.url
	clients := make([]*http.Client, len(users))
	for i, u := range users {
		clients[i] = signIn(t, base, u.Email)
	}

	type outcome struct {
		ref    string
		status int
	}
	results := make([]outcome, total)
	var confirmed atomic.Int64
	killed := make(chan struct{})
	var once sync.Once
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				for {
					status, ref, sent := fileOnce(clients[i%len(clients)], base, fmt.Sprintf("crash-%03d", i))
					if sent {
						results[i] = outcome{ref, status}
						break
					}
					time.Sleep(50 * time.Millisecond) // refused: the portal is restarting
				}
				if results[i].ref != "" && confirmed.Add(1) == killAfter {
					once.Do(func() { close(killed) })
				}
			}
		}()
	}
	restarted := make(chan *child, 1)
	go func() {
		<-killed
		p.kill() // SIGKILL: no shutdown code runs
		restarted <- startPortalProcess(t, dir, strings.TrimPrefix(base, "http://"))
	}()
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var p2 *child
	select {
	case p2 = <-restarted:
	case <-time.After(60 * time.Second):
		t.Fatal("the portal was not killed and restarted during the run")
	}
	p2.term(t)
	if strings.Contains(p.errb.String()+p2.errb.String(), "panic") {
		t.Fatalf("panic in the log: %s", p2.errb.String())
	}

	// The check, in the database through the portal's own stores.
	c, err := parseConfig("portal", []string{"-data-dir", dir}, envOf(nil), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(c, slog.New(slog.NewTextHandler(io.Discard, nil)), false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ctx := context.Background()
	requests := store.NewRequests(a.db, a.Vault)
	stored := map[string][]string{} // tag → references
	for _, u := range users {
		rs, err := requests.ForSubject(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			stored[r.Explanation] = append(stored[r.Explanation], r.Ref)
		}
	}
	queue, err := requests.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	queued := map[string]int{}
	for _, r := range queue {
		queued[r.Ref]++
	}
	nConfirmed, after := 0, 0
	for i, r := range results {
		tag := fmt.Sprintf("crash-%03d", i)
		if len(stored[tag]) > 1 {
			t.Errorf("%s stored %d times: %v", tag, len(stored[tag]), stored[tag])
		}
		if r.ref == "" {
			if r.status == http.StatusInternalServerError {
				t.Errorf("%s: 500 around the crash", tag)
			}
			continue
		}
		nConfirmed++
		if i >= killAfter+workers {
			after++
		}
		if len(stored[tag]) != 1 || stored[tag][0] != r.ref {
			t.Errorf("%s confirmed as %s, stored as %v", tag, r.ref, stored[tag])
		}
		if queued[r.ref] != 1 {
			t.Errorf("%s is %d times in the officers' queue", r.ref, queued[r.ref])
		}
	}
	if nConfirmed < killAfter || after == 0 {
		t.Fatalf("%d confirmed, %d after the restart: the crash did not happen mid-run", nConfirmed, after)
	}
	t.Logf("%d of %d confirmed, none lost or duplicated", nConfirmed, total)
}

// runEngine serves the database engine alone (PORTAL_TEST_RUN_ENGINE), so a test can stop
// the database without stopping the portal.
func runEngine(dir string) {
	eng, err := embedded.Start(dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	eng.Close()
}

func startEngineProcess(t *testing.T, dir string) *child {
	t.Helper()
	c := startChild(t, []string{"PORTAL_TEST_RUN_ENGINE=" + dir})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if conn, err := net.Dial("unix", embedded.SocketPath(dir)); err == nil {
			conn.Close()
			return c
		}
		if c.exited() || time.Now().After(deadline) {
			t.Fatalf("engine did not start: %s", c.errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The database stops (SIGKILL) under a signed-in citizen: pages that need it answer a
// clear 503 (never 500, no panic), and once it is back everything works again without a
// restart, and a request filed then is stored.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	root := storetest.ShortTempDir(t)
	dbDir, dir := filepath.Join(root, "db"), filepath.Join(root, "portal")
	eng := startEngineProcess(t, dbDir)
	uri := "MONGODB_URI=" + embedded.SocketURI(dbDir)
	users := seedCitizens(t, dir, map[string]string{"MONGODB_URI": embedded.SocketURI(dbDir)}, 1)
	p := startPortalProcess(t, dir, "127.0.0.1:0", uri)
	cl := signIn(t, p.url, users[0].Email)
	status, before, _ := fileOnce(cl, p.url, "before the outage")
	if status != http.StatusCreated {
		t.Fatalf("filing: %d", status)
	}

	eng.kill()
	seen := map[string]map[int]int{}
	check := func(method, path string, res *http.Response, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s %s: no answer: %v", method, path, err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if seen[path] == nil {
			seen[path] = map[int]int{}
		}
		seen[path][res.StatusCode]++
		switch res.StatusCode {
		case http.StatusOK, http.StatusCreated:
		case http.StatusServiceUnavailable:
			clear := strings.Contains(string(body), "服務暫時無法使用") || strings.Contains(string(body), `"code":"unavailable"`) || path == "/readyz"
			if !clear || (path != "/readyz" && res.Header.Get("Retry-After") == "") {
				t.Errorf("%s %s: 503 without Retry-After or its message: %.300s", method, path, body)
			}
		default:
			t.Errorf("%s %s during the outage: %d %.300s", method, path, res.StatusCode, body)
		}
	}
	// Two rounds, each request at once: with the server-selection timeout, a request
	// needing the database waits up to 3 s for it.
	type answer struct {
		method, path string
		res          *http.Response
		err          error
	}
	for range 2 {
		answers := make(chan answer, 4)
		get := func(c *http.Client, path string) {
			res, err := c.Get(p.url + path)
			answers <- answer{"GET", path, res, err}
		}
		go get(cl, "/requests")
		go get(cl, "/privacy")
		go get(http.DefaultClient, "/readyz")
		go func() {
			body, _ := json.Marshal(map[string]string{"kind": "view", "scope": "x", "explanation": "during the outage"})
			res, err := cl.Post(p.url+"/api/v1/me/requests", "application/json", bytes.NewReader(body))
			answers <- answer{"POST", "/api/v1/me/requests", res, err}
		}()
		for range 4 {
			a := <-answers
			check(a.method, a.path, a.res, a.err)
		}
	}
	for _, path := range []string{"/requests", "/api/v1/me/requests", "/readyz"} {
		if seen[path][http.StatusServiceUnavailable] == 0 {
			t.Errorf("%s never answered 503 while the database was away: %v", path, seen[path])
		}
	}

	eng = startEngineProcess(t, dbDir)
	waitStatus(t, p.url+"/readyz", 200, 30*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	var after string
	for after == "" && time.Now().Before(deadline) {
		if status, after, _ = fileOnce(cl, p.url, "after the outage"); after == "" {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if after == "" {
		t.Fatalf("filing after the database returned: %d", status)
	}
	for _, path := range []string{"/requests", "/privacy", "/api/v1/me/requests/" + before, "/api/v1/me/requests/" + after} {
		res, err := cl.Get(p.url + path)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s after recovery: %v %v", path, res.StatusCode, err)
		}
		res.Body.Close()
	}
	p.term(t)
	eng.term(t)
	if strings.Contains(p.errb.String(), "panic") || strings.Contains(p.errb.String(), "goroutine ") {
		t.Fatalf("panic in the portal's log:\n%s", p.errb.String())
	}
}
