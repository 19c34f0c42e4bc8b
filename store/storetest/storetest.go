// Package storetest gives tests a real database over the wire protocol: the embedded
// engine in a temporary directory, or the server in PORTAL_TEST_MONGODB_URI.
package storetest

import (
	"context"
	"slices"
	"strings"

	"fmt"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
	"github.com/example/pdpa-portal/vault"
)

var seq atomic.Int64

// DB is a test database and, when embedded, the engine serving it.
type DB struct {
	*store.DB
	Engine *embedded.Engine
	URI    string
	Name   string
	Dir    string

	cmdMu    sync.Mutex
	commands map[string]int // "<command> <collection>" → how many were sent
}

// Commands returns how many of each command ("find sessions", "insert audit_events")
// the portal has sent this database since the last call, and starts counting again:
// a benchmark reports the round-trips a page costs.
func (d *DB) Commands() map[string]int {
	d.cmdMu.Lock()
	defer d.cmdMu.Unlock()
	out := d.commands
	d.commands = map[string]int{}
	return out
}

func (d *DB) countCommand(name string, cmd bson.Raw) {
	coll, _ := cmd.Lookup(name).StringValueOK()
	d.cmdMu.Lock()
	d.commands[name+" "+coll]++
	d.cmdMu.Unlock()
}

// New returns an empty database with indexes, closed at the end of the test, in this
// run's mode (Mode).
func New(t testing.TB) *DB {
	t.Helper()
	return open(t, Mode(), 0)
}

// NewIn is New in the given mode: a test of what several instances do runs Shared on
// the embedded engine too.
func NewIn(t testing.TB, mode store.Mode) *DB {
	t.Helper()
	return open(t, mode, 0)
}

// NewCapped is New on an embedded engine whose database may grow to at most maxPages
// pages of 4 KiB (0: no cap; embedded.StartCapped). It skips the test against a
// shared server, which cannot be capped.
func NewCapped(t testing.TB, maxPages int64) *DB {
	t.Helper()
	if maxPages > 0 && os.Getenv("PORTAL_TEST_MONGODB_URI") != "" {
		t.Skip("the database cap needs the embedded engine")
	}
	return open(t, Mode(), maxPages)
}

func open(t testing.TB, mode store.Mode, maxPages int64) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), seq.Add(1))
	out := &DB{Name: name, commands: map[string]int{}}
	if uri := os.Getenv("PORTAL_TEST_MONGODB_URI"); uri != "" {
		out.URI = uri
	} else {
		out.Dir = ShortTempDir(t)
		eng, err := embedded.StartCapped(out.Dir, nil, maxPages)
		if err != nil {
			t.Fatalf("start embedded engine: %v", err)
		}
		t.Cleanup(eng.Close)
		out.Engine, out.URI = eng, eng.URI()
	}
	if out.Engine == nil {
		mode = store.Shared // MongoDB: always several possible writers
	}
	monitor := watch(t, mode)
	started := monitor.Started
	monitor.Started = func(ctx context.Context, e *event.CommandStartedEvent) {
		out.countCommand(e.CommandName, e.Command)
		started(ctx, e)
	}
	db, err := store.Connect(ctx, out.URI, name, store.Options{Mode: mode, Monitor: monitor})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		if out.Engine == nil {
			_ = db.Drop(cctx)
		}
		_ = db.Close(cctx)
	})
	if err := db.EnsureIndexes(ctx); err != nil {
		t.Fatalf("indexes: %v", err)
	}
	if out.Engine != nil {
		if err := out.Engine.IndexIDs(ctx, name); err != nil {
			t.Fatalf("_id indexes: %v", err)
		}
	}
	out.DB = db
	return out
}

// sharedMode reports whether PORTAL_TEST_DB_MODE=shared asks for the embedded engine's
// databases in Shared mode (what several instances on MongoDB run: compare-and-set
// filters on {_id, version}), so the store's tests exercise both modes on one engine.
// On MongoDB (PORTAL_TEST_MONGODB_URI) the mode is always Shared.
func sharedMode() bool { return os.Getenv("PORTAL_TEST_DB_MODE") == "shared" }

// Mode is the mode New gives a database in this run.
func Mode() store.Mode {
	if sharedMode() || os.Getenv("PORTAL_TEST_MONGODB_URI") != "" {
		return store.Shared
	}
	return store.SingleWriter
}

// ShortTempDir is t.TempDir() unless its path is too long for a Unix socket, in which
// case it is a short directory under the system temp dir, removed at cleanup.
func ShortTempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if len(filepath.Join(dir, "mongodb.sock")) <= 100 {
		return dir
	}
	dir, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// TestMasterKey is the fixed master key tests use.
var TestMasterKey = []byte("0123456789abcdef0123456789abcdef")

// EmailKey is the fixed e-mail index key tests use.
var EmailKey = []byte("email-index-key")

// Vault returns a vault over db with the test master key.
func Vault(db *store.DB) *vault.Vault {
	v, err := vault.New(TestMasterKey, store.NewKeys(db))
	if err != nil {
		panic(err)
	}
	return v
}

// Users returns a user store over db with a test vault.
func Users(db *store.DB) *store.Users {
	return store.NewUsers(db, EmailKey, Vault(db))
}

// Dump reads every document of every collection (but the ones named in except) with a
// separate client, as an operator with mongosh would.
func Dump(t testing.TB, db *DB, except ...string) string {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(context.Background())
	d := c.Database(db.Name)
	names, err := d.ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, n := range names {
		if slices.Contains(except, n) {
			continue
		}
		cur, err := d.Collection(n).Find(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(context.Background()) {
			all.WriteString(cur.Current.String())
			all.Write(cur.Current) // raw bytes too: strings inside binary fields
		}
	}
	return all.String()
}

// watch reports every query the embedded engine cannot serve from an index on a request
// path, or MongoDB from a declared index (store.Query.Problem), as a test failure naming
// the code that sent it.
func watch(t testing.TB, mode store.Mode) *event.CommandMonitor {
	var mu sync.Mutex
	seen := map[string]bool{}
	logPath := os.Getenv("PORTAL_QUERY_LOG")
	return store.WatchQueries(mode, func(ctx context.Context, q store.Query) {
		problem := q.Problem()
		if problem == "" {
			return
		}
		where := caller()
		key := q.String() + " at " + where
		mu.Lock()
		defer mu.Unlock()
		if seen[key] {
			return
		}
		seen[key] = true
		if logPath != "" {
			f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) // #nosec G304 G703 -- the test run's own report file (PORTAL_QUERY_LOG)
			if err == nil {
				fmt.Fprintf(f, "%s\t%s\t%s\t%s\n", t.Name(), q, problem, where)
				_ = f.Close()
			}
			return
		}
		t.Errorf("query %s: %s\n\tsent by %s", q, problem, where)
	})
}

// caller names the portal's functions on the stack that led to a command, innermost
// first, skipping the driver and the test files.
func caller() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var out []string
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "github.com/example/pdpa-portal/") && !strings.Contains(f.Function, "storetest") &&
			!strings.HasSuffix(f.File, "_test.go") {
			out = append(out, strings.TrimPrefix(f.Function, "github.com/example/pdpa-portal/"))
			if len(out) == 4 {
				break
			}
		}
		if !more {
			break
		}
	}
	return strings.Join(out, " < ")
}
