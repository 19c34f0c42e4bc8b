package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
	"github.com/example/pdpa-portal/store/storetest"
)

// collectionDump is every document of every collection, canonical extended JSON sorted
// by collection and _id, for comparing two databases.
func collectionDump(t *testing.T, db *storetest.DB, skip ...string) map[string][]string {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(context.Background())
	names, err := c.Database(db.Name).ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, n := range names {
		if strings.HasPrefix(n, "system.") || contains(skip, n) {
			continue
		}
		cur, err := c.Database(db.Name).Collection(n).Find(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(context.Background()) {
			b, _ := bson.MarshalExtJSON(cur.Current, true, false)
			out[n] = append(out[n], string(b))
		}
		sort.Strings(out[n])
		if len(out[n]) == 0 {
			delete(out, n)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func seedForBackup(t *testing.T, db *storetest.DB) {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(context.Background())
	d := c.Database(db.Name)
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 30, 0, 123_000_000, time.UTC)
	big := bytes.Repeat([]byte{0, 1, 2, 250}, 300_000) // a 1.2 MB file chunk
	for coll, docs := range map[string][]any{
		"users":         {bson.D{{Key: "_id", Value: "u1"}, {Key: "name", Value: []byte{9, 8, 7}}, {Key: "roles", Value: bson.A{"officer"}}, {Key: "created", Value: at}}},
		"requests":      {bson.D{{Key: "_id", Value: "2026-000001"}, {Key: "version", Value: int64(3)}, {Key: "due", Value: "2026-12-08"}, {Key: "steps", Value: bson.A{bson.D{{Key: "at", Value: at}, {Key: "n", Value: int32(1)}}}}}},
		"file_chunks":   {bson.D{{Key: "_id", Value: "f1:0"}, {Key: "data", Value: bson.Binary{Subtype: 0, Data: big}}}},
		"audit_events":  {bson.D{{Key: "_id", Value: int64(1)}, {Key: "at", Value: at}, {Key: "hash", Value: "ab"}}, bson.D{{Key: "_id", Value: int64(2)}, {Key: "at", Value: at}, {Key: "ratio", Value: 0.25}}},
		"analytics":     {bson.D{{Key: "_id", Value: "d:2026-11-22"}, {Key: "tables", Value: `{"path":{"/":3}}`}, {Key: "nothing", Value: nil}}},
		"subject_keys":  {bson.D{{Key: "_id", Value: "u1"}, {Key: "wrapped", Value: []byte{1, 2, 3}}}},
		"calendar_days": {bson.D{{Key: "_id", Value: "2026-12-25"}, {Key: "off", Value: true}}},
	} {
		if _, err := d.Collection(coll).InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
}

// Back up, wipe, restore: every document of every collection comes back exactly, types
// and all; the key store is not in the data backup but has its own.
func TestBackupWipeRestore(t *testing.T) {
	ctx := context.Background()
	src := storetest.New(t)
	seedForBackup(t, src)
	before := collectionDump(t, src)
	dir := t.TempDir()
	data, keys := filepath.Join(dir, "data.tar.gz"), filepath.Join(dir, "keys.tar.gz")
	for path, k := range map[string]bool{data: false, keys: true} {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Backup(ctx, src.DB, f, store.BackupOptions{Keys: k}); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	m, err := store.VerifyBackup(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Collections {
		if c.Name == "subject_keys" {
			t.Fatal("the data backup holds the key store")
		}
	}
	// Wipe, restore data then keys, compare.
	if err := src.DB.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	var progress []string
	if _, err := store.Restore(ctx, src.DB, data, store.RestoreOptions{Progress: func(c string, n, total int64) { progress = append(progress, c) }}); err != nil {
		t.Fatal(err)
	}
	if !contains(progress, "file_chunks") {
		t.Fatal("no progress reported")
	}
	if _, err := store.Restore(ctx, src.DB, keys, store.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	after := collectionDump(t, src)
	if len(after) != len(before) {
		t.Fatalf("collections: %d before, %d after", len(before), len(after))
	}
	for coll, docs := range before {
		if strings.Join(docs, "\n") != strings.Join(after[coll], "\n") {
			t.Fatalf("%s differs after the restore:\n%v\n%v", coll, docs, after[coll])
		}
	}
	// A second restore into the now full database is refused, and changes nothing.
	if _, err := store.Restore(ctx, src.DB, data, store.RestoreOptions{}); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("restore over data: %v", err)
	}
	if _, err := store.Restore(ctx, src.DB, data, store.RestoreOptions{Force: true}); err != nil {
		t.Fatalf("forced restore: %v", err)
	}
	if again := collectionDump(t, src); strings.Join(again["requests"], "") != strings.Join(before["requests"], "") || len(again["audit_events"]) != 2 {
		t.Fatal("the forced restore did not replace the data exactly")
	}
}

// A damaged archive is refused before anything is written.
func TestRestoreRefusesADamagedBackup(t *testing.T) {
	ctx := context.Background()
	src := storetest.New(t)
	seedForBackup(t, src)
	var buf bytes.Buffer
	if _, err := store.Backup(ctx, src.DB, &buf, store.BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	// Change one character of one document inside the archive.
	zr, _ := gzip.NewReader(&buf)
	raw, _ := io.ReadAll(zr)
	i := bytes.Index(raw, []byte("2026-12-08"))
	if i < 0 {
		t.Fatal("document not found in the archive")
	}
	raw[i+9] = '9'
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(raw)
	zw.Close()
	path := filepath.Join(t.TempDir(), "damaged.tar.gz")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := storetest.New(t)
	if _, err := store.Restore(ctx, empty.DB, path, store.RestoreOptions{}); !errors.Is(err, store.ErrBadBackup) || !strings.Contains(err.Error(), "requests") {
		t.Fatalf("damaged archive: %v", err)
	}
	if got := collectionDump(t, empty); len(got) != 0 {
		t.Fatalf("a refused restore wrote %v", got)
	}
	if err := os.WriteFile(path, []byte("not a backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.VerifyBackup(path); !errors.Is(err, store.ErrBadBackup) {
		t.Fatalf("garbage: %v", err)
	}
}

// A snapshot of the embedded database taken while a portal writes is of one instant:
// two collections written in lockstep (a, then b) never show b ahead of a, nor a more
// than one ahead.
func TestSnapshotIsOneInstant(t *testing.T) {
	if os.Getenv("PORTAL_TEST_MONGODB_URI") != "" {
		t.Skip("snapshots are of the embedded engine; this run uses MongoDB")
	}
	ctx := context.Background()
	src := storetest.New(t)
	c, err := mongo.Connect(options.Client().ApplyURI(src.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	a, b := c.Database(src.Name).Collection("users"), c.Database(src.Name).Collection("requests")
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := a.InsertOne(ctx, bson.D{{Key: "_id", Value: i}}); err != nil {
				return
			}
			if _, err := b.InsertOne(ctx, bson.D{{Key: "_id", Value: i}}); err != nil {
				return
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	for range 3 {
		dst := storetest.ShortTempDir(t)
		if err := embedded.Snapshot(ctx, src.Dir, src.Name, dst); err != nil {
			t.Fatal(err)
		}
		eng, err := embedded.Start(dst, nil)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := mongo.Connect(options.Client().ApplyURI(eng.URI()))
		if err != nil {
			t.Fatal(err)
		}
		na, _ := sc.Database(src.Name).Collection("users").CountDocuments(ctx, bson.D{})
		nb, _ := sc.Database(src.Name).Collection("requests").CountDocuments(ctx, bson.D{})
		_ = sc.Disconnect(ctx)
		eng.Close()
		if na == 0 || nb > na || na > nb+1 {
			close(stop)
			<-done
			t.Fatalf("snapshot not of one instant: %d and %d", na, nb)
		}
	}
	close(stop)
	<-done
}

// The snapshot of a data directory named relative to the working directory (the default
// ./data, as cron's "cd /srv/portal && ./portal backup" finds it) is taken, not refused
// as a malformed SQLite URI, and holds the data.
func TestBackupSnapshotOfARelativeDataDirectory(t *testing.T) {
	if os.Getenv("PORTAL_TEST_MONGODB_URI") != "" {
		t.Skip("snapshots are of the embedded engine; this run uses MongoDB")
	}
	ctx := context.Background()
	t.Chdir(storetest.ShortTempDir(t))
	eng, err := embedded.Start("data", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mongo.Connect(options.Client().ApplyURI(eng.URI()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Database("portal").Collection("calendar_days").InsertOne(ctx, bson.D{{Key: "_id", Value: "2026-12-25"}, {Key: "off", Value: true}}); err != nil {
		t.Fatal(err)
	}
	_ = c.Disconnect(ctx)
	eng.Close()

	if err := embedded.Snapshot(ctx, "data", "portal", "snap"); err != nil {
		t.Fatalf("snapshot of ./data: %v", err)
	}
	snap, err := embedded.Start("snap", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	sc, err := mongo.Connect(options.Client().ApplyURI(snap.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Disconnect(ctx)
	if n, err := sc.Database("portal").Collection("calendar_days").CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Fatalf("the snapshot holds %d days (%v), want 1", n, err)
	}
}
