package handlers

import (
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
)

type paperForm struct {
	Email     string `form:"email" validate:"required,email,max=254" label:"paper.email"`
	Purpose   string `form:"purpose" validate:"required,max=40" label:"paper.purpose"`
	Action    string `form:"action" validate:"required,oneof=grant withdraw" label:"paper.action"`
	FormLang  string `form:"form_lang" validate:"required,oneof=zh-TW en" label:"paper.form_lang"`
	Reference string `form:"reference" validate:"required,max=100" label:"paper.reference"`
	Version   int    `form:"version" validate:"min=1" label:"paper.version"`
}

type paperPage struct {
	Prefix string
	// Recorded is the event just recorded, with its scans, to check them.
	Recorded string
	Scans    []attachments.File
	Values   map[string]string
	Purposes []consent.Purpose
	Langs    []string
	Versions []*consent.Notice
}

func (s *Server) paperPage(c *gin.Context, status int, p paperPage, inv *apperr.Invalid) {
	n, err := s.Notices.Current(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, err := s.Drafts.Versions(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Prefix, p.Purposes, p.Langs, p.Versions = "paper", n.Purposes, []string{i18n.ZH, i18n.EN}, vs
	if p.Values == nil {
		p.Values = map[string]string{"form_lang": i18n.ZH, "action": "grant", "version": strconv.Itoa(n.Version)}
	}
	v := s.view(c, "paper.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "paper_consent", v)
}

// paperConsentForm lets an officer enter a consent or withdrawal the person signed on
// paper, so every channel ends in the same record and receipt. After a recording it
// lists the scans kept with it.
func (s *Server) paperConsentForm(c *gin.Context) {
	p := paperPage{}
	if id := c.Query("recorded"); id != "" && len(id) <= 64 {
		fs, err := s.Files.List(c.Request.Context(), attachments.ConsentRef(id))
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Recorded, p.Scans = id, fs
	}
	s.paperPage(c, http.StatusOK, p, nil)
}

// paperScan serves a scan kept with a paper consent, to officers only.
func (s *Server) paperScan(c *gin.Context) {
	s.serveFile(c, attachments.ConsentRef(c.Param("id")), c.Param("fid"))
}

func (s *Server) paperConsentSubmit(c *gin.Context) {
	var f paperForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	vals := map[string]string{"email": f.Email, "purpose": f.Purpose, "action": f.Action, "form_lang": f.FormLang, "reference": f.Reference, "version": strconv.Itoa(f.Version)}
	// The scan of the signed form is checked (size, type by content) before anything is
	// recorded.
	scans, err := uploadsOf(c, "files", 0)
	if err != nil && !uploadProblemOf(inv, "files", err) {
		s.fail(c, err)
		return
	}
	if len(scans) > 0 && s.uploadsPaused(c.Request.Context()) {
		s.fail(c, errUploadsPaused)
		return
	}
	if len(inv.Problems) == 0 {
		ctx := c.Request.Context()
		u, err := s.Users.ByEmail(ctx, f.Email)
		switch {
		case errors.Is(err, apperr.ErrNotFound) || (err == nil && u.IsStaff()):
			inv.Add("email", "paper.no_account")
		case err != nil:
			s.fail(c, err)
			return
		case !u.EmailVerified:
			// The receipt would land with whoever signed up with the address.
			inv.Add("email", "paper.unverified")
		}
		if len(inv.Problems) == 0 {
			e, err := s.Consents.RecordPaper(ctx, consent.Paper{Subject: u.ID, Purpose: f.Purpose, Grant: f.Action == "grant",
				Lang: f.FormLang, Officer: currentUser(c).ID, Reference: f.Reference, Version: f.Version})
			switch {
			case errors.Is(err, apperr.ErrNotFound):
				inv.Add("purpose", "paper.not_in_version")
			case errors.Is(err, consent.ErrRequired):
				inv.Add("action", "consent.required_withdraw")
			case err != nil:
				s.fail(c, err)
				return
			default:
				if e == nil {
					s.addFlash(c, flashInfo, "flash.paper_unchanged")
					c.Redirect(http.StatusSeeOther, "/officer/consents")
					return
				}
				s.addFlash(c, flashSuccess, "flash.paper_recorded")
				for _, fh := range scans {
					// Sealed with the person's own key: erasing them shreds the scan too.
					if err := s.putScan(c, e.ID, u.ID, fh); err != nil {
						s.Log.Error("paper consent recorded, its scan not stored", "event", e.ID, "err", err)
						s.addFlash(c, flashError, "flash.paper_scan_not_stored")
						break
					}
				}
				c.Redirect(http.StatusSeeOther, "/officer/consents?recorded="+url.QueryEscape(e.ID))
				return
			}
		}
	}
	inFormOrder(inv, &f)
	s.paperPage(c, http.StatusBadRequest, paperPage{Values: vals}, inv)
}

// putScan stores one scan of a paper consent event.
func (s *Server) putScan(c *gin.Context, eventID, subject string, fh *multipart.FileHeader) error {
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Files.Put(c.Request.Context(), &attachments.File{Ref: attachments.ConsentRef(eventID), Subject: subject, Name: fh.Filename, Role: attachments.RoleOfficer,
		Purpose: attachments.PurposeConsent, UploadedBy: currentUser(c).ID, Created: s.Now()}, f)
}
