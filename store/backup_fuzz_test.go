package store_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

type tarEntry struct {
	name string
	body []byte
}

// smallBackup is a real data backup of a few documents, as the plain tar inside the gzip
// stream, and the names of every collection a backup may hold.
func smallBackup(t testing.TB) ([]tarEntry, []string) {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	for coll, doc := range map[string]bson.D{
		"users":        {{Key: "_id", Value: "u1"}, {Key: "name", Value: []byte{9, 8, 7}}, {Key: "created", Value: at}},
		"requests":     {{Key: "_id", Value: "2026-000001"}, {Key: "version", Value: int64(3)}, {Key: "due", Value: "2026-12-08"}},
		"audit_events": {{Key: "_id", Value: int64(1)}, {Key: "at", Value: at}, {Key: "hash", Value: "ab"}},
	} {
		if _, err := c.Database(db.Name).Collection(coll).InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	m, err := store.Backup(ctx, db.DB, &buf, store.BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"subject_keys"} // the key store, which only a keys backup holds
	for _, mc := range m.Collections {
		names = append(names, mc.Name)
	}
	return readTar(t, gunzip(t, buf.Bytes())), names
}

func gunzip(t testing.TB, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func readTar(t testing.TB, b []byte) []tarEntry {
	var out []tarEntry
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tarEntry{h.Name, body})
	}
}

func writeTar(entries []tarEntry) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.body)), ModTime: time.Unix(0, 0)})
		tw.Write(e.body)
	}
	tw.Close()
	return b.Bytes()
}

// withManifest edits the manifest, then sets its checksums and counts to the entries as
// they now are (a well-formed archive whose content is otherwise wrong).
func withManifest(entries []tarEntry, edit func(*store.Manifest)) []tarEntry {
	var m store.Manifest
	out := slices.Clone(entries)
	for i, e := range out {
		if e.name == "manifest.json" {
			json.Unmarshal(e.body, &m)
			if edit != nil {
				edit(&m)
			}
			for j, c := range m.Collections {
				for _, f := range entries {
					if f.name == c.File {
						sum := sha256.Sum256(f.body)
						m.Collections[j].SHA256, m.Collections[j].Docs = hex.EncodeToString(sum[:]), int64(bytes.Count(f.body, []byte("\n")))
						break
					}
				}
			}
			out[i].body, _ = json.Marshal(m)
		}
	}
	return out
}

// backupVariants are a real backup and broken copies of it, each as the bytes of an
// archive file; all but "real" and "real_tar" must be refused.
func backupVariants(entries []tarEntry) map[string][]byte {
	plain := writeTar(entries)
	edit := func(f func([]tarEntry) []tarEntry) []byte { return gzipBytes(writeTar(f(slices.Clone(entries)))) }
	file := func(name string) int {
		return slices.IndexFunc(entries, func(e tarEntry) bool { return e.name == "collections/"+name+".jsonl" })
	}
	req := file("requests")
	real := gzipBytes(plain)
	return map[string][]byte{
		"real":           real,
		"real_tar":       plain, // FuzzVerifyBackup compresses input that is not gzip
		"truncated_gzip": real[:len(real)/2],
		// Cut inside the data (a cut that loses only the end-of-archive blocks and padding
		// leaves every file whole and checked; where that falls moves with the manifest).
		"truncated_tar": gzipBytes(plain[:len(plain)*2/3]),
		"empty":         gzipBytes(nil),
		"flipped_byte": edit(func(es []tarEntry) []tarEntry {
			es[req].body = bytes.Replace(es[req].body, []byte("2026-12-08"), []byte("2026-12-09"), 1)
			return es
		}),
		"no_manifest": edit(func(es []tarEntry) []tarEntry {
			return slices.DeleteFunc(es, func(e tarEntry) bool { return e.name == "manifest.json" })
		}),
		"file_missing": edit(func(es []tarEntry) []tarEntry { return slices.Delete(es, req, req+1) }),
		// The listed file twice: a forged copy before the one that matches the manifest.
		"duplicate_entry": edit(func(es []tarEntry) []tarEntry {
			forged := []byte(`{"_id":"2026-000002","version":{"$numberLong":"1"}}` + "\n")
			return slices.Insert(es, req, tarEntry{es[req].name, forged})
		}),
		"unlisted_entry": edit(func(es []tarEntry) []tarEntry {
			return append([]tarEntry{{"collections/extra.jsonl", []byte("{}\n")}}, es...)
		}),
		"not_extjson": edit(func(es []tarEntry) []tarEntry {
			es[req].body = append(es[req].body, "{not json}\n"...)
			return withManifest(es, nil)
		}),
		"no_final_newline": edit(func(es []tarEntry) []tarEntry {
			es[req].body = append(es[req].body, `{"_id":"x"}`...)
			return withManifest(es, nil)
		}),
		"unknown_collection": edit(func(es []tarEntry) []tarEntry {
			es[req].name = "collections/system.users.jsonl"
			return withManifest(es, func(m *store.Manifest) {
				for i, c := range m.Collections {
					if c.Name == "requests" {
						m.Collections[i].Name, m.Collections[i].File = "system.users", es[req].name
					}
				}
			})
		}),
		"collection_twice": edit(func(es []tarEntry) []tarEntry {
			return withManifest(es, func(m *store.Manifest) {
				i := slices.IndexFunc(m.Collections, func(c store.ManifestCollection) bool { return c.Name == "requests" })
				m.Collections = append(m.Collections, m.Collections[i])
			})
		}),
		"file_of_another_collection": edit(func(es []tarEntry) []tarEntry {
			return withManifest(es, func(m *store.Manifest) {
				i := slices.IndexFunc(m.Collections, func(c store.ManifestCollection) bool { return c.Name == "requests" })
				m.Collections[i].Name = "users_" // not a collection
				j := slices.IndexFunc(m.Collections, func(c store.ManifestCollection) bool { return c.Name == "users" })
				m.Collections[j].File = m.Collections[i].File
			})
		}),
		"keys_in_data_backup": edit(func(es []tarEntry) []tarEntry {
			es[req].name = "collections/subject_keys.jsonl"
			return withManifest(es, func(m *store.Manifest) {
				for i, c := range m.Collections {
					if c.Name == "requests" {
						m.Collections[i].Name, m.Collections[i].File = "subject_keys", es[req].name
					}
				}
			})
		}),
		"wrong_format": edit(func(es []tarEntry) []tarEntry {
			return withManifest(es, func(m *store.Manifest) { m.Format = "pdpa-portal-backup/0" })
		}),
	}
}

// FuzzVerifyBackup: VerifyBackup never panics on any archive file, refuses with
// ErrBadBackup, and accepts only an archive whose content is exactly what its manifest
// lists: each listed file once, of the listed checksum and count, every line a document
// in canonical extended JSON, collections known, nothing unlisted. Input that is not a
// gzip stream is compressed first, so the fuzzer also mutates the tar inside. Seeds: a
// real backup made here and broken copies of it (backupVariants), and
// testdata/fuzz/FuzzVerifyBackup. TestRestoreOfARefusedArchiveWritesNothing runs Restore
// on the same seeds.
func FuzzVerifyBackup(f *testing.F) {
	entries, known := smallBackup(f)
	variants := backupVariants(entries)
	for _, name := range slices.Sorted(maps.Keys(variants)) {
		f.Add(variants[name])
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		archive := data
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			archive = gzipBytes(data)
		}
		tmp, err := os.CreateTemp(dir, "fuzz-*.tar.gz")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(tmp.Name())
		tmp.Write(archive)
		tmp.Close()
		m, err := store.VerifyBackup(tmp.Name())
		if err != nil {
			if m != nil || !errors.Is(err, store.ErrBadBackup) {
				t.Fatalf("refused with %v (%T) and manifest %v", err, err, m)
			}
			return
		}
		if msg := mismatch(archive, m, known); msg != "" {
			t.Fatalf("accepted an archive that does not match its manifest: %s", msg)
		}
	})
}

// mismatch is how the archive differs from m, read independently of the store package;
// "" when it matches.
func mismatch(archive []byte, m *store.Manifest, known []string) string {
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return "not gzip: " + err.Error()
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "unreadable tar: " + err.Error()
		}
		if _, dup := files[h.Name]; dup {
			return h.Name + " twice"
		}
		if files[h.Name], err = io.ReadAll(tr); err != nil {
			return "unreadable tar: " + err.Error()
		}
	}
	if m.Format != store.BackupFormat {
		return "format " + m.Format
	}
	listed := map[string]bool{"manifest.json": true}
	names := map[string]bool{}
	for _, c := range m.Collections {
		body, ok := files[c.File]
		switch {
		case !ok:
			return c.File + " missing"
		case listed[c.File] || names[c.Name]:
			return c.File + " listed twice"
		case !slices.Contains(known, c.Name) || c.File != "collections/"+c.Name+".jsonl":
			return "collection " + c.Name + " in " + c.File
		case (c.Name == "subject_keys") != m.Keys:
			return "key store and data mixed"
		}
		listed[c.File], names[c.Name] = true, true
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != c.SHA256 {
			return c.File + " checksum"
		}
		if len(body) > 0 && body[len(body)-1] != '\n' {
			return c.File + " ends inside a line"
		}
		lines := strings.Split(string(body), "\n")
		if int64(len(lines)-1) != c.Docs {
			return c.File + " count"
		}
		for _, line := range lines[:len(lines)-1] {
			var doc bson.D
			if err := bson.UnmarshalExtJSON([]byte(line), true, &doc); err != nil {
				return c.File + ": " + err.Error()
			}
		}
	}
	for name := range files {
		if !listed[name] {
			return name + " not listed"
		}
	}
	return ""
}

// Restore of an archive VerifyBackup refuses writes nothing, even with Force over a
// database holding data; the real backup restores. Runs on the fuzz seeds, generated
// and committed.
func TestRestoreOfARefusedArchiveWritesNothing(t *testing.T) {
	ctx := context.Background()
	entries, _ := smallBackup(t)
	archives := backupVariants(entries)
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzVerifyBackup", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data, err := unquoteSeed(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		archives["testdata:"+filepath.Base(path)] = data
	}
	db := storetest.New(t)
	seedForBackup(t, db)
	before := storetest.Dump(t, db)
	dir := t.TempDir()
	for _, name := range slices.Sorted(maps.Keys(archives)) {
		path, archive := filepath.Join(dir, "a.tar.gz"), archives[name]
		if !bytes.HasPrefix(archive, []byte{0x1f, 0x8b}) {
			archive = gzipBytes(archive) // as FuzzVerifyBackup reads it
		}
		if err := os.WriteFile(path, archive, 0o600); err != nil {
			t.Fatal(err)
		}
		_, verr := store.VerifyBackup(path)
		if name == "real" || name == "real_tar" {
			if verr != nil {
				t.Fatalf("%s: %v", name, verr)
			}
			continue
		}
		if verr == nil {
			if strings.HasPrefix(name, "testdata:") {
				continue // a seed the fuzzer kept because it reaches new code, not a broken one
			}
			t.Fatalf("%s: accepted", name)
		}
		for _, force := range []bool{false, true} {
			if _, err := store.Restore(ctx, db.DB, path, store.RestoreOptions{Force: force}); !errors.Is(err, store.ErrBadBackup) {
				t.Fatalf("%s (force %v): restore says %v", name, force, err)
			}
			if after := storetest.Dump(t, db); after != before {
				t.Fatalf("%s (force %v): a refused restore changed the database", name, force)
			}
		}
	}
	// The real one restores over it, which shows the comparison above can see a change.
	path := filepath.Join(dir, "a.tar.gz")
	os.WriteFile(path, archives["real"], 0o600)
	if _, err := store.Restore(ctx, db.DB, path, store.RestoreOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if storetest.Dump(t, db) == before {
		t.Fatal("the real archive changed nothing")
	}
}

// unquoteSeed reads a corpus file of one []byte value ("go test fuzz v1").
func unquoteSeed(b []byte) ([]byte, error) {
	_, rest, ok := bytes.Cut(b, []byte("\n"))
	s := strings.TrimSpace(string(rest))
	if !ok || !strings.HasPrefix(s, "[]byte(") || !strings.HasSuffix(s, ")") {
		return nil, errors.New("not a []byte corpus file")
	}
	out, err := strconv.Unquote(s[len("[]byte(") : len(s)-1])
	return []byte(out), err
}
