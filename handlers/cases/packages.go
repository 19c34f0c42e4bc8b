package cases

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/filename"
	"github.com/example/pdpa-portal/rights"
)

// PackageName is the file name of a copy package in lang, and its ASCII stand-in.
func (s *Cases) PackageName(lang, ref string) (name, ascii string) {
	return s.casework.PackageName(lang, ref)
}

// gatherer collects a person's data through the stores the pages read.
func (s *Cases) gatherer() *export.Gatherer {
	return &export.Gatherer{Notices: s.Notices, Consents: s.consents.Store, Disclosures: s.disclosures, Requests: s.requests,
		Timeline: s.timeline, Files: s.files, Messages: s.messages, Users: s.Users, Guests: s.guests, Said: s.SaidOf, Cat: s.Cat,
		Agency: web.AgencyOf(s.agency).PIIController, Now: s.Now}
}

// PersonalData gathers everything the portal holds on a person with an account
// (export: Gatherer.PersonalData).
func (s *Cases) PersonalData(ctx context.Context, lang string, u *account.User) (*export.PersonalData, error) {
	return s.gatherer().PersonalData(ctx, lang, u)
}

// PackageData is what a package holds of r's subject (export: Gatherer.PackageData).
func (s *Cases) PackageData(ctx context.Context, r *rights.Request, lang string) (*export.PersonalData, error) {
	return s.gatherer().PackageData(ctx, r, lang)
}

// PackageIndex writes the package's index.html, readable offline in lang.
func (s *Cases) PackageIndex(w io.Writer, lang string, d *export.PersonalData) error {
	v := s.ViewIn(lang)
	v.Page, v.TitleKey = d, "package.title"
	return s.Templates.Execute(w, lang, "package_index", v)
}

// PackageDownload serves the package to its requester and records the download.
func (s *Cases) PackageDownload(c *gin.Context, r *rights.Request) error {
	p, rc, err := s.packages.Open(c.Request.Context(), r.Ref, s.Now())
	if err != nil {
		return err
	}
	defer rc.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.FormatInt(p.Size, 10))
	h.Set("Content-Disposition", filename.Disposition(s.PackageName(c.GetString(web.KeyLang), r.Ref)))
	h.Set("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, rc); err != nil {
		s.Log.Error("package download cut short", "ref", r.Ref, "err", err)
	}
	return nil
}

// PackageOf reads a request's package for a page (nil when there is none).
func (s *Cases) PackageOf(ctx context.Context, r *rights.Request) (*export.Package, error) {
	if r.Kind != rights.Copy {
		return nil, nil
	}
	p, err := s.packages.Get(ctx, r.Ref)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	return p, nil
}

func isNotFound(err error) bool { return errors.Is(err, apperr.ErrNotFound) }
