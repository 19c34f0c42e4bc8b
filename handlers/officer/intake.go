package officer

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/rights"
)

// intakeForm is a request received on paper or at the counter, entered by an officer:
// the person as the letter or the counter gave them (at least one way to reach them),
// the date received or the postmark, the identity check actually done, and the scans.
type intakeForm struct {
	Name    string `form:"name" validate:"max=100" label:"intake.name"`
	Address string `form:"address" validate:"max=200" label:"intake.address"`
	Email   string `form:"email" validate:"omitempty,email,max=254" label:"intake.email"`
	Phone   string `form:"phone" validate:"max=30" label:"intake.phone"`
	// Lang is the language the person's letters are written in.
	Lang        string    `form:"lang" validate:"omitempty,oneof=zh-TW en" label:"intake.lang"`
	Channel     string    `form:"channel" validate:"required,oneof=paper counter" label:"intake.channel"`
	Received    time.Time `form:"received" validate:"required" label:"intake.received"`
	Basis       string    `form:"basis" validate:"omitempty,oneof=received postmark" label:"intake.basis"`
	Identity    string    `form:"identity" validate:"omitempty,oneof=none id_card signature document" label:"intake.identity"`
	Kind        string    `form:"kind" validate:"required,oneof=view copy correct stop delete" label:"request.kind"`
	Scope       string    `form:"scope" validate:"max=2000" label:"request.scope"`
	Purposes    []string  `form:"purposes" validate:"max=50,dive,max=40" label:"request.purposes"`
	Whole       bool      `form:"whole"`
	Field       string    `form:"field" validate:"omitempty,oneof=name phone address email other" label:"request.field"`
	Proposed    string    `form:"proposed" validate:"max=500" label:"request.proposed"`
	Explanation string    `form:"explanation" validate:"max=2000" label:"request.explanation"`
	// An agent's letter: the data subject and the written authorisation (APA Art. 24).
	OnBehalf         bool   `form:"on_behalf"`
	Principal        string `form:"principal" validate:"max=200" label:"request.principal"`
	PrincipalContact string `form:"principal_contact" validate:"max=200" label:"request.principal_contact"`
}

// Values are the form's fields as the page shows them again.
func (f *intakeForm) Values() map[string]string {
	vals := map[string]string{"email": f.Email, "name": f.Name, "phone": f.Phone, "address": f.Address, "lang": f.Lang, "channel": f.Channel,
		"basis": f.Basis, "identity": f.Identity, "kind": f.Kind, "scope": f.Scope, "field": f.Field, "proposed": f.Proposed, "explanation": f.Explanation,
		"principal": f.Principal, "principal_contact": f.PrincipalContact}
	if f.Whole {
		vals["whole"] = "on"
	}
	if f.OnBehalf {
		vals["on_behalf"] = "on"
	}
	if !f.Received.IsZero() {
		vals["received"] = f.Received.Format("2006-01-02")
	}
	return vals
}

// tidy reads the form as the officer meant it: text without surrounding spaces, and the
// choices left empty at their defaults, so the form comes back as it was read.
func (f *intakeForm) tidy() {
	f.Name, f.Address, f.Email, f.Phone = strings.TrimSpace(f.Name), strings.TrimSpace(f.Address), strings.TrimSpace(f.Email), strings.TrimSpace(f.Phone)
	if f.Identity == "" {
		f.Identity = rights.IntakeNone
	}
	if f.Basis == "" {
		f.Basis = "received"
	}
	if f.Lang == "" {
		f.Lang = i18n.ZH
	}
}

// command is the filing the form asks for, entered by officer.
func (f *intakeForm) command(officer string, problems *apperr.Invalid, attached []casework.Attached) casework.PaperFiling {
	r := &rights.Request{Kind: rights.Kind(f.Kind), Scope: f.Scope, Purposes: f.Purposes, Whole: f.Whole, Field: f.Field,
		Proposed: f.Proposed, Explanation: f.Explanation}
	if f.OnBehalf {
		r.Principal, r.PrincipalContact = f.Principal, f.PrincipalContact
	}
	cmd := casework.PaperFiling{Request: r, Name: f.Name, Address: f.Address, Email: f.Email, Phone: f.Phone, Lang: f.Lang,
		Channel: f.Channel, Postmark: f.Basis == "postmark", Identity: f.Identity, OnBehalf: f.OnBehalf, Officer: officer,
		Attached: attached, Problems: problems}
	if !f.Received.IsZero() {
		cmd.Received = rights.NewDate(f.Received.Year(), f.Received.Month(), f.Received.Day())
	}
	return cmd
}

type intakePage struct {
	Values   map[string]string
	Checked  map[string]bool
	Kinds    []rights.Kind
	Purposes []consent.Purpose
	Fields   []string
	Checks   []string
	Langs    []string
	Today    string
}

func (h *Handlers) renderIntake(c *gin.Context, status int, vals map[string]string, checked []string, inv *apperr.Invalid) error {
	n, err := h.Notices.Current(c.Request.Context())
	if err != nil {
		return err
	}
	today := rights.DateOf(h.Now()).String()
	if vals == nil {
		vals = map[string]string{"channel": rights.ChannelPaper, "received": today, "basis": "received", "identity": rights.IntakeNone, "lang": i18n.ZH}
	}
	p := intakePage{Values: vals, Checked: map[string]bool{}, Kinds: rights.Kinds, Purposes: n.Purposes, Fields: rights.CorrectableFields,
		Checks: rights.IntakeChecks, Langs: []string{i18n.ZH, i18n.EN}, Today: today}
	for _, id := range checked {
		p.Checked[id] = true
	}
	h.RenderForm(c, status, "intake", "intake.title", p, inv)
	return nil
}

// IntakePage shows the form for a paper or counter request.
func (h *Handlers) IntakePage(c *gin.Context) error {
	return h.renderIntake(c, http.StatusOK, nil, nil, nil)
}

// IntakeSubmit files a paper or counter request (casework: FilePaper).
func (h *Handlers) IntakeSubmit(c *gin.Context) error {
	var f intakeForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	f.tidy()
	// The scans are checked (size, type by content) as an online filing's are, before
	// anything is stored.
	letter, auth, err := h.FilingUploads(c, inv, f.OnBehalf)
	if err != nil {
		return err
	}
	filed, err := h.casework.FilePaper(c.Request.Context(), f.command(web.CurrentUser(c).ID, inv, []casework.Attached{
		{Files: cases.Checked(auth), Role: attachments.RoleAgent, Purpose: attachments.PurposeAuthorisation},
		{Files: cases.Checked(letter), Role: attachments.RoleRequester, Purpose: attachments.PurposeRequest}}))
	if problems := (*apperr.Invalid)(nil); errors.As(err, &problems) {
		web.InFormOrder(problems, &f)
		return h.renderIntake(c, http.StatusBadRequest, f.Values(), f.Purposes, problems)
	}
	if err != nil {
		status, key := web.StatusOf(err)
		if status >= 500 {
			h.Log.Error("paper request refused: nothing stored", "request_id", c.GetString(web.KeyRequestID), "status", status, "err", err)
		}
		if key == "" {
			key = "request.not_stored"
		}
		return h.renderIntake(c, status, f.Values(), f.Purposes, (&apperr.Invalid{}).Add("", key))
	}
	r := filed.Request
	if filed.CheckUnrecorded {
		h.AddFlash(c, web.FlashError, "flash.intake_check_not_recorded")
	}
	h.AddFlashArgs(c, web.FlashSuccess, "flash.intake_filed", r.Ref)
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
	return nil
}
