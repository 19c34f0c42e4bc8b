package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
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
	Prefix   string
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
// paper, so every channel ends in the same record and receipt.
func (s *Server) paperConsentForm(c *gin.Context) { s.paperPage(c, http.StatusOK, paperPage{}, nil) }

func (s *Server) paperConsentSubmit(c *gin.Context) {
	var f paperForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	vals := map[string]string{"email": f.Email, "purpose": f.Purpose, "action": f.Action, "form_lang": f.FormLang, "reference": f.Reference, "version": strconv.Itoa(f.Version)}
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
				} else {
					s.addFlash(c, flashSuccess, "flash.paper_recorded")
				}
				c.Redirect(http.StatusSeeOther, "/officer/consents")
				return
			}
		}
	}
	inFormOrder(inv, &f)
	s.paperPage(c, http.StatusBadRequest, paperPage{Values: vals}, inv)
}
