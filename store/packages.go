package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/vault"
)

// Packages keeps copy packages: one document per request (_id: the reference) with the
// progress and the downloads, the ZIP in sealed chunks of file_chunks.
type Packages struct {
	db    *DB
	vault *vault.Vault
	files *Files
	// Now is the clock a build's hold is renewed and judged by (time.Now unless set).
	Now func() time.Time
}

var _ export.Packages = (*Packages)(nil)

// NewPackages returns the package store; files reads the chunks the same way.
func NewPackages(db *DB, v *vault.Vault, f *Files) *Packages {
	return &Packages{db: db, vault: v, files: f, Now: time.Now}
}

type packageDoc struct {
	Ref     string `bson:"_id"`
	Subject string `bson:"subject"`
	State   string `bson:"state"`
	Done    int    `bson:"done"`
	Total   int    `bson:"total"`
	Size    int64  `bson:"size"`
	Chunks  int64  `bson:"chunks"`
	Build   string `bson:"build"` // the build's id, its chunks' file id: a rebuild writes new ones
	// Until: while building, when the build's hold runs out unless its progress renews
	// it; a build past it (its instance stopped) counts as failed.
	Until     time.Time   `bson:"until,omitempty"`
	Created   time.Time   `bson:"created"`
	Expires   time.Time   `bson:"expires"`
	Downloads []time.Time `bson:"downloads,omitempty"`
}

func (d *packageDoc) domain(now time.Time) *export.Package {
	p := &export.Package{Ref: d.Ref, Subject: d.Subject, State: d.State, Done: d.Done, Total: d.Total, Size: d.Size,
		Created: d.Created, Expires: d.Expires, Downloads: d.Downloads}
	if !d.held(now) && d.State == export.PackageBuilding {
		p.State = export.PackageFailed
	}
	return p
}

// held reports whether a build holds the package at now.
func (d *packageDoc) held(now time.Time) bool {
	return d.State == export.PackageBuilding && now.Before(d.Until)
}

// Get returns a request's package.
func (p *Packages) Get(ctx context.Context, ref string) (*export.Package, error) {
	d, err := p.doc(ctx, ref)
	if err != nil {
		return nil, err
	}
	return d.domain(p.Now()), nil
}

func (p *Packages) doc(ctx context.Context, ref string) (*packageDoc, error) {
	var d packageDoc
	if err := p.db.coll(collPackages).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("package %s: %w", ref, translate(err))
	}
	return &d, nil
}

// Create claims the package for a new build and replaces any earlier one of the
// request. While another build holds it (at this instance or another) it reports
// export.ErrBuilding: the claim is a compare-and-set on the build id read.
func (p *Packages) Create(ctx context.Context, ref, subject string, total int, now, expires time.Time) (export.PackageWriter, error) {
	sealer, err := p.vault.For(ctx, subject)
	if err != nil {
		return nil, err
	}
	unlock := p.db.locks.lock(collPackages, ref)
	defer unlock()
	old, err := p.doc(ctx, ref)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return nil, err
	}
	if old != nil && old.held(now) {
		return nil, fmt.Errorf("package %s: %w", ref, export.ErrBuilding)
	}
	build := "pkg_" + newFileID()
	d := packageDoc{Ref: ref, Subject: subject, State: export.PackageBuilding, Total: total, Build: build,
		Until: now.Add(export.BuildLease).UTC(), Created: now.UTC(), Expires: expires.UTC()}
	if old == nil {
		_, err := p.db.coll(collPackages).InsertOne(ctx, d)
		if err = translate(err); errors.Is(err, apperr.ErrConflict) {
			return nil, fmt.Errorf("package %s: %w", ref, export.ErrBuilding) // another instance claimed it first
		} else if err != nil {
			return nil, fmt.Errorf("package %s: %w", ref, err)
		}
	} else {
		res, err := p.db.coll(collPackages).ReplaceOne(ctx, p.ofBuild(ref, old.Build), d)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", ref, translate(err))
		}
		if res.MatchedCount == 0 {
			return nil, fmt.Errorf("package %s: %w", ref, export.ErrBuilding)
		}
		// The earlier build's chunks, as far as it recorded them: a build still running
		// past its hold finds itself superseded at its next progress and removes the rest.
		_ = p.files.deleteChunks(ctx, old.Build, old.Chunks)
	}
	return &PackageWriter{p: p, ctx: ctx, ref: ref, id: build, total: total, sealer: sealer}, nil
}

// ofBuild is the filter of an update made by, or in place of, build: {_id, build}, or
// {_id} alone when this process is the only writer and checked the build under the
// package's lock.
func (p *Packages) ofBuild(ref, build string) bson.D {
	if p.db.single {
		return bson.D{{Key: "_id", Value: ref}}
	}
	return bson.D{{Key: "_id", Value: ref}, {Key: "build", Value: build}}
}

// PackageWriter writes the ZIP into sealed chunks as it is produced.
type PackageWriter struct {
	p      *Packages
	ctx    context.Context
	ref    string
	id     string // the build
	total  int
	sealer *vault.Sealer
	buf    []byte
	n      int64
	size   int64
}

func (w *PackageWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for len(w.buf) >= chunkSize {
		if err := w.flush(w.buf[:chunkSize]); err != nil {
			return 0, err
		}
		w.buf = append(w.buf[:0], w.buf[chunkSize:]...)
	}
	return len(b), nil
}

func (w *PackageWriter) flush(b []byte) error {
	cid := chunkID(w.id, w.n)
	d := chunkDoc{ID: cid, Ref: w.ref, Data: w.sealer.Seal(dataField(cid), string(b))}
	if _, err := w.p.db.coll(collFileChunks).InsertOne(w.ctx, d); err != nil {
		return fmt.Errorf("package chunk: %w", translate(err))
	}
	w.n++
	w.size += int64(len(b))
	return nil
}

// Progress records that done of the package's parts are written and renews the build's
// hold; once another build has taken the package it reports export.ErrBuilding.
func (w *PackageWriter) Progress(done int) error {
	return w.update(bson.D{{Key: "done", Value: done}, {Key: "chunks", Value: w.n},
		{Key: "until", Value: w.p.Now().Add(export.BuildLease).UTC()}})
}

// update sets fields of the package while this build holds it.
func (w *PackageWriter) update(set bson.D) error {
	unlock := w.p.db.locks.lock(collPackages, w.ref)
	defer unlock()
	if w.p.db.single {
		d, err := w.p.doc(w.ctx, w.ref)
		if errors.Is(err, apperr.ErrNotFound) || err == nil && d.Build != w.id {
			return fmt.Errorf("package %s: %w", w.ref, export.ErrBuilding) // rebuilt or erased since
		} else if err != nil {
			return err
		}
	}
	res, err := w.p.db.coll(collPackages).UpdateOne(w.ctx, w.p.ofBuild(w.ref, w.id), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("package %s: %w", w.ref, translate(err))
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("package %s: %w", w.ref, export.ErrBuilding)
	}
	return nil
}

// Finish writes the last chunk and makes the package downloadable; with a build error
// it marks the package failed and deletes what was written. A build superseded by a
// newer one leaves the package alone, deletes what it wrote and reports
// export.ErrBuilding.
func (w *PackageWriter) Finish(buildErr error) error {
	if buildErr == nil && len(w.buf) > 0 {
		buildErr = w.flush(w.buf)
	}
	set := bson.D{{Key: "state", Value: export.PackageReady}, {Key: "size", Value: w.size}, {Key: "chunks", Value: w.n}, {Key: "done", Value: w.total}}
	if buildErr != nil {
		set = bson.D{{Key: "state", Value: export.PackageFailed}, {Key: "size", Value: 0}, {Key: "chunks", Value: 0}}
	}
	err := w.update(set)
	if buildErr != nil || err != nil {
		_ = w.p.files.deleteChunks(context.WithoutCancel(w.ctx), w.id, w.n)
	}
	if errors.Is(err, export.ErrBuilding) && errors.Is(buildErr, export.ErrBuilding) {
		return buildErr
	}
	return errors.Join(buildErr, err)
}

// Open streams a ready package and records the download.
func (p *Packages) Open(ctx context.Context, ref string, now time.Time) (*export.Package, io.ReadCloser, error) {
	pkg, rc, err := p.Read(ctx, ref, now)
	if err != nil {
		return nil, nil, err
	}
	_, err = p.db.coll(collPackages).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, bson.D{{Key: "$push", Value: bson.D{{Key: "downloads", Value: now.UTC()}}}})
	if err != nil {
		_ = rc.Close()
		return nil, nil, fmt.Errorf("record download: %w", translate(err))
	}
	return pkg, rc, nil
}

// Read streams a ready package without recording a download.
func (p *Packages) Read(ctx context.Context, ref string, now time.Time) (*export.Package, io.ReadCloser, error) {
	d, err := p.doc(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if d.State != export.PackageReady || !now.Before(d.Expires) {
		return nil, nil, fmt.Errorf("package %s is not ready or has expired: %w", ref, apperr.ErrNotFound)
	}
	sealer, err := p.vault.For(ctx, d.Subject)
	if err != nil {
		return nil, nil, err
	}
	return d.domain(now), &chunkReader{ctx: ctx, s: p.files, sealer: sealer, id: d.Build, chunks: d.Chunks, size: d.Size}, nil
}

// DeleteExpired deletes the packages whose time is up and returns how many. The
// collection holds one small document per copy request ever fulfilled and not yet
// expired, so reading it whole is cheap.
func (p *Packages) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	ctx = background.Job(ctx, "package expiry") // the hourly sweep of every package, never a page's
	cur, err := p.db.coll(collPackages).Find(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("packages: %w", translate(err))
	}
	var docs []packageDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, fmt.Errorf("packages: %w", translate(err))
	}
	n := 0
	for _, d := range docs {
		if now.Before(d.Expires) {
			continue
		}
		if err := p.delete(ctx, &d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// DeleteRef deletes a request's package (an erasure).
func (p *Packages) DeleteRef(ctx context.Context, ref string) error {
	d, err := p.doc(ctx, ref)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return p.delete(ctx, d)
}

func (p *Packages) delete(ctx context.Context, d *packageDoc) error {
	if err := p.files.deleteChunks(ctx, d.Build, d.Chunks); err != nil {
		return err
	}
	if _, err := p.db.coll(collPackages).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.Ref}}); err != nil {
		return fmt.Errorf("package %s: %w", d.Ref, translate(err))
	}
	return nil
}
