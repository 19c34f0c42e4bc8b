package handlers

import (
	"errors"
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
	res, err := s.Consents.RecordPaperFor(c.Request.Context(), consent.PaperCommand{Email: f.Email, Purpose: f.Purpose, Grant: f.Action == "grant",
		Lang: f.FormLang, Reference: f.Reference, Version: f.Version, Officer: currentUser(c).ID, Scans: checkedFiles(scans), Problems: inv})
	var problems *apperr.Invalid
	switch {
	case errors.As(err, &problems):
		inFormOrder(problems, &f)
		s.paperPage(c, http.StatusBadRequest, paperPage{Values: vals}, problems)
	case err != nil:
		s.fail(c, err)
	case res.Event == nil:
		s.addFlash(c, flashInfo, "flash.paper_unchanged")
		c.Redirect(http.StatusSeeOther, "/officer/consents")
	default:
		s.addFlash(c, flashSuccess, "flash.paper_recorded")
		if res.ScanFailed != nil {
			s.Log.Error("paper consent recorded, its scan not stored", "event", res.Event.ID, "err", res.ScanFailed)
			s.addFlash(c, flashError, "flash.paper_scan_not_stored")
		}
		c.Redirect(http.StatusSeeOther, "/officer/consents?recorded="+url.QueryEscape(res.Event.ID))
	}
}
