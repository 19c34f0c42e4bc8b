package store

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/background"
)

// BackupFormat names the archive layout, so a future change is recognised.
const BackupFormat = "pdpa-portal-backup/1"

// Manifest describes a backup archive: what it holds and each collection's checksum.
type Manifest struct {
	Format      string               `json:"format"`
	Created     time.Time            `json:"created"`
	Database    string               `json:"database"`
	Keys        bool                 `json:"keys"` // the key store (subject_keys) rather than the data
	Collections []ManifestCollection `json:"collections"`
}

// ManifestCollection is one collection of a backup.
type ManifestCollection struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Docs   int64  `json:"docs"`
	SHA256 string `json:"sha256"`
}

// BackupOptions choose what a backup holds and report progress.
type BackupOptions struct {
	// Keys backs up the key store alone. The data backup never holds it: a data backup
	// restored later must not bring back the key of a person erased since (deletion
	// reaches backups because the key is gone).
	Keys     bool
	Progress func(collection string, docs, total int64)
}

// backupCollections are the collections a backup holds.
func backupCollections(keys bool) []string {
	if keys {
		return []string{collKeys}
	}
	// The audit trail's head before its events: events appended meanwhile are then
	// beyond the head, which the next append and verification accept, instead of a head
	// naming events the backup lacks.
	out := []string{collAuditHead}
	for _, c := range allCollections {
		if c != collKeys && c != collAuditHead {
			out = append(out, c)
		}
	}
	return out
}

// Backup writes a gzip-compressed tar archive: one file of canonical extended JSON per
// collection (a document a line, every BSON type kept) and manifest.json with the counts
// and SHA-256 checksums. Collections are read one after another, each in stored order.
func Backup(ctx context.Context, d *DB, w io.Writer, opt BackupOptions) (*Manifest, error) {
	ctx = background.Job(ctx, "backup")
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	m := &Manifest{Format: BackupFormat, Created: time.Now().UTC(), Database: d.db.Name(), Keys: opt.Keys}
	for _, name := range backupCollections(opt.Keys) {
		mc, err := backupCollection(ctx, d, tw, name, opt.Progress)
		if err != nil {
			return nil, err
		}
		m.Collections = append(m.Collections, *mc)
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeTarFile(tw, "manifest.json", mb); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return m, nil
}

// estimatedCount is the collection's size as the engine estimates it without reading it
// (for the progress bar; 0 when unknown): counting would read every document once more.
func estimatedCount(ctx context.Context, coll *mongo.Collection) int64 {
	cur, err := coll.Aggregate(ctx, mongo.Pipeline{{{Key: "$collStats", Value: bson.D{{Key: "count", Value: bson.D{}}}}}})
	if err != nil {
		return 0
	}
	defer cur.Close(ctx)
	var st struct {
		Count int64 `bson:"count"`
	}
	if !cur.Next(ctx) || cur.Decode(&st) != nil {
		return 0
	}
	return st.Count
}

func backupCollection(ctx context.Context, d *DB, tw *tar.Writer, name string, progress func(string, int64, int64)) (*ManifestCollection, error) {
	coll := d.coll(name)
	total := estimatedCount(ctx, coll)
	// The collection is written to a temporary file first: a tar entry needs its size.
	tmp, err := os.CreateTemp("", "portal-backup-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	sum := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(tmp, sum))
	// In stored order: sorting by _id, the embedded engine held every document of the
	// collection in memory at once (4.5 GB for the audit trail of 100 000 citizens).
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, translate(err))
	}
	defer cur.Close(ctx)
	var n int64
	for cur.Next(ctx) {
		line, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			return nil, fmt.Errorf("backup %s: %w", name, err)
		}
		if _, err := bw.Write(append(line, '\n')); err != nil {
			return nil, err
		}
		n++
		if progress != nil && n%500 == 0 {
			progress(name, n, max(total, n))
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, translate(err))
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(name, n, n)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	file := "collections/" + name + ".jsonl"
	if err := tw.WriteHeader(&tar.Header{Name: file, Mode: 0o600, Size: size, ModTime: time.Now()}); err != nil {
		return nil, err
	}
	if _, err := io.Copy(tw, tmp); err != nil {
		return nil, err
	}
	return &ManifestCollection{Name: name, File: file, Docs: n, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

func writeTarFile(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now()}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

// ErrNotEmpty is a restore refused because the database already holds data.
var ErrNotEmpty = errors.New("the database is not empty")

// ErrBadBackup is an archive that does not verify: nothing was restored.
var ErrBadBackup = errors.New("the backup does not verify")

// RestoreOptions control a restore.
type RestoreOptions struct {
	// Force restores into a database that holds data, after deleting the collections the
	// archive holds.
	Force    bool
	Progress func(collection string, docs, total int64)
}

// VerifyBackup reads the whole archive and checks it against its manifest.
func VerifyBackup(path string) (*Manifest, error) {
	m, sums, counts, err := scanBackup(path)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%w: no manifest.json", ErrBadBackup)
	}
	if m.Format != BackupFormat {
		return nil, fmt.Errorf("%w: format %q, this portal reads %q", ErrBadBackup, m.Format, BackupFormat)
	}
	listed := map[string]bool{}
	for _, c := range m.Collections {
		// Restore writes each listed file into the collection its entry names: the pair
		// must be one Backup writes, so a file cannot land in another collection, a
		// collection cannot be filled twice, and the key store stays out of data backups.
		switch {
		case !slices.Contains(allCollections, c.Name):
			return nil, fmt.Errorf("%w: unknown collection %q", ErrBadBackup, c.Name)
		case c.File != "collections/"+c.Name+".jsonl" || listed[c.File]:
			return nil, fmt.Errorf("%w: collection %q listed twice or as file %q", ErrBadBackup, c.Name, c.File)
		case (c.Name == collKeys) != m.Keys:
			return nil, fmt.Errorf("%w: the key store and the data are mixed", ErrBadBackup)
		}
		listed[c.File] = true
		got, ok := sums[c.File]
		if !ok {
			return nil, fmt.Errorf("%w: %s is missing", ErrBadBackup, c.File)
		}
		if got != c.SHA256 {
			return nil, fmt.Errorf("%w: %s has checksum %s, the manifest says %s", ErrBadBackup, c.File, got[:12], c.SHA256[:min(12, len(c.SHA256))])
		}
		if counts[c.File] != c.Docs {
			return nil, fmt.Errorf("%w: %s holds %d documents, the manifest says %d", ErrBadBackup, c.File, counts[c.File], c.Docs)
		}
	}
	for name := range sums {
		if !listed[name] {
			return nil, fmt.Errorf("%w: %s is not in the manifest", ErrBadBackup, name)
		}
	}
	return m, nil
}

func scanBackup(path string) (*Manifest, map[string]string, map[string]int64, error) {
	f, err := os.Open(path) // #nosec G304 -- the operator names the archive
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: not a gzip archive: %v", ErrBadBackup, err)
	}
	tr := tar.NewReader(gz)
	sums, counts := map[string]string{}, map[string]int64{}
	var m *Manifest
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: %v", ErrBadBackup, err)
		}
		// Restore reads every copy of a name, so a second copy would be restored unchecked.
		if _, dup := sums[h.Name]; dup || (h.Name == "manifest.json" && m != nil) {
			return nil, nil, nil, fmt.Errorf("%w: %s appears twice", ErrBadBackup, h.Name)
		}
		if h.Name == "manifest.json" {
			m = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(m); err != nil {
				return nil, nil, nil, fmt.Errorf("%w: manifest: %v", ErrBadBackup, err)
			}
			continue
		}
		var sum hash.Hash = sha256.New()
		lines := &lineCounter{}
		n, err := scanDocuments(io.TeeReader(tr, io.MultiWriter(sum, lines)))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: %s: %v", ErrBadBackup, h.Name, err)
		}
		if n != lines.n {
			return nil, nil, nil, fmt.Errorf("%w: %s ends inside a line", ErrBadBackup, h.Name)
		}
		sums[h.Name], counts[h.Name] = hex.EncodeToString(sum.Sum(nil)), lines.n
	}
	return m, sums, counts, nil
}

// scanDocuments reads lines as restoreCollection does and checks that each is a document,
// so a restore that has begun (and with --force has deleted) cannot stop at a bad line.
func scanDocuments(r io.Reader) (int64, error) {
	sc := newLineScanner(r)
	var n int64
	for sc.Scan() {
		n++
		var doc bson.D
		if err := bson.UnmarshalExtJSON(sc.Bytes(), true, &doc); err != nil {
			return n, fmt.Errorf("line %d: %w", n, err)
		}
	}
	return n, sc.Err()
}

func newLineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	// A document is at most 16 MB; as canonical extended JSON a byte can take six
	// (\u0001), so a line may be near 100 MB. The buffer grows to that only when a line
	// needs it: verification opens a scanner per file.
	sc.Buffer(make([]byte, 0, 64<<10), 128<<20)
	return sc
}

type lineCounter struct{ n int64 }

func (l *lineCounter) Write(p []byte) (int, error) {
	l.n += int64(strings.Count(string(p), "\n"))
	return len(p), nil
}

// Restore verifies the archive completely, then writes its collections into the
// database: only an empty one (every collection the archive holds has no documents)
// unless Force, which first deletes what those collections hold.
func Restore(ctx context.Context, d *DB, path string, opt RestoreOptions) (*Manifest, error) {
	ctx = background.Job(ctx, "restore")
	m, err := VerifyBackup(path)
	if err != nil {
		return nil, err
	}
	if !opt.Force {
		for _, c := range m.Collections {
			err := translate(d.coll(c.Name).FindOne(ctx, bson.D{}).Err())
			if err == nil {
				return nil, fmt.Errorf("%w: %s holds documents (restore with --force to replace them)", ErrNotEmpty, c.Name)
			}
			if !errors.Is(err, apperr.ErrNotFound) {
				return nil, fmt.Errorf("restore: %w", err)
			}
		}
	} else {
		// Dropped, not emptied document by document: the embedded engine cannot delete
		// more than 32 766 documents in one command.
		for _, c := range m.Collections {
			if err := d.dropAndCreate(ctx, c.Name); err != nil {
				return nil, fmt.Errorf("restore: %w", err)
			}
		}
	}
	byFile := map[string]ManifestCollection{}
	for _, c := range m.Collections {
		byFile[c.File] = c
	}
	f, err := os.Open(path) // #nosec G304 -- the operator names the archive
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		c, ok := byFile[h.Name]
		if !ok {
			continue
		}
		if err := restoreCollection(ctx, d, tr, c, opt.Progress); err != nil {
			// Never leave half a database: empty what was restored, so the operator can
			// run it again once the cause is fixed.
			for _, mc := range m.Collections {
				_ = d.dropAndCreate(context.WithoutCancel(ctx), mc.Name)
			}
			return nil, fmt.Errorf("%w (the restored collections were emptied again)", err)
		}
	}
	return m, nil
}

func restoreCollection(ctx context.Context, d *DB, r io.Reader, c ManifestCollection, progress func(string, int64, int64)) error {
	sc := newLineScanner(r)
	var batch []any
	var n int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := d.coll(c.Name).InsertMany(ctx, batch); err != nil {
			return fmt.Errorf("restore %s: %w", c.Name, translate(err))
		}
		n += int64(len(batch))
		batch = batch[:0]
		if progress != nil {
			progress(c.Name, n, c.Docs)
		}
		return nil
	}
	for sc.Scan() {
		var doc bson.D
		if err := bson.UnmarshalExtJSON(sc.Bytes(), true, &doc); err != nil {
			return fmt.Errorf("restore %s: %w", c.Name, err)
		}
		batch = append(batch, doc)
		if len(batch) == 200 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("restore %s: %w", c.Name, err)
	}
	if err := flush(); err != nil {
		return err
	}
	if progress != nil && n == 0 {
		progress(c.Name, 0, 0)
	}
	return nil
}

// HoldsNoPeople reports whether the database has no accounts, requests or guests yet
// (what a fresh portal creates — the first notice, the purposes — does not count).
func HoldsNoPeople(ctx context.Context, d *DB) (bool, error) {
	for _, c := range []string{collUsers, collRequests, collGuests, collDisclosures} {
		// The first document, if any (a limit the embedded engine applies, not a count).
		err := translate(d.coll(c).FindOne(ctx, bson.D{}).Err())
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, apperr.ErrNotFound) {
			return false, fmt.Errorf("check %s: %w", c, err)
		}
	}
	return true, nil
}
