package officer

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
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

// Values are the form's fields as the page shows them again.
func (f *paperForm) Values() map[string]string {
	return map[string]string{"email": f.Email, "purpose": f.Purpose, "action": f.Action, "form_lang": f.FormLang, "reference": f.Reference, "version": strconv.Itoa(f.Version)}
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

func (h *Handlers) paperPage(c *gin.Context, status int, p paperPage, inv *apperr.Invalid) error {
	n, err := h.Notices.Current(c.Request.Context())
	if err != nil {
		return err
	}
	vs, err := h.drafts.Versions(c.Request.Context())
	if err != nil {
		return err
	}
	p.Prefix, p.Purposes, p.Langs, p.Versions = "paper", n.Purposes, []string{i18n.ZH, i18n.EN}, vs
	if p.Values == nil {
		p.Values = map[string]string{"form_lang": i18n.ZH, "action": "grant", "version": strconv.Itoa(n.Version)}
	}
	h.RenderForm(c, status, "paper_consent", "paper.title", p, inv)
	return nil
}

// PaperConsentForm lets an officer enter a consent or withdrawal the person signed on
// paper, so every channel ends in the same record and receipt. After a recording it
// lists the scans kept with it.
func (h *Handlers) PaperConsentForm(c *gin.Context) error {
	p := paperPage{}
	if id := c.Query("recorded"); id != "" && len(id) <= 64 {
		fs, err := h.files.List(c.Request.Context(), attachments.ConsentRef(id))
		if err != nil {
			return err
		}
		p.Recorded, p.Scans = id, fs
	}
	return h.paperPage(c, http.StatusOK, p, nil)
}

// PaperScan serves a scan kept with a paper consent, to officers only.
func (h *Handlers) PaperScan(c *gin.Context) error {
	return h.ServeFile(c, attachments.ConsentRef(c.Param("id")), c.Param("fid"))
}

func (h *Handlers) PaperConsentSubmit(c *gin.Context) error {
	var f paperForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	vals := f.Values()
	// The scan of the signed form is checked (size, type by content) before anything is
	// recorded.
	scans, err := cases.UploadsOf(c, "files", 0)
	if err != nil && !cases.UploadProblemOf(inv, "files", err) {
		return err
	}
	if len(scans) > 0 && h.disk.UploadsPaused(c.Request.Context()) {
		return web.ErrUploadsPaused
	}
	res, err := h.consents.RecordPaperFor(c.Request.Context(), consent.PaperCommand{Email: f.Email, Purpose: f.Purpose, Grant: f.Action == "grant",
		Lang: f.FormLang, Reference: f.Reference, Version: f.Version, Officer: web.CurrentUser(c).ID, Scans: cases.CheckedFiles(scans), Problems: inv})
	var problems *apperr.Invalid
	switch {
	case errors.As(err, &problems):
		web.InFormOrder(problems, &f)
		return h.paperPage(c, http.StatusBadRequest, paperPage{Values: vals}, problems)
	case err != nil:
		return err
	case res.Event == nil:
		h.AddFlash(c, web.FlashInfo, "flash.paper_unchanged")
		c.Redirect(http.StatusSeeOther, "/officer/consents")
		return nil
	}
	h.AddFlash(c, web.FlashSuccess, "flash.paper_recorded")
	if res.ScanFailed != nil {
		h.Log.Error("paper consent recorded, its scan not stored", "event", res.Event.ID, "err", res.ScanFailed)
		h.AddFlash(c, web.FlashError, "flash.paper_scan_not_stored")
	}
	c.Redirect(http.StatusSeeOther, "/officer/consents?recorded="+url.QueryEscape(res.Event.ID))
	return nil
}
