package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/vault"
)

// Files implements attachments.Store. A request's attachments are listed in one document of
// "request_files" under the request reference, their bytes in "file_chunks" under
// "<file id>:<n>": the embedded engine finds nothing quickly but an _id. Names and bytes
// are sealed with the requester's key, so destroying the key shreds the files too.
type Files struct {
	db    *DB
	vault *vault.Vault
}

var _ attachments.Store = (*Files)(nil)

// NewFiles returns the attachment store.
func NewFiles(db *DB, v *vault.Vault) *Files { return &Files{db: db, vault: v} }

// chunkSize is GridFS's: a sealed chunk is a document far below the 16 MB limit, and a
// download holds one chunk in memory, not the file.
const chunkSize = 255 << 10

type fileSetDoc struct {
	Ref     string    `bson:"_id"`
	Subject string    `bson:"subject"`
	Total   int64     `bson:"total"`
	Version int64     `bson:"version"` // makes the cap check a conditional update on MongoDB
	Files   []fileDoc `bson:"files"`
}

type fileDoc struct {
	ID         string    `bson:"id"`
	Name       []byte    `bson:"name"` // sealed
	Type       string    `bson:"type"`
	Size       int64     `bson:"size"`
	Chunks     int64     `bson:"chunks"`
	Created    time.Time `bson:"created"`
	Role       string    `bson:"role"`
	Purpose    string    `bson:"purpose"`
	MessageID  string    `bson:"message_id,omitempty"`
	UploadedBy string    `bson:"uploaded_by"`
}

type chunkDoc struct {
	ID   string `bson:"_id"`
	Ref  string `bson:"ref"`  // so a sweep can find the orphans of an interrupted upload
	Data []byte `bson:"data"` // sealed
}

func chunkID(fileID string, n int64) string { return fmt.Sprintf("%s:%04d", fileID, n) }

// Sealed field names bind each ciphertext to its file and position: a chunk copied into
// another file or place does not open.
func nameField(fileID string) string { return "file.name/" + fileID }
func dataField(id string) string     { return "file.data/" + id }

// sealerFor is the subject's sealer; the agency's own records (attachments.RecordsSubject)
// get their key on first use.
func (s *Files) sealerFor(ctx context.Context, subject string) (*vault.Sealer, error) {
	if subject == attachments.RecordsSubject {
		return recordsSealer(ctx, s.db, s.vault)
	}
	return s.vault.For(ctx, subject)
}

func newFileID() string { return "f_" + ids.Token(16) }

// Put streams r into chunks, then records the file under the request's lock. The chunks
// come first so that a crash leaves unreferenced chunks, never a listed file without
// its content; a refused or failed upload deletes what it wrote.
func (s *Files) Put(ctx context.Context, f *attachments.File, r io.Reader) error {
	if f.Ref == "" || f.Subject == "" {
		return errors.New("store file: no request or subject")
	}
	sealer, err := s.sealerFor(ctx, f.Subject)
	if err != nil {
		return fmt.Errorf("store file: %w", err)
	}
	set, err := s.set(ctx, f.Ref)
	if err != nil {
		return err
	}
	if err := admit(set, f.Subject, 0); err != nil {
		return err
	}
	room := max(attachments.MaxPerRequest-set.Total, 0)
	id := newFileID()
	var size, n int64
	var mime string
	fail := func(err error) error {
		if derr := s.deleteChunks(context.WithoutCancel(ctx), id, n); derr != nil {
			return errors.Join(err, derr)
		}
		return err
	}
	// One byte past the room left stops an oversized upload early; the first chunk is
	// read whole regardless, so a full request still reports a wrong type as such.
	lr := io.LimitReader(r, max(room+1, chunkSize))
	buf := make([]byte, chunkSize)
	for {
		k, rerr := io.ReadFull(lr, buf)
		if k > 0 {
			if n == 0 {
				var ok bool
				if mime, ok = attachments.Sniff(buf[:k]); !ok {
					return attachments.ErrType
				}
				// An upload that knows its size (a multipart file) is refused before
				// anything is written.
				rest, known, err := remaining(r)
				if err != nil {
					return err
				}
				if known && int64(k)+rest > room {
					return attachments.ErrTooLarge
				}
			}
			if size += int64(k); size > room {
				return fail(attachments.ErrTooLarge)
			}
			cid := chunkID(id, n)
			d := chunkDoc{ID: cid, Ref: f.Ref, Data: sealer.Seal(dataField(cid), string(buf[:k]))}
			if _, err := s.db.coll(collFileChunks).InsertOne(ctx, d); err != nil {
				return fail(fmt.Errorf("store file: %w", translate(err)))
			}
			n++
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fail(fmt.Errorf("read upload: %w", rerr))
		}
	}
	if n == 0 {
		return attachments.ErrType // empty
	}
	created := f.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.UTC().Truncate(time.Millisecond) // what the database keeps
	name := attachments.CleanName(f.Name, mime)
	d := fileDoc{ID: id, Name: sealer.Seal(nameField(id), name), Type: mime, Size: size, Chunks: n, Created: created,
		Role: f.Role, Purpose: f.Purpose, MessageID: f.MessageID, UploadedBy: f.UploadedBy}
	if err := s.add(ctx, f.Ref, f.Subject, d); err != nil {
		return fail(err)
	}
	f.ID, f.Name, f.Type, f.Size, f.Created = id, name, mime, size, created
	return nil
}

// remaining is what is left to read in r, if r can seek.
func remaining(r io.Reader) (n int64, known bool, err error) {
	sk, ok := r.(io.Seeker)
	if !ok {
		return 0, false, nil
	}
	cur, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false, nil
	}
	end, err := sk.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, false, nil
	}
	if _, err := sk.Seek(cur, io.SeekStart); err != nil {
		return 0, false, fmt.Errorf("read upload: %w", err)
	}
	return end - cur, true, nil
}

// add lists a file if the request's total stays within the cap. The lock makes the
// check and the update one step in this process (the embedded engine does not); the
// version condition does the same between instances sharing a MongoDB.
func (s *Files) add(ctx context.Context, ref, subject string, d fileDoc) error {
	defer s.db.locks.lock(collRequestFiles, ref)()
	for range 5 {
		set, err := s.set(ctx, ref)
		if err != nil {
			return err
		}
		if err := admit(set, subject, d.Size); err != nil {
			return err
		}
		// With no match the upsert inserts, and a second document with this _id is a
		// duplicate key: someone else added a file meanwhile.
		_, err = s.db.coll(collRequestFiles).UpdateOne(ctx,
			s.db.atVersion(ref, set.Version),
			bson.D{
				{Key: "$push", Value: bson.D{{Key: "files", Value: d}}},
				{Key: "$inc", Value: bson.D{{Key: "total", Value: d.Size}, {Key: "version", Value: int64(1)}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "subject", Value: subject}}},
			}, options.UpdateOne().SetUpsert(true))
		if mongo.IsDuplicateKeyError(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store file: %w", translate(err))
		}
		return nil
	}
	return fmt.Errorf("store file: %w", apperr.ErrStale)
}

// admit checks that a request can take a file of size bytes from subject. One person's
// key seals all of a request's files, so that destroying it shreds them all.
func admit(set *fileSetDoc, subject string, size int64) error {
	switch {
	case set.Subject != "" && set.Subject != subject:
		return fmt.Errorf("files of %s belong to another person: %w", set.Ref, apperr.ErrConflict)
	case len(set.Files) >= attachments.MaxFiles:
		return attachments.ErrTooMany
	case set.Total+size > attachments.MaxPerRequest:
		return attachments.ErrTooLarge
	}
	return nil
}

// set reads a request's file list; a request without files has an empty one.
func (s *Files) set(ctx context.Context, ref string) (*fileSetDoc, error) {
	var set fileSetDoc
	err := s.db.coll(collRequestFiles).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&set)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("files of %s: %w", ref, translate(err))
	}
	return &set, nil
}

func (s *Files) deleteChunks(ctx context.Context, fileID string, n int64) error {
	for i := range n {
		if _, err := s.db.coll(collFileChunks).DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(fileID, i)}}); err != nil {
			return fmt.Errorf("delete file: %w", translate(err))
		}
	}
	return nil
}

// Open finds the file in the request's own list, so a file id alone opens nothing.
func (s *Files) Open(ctx context.Context, ref, id string) (*attachments.File, io.ReadCloser, error) {
	set, err := s.set(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	for i := range set.Files {
		d := &set.Files[i]
		if d.ID != id {
			continue
		}
		sealer, err := s.vault.For(ctx, set.Subject)
		if err != nil {
			return nil, nil, fmt.Errorf("open file: %w", err)
		}
		f, err := toFile(sealer, set, d)
		if err != nil {
			return nil, nil, err
		}
		return f, &chunkReader{ctx: ctx, s: s, sealer: sealer, id: d.ID, chunks: d.Chunks, size: d.Size}, nil
	}
	return nil, nil, fmt.Errorf("file %s of %s: %w", id, ref, apperr.ErrNotFound)
}

// List returns the request's files.
func (s *Files) List(ctx context.Context, ref string) ([]attachments.File, error) {
	set, err := s.set(ctx, ref)
	if err != nil || len(set.Files) == 0 {
		return nil, err
	}
	sealer, err := s.vault.For(ctx, set.Subject)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	out := make([]attachments.File, 0, len(set.Files))
	for i := range set.Files {
		f, err := toFile(sealer, set, &set.Files[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, nil
}

// Used returns the request's total.
func (s *Files) Used(ctx context.Context, ref string) (int64, error) {
	set, err := s.set(ctx, ref)
	if err != nil {
		return 0, err
	}
	return set.Total, nil
}

// Delete takes the files off the request's list, under the same lock and version check
// as add, then deletes their chunks: a failure part-way leaves unreferenced chunks, never
// a listed file without its content.
func (s *Files) Delete(ctx context.Context, ref string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	gone, err := s.unlist(ctx, ref, ids)
	if err != nil {
		return err
	}
	for _, d := range gone {
		if err := s.deleteChunks(ctx, d.ID, d.Chunks); err != nil {
			return err
		}
	}
	return nil
}

// unlist removes ids from the request's list and its total, returning what it removed.
func (s *Files) unlist(ctx context.Context, ref string, ids []string) ([]fileDoc, error) {
	defer s.db.locks.lock(collRequestFiles, ref)()
	for range 5 {
		set, err := s.set(ctx, ref)
		if err != nil {
			return nil, err
		}
		var keep, gone []fileDoc
		var size int64
		for _, d := range set.Files {
			if slices.Contains(ids, d.ID) {
				gone, size = append(gone, d), size+d.Size
			} else {
				keep = append(keep, d)
			}
		}
		if len(gone) == 0 {
			return nil, nil
		}
		if keep == nil {
			keep = []fileDoc{}
		}
		res, err := s.db.coll(collRequestFiles).UpdateOne(ctx, s.db.atVersion(ref, set.Version), bson.D{
			{Key: "$set", Value: bson.D{{Key: "files", Value: keep}, {Key: "total", Value: set.Total - size}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
		})
		if err != nil {
			return nil, fmt.Errorf("delete files of %s: %w", ref, translate(err))
		}
		if res.MatchedCount == 1 {
			return gone, nil
		}
	}
	return nil, fmt.Errorf("delete files of %s: %w", ref, apperr.ErrStale)
}

// DeleteRef deletes the chunks, then the list: a failure part-way leaves the list, so
// calling it again finishes the job. It takes no lock: an upload listed meanwhile either
// stays or leaves unreferenced chunks, and is never listed without its content.
func (s *Files) DeleteRef(ctx context.Context, ref string) error {
	set, err := s.set(ctx, ref)
	if err != nil {
		return err
	}
	for _, d := range set.Files {
		if err := s.deleteChunks(ctx, d.ID, d.Chunks); err != nil {
			return err
		}
	}
	if _, err := s.db.coll(collRequestFiles).DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}}); err != nil {
		return fmt.Errorf("delete files of %s: %w", ref, translate(err))
	}
	return nil
}

func toFile(sealer *vault.Sealer, set *fileSetDoc, d *fileDoc) (*attachments.File, error) {
	name, err := sealer.Open(nameField(d.ID), d.Name)
	if err != nil {
		return nil, err
	}
	return &attachments.File{ID: d.ID, Ref: set.Ref, Subject: set.Subject, Name: name, Type: d.Type, Size: d.Size, Created: d.Created,
		Role: d.Role, Purpose: d.Purpose, MessageID: d.MessageID, UploadedBy: d.UploadedBy}, nil
}

// chunkReader fetches and opens one chunk at a time.
type chunkReader struct {
	ctx    context.Context
	s      *Files
	sealer *vault.Sealer
	id     string
	chunks int64
	size   int64
	next   int64 // the chunk to fetch
	read   int64
	buf    []byte
	closed bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.closed {
		return 0, fs.ErrClosed
	}
	for len(c.buf) == 0 {
		if c.next == c.chunks {
			if c.read != c.size {
				return 0, fmt.Errorf("file %s: %d bytes stored, %d listed", c.id, c.read, c.size)
			}
			return 0, io.EOF
		}
		cid := chunkID(c.id, c.next)
		var d chunkDoc
		if err := c.s.db.coll(collFileChunks).FindOne(c.ctx, bson.D{{Key: "_id", Value: cid}}).Decode(&d); err != nil {
			return 0, fmt.Errorf("file chunk %s: %w", cid, translate(err))
		}
		data, err := c.sealer.Open(dataField(cid), d.Data)
		if err != nil {
			return 0, err
		}
		c.buf, c.next = []byte(data), c.next+1
		c.read += int64(len(c.buf))
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *chunkReader) Close() error {
	c.buf, c.closed = nil, true
	return nil
}
