// Package embedded starts and tunes the embedded database engine (FerretDB 1.24 on
// SQLite) that serves a data directory over a Unix socket, and does what only that
// engine needs: the data directory's lock, the SQLite pragmas, the _id indexes FerretDB
// does not make usable, one-instant snapshots of its file, its disk usage and its log.
// Everything else reaches the engine as it would MongoDB, through package store.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// maxSocketPath is the longest Unix socket path Linux accepts (sun_path is 108 bytes).
const maxSocketPath = 107

// ErrLocked means another process already serves the data directory.
var ErrLocked = errors.New("the data directory is in use by another portal process")

// Engine is the embedded FerretDB (SQLite handler) serving the data directory over a
// Unix socket only, so nothing on the network can reach it.
type Engine struct {
	dir    string
	lock   *os.File
	fdb    *ferretdb.FerretDB
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// SocketPath is where the embedded engine listens for a given data directory.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, "mongodb.sock") }

// PrepareDataDir creates the data directory with mode 0700 (or tightens an existing
// one) and checks that it is writable, so a bad directory fails with a clear message.
func PrepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create data directory %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil { // #nosec G302 -- a directory needs its x bit; owner only
		return fmt.Errorf("cannot restrict data directory %s to its owner: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, err)
	}
	name := probe.Name()
	_ = probe.Close()
	return os.Remove(name)
}

// Start locks the data directory, then starts FerretDB on <dir>/mongodb.sock with
// its SQLite files under <dir>/db. logger receives the engine's own messages.
func Start(dir string, logger *slog.Logger) (*Engine, error) {
	return start(dir, logger, 0)
}

// StartCapped is Start with every SQLite database file limited to maxPages pages
// (SQLite's max_page_count, 4 KiB a page): a write beyond it fails as a full disk does
// ("database or disk is full"), and deleting documents makes room again, as freeing disk
// space does. Tests use it to fill the database without a small filesystem.
func StartCapped(dir string, logger *slog.Logger, maxPages int64) (*Engine, error) {
	return start(dir, logger, maxPages)
}

func start(dir string, logger *slog.Logger, maxPages int64) (*Engine, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	if err := PrepareDataDir(abs); err != nil {
		return nil, err
	}
	sock := SocketPath(abs)
	if len(sock) > maxSocketPath {
		return nil, fmt.Errorf("data directory path %s is too long for a Unix socket (at most %d bytes for %s)", abs, maxSocketPath, sock)
	}

	lock, err := lockDir(abs)
	if err != nil {
		return nil, err
	}
	// The lock proves no live process owns the socket: a leftover file is from a crash.
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		_ = lock.Close()
		return nil, fmt.Errorf("cannot remove stale socket %s: %w", sock, err)
	}
	dbDir := filepath.Join(abs, "db")
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("cannot create %s: %w", dbDir, err)
	}
	if logger == nil {
		// Discarded without formatting: the engine adds each statement's arguments to its
		// logger, which a text handler would format even for io.Discard.
		logger = slog.New(slog.DiscardHandler)
	}
	// synchronous(full): a write acknowledged to a citizen survives a power cut.
	// cache_size: FerretDB keeps up to 100 SQLite connections open, each with its own
	// page cache (2 MiB by default); the file's pages are in the system's cache anyway,
	// so each keeps 512 KiB and the connections together stay small (socketPool bounds
	// how many the portal opens).
	q := url.Values{"_pragma": {"synchronous(full)", fmt.Sprintf("cache_size(-%d)", sqliteCacheKiB)}}
	if maxPages > 0 {
		q.Add("_pragma", fmt.Sprintf("max_page_count(%d)", maxPages))
	}
	sqliteURL := (&url.URL{Scheme: "file", Path: dbDir + "/", RawQuery: q.Encode()}).String()
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{dir: abs, lock: lock, fdb: fdb, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = fdb.Run(ctx)
	}()
	return e, nil
}

// URI is the connection string for the engine's socket.
func (e *Engine) URI() string { return SocketURI(e.dir) }

// SocketURI is the connection string for the socket of a data directory, as mongosh
// and the driver expect it (the path percent-encoded in the host part).
func SocketURI(dataDir string) string {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	return "mongodb://" + url.PathEscape(SocketPath(dataDir)) + "/?maxPoolSize=" + strconv.Itoa(socketPool)
}

// sqliteCacheKiB is each SQLite connection's page cache, in KiB.
const sqliteCacheKiB = 512

// socketPool bounds the driver's connections to the embedded engine (the driver's
// default is 100). Each is a FerretDB connection with its buffers and, while busy, an
// SQLite connection; with the pages' documents kept in memory (cache.go) and SQLite
// writing one transaction at a time, more than this only queue inside the engine.
const socketPool = 16

// Close stops the listener, waits for connections to finish and the SQLite files to
// close, then releases the directory lock.
func (e *Engine) Close() {
	e.once.Do(func() {
		e.cancel()
		<-e.done
		_ = os.Remove(SocketPath(e.dir))
		_ = e.lock.Close()
	})
}

func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "portal.lock"), os.O_CREATE|os.O_RDWR, 0o600) // #nosec G304 -- in the operator's data directory
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file in %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
		}
		return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
	}
	return f, nil
}

// DiskUsage reads the filesystem of the data directory (bytes free to an unprivileged
// user, bytes in all) and the size of database dbName's files, its write-ahead log
// included.
func DiskUsage(dataDir, dbName string) (free, total, database int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dataDir, &st); err != nil {
		return 0, 0, 0, fmt.Errorf("free space of %s: %w", dataDir, err)
	}
	bs := int64(st.Bsize)         // #nosec G115 -- a block size is small and positive
	free = int64(st.Bavail) * bs  // #nosec G115 -- block counts fit in int64
	total = int64(st.Blocks) * bs // #nosec G115 -- as above
	base := filepath.Join(dataDir, "db", dbName+".sqlite")
	for _, p := range []string{base, base + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			database += fi.Size()
		}
	}
	return free, total, database, nil
}
