package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/internal/filename"
	"github.com/example/pdpa-portal/rights"
)

// A granted copy request is fulfilled with a package: a ZIP of data.json (the person's
// data, export/SCHEMA.md), an index.html readable offline in their language, and the
// files, limited to the items the decision granted. It is built in the background
// (officers see its progress), downloadable by the requester only until it expires, each
// download recorded, and deleted at expiry.

// startPackage builds the package of a fulfilled copy request in the background.
func (s *Server) startPackage(r *rights.Request, lang string) {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		if err := s.buildPackage(ctx, r, lang); err != nil {
			s.Log.Error("copy package failed", "ref", r.Ref, "err", err)
		}
	}()
}

// Wait waits for background work (copy packages) to finish: at shutdown, and in tests.
func (s *Server) Wait() { s.jobs.Wait() }

func (s *Server) buildPackage(ctx context.Context, r *rights.Request, lang string) error {
	granted := map[string]bool{}
	if r.Decision != nil {
		for _, it := range r.Decision.Items {
			granted[it.Key] = it.Granted
		}
	}
	var d *export.PersonalData
	if rights.IsGuest(r.Subject) {
		g, err := s.Guests.Guest(ctx, r.Subject)
		if err != nil {
			return err
		}
		er, err := s.exportRequest(ctx, r)
		if err != nil {
			return err
		}
		d = &export.PersonalData{Schema: export.SchemaVersion, Generated: s.Now().UTC(), Agency: s.agency().PIIController,
			Profile: export.Profile{Email: g.Email, Name: g.Name, MailLanguage: g.Lang, Created: g.Created.UTC()}, Requests: []export.Request{*er}}
	} else {
		u, err := s.Users.ByID(ctx, r.Subject)
		if err != nil {
			return err
		}
		if d, err = s.personalData(ctx, lang, u); err != nil {
			return err
		}
	}
	// Only what the decision granted goes in.
	if !granted["profile"] {
		d.Profile = export.Profile{}
	}
	if !granted["consents"] {
		d.Consents, d.ConsentHistory = nil, nil
	}
	if !granted["requests"] {
		d.Requests = nil
	}
	type part struct {
		ref string
		f   *export.File
	}
	var parts []part
	for i := range d.Requests {
		for j := range d.Requests[i].Files {
			f := &d.Requests[i].Files[j]
			f.Path = fmt.Sprintf("files/%s/%s-%s", d.Requests[i].Ref, f.ID, f.Name)
			parts = append(parts, part{ref: d.Requests[i].Ref, f: f})
		}
	}
	now := s.Now()
	w, err := s.Packages.Create(ctx, r.Ref, r.Subject, 2+len(parts), now, now.Add(s.opt.PackageTTL))
	if err != nil {
		return err
	}
	return w.Finish(s.writePackage(ctx, w, d, lang, func(zw *zip.Writer, done *int) error {
		for _, p := range parts {
			_, rc, err := s.Files.Open(ctx, p.ref, p.f.ID)
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
}

// writePackage writes data.json and index.html, then the files by addFiles.
func (s *Server) writePackage(ctx context.Context, w export.PackageWriter, d *export.PersonalData, lang string, addFiles func(*zip.Writer, *int) error) error {
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
	var page bytes.Buffer
	v := &View{Lang: lang, s: s, Page: d, TitleKey: "package.title"}
	if err := s.pages.Execute(&page, lang, "package_index", v); err != nil {
		return err
	}
	if err := zipFile(zw, "index.html", page.Bytes()); err != nil {
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

// packageDownload serves the package to its requester and records the download.
func (s *Server) packageDownload(c *gin.Context, r *rights.Request) {
	p, rc, err := s.Packages.Open(c.Request.Context(), r.Ref, s.Now())
	if err != nil {
		s.fail(c, err)
		return
	}
	defer rc.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.FormatInt(p.Size, 10))
	h.Set("Content-Disposition", filename.Disposition(s.packageName(c.GetString(keyLang), r.Ref)))
	h.Set("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, rc); err != nil {
		s.Log.Error("package download cut short", "ref", r.Ref, "err", err)
	}
}

func (s *Server) requesterPackage(c *gin.Context) {
	if r, ok := s.myRequestByRef(c); ok {
		s.packageDownload(c, r)
	}
}

func (s *Server) guestPackage(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		s.packageDownload(c, r)
	}
}

// rebuildPackage builds a failed or expired package again.
func (s *Server) rebuildPackage(c *gin.Context, r *rights.Request) {
	p, err := s.packageOf(c.Request.Context(), r)
	if err != nil {
		s.fail(c, err)
		return
	}
	if r.Kind != rights.Copy || r.Erased || r.Principal != "" || (r.State != rights.Fulfilled && r.State != rights.Closed) || r.Decision == nil ||
		r.Decision.Outcome == rights.Refused || (p != nil && p.State == export.PackageBuilding) {
		s.fail(c, &pageError{status: http.StatusConflict, key: "request.changed"})
		return
	}
	s.startPackage(r, s.requesterLang(c, r))
	s.addFlash(c, flashSuccess, "flash.package_started")
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
}

// packageOf reads a request's package for a page (nil when there is none).
func (s *Server) packageOf(ctx context.Context, r *rights.Request) (*export.Package, error) {
	if r.Kind != rights.Copy {
		return nil, nil
	}
	p, err := s.Packages.Get(ctx, r.Ref)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	return p, nil
}

func isNotFound(err error) bool { return errors.Is(err, apperr.ErrNotFound) }

// DeleteExpiredPackages deletes the copy packages whose time is up (cmd/portal runs it
// hourly).
func (s *Server) DeleteExpiredPackages(ctx context.Context) (int, error) {
	return s.Packages.DeleteExpired(ctx, s.Now())
}
