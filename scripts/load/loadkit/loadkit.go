// Package loadkit holds what the load and crash programs under scripts/load share:
// building the real binaries, starting and killing them, reading their memory, and the
// HTTP steps of a citizen and an administrator. Everything runs against the real portal
// binary and a real database engine; nothing is mocked.
package loadkit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DemoPassword is the password `portal demo` gives every account it creates.
const DemoPassword = "Demo-Portal-2026!"

// Env is one script's working area: the repository root, out/load/<name> for data and
// logs, and out/load/bin for the binaries (out/ is ignored by git).
type Env struct {
	Root, Out, Bin string
}

// Setup finds the repository root (the directory holding go.mod) and prepares out/load.
// A fresh out/load/<name> is made for each run, so every run starts from nothing.
func Setup(name string) *Env {
	dir, err := os.Getwd()
	must(err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			Fatalf("run from inside the repository (no go.mod found)")
		}
		dir = parent
	}
	e := &Env{Root: dir, Out: filepath.Join(dir, "out", "load", name), Bin: filepath.Join(dir, "out", "load", "bin")}
	must(os.RemoveAll(e.Out))
	must(os.MkdirAll(e.Out, 0o700))
	must(os.MkdirAll(e.Bin, 0o750))
	return e
}

// Build compiles packages of the repository (e.g. "./cmd/portal") into Bin, named after
// their last path element, so what is measured is a real binary, not `go run`.
func (e *Env) Build(pkgs ...string) {
	for _, p := range pkgs {
		cmd := exec.Command("go", "build", "-o", filepath.Join(e.Bin, filepath.Base(p)), p) // #nosec G204 -- the script runs its own freshly built binaries, go and wrk, with arguments it builds
		cmd.Dir, cmd.Stdout, cmd.Stderr = e.Root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			Fatalf("go build %s: %v", p, err)
		}
	}
}

// FreeAddr returns a loopback address with a port nobody listens on now.
func FreeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	defer l.Close()
	return l.Addr().String()
}

// Proc is a started child process with its log in a file.
type Proc struct {
	Name    string
	Cmd     *exec.Cmd
	URL     string
	LogPath string
	Started time.Time
	done    chan struct{}
	err     error
}

// Start runs bin with args and extra environment, logging to out/<name>.log (appended,
// so a restarted process's log follows the killed one's).
func (e *Env) Start(name, bin string, args, env []string) *Proc {
	logPath := filepath.Join(e.Out, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600) // #nosec G304 -- a file under the run's own output directory
	must(err)
	cmd := exec.Command(filepath.Join(e.Bin, bin), args...) // #nosec G204 -- the script runs its own freshly built binaries, go and wrk, with arguments it builds
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	p := &Proc{Name: name, Cmd: cmd, LogPath: logPath, done: make(chan struct{})}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		Fatalf("start %s: %v", bin, err)
	}
	go func() { p.err = cmd.Wait(); _ = f.Close(); close(p.done) }()
	return p
}

// StartPortal starts the portal binary on a free port with the data directory given;
// env adds settings (MONGODB_URI, PORTAL_ANALYTICS, …). The analytics flush is every
// second so the counting path writes during the measurement. The filing quotas are off:
// a load run files far more per citizen than a person may.
func (e *Env) StartPortal(name, dataDir string, env ...string) *Proc {
	addr := FreeAddr()
	p := e.Start(name, "portal", []string{"-addr", addr, "-data-dir", dataDir, "-shutdown-timeout", "10s", "-quota-open", "0", "-quota-per-day", "0"}, env)
	p.URL = "http://" + addr
	return p
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitReady polls /readyz every 10 ms until it answers 200 and returns the time since
// the process was started (exec to ready).
func (p *Proc) WaitReady(timeout time.Duration) (time.Duration, error) {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.Exited() {
			return 0, fmt.Errorf("%s exited: %v (log %s)", p.Name, p.err, p.LogPath)
		}
		if res, err := c.Get(p.URL + "/readyz"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(p.Started), nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, fmt.Errorf("%s not ready within %s (log %s)", p.Name, timeout, p.LogPath)
}

// MustReady is WaitReady that stops the program on failure.
func (p *Proc) MustReady() time.Duration {
	d, err := p.WaitReady(60 * time.Second)
	must(err)
	return d
}

// Kill sends SIGKILL (no shutdown code runs: a crash) and waits for the process to end.
func (p *Proc) Kill() {
	_ = p.Cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM and waits up to 30 s, then kills.
func (p *Proc) Stop() {
	if p.Exited() {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.Kill()
	}
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Memory reads VmRSS and VmHWM (peak resident set) of a process, in MiB.
func Memory(pid int) (rss, hwm float64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// Demo fills an empty database with `portal demo` (verified citizens person001… and
// staff admin@demo.invalid…, all with DemoPassword).
func (e *Env) Demo(dataDir string, people int, env ...string) {
	cmd := exec.Command(filepath.Join(e.Bin, "portal"), "demo", "-people", strconv.Itoa(people), "-data-dir", dataDir) // #nosec G204 -- the script runs its own freshly built binaries, go and wrk, with arguments it builds
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		Fatalf("portal demo: %v\n%s", err, out)
	}
}

// Citizen returns the e-mail of demo citizen i (1-based).
func Citizen(i int) string { return fmt.Sprintf("person%03d@demo.invalid", i) }

// Client is one browser: its own cookie jar, and optionally the address a trusted
// proxy in front of the portal reports for it (X-Forwarded-For).
type Client struct {
	HTTP      *http.Client
	Forwarded string
}

// NewClient makes a client whose requests time out after timeout.
func NewClient(timeout time.Duration, forwarded string) *Client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	return &Client{HTTP: &http.Client{Jar: jar, Timeout: timeout, Transport: tr}, Forwarded: forwarded}
}

// Do sends a request with the client's forwarded address.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if c.Forwarded != "" {
		req.Header.Set("X-Forwarded-For", c.Forwarded)
	}
	return c.HTTP.Do(req)
}

// SignIn signs in through the web form; the session cookie lands in the jar.
func (c *Client) SignIn(base, email, password string) error {
	form := url.Values{"email": {email}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	u, _ := url.Parse(base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if strings.Contains(ck.Name, "session") {
			return nil
		}
	}
	return fmt.Errorf("sign-in of %s: status %d, no session cookie (%.200s)", email, res.StatusCode, body)
}

var tokenRE = regexp.MustCompile(`value="(pdpa_[A-Za-z0-9_-]+)"`)

// IssueToken issues an API token with the given scopes through /admin/tokens, as an
// administrator does, and returns it (the page shows it once).
func (c *Client) IssueToken(base, name string, scopes ...string) (string, error) {
	form := url.Values{"name": {name}, "scopes": scopes}
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/tokens", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	m := tokenRE.FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("no token on the page (status %d)", res.StatusCode)
	}
	return string(m[1]), nil
}

// Filing is the outcome of one attempt to file a request through the API.
type Filing struct {
	Status int    // 0 when no answer came
	Ref    string // set only on 201: the confirmation the client received
	Sent   bool   // false when the connection was refused: nothing reached the portal
	Err    error
}

// File files a view request through POST /api/v1/me/requests with the tag as its
// explanation, so it can be found afterwards.
func (c *Client) File(base, tag string) Filing {
	body, _ := json.Marshal(map[string]string{"kind": "view", "scope": "load test " + tag, "explanation": tag})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/me/requests", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return Filing{Sent: !isDialError(err), Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	f := Filing{Status: res.StatusCode, Sent: true}
	if err != nil {
		f.Err = err
		return f
	}
	if res.StatusCode == http.StatusCreated {
		var s struct {
			Ref string `json:"ref"`
		}
		if json.Unmarshal(b, &s) != nil || s.Ref == "" {
			f.Err = fmt.Errorf("201 without a reference: %.200s", b)
			return f
		}
		f.Ref = s.Ref
	}
	return f
}

// isDialError is a connection that was never made (refused, reset before sending): the
// portal never saw the request, so sending it again cannot file it twice.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// StoredRequest is what the officer's API says about one request.
type StoredRequest struct {
	Ref         string `json:"ref"`
	Subject     string `json:"subject"`
	State       string `json:"state"`
	Explanation string `json:"explanation"`
}

// GetJSON fetches a JSON document with a bearer token (empty: the client's session).
func (c *Client) GetJSON(u, token string, dst any) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return res.StatusCode, nil
	}
	return 200, json.Unmarshal(b, dst)
}

// OpenRefs lists the references of every open request (the officer's queue, by token).
func (c *Client) OpenRefs(base, token string) ([]string, error) {
	var q struct {
		Requests []struct {
			Ref string `json:"ref"`
		} `json:"requests"`
	}
	code, err := c.GetJSON(base+"/api/v1/requests", token, &q)
	if err != nil || code != 200 {
		return nil, fmt.Errorf("queue: %d %v", code, err)
	}
	out := make([]string, len(q.Requests))
	for i, r := range q.Requests {
		out[i] = r.Ref
	}
	return out, nil
}

// LogFindings counts lines of a log that must not appear: panics and stack traces, and
// errors logged by the portal.
func LogFindings(path string) (panics, errorLines int, sample string) {
	b, _ := os.ReadFile(path) // #nosec G304 -- a file under the run's own output directory
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.Contains(l, "panic") || strings.HasPrefix(l, "goroutine ") || strings.Contains(l, ".go:") && strings.HasPrefix(l, "\t"):
			panics++
			if sample == "" {
				sample = l
			}
		case strings.Contains(l, "level=ERROR"):
			errorLines++
			if sample == "" {
				sample = l
			}
		}
	}
	return panics, errorLines, sample
}

// Percentile of durations (p in 0..100).
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// Machine describes where the figures come from, for the summary.
func Machine() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d cores, %s/%s, %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	if cpu := cpuModel(); cpu != "" {
		fmt.Fprintf(&b, ", %s", cpu)
	}
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&b, "; load average %s at start", strings.Join(strings.Fields(string(l))[:3], " "))
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		fmt.Fprintf(&b, "; commit %s", strings.TrimSpace(string(out)))
	}
	return b.String()
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// WithTimeout is a context that ends after d.
func WithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Fatalf prints and exits with status 1.
func Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func must(err error) {
	if err != nil {
		Fatalf("%v", err)
	}
}

// Must stops the program on err.
func Must(err error) { must(err) }
