package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// File is the SQLite file holding the embedded engine's database dbName.
func File(dataDir, dbName string) string {
	return filepath.Join(dataDir, "db", dbName+".sqlite")
}

// Snapshot copies the embedded engine's database file of dataDir into the data
// directory dst as it stands at one instant (SQLite's VACUUM INTO runs in one read
// transaction), while a portal may be writing to it. Starting an engine on dst then
// gives a backup every collection of which is from the same moment.
func Snapshot(ctx context.Context, dataDir, dbName, dst string) error {
	// A file: URI holds an absolute path only: url.URL writes a relative one as
	// file://data/db/…, whose "data" SQLite takes for a host and refuses (reported by
	// modernc.org/sqlite as "out of memory").
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return fmt.Errorf("data directory %s: %w", dataDir, err)
	}
	src := File(abs, dbName)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no embedded database at %s: %w", src, err)
	}
	if err := PrepareDataDir(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dst, "db"), 0o700); err != nil {
		return err
	}
	uri := (&url.URL{Scheme: "file", Path: src, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	out := File(dst, dbName)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	return nil
}
