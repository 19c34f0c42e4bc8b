package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/filename"
	"github.com/example/pdpa-portal/rights"
)

// A granted copy request is fulfilled with a package (export.Builder builds it in the
// background), downloadable by the requester only until it expires, each download
// recorded, and deleted at expiry by the retention run.

// Wait waits for background work (copy packages) to finish: at shutdown, and in tests.
func (s *Server) Wait() { s.Builder.Wait() }

// PackageData is what a package holds of r's subject: for an account, what their view
// page shows; for a guest, their details and this request.
func (s *Server) PackageData(ctx context.Context, r *rights.Request, lang string) (*export.PersonalData, error) {
	if !rights.IsGuest(r.Subject) {
		u, err := s.Users.ByID(ctx, r.Subject)
		if err != nil {
			return nil, err
		}
		return s.personalData(ctx, lang, u)
	}
	g, err := s.Guests.Guest(ctx, r.Subject)
	if err != nil {
		return nil, err
	}
	er, err := s.exportRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	return &export.PersonalData{Schema: export.SchemaVersion, Generated: s.Now().UTC(), Agency: web.AgencyOf(s.Agency).PIIController,
		Profile: export.Profile{Email: g.Email, Name: g.Name, MailLanguage: g.Lang, Created: g.Created.UTC()}, Requests: []export.Request{*er}}, nil
}

// PackageIndex writes the package's index.html, readable offline in lang.
func (s *Server) PackageIndex(w io.Writer, lang string, d *export.PersonalData) error {
	v := s.ViewIn(lang)
	v.Page, v.TitleKey = d, "package.title"
	return s.Templates.Execute(w, lang, "package_index", v)
}

// packageDownload serves the package to its requester and records the download.
func (s *Server) packageDownload(c *gin.Context, r *rights.Request) {
	p, rc, err := s.Packages.Open(c.Request.Context(), r.Ref, s.Now())
	if err != nil {
		s.Fail(c, err)
		return
	}
	defer rc.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.FormatInt(p.Size, 10))
	h.Set("Content-Disposition", filename.Disposition(s.packageName(c.GetString(web.KeyLang), r.Ref)))
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
	res, err := s.Casework.RebuildPackage(c.Request.Context(), casework.Command{Ref: r.Ref}, c.GetString(web.KeyLang))
	if s.actFailed(c, r, "package", nil, err) {
		return
	}
	s.actDone(c, r, res)
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
