package export

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/rights"
)

// PackageTTL is how long a copy package can be downloaded.
const PackageTTL = 30 * 24 * time.Hour

// Contents are what the web layer puts in a package: the person's data as their view
// page shows it, and the offline index page drawn by the portal's own templates.
type Contents interface {
	PackageData(ctx context.Context, r *rights.Request, lang string) (*PersonalData, error)
	PackageIndex(w io.Writer, lang string, d *PersonalData) error
}

// Builder builds the package of a granted copy request in the background: a ZIP of
// data.json (SCHEMA.md), an index.html readable offline in the requester's language,
// and the files, limited to the items the decision granted. Officers see its progress
// as it is stored.
type Builder struct {
	Packages interface {
		Create(ctx context.Context, ref, subject string, total int, now, expires time.Time) (PackageWriter, error)
	}
	Files interface {
		Open(ctx context.Context, ref, id string) (*attachments.File, io.ReadCloser, error)
	}
	// Contents is set once the web server exists (internal/wire), before any request.
	Contents Contents
	TTL      time.Duration // PackageTTL when zero
	Now      func() time.Time
	Log      *slog.Logger

	jobs sync.WaitGroup
}

// Start builds r's package in the background; a build already holding the package
// (ErrBuilding) is left to finish.
func (b *Builder) Start(r *rights.Request, lang string) {
	b.jobs.Add(1)
	go func() {
		defer b.jobs.Done()
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		write, err := b.claim(ctx, r, lang)
		if err == nil {
			err = write()
		}
		b.logFailure(r.Ref, err)
	}()
}

// Begin claims r's package now and builds it in the background: when another build, at
// this instance or another, holds the package it reports ErrBuilding and starts nothing.
func (b *Builder) Begin(ctx context.Context, r *rights.Request, lang string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), buildTimeout)
	write, err := b.claim(ctx, r, lang)
	if err != nil {
		cancel()
		return err
	}
	b.jobs.Add(1)
	go func() {
		defer b.jobs.Done()
		defer cancel()
		b.logFailure(r.Ref, write())
	}()
	return nil
}

// buildTimeout bounds one build.
const buildTimeout = 30 * time.Minute

func (b *Builder) logFailure(ref string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, ErrBuilding):
		b.Log.Info("copy package left to another build", "ref", ref, "err", err)
	default:
		b.Log.Error("copy package failed", "ref", ref, "err", err)
	}
}

// Wait waits for the packages being built: at shutdown, before the database closes,
// and in tests.
func (b *Builder) Wait() { b.jobs.Wait() }

// claim gathers what goes in r's package, claims the package and returns the step that
// writes it.
func (b *Builder) claim(ctx context.Context, r *rights.Request, lang string) (write func() error, err error) {
	granted := map[string]bool{}
	if r.Decision != nil {
		for _, it := range r.Decision.Items {
			granted[it.Key] = it.Granted
		}
	}
	d, err := b.Contents.PackageData(ctx, r, lang)
	if err != nil {
		return nil, err
	}
	// Only what the decision granted goes in.
	if !granted["profile"] {
		d.Profile = Profile{}
	}
	if !granted["consents"] {
		d.Consents, d.ConsentHistory = nil, nil
	}
	if !granted["requests"] {
		d.Requests = nil
	}
	type part struct {
		ref string
		f   *File
	}
	var parts []part
	for i := range d.Requests {
		for j := range d.Requests[i].Files {
			f := &d.Requests[i].Files[j]
			f.Path = fmt.Sprintf("files/%s/%s-%s", d.Requests[i].Ref, f.ID, f.Name)
			parts = append(parts, part{ref: d.Requests[i].Ref, f: f})
		}
	}
	ttl := b.TTL
	if ttl <= 0 {
		ttl = PackageTTL
	}
	now := b.Now()
	w, err := b.Packages.Create(ctx, r.Ref, r.Subject, 2+len(parts), now, now.Add(ttl))
	if err != nil {
		return nil, err
	}
	return func() error {
		return w.Finish(b.write(w, d, lang, func(zw *zip.Writer, done *int) error {
			for _, p := range parts {
				_, rc, err := b.Files.Open(ctx, p.ref, p.f.ID)
				if err != nil {
					return err
				}
				out, err := zw.Create(p.f.Path)
				if err == nil {
					_, err = io.Copy(out, rc)
				}
				_ = rc.Close()
				if err != nil {
					return err
				}
				*done++
				if err := w.Progress(*done); err != nil {
					return err
				}
			}
			return nil
		}))
	}, nil
}

// write writes data.json and index.html, then the files by addFiles.
func (b *Builder) write(w PackageWriter, d *PersonalData, lang string, addFiles func(*zip.Writer, *int) error) error {
	zw := zip.NewWriter(w)
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	done := 0
	if err := zipFile(zw, "data.json", js); err != nil {
		return err
	}
	done++
	if err := w.Progress(done); err != nil {
		return err
	}
	f, err := zw.Create("index.html")
	if err != nil {
		return err
	}
	if err := b.Contents.PackageIndex(f, lang, d); err != nil {
		return err
	}
	done++
	if err := w.Progress(done); err != nil {
		return err
	}
	if err := addFiles(zw, &done); err != nil {
		return err
	}
	return zw.Close()
}

func zipFile(zw *zip.Writer, name string, b []byte) error {
	f, err := zw.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return err
}
