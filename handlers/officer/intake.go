package officer

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
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
	v := h.View(c, "intake.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	h.Render(c, status, "intake", v)
	return nil
}

// IntakePage shows the form for a paper or counter request.
func (h *Handlers) IntakePage(c *gin.Context) error {
	return h.renderIntake(c, http.StatusOK, nil, nil, nil)
}

// IntakeSubmit files a paper or counter request. The received date may be earlier than
// today (APA Art. 49: a request sent by registered mail counts from the postmark), so the
// due date is counted from it. A person who gave no e-mail address is written to by post.
func (h *Handlers) IntakeSubmit(c *gin.Context) error {
	var f intakeForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
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
	vals := f.Values()
	ctx := c.Request.Context()
	now := h.Now()
	today := rights.DateOf(now)
	contact := rights.Contact{Name: f.Name, Email: account.NormalizeEmail(f.Email), Phone: f.Phone, Address: f.Address}
	if f.Email == "" {
		contact.Email = ""
	}
	if !contact.Reachable() {
		web.AddOnce(inv, "address", "intake.no_contact")
	}
	if f.Name == "" && (f.Email == "" || f.Address != "") {
		// A letter by post needs a name to go to.
		web.AddOnce(inv, "name", "intake.name_required")
	}
	for field, value := range map[string]string{"name": f.Name, "phone": f.Phone, "address": f.Address} {
		if value == "" {
			continue
		}
		for _, p := range account.ValidateProfileField(field, value).Problems {
			web.AddOnce(inv, field, p.Key, p.Args...)
		}
	}
	received := rights.NewDate(f.Received.Year(), f.Received.Month(), f.Received.Day())
	if !f.Received.IsZero() {
		switch {
		case received.After(today):
			web.AddOnce(inv, "received", "intake.received_future")
		case received.Before(today.AddDays(-365)):
			web.AddOnce(inv, "received", "intake.received_range")
		}
	}
	if f.Basis == "postmark" && f.Channel == rights.ChannelCounter {
		web.AddOnce(inv, "basis", "intake.postmark_counter")
	}
	if f.Identity == rights.IntakeIDCard && f.Channel != rights.ChannelCounter {
		web.AddOnce(inv, "identity", "intake.id_card_counter")
	}
	var u *account.User
	if f.Email != "" {
		var err error
		u, err = h.Users.ByEmail(ctx, f.Email)
		switch {
		case errors.Is(err, apperr.ErrNotFound), err == nil && !u.EmailVerified && !u.IsStaff():
			// No account, or one whose address was never proven: the request is a guest's,
			// followed by reference and code, so an unverified sign-up cannot read it.
			u = nil
		case err == nil && u.IsStaff():
			inv.Add("email", "intake.staff_email")
		case err != nil:
			return err
		}
	}
	n, err := h.Notices.Current(ctx)
	if err != nil {
		return err
	}
	r := &rights.Request{Kind: rights.Kind(f.Kind), Channel: f.Channel, Received: received, Scope: f.Scope, Purposes: f.Purposes,
		Whole: f.Whole, Field: f.Field, Proposed: f.Proposed, Explanation: f.Explanation, EnteredBy: web.CurrentUser(c).ID,
		Contact: contact, Postmarked: f.Basis == "postmark"}
	if f.OnBehalf {
		r.Principal, r.PrincipalContact = f.Principal, f.PrincipalContact
		if r.Principal == "" {
			web.AddOnce(inv, "principal", "field.required")
		}
	}
	if cases.ValidKind(r.Kind) {
		if inv, err = web.Merge(inv, rights.Validate(r, func(id string) bool { return n.Purpose(id) != nil }).OrNil()); err != nil {
			return err
		}
	}
	// The scans are checked (size, type by content) as an online filing's are, before
	// anything is stored.
	letter, auth, err := h.FilingUploads(c, inv, f.OnBehalf)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		web.InFormOrder(inv, &f)
		return h.renderIntake(c, http.StatusBadRequest, vals, f.Purposes, inv)
	}
	in := &casework.Intake{Identity: f.Identity}
	if u != nil {
		in.Account = u.ID
	} else {
		// The officer took the request on paper or in person: the address is the one the
		// requester wrote, so the guest counts as confirmed and is never swept.
		in.Guest = &rights.Guest{ID: ids.New("g"), Email: contact.Email, Name: f.Name, Phone: contact.Phone, Lang: f.Lang, Confirmed: true, Created: now}
	}
	// Filed only with its confirmation mail queued (casework: File); a person without
	// e-mail is sent none. The check actually done goes on the timeline at once.
	filed, err := h.casework.File(ctx, casework.Filing{Request: r, Intake: in, Attached: []casework.Attached{
		{Files: cases.Checked(auth), Role: attachments.RoleAgent, Purpose: attachments.PurposeAuthorisation},
		{Files: cases.Checked(letter), Role: attachments.RoleRequester, Purpose: attachments.PurposeRequest}}})
	if err != nil {
		status, key := web.StatusOf(err)
		if status >= 500 {
			h.Log.Error("paper request refused: nothing stored", "request_id", c.GetString(web.KeyRequestID), "status", status, "err", err)
		}
		if key == "" {
			key = "request.not_stored"
		}
		return h.renderIntake(c, status, vals, f.Purposes, (&apperr.Invalid{}).Add("", key))
	}
	if filed.CheckUnrecorded {
		h.AddFlash(c, web.FlashError, "flash.intake_check_not_recorded")
	}
	h.AddFlashArgs(c, web.FlashSuccess, "flash.intake_filed", r.Ref)
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
	return nil
}
