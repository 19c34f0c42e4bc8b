package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
	"github.com/example/pdpa-portal/store/storetest"
)

// testBinary is this test binary by an absolute path, so a child started in another
// working directory still finds it.
func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// cronEnv is the test's environment without the settings that would name a database
// (a developer's PORTAL_DATA_DIR or MONGODB_URI): the child takes the default ./data.
func cronEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PORTAL_DATA_DIR=") && !strings.HasPrefix(kv, "MONGODB_URI=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "PORTAL_TEST_RUN_MAIN=1"), extra...)
}

// runIn runs the real portal command in the working directory wd, as an operator's
// shell or cron does, and returns its exit status and output.
func runIn(t *testing.T, wd, stdin string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testBinary(t), args...)
	cmd.Dir, cmd.Env = wd, cronEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("portal %v: %v", args, err)
	}
	return runResult{code, out.String(), errb.String()}
}

// servePortalIn starts the real portal in wd with the default data directory (./data)
// and waits until it serves.
func servePortalIn(t *testing.T, wd string) *child {
	t.Helper()
	c := startChildIn(t, wd, cronEnv(), "-addr", "127.0.0.1:0", "-shutdown-timeout", "5s")
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

const rootPassword = "Adm1n!strator-2026"

// staffPage signs the administrator in on the portal at base and returns the staff home
// page in English.
func staffPage(t *testing.T, base string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := cl.PostForm(base+"/signin", url.Values{"email": {"root@agency.example"}, "password": {rootPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, base+"/staff", nil)
	req.Header.Set("Accept-Language", "en")
	res, err = cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Request.URL.Path != "/staff" {
		t.Fatalf("staff home: %d at %s", res.StatusCode, res.Request.URL)
	}
	return string(b)
}

// The operator's nightly job, exactly as the README's crontab line runs it: from the
// portal's directory, with the data directory left at its default ./data and every file
// named relative to it. The backup works beside the running portal and with it stopped,
// and the archive restores (from a relative path, into a fresh ./data elsewhere) to a
// portal the administrator signs in to, with its audit trail whole.
func TestBackupFromTheWorkingDirectoryAsCronRunsIt(t *testing.T) {
	work := storetest.ShortTempDir(t)
	// The administrator first: create-admin writes only while no portal runs.
	if ca := runIn(t, work, rootPassword+"\n", "create-admin", "-email", "root@agency.example"); ca.code != 0 {
		t.Fatalf("create-admin: exit %d %q", ca.code, ca.stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "data", "secrets.json")); err != nil {
		t.Fatalf("./data was not made in the working directory: %v", err)
	}
	p := servePortalIn(t, work)

	live := runIn(t, work, "", "backup", "-o", "data-live.tar.gz")
	if live.code != 0 || !strings.Contains(live.stdout, "Backed up the data") {
		t.Fatalf("backup beside the running portal: exit %d %q %q", live.code, live.stdout, live.stderr)
	}
	if k := runIn(t, work, "", "backup", "--keys", "-o", "keys-live.tar.gz"); k.code != 0 {
		t.Fatalf("key store backup beside the running portal: exit %d %q", k.code, k.stderr)
	}
	p.term(t)
	stopped := runIn(t, work, "", "backup", "-o", "data-stopped.tar.gz")
	if stopped.code != 0 {
		t.Fatalf("backup with the portal stopped: exit %d %q", stopped.code, stopped.stderr)
	}
	for _, f := range []string{"data-live.tar.gz", "data-stopped.tar.gz"} {
		if _, err := store.VerifyBackup(filepath.Join(work, f)); err != nil {
			t.Fatalf("%s does not verify: %v", f, err)
		}
	}

	// The recovery drill: a fresh directory, the original secrets.json, the data and
	// the key store restored from archives named relative to the working directory.
	fresh := storetest.ShortTempDir(t)
	if err := os.Mkdir(filepath.Join(fresh, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	secrets, err := os.ReadFile(filepath.Join(work, "data", "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "data", "secrets.json"), secrets, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"data-live.tar.gz", "keys-live.tar.gz"} {
		archive, err := filepath.Rel(fresh, filepath.Join(work, f))
		if err != nil {
			t.Fatal(err)
		}
		if r := runIn(t, fresh, "", "restore", archive); r.code != 0 || !strings.Contains(r.stdout, "Restored") {
			t.Fatalf("restore of %s into ./data: exit %d %q %q", archive, r.code, r.stdout, r.stderr)
		}
	}
	if v := runIn(t, fresh, "", "audit", "verify"); v.code != 0 || !strings.Contains(v.stdout, "whole") {
		t.Fatalf("the restored audit trail: exit %d %q %q", v.code, v.stdout, v.stderr)
	}
	restored := servePortalIn(t, fresh)
	if page := staffPage(t, restored.url); !strings.Contains(page, "Staff area") {
		t.Fatalf("the restored administrator's staff home:\n%s", page)
	}
}

// backupStatus reads the record of backups of the data directory dir: through the
// running portal's socket, or on an engine started for the moment.
func backupStatus(t *testing.T, dir string, kind backup.Kind) backup.Status {
	t.Helper()
	uri := embedded.SocketURI(dir)
	if eng, err := embedded.Start(dir, nil); err == nil {
		defer eng.Close()
		uri = eng.URI()
	} else if !errors.Is(err, embedded.ErrLocked) {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Connect(ctx, uri, "portal", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	s, err := store.NewBackupRuns(db).BackupStatus(ctx, kind)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// logLines are the non-empty lines a command wrote to its log.
func logLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// A backup that fails exits 1 with one log line giving the reason, and its outcome is
// recorded in the database (through the running portal's socket, or directly with the
// portal stopped), so the administrator's staff home tells of it; a later success is
// recorded too and clears the warning, and the key store's runs are kept apart.
func TestFailedBackupIsLoudAndRecorded(t *testing.T) {
	work := storetest.ShortTempDir(t)
	data := filepath.Join(work, "data")
	if ca := runIn(t, work, rootPassword+"\n", "create-admin", "-email", "root@agency.example"); ca.code != 0 {
		t.Fatalf("create-admin: exit %d %q", ca.code, ca.stderr)
	}
	p := servePortalIn(t, work)
	if page := staffPage(t, p.url); !strings.Contains(page, "No backup of the data has ever succeeded") {
		t.Fatalf("before any backup, the administrator is not warned:\n%s", page)
	}

	bad := runIn(t, work, "", "backup", "-o", "missing/data.tar.gz")
	lines := logLines(bad.stderr)
	if bad.code != exitError || len(lines) != 1 || !strings.Contains(lines[0], "backup failed") ||
		!strings.Contains(lines[0], filepath.Join(work, "missing", "data.tar.gz")) || !strings.Contains(lines[0], "no such file or directory") {
		t.Fatalf("a failed backup: exit %d, log %q; want 1 and one line with the reason", bad.code, bad.stderr)
	}
	s := backupStatus(t, data, backup.Data)
	if s.Last.At.IsZero() || s.Last.OK || !strings.Contains(s.Last.Error, "no such file or directory") || !s.LastOK.At.IsZero() {
		t.Fatalf("recorded beside the running portal: %+v", s)
	}
	if page := staffPage(t, p.url); !strings.Contains(page, "failed. Reason given: cannot write "+filepath.Join(work, "missing", "data.tar.gz")) {
		t.Fatalf("the administrator is not told of the failed backup:\n%s", page)
	}

	good := runIn(t, work, "", "backup", "-o", "data.tar.gz")
	if good.code != 0 {
		t.Fatalf("backup: exit %d %q", good.code, good.stderr)
	}
	st, err := os.Stat(filepath.Join(work, "data.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	s = backupStatus(t, data, backup.Data)
	if !s.Last.OK || s.Last.Error != "" || !s.LastOK.At.Equal(s.Last.At) || s.LastOK.Size != st.Size() {
		t.Fatalf("a success recorded as %+v (archive of %d bytes)", s, st.Size())
	}
	lastOK := s.LastOK
	if page := staffPage(t, p.url); strings.Contains(page, "backup-warning") {
		t.Fatalf("still warned after a successful backup:\n%s", page)
	}

	p.term(t)
	if r := runIn(t, work, "", "backup", "-o", "missing/data.tar.gz"); r.code != exitError {
		t.Fatalf("a failed backup with the portal stopped: exit %d", r.code)
	}
	s = backupStatus(t, data, backup.Data)
	if s.Last.OK || !s.Last.At.After(lastOK.At) || !s.LastOK.At.Equal(lastOK.At) {
		t.Fatalf("recorded with the portal stopped: %+v", s)
	}
	if r := runIn(t, work, "", "backup", "--keys", "-o", "keys.tar.gz"); r.code != 0 {
		t.Fatalf("key store backup: exit %d %q", r.code, r.stderr)
	}
	if k := backupStatus(t, data, backup.Keys); !k.Last.OK || k.LastOK.Size == 0 {
		t.Fatalf("the key store backup recorded as %+v", k)
	}
	if d := backupStatus(t, data, backup.Data); d.Last.OK {
		t.Fatal("the key store backup counted as a data backup")
	}
}
