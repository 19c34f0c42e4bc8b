package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

// The collection names are part of what operators see; the tests name them literally.
const (
	rawFileSets   = "request_files"
	rawFileChunks = "file_chunks"
)

func newFileStore(t *testing.T) (*storetest.DB, *vault.Vault, *store.Files) {
	t.Helper()
	db := storetest.New(t)
	v := storetest.Vault(db.DB)
	return db, v, store.NewFiles(db.DB, v)
}

// fileContent is size bytes starting with the type's signature, the rest random (seeded).
func fileContent(mime string, size int, seed uint64) []byte {
	b := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	_, _ = r.Read(b)
	switch mime {
	case attachments.PDF:
		copy(b, "%PDF-1.7\n")
	case attachments.JPEG:
		copy(b, "\xff\xd8\xff\xe0")
	case attachments.PNG:
		copy(b, "\x89PNG\r\n\x1a\n")
	}
	return b
}

func putFile(c context.Context, fs *store.Files, ref, subject, name string, content []byte) (*attachments.File, error) {
	f := &attachments.File{Ref: ref, Subject: subject, Name: name, Role: attachments.RoleRequester, Purpose: attachments.PurposeRequest, UploadedBy: subject}
	return f, fs.Put(c, f, bytes.NewReader(content))
}

func readFile(t *testing.T, fs *store.Files, ref, id string) (*attachments.File, []byte) {
	t.Helper()
	f, rc, err := fs.Open(ctx(t), ref, id)
	if err != nil {
		t.Fatalf("open %s/%s: %v", ref, id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s/%s: %v", ref, id, err)
	}
	return f, b
}

// rawColl reads a collection with a client of its own, as an operator would.
func rawColl(t *testing.T, db *storetest.DB, name string) *mongo.Collection {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(db.Name).Collection(name)
}

func countChunks(t *testing.T, db *storetest.DB) int64 {
	t.Helper()
	n, err := rawColl(t, db, rawFileChunks).CountDocuments(ctx(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFilesRoundTrip(t *testing.T) {
	_, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	ref := "2026-000001"
	pdf := fileContent(attachments.PDF, 3*255<<10+17, 1) // four chunks, the last short
	png := fileContent(attachments.PNG, 1000, 2)
	at := time.Date(2026, 11, 23, 9, 30, 0, 123456789, time.UTC)
	fp := &attachments.File{Ref: ref, Subject: subject, Name: `C:\scans\身分證.PDF`, Created: at, Role: attachments.RoleAgent,
		Purpose: attachments.PurposeAuthorisation, UploadedBy: "u_agent"}
	if err := fs.Put(c, fp, bytes.NewReader(pdf)); err != nil {
		t.Fatal(err)
	}
	if fp.ID == "" || fp.Name != "身分證.pdf" || fp.Type != attachments.PDF || fp.Size != int64(len(pdf)) || !fp.Created.Equal(at.Truncate(time.Millisecond)) {
		t.Fatalf("after Put: %+v", fp)
	}
	// The name claims a PDF; the content decides.
	fg, err := putFile(c, fs, ref, subject, "photo.pdf", png)
	if err != nil {
		t.Fatal(err)
	}
	if fg.Type != attachments.PNG || fg.Name != "photo.pdf.png" || fg.Created.IsZero() || fg.ID == fp.ID {
		t.Fatalf("after Put: %+v", fg)
	}

	for _, tc := range []struct {
		f    *attachments.File
		want []byte
	}{{fp, pdf}, {fg, png}} {
		got, b := readFile(t, fs, ref, tc.f.ID)
		if !bytes.Equal(b, tc.want) {
			t.Fatalf("%s: %d bytes read back differ from the %d stored", tc.f.Name, len(b), len(tc.want))
		}
		if *got != *tc.f {
			t.Fatalf("metadata read back\n got %+v\nwant %+v", *got, *tc.f)
		}
	}
	list, err := fs.List(c, ref)
	if err != nil || len(list) != 2 || list[0] != *fp || list[1] != *fg {
		t.Fatalf("list: %v %+v", err, list)
	}
	if used, err := fs.Used(c, ref); err != nil || used != int64(len(pdf)+len(png)) {
		t.Fatalf("used: %d %v", used, err)
	}
	if list, err := fs.List(c, "2026-000099"); err != nil || len(list) != 0 {
		t.Fatalf("list of a request without files: %v %v", list, err)
	}
	if used, err := fs.Used(c, "2026-000099"); err != nil || used != 0 {
		t.Fatalf("used by a request without files: %d %v", used, err)
	}
}

func TestFilesRefuseTypeByContent(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	ref := "2026-000002"
	for name, content := range map[string][]byte{
		"scan.pdf":  []byte("This is a PDF, trust me.\n" + strings.Repeat("x", 300<<10)),
		"photo.jpg": []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
		"page.png":  []byte("<!DOCTYPE html>"),
		"empty.pdf": nil,
	} {
		if _, err := putFile(c, fs, ref, subject, name, content); !errors.Is(err, attachments.ErrType) {
			t.Errorf("%s: %v, want ErrType", name, err)
		}
	}
	if list, err := fs.List(c, ref); err != nil || len(list) != 0 {
		t.Fatalf("refused files listed: %v %v", list, err)
	}
	if n := countChunks(t, db); n != 0 {
		t.Fatalf("%d chunks left by refused files", n)
	}
}

// A file of exactly MaxPerRequest is accepted; one byte more is refused before anything
// is written when the upload's size is known (a multipart file can seek).
func TestFilesSizeCap(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	full := fileContent(attachments.PDF, attachments.MaxPerRequest, 3)
	if _, err := putFile(c, fs, "2026-000003", subject, "full.pdf", full); err != nil {
		t.Fatalf("exactly %d bytes: %v", attachments.MaxPerRequest, err)
	}
	before := countChunks(t, db)
	over := append(fileContent(attachments.PDF, attachments.MaxPerRequest, 5), 'x')
	if _, err := putFile(c, fs, "2026-000004", subject, "over.pdf", over); !errors.Is(err, attachments.ErrTooLarge) {
		t.Fatalf("%d bytes: %v, want ErrTooLarge", len(over), err)
	}
	if _, err := putFile(c, fs, "2026-000003", subject, "more.png", fileContent(attachments.PNG, 100, 4)); !errors.Is(err, attachments.ErrTooLarge) {
		t.Fatalf("a file more on a full request: %v, want ErrTooLarge", err)
	}
	if n := countChunks(t, db); n != before {
		t.Fatalf("refused uploads left %d chunks", n-before)
	}
	if list, err := fs.List(c, "2026-000004"); err != nil || len(list) != 0 {
		t.Fatalf("refused file listed: %v %v", list, err)
	}
	if used, err := fs.Used(c, "2026-000003"); err != nil || used != attachments.MaxPerRequest {
		t.Fatalf("used: %d %v", used, err)
	}
}

// stream hides the reader's Seek, as a request body would: the size shows only at the end.
type stream struct{ io.Reader }

// The cap holds for a stream too: the request reaches exactly MaxPerRequest; a byte more
// is found after a chunk was written, and that chunk is removed.
func TestFilesSizeCapStreamed(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	ref := "2026-000006"
	const tail = 300 << 10 // more than one chunk
	if _, err := putFile(c, fs, ref, subject, "big.pdf", fileContent(attachments.PDF, attachments.MaxPerRequest-tail, 3)); err != nil {
		t.Fatal(err)
	}
	before := countChunks(t, db)
	f := &attachments.File{Ref: ref, Subject: subject, Name: "last.png"}
	if err := fs.Put(c, f, stream{bytes.NewReader(fileContent(attachments.PNG, tail+1, 4))}); !errors.Is(err, attachments.ErrTooLarge) {
		t.Fatalf("a stream one byte past the cap: %v, want ErrTooLarge", err)
	}
	if n := countChunks(t, db); n != before {
		t.Fatalf("the refused stream left %d chunks", n-before)
	}
	last := fileContent(attachments.PNG, tail, 5)
	if err := fs.Put(c, f, stream{bytes.NewReader(last)}); err != nil {
		t.Fatalf("a stream up to the cap exactly: %v", err)
	}
	if used, err := fs.Used(c, ref); err != nil || used != attachments.MaxPerRequest {
		t.Fatalf("used: %d %v", used, err)
	}
	if _, b := readFile(t, fs, ref, f.ID); !bytes.Equal(b, last) {
		t.Fatal("the streamed file read back differs")
	}
	if list := mustList(t, fs, ref); len(list) != 2 {
		t.Fatalf("%d files listed", len(list))
	}
}

func mustList(t *testing.T, fs *store.Files, ref string) []attachments.File {
	t.Helper()
	list, err := fs.List(ctx(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// Many small files are refused past MaxFiles, so the list stays one small document.
func TestFilesCountCap(t *testing.T) {
	_, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	tiny := fileContent(attachments.JPEG, 10, 6)
	for i := range attachments.MaxFiles {
		if _, err := putFile(c, fs, "2026-000005", subject, "p.jpg", tiny); err != nil {
			t.Fatalf("file %d: %v", i+1, err)
		}
	}
	_, err := putFile(c, fs, "2026-000005", subject, "p.jpg", tiny)
	if !errors.Is(err, attachments.ErrTooMany) || !errors.Is(err, attachments.ErrTooLarge) {
		t.Fatalf("file %d: %v, want ErrTooMany (an ErrTooLarge)", attachments.MaxFiles+1, err)
	}
}

func TestFilesOtherRequestCannotOpen(t *testing.T) {
	_, v, fs := newFileStore(t)
	c := ctx(t)
	alice, bob := person(t, v), person(t, v)
	fa, err := putFile(c, fs, "2026-000010", alice, "a.pdf", fileContent(attachments.PDF, 500, 7))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := putFile(c, fs, "2026-000011", bob, "b.pdf", fileContent(attachments.PDF, 500, 8)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ref, id string }{
		{"2026-000011", fa.ID}, // bob's request, alice's file
		{"2026-000012", fa.ID}, // a request without files
		{"2026-000010", fa.ID + "x"},
		{"2026-000010", ""},
	} {
		if _, rc, err := fs.Open(c, tc.ref, tc.id); !errors.Is(err, apperr.ErrNotFound) || rc != nil {
			t.Errorf("open %s/%s: %v, want ErrNotFound", tc.ref, tc.id, err)
		}
	}
	// A request's files are sealed with one person's key; another's upload is refused.
	if _, err := putFile(c, fs, "2026-000010", bob, "b.pdf", fileContent(attachments.PDF, 500, 9)); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("another person's file on the request: %v, want ErrConflict", err)
	}
}

// gate holds every upload at its end until all have been read, so they all pass the
// early size check and race to be listed.
type gate struct{ wg *sync.WaitGroup }

func (g gate) Read([]byte) (int, error) {
	g.wg.Done()
	g.wg.Wait()
	return 0, io.EOF
}

// Two uploads racing on one request cannot together pass the cap. (The request is
// nearly full first, so each upload is small: the engine is slow with large documents.)
func TestFilesConcurrentPutsKeepCap(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	ref := "2026-000020"
	const size = 400 << 10
	if _, err := putFile(c, fs, ref, subject, "big.pdf", fileContent(attachments.PDF, attachments.MaxPerRequest-600<<10, 3)); err != nil {
		t.Fatal(err)
	}
	before := countChunks(t, db)
	var done, arrived sync.WaitGroup
	arrived.Add(2)
	errs := make([]error, 2)
	for i := range errs {
		done.Go(func() {
			f := &attachments.File{Ref: ref, Subject: subject, Name: "scan.pdf"}
			r := io.MultiReader(bytes.NewReader(fileContent(attachments.PDF, size, uint64(10+i))), gate{&arrived})
			errs[i] = fs.Put(c, f, r)
		})
	}
	done.Wait()
	ok, tooLarge := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, attachments.ErrTooLarge):
			tooLarge++
		default:
			t.Fatal(err)
		}
	}
	if ok != 1 || tooLarge != 1 {
		t.Fatalf("%d accepted, %d refused: %v", ok, tooLarge, errs)
	}
	if used, err := fs.Used(c, ref); err != nil || used != attachments.MaxPerRequest-600<<10+size {
		t.Fatalf("used: %d %v", used, err)
	}
	if n := countChunks(t, db) - before; n != 2 {
		t.Fatalf("%d chunks added, want 2 (the refused upload's removed)", n)
	}
}

func TestFilesNoPlaintextAtRest(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	secret := "A123456789 王大明 0912-345-678"
	content := append(fileContent(attachments.PDF, 300<<10, 11), []byte("\n("+secret+") Tj\n")...)
	f, err := putFile(c, fs, "2026-000030", subject, "王大明身分證正反面.pdf", content)
	if err != nil {
		t.Fatal(err)
	}
	dump := storetest.Dump(t, db)
	if !strings.Contains(dump, f.ID) || !strings.Contains(dump, "2026-000030") {
		t.Fatal("the dump did not read the files at all")
	}
	for _, plain := range []string{"王大明", "身分證正反面", "A123456789", "0912-345-678", string(content[100:140])} {
		if strings.Contains(dump, plain) {
			t.Errorf("%q stored in plaintext", plain)
		}
	}
}

// Destroying the requester's key makes their files unreadable, even restored from a
// backup of the data: this is how a deletion reaches backups.
func TestFilesShreddedWithKey(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	ref := "2026-000040"
	f, err := putFile(c, fs, ref, subject, "scan.pdf", fileContent(attachments.PDF, 600<<10, 12))
	if err != nil {
		t.Fatal(err)
	}
	backup := map[string][]bson.Raw{}
	for _, coll := range []string{rawFileSets, rawFileChunks} {
		var docs []bson.Raw
		cur, err := rawColl(t, db, coll).Find(c, bson.D{})
		if err != nil || cur.All(c, &docs) != nil {
			t.Fatalf("back up %s: %v", coll, err)
		}
		backup[coll] = docs
	}
	if len(backup[rawFileSets]) != 1 || len(backup[rawFileChunks]) != 3 {
		t.Fatalf("backup: %d lists, %d chunks", len(backup[rawFileSets]), len(backup[rawFileChunks]))
	}

	if err := fs.DeleteRef(c, ref); err != nil {
		t.Fatal(err)
	}
	if err := v.Destroy(c, subject); err != nil {
		t.Fatal(err)
	}
	for coll, docs := range backup {
		for _, d := range docs {
			if _, err := rawColl(t, db, coll).InsertOne(c, d); err != nil {
				t.Fatalf("restore %s: %v", coll, err)
			}
		}
	}
	if _, _, err := fs.Open(c, ref, f.ID); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("open after the key is destroyed: %v, want ErrKeyDestroyed", err)
	}
	if _, err := fs.List(c, ref); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("list after the key is destroyed: %v, want ErrKeyDestroyed", err)
	}
	if _, err := putFile(c, fs, ref, subject, "more.pdf", fileContent(attachments.PDF, 10, 13)); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("put after the key is destroyed: %v, want ErrKeyDestroyed", err)
	}
	// A new key under the same id opens nothing sealed with the old one.
	if _, err := v.NewSubject(c, subject); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fs.Open(c, ref, f.ID); err == nil {
		t.Fatal("the file opened with a new key")
	}
}

// A sealed chunk is bound to its file and position: moved, it does not open.
func TestFilesMovedChunkDoesNotOpen(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	ref := "2026-000050"
	f, err := putFile(c, fs, ref, subject, "scan.pdf", fileContent(attachments.PDF, 300<<10, 14))
	if err != nil {
		t.Fatal(err)
	}
	chunks := rawColl(t, db, rawFileChunks)
	var first, second struct {
		Data []byte `bson:"data"`
	}
	if err := chunks.FindOne(c, bson.D{{Key: "_id", Value: f.ID + ":0000"}}).Decode(&first); err != nil {
		t.Fatal(err)
	}
	if err := chunks.FindOne(c, bson.D{{Key: "_id", Value: f.ID + ":0001"}}).Decode(&second); err != nil {
		t.Fatal(err)
	}
	if _, err := chunks.UpdateOne(c, bson.D{{Key: "_id", Value: f.ID + ":0001"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "data", Value: first.Data}}}}); err != nil {
		t.Fatal(err)
	}
	_, rc, err := fs.Open(c, ref, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); err == nil {
		t.Fatal("a chunk moved to another position opened")
	}
}

func TestFilesDeleteRef(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	keep, err := putFile(c, fs, "2026-000061", subject, "keep.png", fileContent(attachments.PNG, 300<<10, 15))
	if err != nil {
		t.Fatal(err)
	}
	before := countChunks(t, db)
	var gone []*attachments.File
	for i := range 3 {
		f, err := putFile(c, fs, "2026-000060", subject, "gone.pdf", fileContent(attachments.PDF, 400<<10, uint64(20+i)))
		if err != nil {
			t.Fatal(err)
		}
		gone = append(gone, f)
	}
	if err := fs.DeleteRef(c, "2026-000060"); err != nil {
		t.Fatal(err)
	}
	if n := countChunks(t, db); n != before {
		t.Fatalf("%d chunks left after DeleteRef", n-before)
	}
	if n, err := rawColl(t, db, rawFileSets).CountDocuments(c, bson.D{{Key: "_id", Value: "2026-000060"}}); err != nil || n != 0 {
		t.Fatalf("file list left after DeleteRef: %d %v", n, err)
	}
	if list, err := fs.List(c, "2026-000060"); err != nil || len(list) != 0 {
		t.Fatalf("list after DeleteRef: %v %v", list, err)
	}
	if _, _, err := fs.Open(c, "2026-000060", gone[0].ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("open after DeleteRef: %v", err)
	}
	if err := fs.DeleteRef(c, "2026-000060"); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if _, b := readFile(t, fs, "2026-000061", keep.ID); len(b) != 300<<10 {
		t.Fatal("another request's file was touched")
	}
}

// Delete takes the named files off the request with their chunks and their room; the
// others stay whole, and ids the request does not hold change nothing.
func TestFilesDeleteSome(t *testing.T) {
	db, v, fs := newFileStore(t)
	c := ctx(t)
	subject := person(t, v)
	ref := "2026-000001"
	keep, err := putFile(c, fs, ref, subject, "keep.pdf", fileContent(attachments.PDF, 300<<10, 1)) // two chunks
	if err != nil {
		t.Fatal(err)
	}
	drop, err := putFile(c, fs, ref, subject, "drop.pdf", fileContent(attachments.PDF, 300<<10, 2))
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Delete(c, ref, []string{drop.ID, "f_elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if list, err := fs.List(c, ref); err != nil || len(list) != 1 || list[0].ID != keep.ID {
		t.Fatalf("list after delete: %v %+v", err, list)
	}
	if used, err := fs.Used(c, ref); err != nil || used != keep.Size {
		t.Fatalf("used after delete: %d %v", used, err)
	}
	if _, _, err := fs.Open(c, ref, drop.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("open a deleted file: %v", err)
	}
	if n := countChunks(t, db); n != 2 {
		t.Fatalf("%d chunks left, want the kept file's 2", n)
	}
	readFile(t, fs, ref, keep.ID)
	if err := fs.Delete(c, "2026-000099", []string{keep.ID}); err != nil {
		t.Fatalf("delete from a request without files: %v", err)
	}
}
