package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/example/pdpa-portal/handlers"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/internal/demo"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
	"github.com/example/pdpa-portal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

type runResult struct {
	code           int
	stdout, stderr string
}

func runOnce(t *testing.T, args []string, env map[string]string, stdin string) runResult {
	t.Helper()
	var out, errb syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, args, envOf(env), strings.NewReader(stdin), &out, &errb)
	return runResult{code, out.String(), errb.String()}
}

// portal is a portal serving in the background of a test.
type portal struct {
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func() int
}

var servingAt = regexp.MustCompile(`Portal serving at (http://\S+)`)

func startPortal(t *testing.T, dir string, extra ...string) *portal {
	t.Helper()
	p := &portal{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := append([]string{"-addr", "127.0.0.1:0", "-data-dir", dir, "-shutdown-timeout", "5s"}, extra...)
	go func() { done <- run(ctx, args, envOf(nil), strings.NewReader(""), p.stdout, p.stderr) }()
	var once sync.Once
	code := -1
	p.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Error("portal did not shut down within 30 s")
			}
		})
		return code
	}
	t.Cleanup(func() { p.stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := servingAt.FindStringSubmatch(p.stdout.String()); m != nil {
			p.url = m[1]
			break
		}
		select {
		case c := <-done:
			t.Fatalf("portal exited with %d: %s", c, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("portal did not start: %s %s", p.stdout.String(), p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

var setupLinkRE = regexp.MustCompile(`(http://\S+/setup\?token=(\w+))`)

// waitSetupLink waits for the link the portal prints once the database is ready.
func (p *portal) waitSetupLink(t *testing.T) (link, token string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := setupLinkRE.FindStringSubmatch(p.stdout.String()); m != nil {
			return m[1], m[2]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no setup link printed: %s", p.stdout.String())
	return "", ""
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestHelpListsSubcommandsAndEverySetting(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runOnce(t, args, nil, "")
		if r.code != 0 {
			t.Fatalf("%v: exit %d", args, r.code)
		}
		for _, want := range []string{"serve", "create-admin", "help"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: help lacks %q", args, want)
			}
		}
		for _, s := range settings {
			if !strings.Contains(r.stdout, "-"+s.flag) || !strings.Contains(r.stdout, s.env) {
				t.Errorf("help lacks -%s / %s", s.flag, s.env)
			}
		}
		for _, s := range secretSettings {
			if !strings.Contains(r.stdout, s.env) {
				t.Errorf("help lacks %s", s.env)
			}
		}
	}
}

func TestBadSettingsExitWithStatus2NamingTheSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"PORTAL_ADDR": "nonsense"}, "PORTAL_ADDR"},
		{[]string{"-addr", "nonsense"}, nil, "-addr"},
		{nil, map[string]string{"PORTAL_SESSION_IDLE": "forever"}, "session-idle"},
		{nil, map[string]string{"PORTAL_RECEIPT_RETIRED_KEYS": "bm90IGEga2V5"}, "receipt-retired-keys"},
		{nil, map[string]string{"PORTAL_LOG_FORMAT": "xml"}, "log-format"},
		{nil, map[string]string{"PORTAL_PASSWORD_MIN_LENGTH": "6"}, "password-min-length"},
		{nil, map[string]string{"PORTAL_TRUSTED_PROXIES": "10.0.0.0/8,bogus"}, "trusted-proxies"},
		{nil, map[string]string{"PORTAL_HASH_KEY": "c2hvcnQ="}, "PORTAL_HASH_KEY"},
		{nil, map[string]string{"PORTAL_BASE_URL": "ftp://x"}, "base-url"},
		{[]string{"-tls-cert", "c.pem"}, nil, "tls-key"},
		{[]string{"frobnicate"}, nil, "unknown command"},
		{[]string{"-no-such-flag"}, nil, "no-such-flag"},
		{[]string{"create-admin"}, nil, "--email"},
		{nil, map[string]string{"PORTAL_SMTP_URL": "mail.agency.example:587"}, "PORTAL_SMTP_URL"},
		{nil, map[string]string{"PORTAL_SMTP_URL": "smtp://mail.agency.example?tls=maybe"}, "smtp-url"},
		{[]string{"-smtp-url", "http://mail.agency.example"}, nil, "-smtp-url"},
		{nil, map[string]string{"PORTAL_MAIL_FROM": "not an address"}, "PORTAL_MAIL_FROM"},
		{nil, map[string]string{"PORTAL_DISK_LOW": "lots"}, "PORTAL_DISK_LOW"},
		{[]string{"-uploads-low", "150%"}, nil, "-uploads-low"},
		{nil, map[string]string{"PORTAL_DISK_WARN": "101"}, "PORTAL_DISK_WARN"},
	}
	for _, tc := range cases {
		r := runOnce(t, tc.args, tc.env, "")
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want 2 naming %q", tc.args, tc.env, r.code, r.stderr, tc.want)
		}
	}
	// A connection string may hold a password: it is never echoed.
	r := runOnce(t, nil, map[string]string{"MONGODB_URI": "postgres://user:hunter2@db"}, "")
	if r.code != exitUsage || strings.Contains(r.stderr, "hunter2") || !strings.Contains(r.stderr, "MONGODB_URI") {
		t.Fatalf("bad MONGODB_URI: exit %d, %q", r.code, r.stderr)
	}
	r = runOnce(t, nil, map[string]string{"PORTAL_SMTP_URL": "smtp://mailer:hunter2@mail.agency.example:99999"}, "")
	if r.code != exitUsage || strings.Contains(r.stderr, "hunter2") || !strings.Contains(r.stderr, "PORTAL_SMTP_URL") {
		t.Fatalf("bad PORTAL_SMTP_URL: exit %d, %q", r.code, r.stderr)
	}
}

func TestMailSettings(t *testing.T) {
	c, err := parseConfig("portal", nil, envOf(nil), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPURL != "" || c.MailFrom != "portal@localhost" {
		t.Fatalf("defaults: smtp-url %q, mail-from %q", string(c.SMTPURL), c.MailFrom)
	}
	const url = "smtps://mailer:hunter2@mail.agency.example"
	c, err = parseConfig("portal", []string{"-mail-from", "個資服務 <privacy@agency.example>"}, envOf(map[string]string{"PORTAL_SMTP_URL": url}), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.SMTPURL) != url || c.MailFrom != "個資服務 <privacy@agency.example>" {
		t.Fatalf("smtp-url %q, mail-from %q", string(c.SMTPURL), c.MailFrom)
	}
	if s := fmt.Sprintf("%v %+v", c.SMTPURL, c); strings.Contains(s, "hunter2") {
		t.Fatalf("the SMTP password shows in %s", s)
	}
	if _, err := mail.NewSMTP(string(c.SMTPURL), c.MailFrom); err != nil {
		t.Fatalf("the mail sender refuses what the configuration accepted: %v", err)
	}
}

func TestServeOnAFreshDataDirectory(t *testing.T) {
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	p := startPortal(t, dir)
	link, token := p.waitSetupLink(t)

	if code, body := httpGet(t, p.url+"/"); code != 200 || !strings.Contains(body, "個人資料") {
		t.Fatalf("home: %d", code)
	}
	if code, body := httpGet(t, p.url+"/privacy"); code != 200 || !strings.Contains(body, "範例市政府數位服務處") {
		t.Fatalf("privacy notice not seeded: %d", code)
	}
	if code, _ := httpGet(t, link); code != 200 {
		t.Fatalf("setup link: %d", code)
	}
	if code, _ := httpGet(t, p.url+"/readyz"); code != 200 {
		t.Fatalf("readyz: %d", code)
	}

	// The data directory is private, the socket is in it, and the keys are 0600.
	for path, mode := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "secrets.json"): 0o600} {
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != mode {
			t.Fatalf("%s: %v %v, want %v", path, info.Mode().Perm(), err, mode)
		}
	}
	if info, err := os.Stat(embedded.SocketPath(dir)); err != nil || info.Mode()&os.ModeSocket == 0 {
		t.Fatalf("no Unix socket at %s: %v", embedded.SocketPath(dir), err)
	}

	// Secrets and the setup token never reach the log.
	var keys secretsFile
	b, _ := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err := json.Unmarshal(b, &keys); err != nil || len(keys.HashKey) != 64 || len(keys.BlockKey) != 32 || len(keys.MasterKey) != 32 {
		t.Fatalf("secrets.json: %v", err)
	}
	logs := p.stderr.String()
	for _, s := range []string{base64.StdEncoding.EncodeToString(keys.HashKey), base64.StdEncoding.EncodeToString(keys.MasterKey), token} {
		if strings.Contains(logs, s) {
			t.Fatal("a secret appeared in the log")
		}
	}
	if !strings.Contains(logs, `msg=request`) || !strings.Contains(logs, "request_id=") {
		t.Fatal("no access log line with a request id")
	}

	// A second portal on the same directory refuses instead of corrupting it.
	second := runOnce(t, []string{"-addr", "127.0.0.1:0", "-data-dir", dir}, nil, "")
	if second.code != exitError || !strings.Contains(second.stderr, "in use by another portal") {
		t.Fatalf("second portal: exit %d, %q", second.code, second.stderr)
	}
	// A busy port is a clear message.
	busy := runOnce(t, []string{"-addr", strings.TrimPrefix(p.url, "http://"), "-data-dir", t.TempDir()}, nil, "")
	if busy.code != exitError || !strings.Contains(busy.stderr, "cannot listen on") {
		t.Fatalf("busy port: exit %d, %q", busy.code, busy.stderr)
	}

	// create-admin beside the running portal is refused, saying what to do instead, and
	// writes nothing: the portal still offers its setup link.
	createAdmin := []string{"create-admin", "-email", "root@agency.example", "-name", "系統管理者", "-data-dir", dir}
	beside := runOnce(t, createAdmin, nil, "Adm1n!strator\n")
	if beside.code != exitError || beside.stdout != "" {
		t.Fatalf("create-admin beside the portal: exit %d, %q %q; want 1 and nothing done", beside.code, beside.stdout, beside.stderr)
	}
	for _, want := range []string{"changed nothing", "running portal", dir, "setup link", "/admin/staff", "stop it"} {
		if !strings.Contains(beside.stderr, want) {
			t.Errorf("create-admin beside the portal says %q, without %q", beside.stderr, want)
		}
	}
	if code, _ := httpGet(t, link); code != 200 {
		t.Fatalf("after the refused create-admin the setup link answers %d: an administrator was made", code)
	}
	// So is demo, which would write thousands of documents beside the portal.
	if d := runOnce(t, []string{"demo", "-people", "10", "-data-dir", dir}, nil, ""); d.code != exitError || !strings.Contains(d.stderr, "demo changed nothing") {
		t.Fatalf("demo beside the portal: exit %d, %q", d.code, d.stderr)
	}

	if code := p.stop(); code != 0 {
		t.Fatalf("shutdown exit %d: %s", code, p.stderr.String())
	}
	if _, err := os.Stat(embedded.SocketPath(dir)); !os.IsNotExist(err) {
		t.Fatal("socket left behind after a clean shutdown")
	}
	// With the portal stopped, the same command works.
	ca := runOnce(t, createAdmin, nil, "Adm1n!strator\n")
	if ca.code != 0 || !strings.Contains(ca.stdout, "root@agency.example") {
		t.Fatalf("create-admin: exit %d, %q %q", ca.code, ca.stdout, ca.stderr)
	}

	// Restart: the administrator survived, so no setup link is printed.
	p2 := startPortal(t, dir)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if code, _ := httpGet(t, p2.url+"/readyz"); code == 200 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(p2.stdout.String(), "/setup?token=") {
		t.Fatal("a setup link was printed although an administrator exists")
	}
}

func TestCreateAdminAppliesThePasswordPolicy(t *testing.T) {
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	for _, tc := range []struct{ pw, want string }{
		{"short1!A\n", ""},
		{"alllowercase1!\n", "upper case"},
		{"Root@agency.example1\n", "e-mail"},
		{"\n", "standard input"},
	} {
		r := runOnce(t, []string{"create-admin", "-email", "root@agency.example", "-data-dir", dir}, nil, tc.pw)
		if tc.want == "" {
			if r.code != 0 {
				t.Fatalf("valid password refused: %q", r.stderr)
			}
			continue
		}
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("password %q: exit %d, %q; want 2 mentioning %q", tc.pw, r.code, r.stderr, tc.want)
		}
	}
	dup := runOnce(t, []string{"create-admin", "-email", "ROOT@agency.example", "-data-dir", dir}, nil, "An0ther!Pass\n")
	if dup.code != exitError || !strings.Contains(dup.stderr, "already exists") {
		t.Fatalf("duplicate: exit %d %q", dup.code, dup.stderr)
	}
}

func TestUnwritableDataDirectoryIsAClearMessage(t *testing.T) {
	f := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runOnce(t, []string{"-addr", "127.0.0.1:0", "-data-dir", filepath.Join(f, "data")}, nil, "")
	if r.code != exitError || !strings.Contains(r.stderr, "cannot create data directory") {
		t.Fatalf("exit %d, %q", r.code, r.stderr)
	}
}

// TestMain lets a test run the real main in a child process, to deliver real signals,
// or the database engine alone, to stop it under a running portal.
func TestMain(m *testing.M) {
	if os.Getenv("PORTAL_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	if dir := os.Getenv("PORTAL_TEST_RUN_ENGINE"); dir != "" {
		runEngine(dir)
		return
	}
	os.Exit(m.Run())
}

func TestSIGTERMShutsDownCleanly(t *testing.T) {
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	cmd := exec.Command(os.Args[0], "-addr", "127.0.0.1:0", "-data-dir", dir)
	// Counts would be written only every ten minutes: the ones below must be written at
	// shutdown.
	cmd.Env = append(os.Environ(), "PORTAL_TEST_RUN_MAIN=1", "PORTAL_ANALYTICS_FLUSH=10m")
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	var url string
	for url == "" {
		if m := servingAt.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("did not start: %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := httpGet(t, url+"/"); code != 200 {
		t.Fatalf("home: %d", code)
	}
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, url+"/privacy", nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("privacy: %v", err)
		}
		res.Body.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, errb.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("no exit within 30 s of SIGTERM")
	}
	if !strings.Contains(errb.String(), "stopped") {
		t.Fatalf("no shutdown message: %s", errb.String())
	}
	if _, err := os.Stat(embedded.SocketPath(dir)); !os.IsNotExist(err) {
		t.Fatal("the engine was not closed cleanly: socket left behind")
	}
	// The directory lock is released: a new portal starts on it at once.
	p := startPortal(t, dir)
	if code, _ := httpGet(t, p.url+"/readyz"); code != 200 {
		t.Fatalf("restart readyz: %d", code)
	}
	// The page views counted before SIGTERM were written on the way out.
	db, err := store.Connect(context.Background(), embedded.SocketURI(dir), "portal", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	today := analytics.DayOf(time.Now())
	r, err := store.NewAnalytics(db, time.Now).Range(context.Background(), today, today)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sum.Tables[analytics.DimPath]["/privacy"] != 3 || r.Sum.Tables[analytics.DimBrowser]["firefox"] != 3 {
		t.Fatalf("counts at shutdown lost: %v", r.Sum.Tables)
	}
}

func TestJSONLogsAreOneObjectPerLine(t *testing.T) {
	p := startPortal(t, filepath.Join(storetest.ShortTempDir(t), "data"), "-log-format", "json")
	if code, _ := httpGet(t, p.url+"/privacy"); code != 200 {
		t.Fatalf("privacy: %d", code)
	}
	p.stop()
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	requests := 0
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if m["msg"] == "request" && m["path"] == "/privacy" && m["request_id"] != "" {
			requests++
		}
	}
	if requests != 1 {
		t.Fatalf("%d access log lines for /privacy, want 1", requests)
	}
}

// net/http's own error lines reach the log without the client's address.
func TestServerErrorLogHoldsNoAddress(t *testing.T) {
	var buf bytes.Buffer
	w := addressRedactor{slog.New(slog.NewTextHandler(&buf, nil))}
	for _, line := range []string{"http: TLS handshake error from 203.0.113.5:51234: EOF\n",
		"http: panic serving [2001:db8::7]:443: boom\n"} {
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if out := buf.String(); strings.Contains(out, "203.0.113.5") || strings.Contains(out, "2001:db8") || !strings.Contains(out, "handshake error from [address]") {
		t.Fatalf("log: %s", out)
	}
}

// portal audit verify beside a running portal: whole, then broken once an event is
// changed in the database, naming the event.
func TestAuditVerifyCommand(t *testing.T) {
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	p := startPortal(t, dir)
	p.waitSetupLink(t)
	for range 3 {
		res, err := http.PostForm(p.url+"/signin", map[string][]string{"email": {"nobody@example.tw"}, "password": {"Wrong-pass-1!"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	ok := runOnce(t, []string{"audit", "verify", "-data-dir", dir}, nil, "")
	// Each sign-in: its pending event, then its outcome (the trail fails closed).
	if ok.code != 0 || !strings.Contains(ok.stdout, "whole: 6 events") {
		t.Fatalf("verify: exit %d, %q %q", ok.code, ok.stdout, ok.stderr)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(embedded.SocketURI(dir)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	if _, err := client.Database("portal").Collection("audit_events").UpdateOne(context.Background(),
		bson.D{{Key: "_id", Value: "000000000002"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "actor", Value: "someone-else"}}}}); err != nil {
		t.Fatal(err)
	}
	broken := runOnce(t, []string{"audit", "verify", "-data-dir", dir}, nil, "")
	if broken.code != exitError || !strings.Contains(broken.stdout, "broken at event 2") {
		t.Fatalf("tampered: exit %d, %q %q", broken.code, broken.stdout, broken.stderr)
	}
	if u := runOnce(t, []string{"audit"}, nil, ""); u.code != exitUsage {
		t.Fatalf("audit without verify: exit %d", u.code)
	}
}

// A data directory whose audit trail has numeric _ids (written before they were strings)
// is converted at start-up: the chain verifies, no numeric _id is left, the head is
// marked, and the next start-up has nothing to do.
func TestAuditTrailConvertedAtStartUp(t *testing.T) {
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	p := startPortal(t, dir)
	p.waitSetupLink(t)
	for range 3 {
		res, err := http.PostForm(p.url+"/signin", map[string][]string{"email": {"nobody@example.tw"}, "password": {"Wrong-pass-1!"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("stop: %d", code)
	}
	// Rewrite the trail as the portal used to store it.
	ctx := context.Background()
	eng, err := embedded.Start(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(eng.URI()))
	if err != nil {
		t.Fatal(err)
	}
	db := client.Database("portal")
	var docs []bson.M
	cur, err := db.Collection("audit_events").Find(ctx, bson.D{})
	if err != nil || cur.All(ctx, &docs) != nil || len(docs) != 6 {
		t.Fatalf("events: %d %v", len(docs), err)
	}
	for _, d := range docs {
		if _, err := db.Collection("audit_events").DeleteOne(ctx, bson.D{{Key: "_id", Value: d["_id"]}}); err != nil {
			t.Fatal(err)
		}
		d["_id"] = d["seq"]
		delete(d, "seq")
		if _, err := db.Collection("audit_events").InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Collection("audit_head").UpdateOne(ctx, bson.D{{Key: "_id", Value: "head"}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "format", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("audit_index").DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	_ = client.Disconnect(ctx)
	eng.Close()

	p = startPortal(t, dir)
	p.waitSetupLink(t)
	if !strings.Contains(p.stderr.String(), "audit trail converted") {
		t.Fatalf("no conversion logged: %s", p.stderr.String())
	}
	v := runOnce(t, []string{"audit", "verify", "-data-dir", dir}, nil, "")
	if v.code != 0 || !strings.Contains(v.stdout, "whole: 6 events") {
		t.Fatalf("verify after conversion: exit %d %q %q", v.code, v.stdout, v.stderr)
	}
	client, err = mongo.Connect(options.Client().ApplyURI(embedded.SocketURI(dir)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db = client.Database("portal")
	if n, _ := db.Collection("audit_events").CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$type", Value: "number"}}}}); n != 0 {
		t.Fatalf("%d numeric _ids left", n)
	}
	var head bson.M
	if err := db.Collection("audit_head").FindOne(ctx, bson.D{{Key: "_id", Value: "head"}}).Decode(&head); err != nil || head["format"] != int32(2) {
		t.Fatalf("head: %v %v", head, err)
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("stop: %d", code)
	}
	p = startPortal(t, dir)
	p.waitSetupLink(t)
	if strings.Contains(p.stderr.String(), "audit trail converted") {
		t.Fatal("converted again at the next start-up")
	}
}

// PORTAL_METRICS_ADDR serves /metrics on a listener of its own.
func TestMetricsListener(t *testing.T) {
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	p := startPortal(t, dir, "-metrics-addr", "127.0.0.1:0")
	p.waitSetupLink(t)
	m := regexp.MustCompile(`Metrics at (http://\S+/metrics)`).FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("no metrics address printed: %s", p.stdout.String())
	}
	httpGet(t, p.url+"/")
	code, body := httpGet(t, m[1])
	if code != 200 || !strings.Contains(body, `portal_http_requests_total{code="200",method="GET",route="/"}`) || !strings.Contains(body, "portal_database_up 1") {
		t.Fatalf("metrics: %d\n%s", code, body)
	}
	if code, _ := httpGet(t, p.url+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("the site serves /metrics: %d", code)
	}
}

// The operator's drill: back up beside a running portal, restore on another data
// directory (only with the original keys), refuse a second restore over the data unless
// forced, and find the same audit trail there.
func TestBackupAndRestoreCommands(t *testing.T) {
	src := filepath.Join(storetest.ShortTempDir(t), "data")
	p := startPortal(t, src)
	p.waitSetupLink(t)
	for range 4 {
		res, err := http.PostForm(p.url+"/signin", map[string][]string{"email": {"nobody@example.tw"}, "password": {"Wrong-pass-1!"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	archive := filepath.Join(t.TempDir(), "portal.tar.gz")
	b := runOnce(t, []string{"backup", "-o", archive, "-data-dir", src}, nil, "")
	if b.code != 0 || !strings.Contains(b.stdout, "Backed up the data") {
		t.Fatalf("backup: exit %d %q %q", b.code, b.stdout, b.stderr)
	}
	keys := filepath.Join(t.TempDir(), "keys.tar.gz")
	if k := runOnce(t, []string{"backup", "-keys", "-o", keys, "-data-dir", src}, nil, ""); k.code != 0 {
		t.Fatalf("key backup: exit %d %q", k.code, k.stderr)
	}
	if live := runOnce(t, []string{"restore", archive, "-force", "-data-dir", src}, nil, ""); live.code != exitError || !strings.Contains(live.stderr, "stop the other portal first") {
		t.Fatalf("restore beside a running portal: exit %d %q", live.code, live.stderr)
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("stop: %d", code)
	}

	dst := filepath.Join(storetest.ShortTempDir(t), "data")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	noKeys := runOnce(t, []string{"restore", archive, "-data-dir", dst}, nil, "")
	if noKeys.code != exitError || !strings.Contains(noKeys.stderr, "secrets.json") {
		t.Fatalf("restore without the keys: exit %d %q", noKeys.code, noKeys.stderr)
	}
	secrets, err := os.ReadFile(filepath.Join(src, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "secrets.json"), secrets, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runOnce(t, []string{"restore", archive, "-data-dir", dst}, nil, "")
	if r.code != 0 || !strings.Contains(r.stdout, "Restored") {
		t.Fatalf("restore: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if k := runOnce(t, []string{"restore", "-data-dir", dst, keys}, nil, ""); k.code != 0 {
		t.Fatalf("key restore: exit %d %q", k.code, k.stderr)
	}
	again := runOnce(t, []string{"restore", archive, "-data-dir", dst}, nil, "")
	if again.code != exitError || !strings.Contains(again.stderr, "not empty") {
		t.Fatalf("restore over data: exit %d %q", again.code, again.stderr)
	}
	if f := runOnce(t, []string{"restore", archive, "-force", "-data-dir", dst}, nil, ""); f.code != 0 {
		t.Fatalf("forced restore: exit %d %q", f.code, f.stderr)
	}
	// The 4 sign-in failures (each pending, then refused), and the restore itself (the
	// forced one: the restores before it were replaced by it).
	v := runOnce(t, []string{"audit", "verify", "-data-dir", dst}, nil, "")
	if v.code != 0 || !strings.Contains(v.stdout, "whole: 9 events") {
		t.Fatalf("the restored audit trail: exit %d %q %q", v.code, v.stdout, v.stderr)
	}
	if u := runOnce(t, []string{"backup", "-data-dir", dst}, nil, ""); u.code != exitUsage {
		t.Fatalf("backup without -o: exit %d", u.code)
	}
}

// portal demo fills an empty database with fake people that sign in and show on every
// kind of page, and refuses a database that already holds people.
func TestDemoCommand(t *testing.T) {
	if y := time.Now().Year() + 1; len(demo.Holidays(y)) == 0 {
		t.Fatalf("the demo works out no holidays for %d: extend internal/demo's table of lunar dates", y)
	}
	dir := filepath.Join(storetest.ShortTempDir(t), "data")
	r := runOnce(t, []string{"demo", "-people", "20", "-data-dir", dir}, nil, "")
	if r.code != 0 || !strings.Contains(r.stdout, "20 citizens") || !strings.Contains(r.stdout, "admin@demo.invalid") ||
		!strings.Contains(r.stdout, fmt.Sprintf("the holidays of %d and %d, worked out", time.Now().Year(), time.Now().Year()+1)) {
		t.Fatalf("demo: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	again := runOnce(t, []string{"demo", "-data-dir", dir}, nil, "")
	if again.code != exitError || !strings.Contains(again.stderr, "empty") {
		t.Fatalf("demo twice: exit %d %q", again.code, again.stderr)
	}
	p := startPortal(t, dir)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.PostForm(p.url+"/signin", url.Values{"email": {"officer@demo.invalid"}, "password": {"Demo-Portal-2026!"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = client.Get(p.url + "/officer/queue")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Count(string(body), `href="/officer/requests/`) < 20 {
		t.Fatalf("queue after demo: %d, %d requests listed", res.StatusCode, strings.Count(string(body), `href="/officer/requests/`))
	}
	// The register of personal data files is filled, as an agency's would be.
	res, err = client.Get(p.url + "/privacy/files")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "個人資料權利請求案件檔") || !strings.Contains(string(body), "市政電子報訂閱名單") {
		t.Fatalf("public register of files after demo: %d\n%s", res.StatusCode, body)
	}
	// The office calendar holds this year's holidays, each marked as demo data an agency
	// replaces with the official file (in 2026: 除夕 on 16 February, 光復節's Sunday made
	// up on Monday 26 October).
	admin := &http.Client{}
	admin.Jar, _ = cookiejar.New(nil)
	res, err = admin.PostForm(p.url+"/signin", url.Values{"email": {"admin@demo.invalid"}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	year := time.Now().Year()
	res, err = admin.Get(fmt.Sprintf("%s/admin/calendar?year=%d", p.url, year))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	holidays := demo.Holidays(year)
	if res.StatusCode != 200 || len(holidays) == 0 {
		t.Fatalf("calendar of %d after demo: %d, %d holidays worked out", year, res.StatusCode, len(holidays))
	}
	for _, h := range holidays {
		row := fmt.Sprintf("<td>%d年%d月%d日</td><td>放假</td><td class=\"entered\">%s</td>", h.Date.Year, h.Date.Month, h.Date.Day, html.EscapeString(h.Note))
		if !strings.Contains(string(body), row) {
			t.Errorf("calendar of %d lists no %s", year, row)
		}
	}
	// A citizen's mail reads in the language of the page it is read on, as the portal's
	// own mail does, whatever language the person's account keeps.
	citizen := &http.Client{}
	citizen.Jar, _ = cookiejar.New(nil)
	res, err = citizen.PostForm(p.url+"/signin", url.Values{"email": {demo.Email(1)}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	marked := regexp.MustCompile(`href="/account/inbox/m_[^"]*" lang=`) // mail worded in another language
	for lang, want := range map[string]string{"en": ">Please verify your e-mail address<", "zh-TW": ">請驗證您的電子郵件<"} {
		req, _ := http.NewRequest(http.MethodGet, p.url+"/account/inbox", nil)
		req.Header.Set("Accept-Language", lang)
		res, err = citizen.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), want) || marked.Match(body) {
			t.Fatalf("demo inbox in %s: %d, want %q as the page's own language\n%s", lang, res.StatusCode, want, body)
		}
	}
	if v := runOnce(t, []string{"audit", "verify", "-data-dir", dir}, nil, ""); v.code != 0 {
		t.Fatalf("audit verify: %q", v.stdout)
	}
}

// Free-space floors: a share, a size or both; the larger applies.
func TestThresholdSettings(t *testing.T) {
	cases := map[string]handlers.Threshold{
		"5%,500MB": {Percent: 5, Bytes: 500 << 20},
		"2GB":      {Bytes: 2 << 30},
		"0":        {},
		"12.5%":    {Percent: 12.5},
	}
	for in, want := range cases {
		var c Config
		if err := thresholdSetting(func(c *Config) *handlers.Threshold { return &c.DiskLow })(&c, in); err != nil || c.DiskLow != want {
			t.Errorf("%q: %+v %v, want %+v", in, c.DiskLow, err, want)
		}
	}
	d := handlers.DiskSpace{Free: 600 << 20, Total: 100 << 30}
	if !(handlers.Threshold{Percent: 5, Bytes: 500 << 20}).Below(d) {
		t.Errorf("600 MB free of 100 GB is under 5%%")
	}
	if (handlers.Threshold{Percent: 0.1, Bytes: 500 << 20}).Below(d) {
		t.Errorf("600 MB free is above 500 MB and 0.1%%")
	}
}
