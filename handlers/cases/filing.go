package cases

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/rights"
)

const (
	// GuestBindCookie holds the browser's binding: a code mailed on this browser's
	// behalf is accepted only with it, so a stranger who knows a (sequential) reference
	// cannot use up the guest's tries. It lives as long as a code does.
	GuestBindCookie = "portal_guest_bind"
)

// GuestBinding returns this browser's binding; with create, it makes one when the browser
// has none and (re)sets its cookie for a code's lifetime.
func (s *Cases) GuestBinding(c *gin.Context, create bool) string {
	var bind string
	if ck, err := c.Request.Cookie(GuestBindCookie); err == nil {
		if s.Cookies.Decode(GuestBindCookie, ck.Value, &bind) != nil {
			bind = ""
		}
	}
	if !create {
		return bind
	}
	if bind == "" {
		bind = ids.Token(16)
	}
	s.SetGuestBinding(c, bind)
	return bind
}

// SetGuestBinding (re)sets the browser's binding cookie to bind.
func (s *Cases) SetGuestBinding(c *gin.Context, bind string) {
	if enc, err := s.Cookies.Encode(GuestBindCookie, bind); err == nil {
		s.SetCookie(c, GuestBindCookie, enc, int(rights.CodeTTL/time.Second))
	}
}

type StoppedRow struct {
	ID, Name string
	Since    time.Time
}

// StoppedRows names the person's stopped purposes in the page's language.
func (s *Cases) StoppedRows(c *gin.Context, u *account.User) ([]StoppedRow, error) {
	if len(u.Stopped) == 0 {
		return nil, nil
	}
	names, err := s.PurposeNames(c.Request.Context())
	if err != nil {
		return nil, err
	}
	v := s.ViewIn(c.GetString(web.KeyLang))
	var out []StoppedRow
	for id, at := range u.Stopped {
		out = append(out, StoppedRow{ID: id, Name: v.PurposeName(id, names), Since: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

type RequestForm struct {
	Kind     string   `form:"kind" validate:"required,oneof=view copy correct stop delete" label:"request.kind"`
	Scope    string   `form:"scope" validate:"max=2000" label:"request.scope"`
	Purposes []string `form:"purposes" validate:"max=50,dive,max=40" label:"request.purposes"`
	// Whole: a stop or delete about the whole account, ticked on its own.
	Whole       bool     `form:"whole"`
	Field       string   `form:"field" validate:"omitempty,oneof=name phone address email other" label:"request.field"`
	Proposed    string   `form:"proposed" validate:"max=500" label:"request.proposed"`
	Explanation string   `form:"explanation" validate:"max=2000" label:"request.explanation"`
	ScopeFiles  []string `form:"scope_files" validate:"max=50,dive,max=64" label:"request.scope_files"`
	// An agent files for someone else with a written authorisation (APA Art. 24).
	OnBehalf         bool   `form:"on_behalf"`
	Principal        string `form:"principal" validate:"max=200" label:"request.principal"`
	PrincipalContact string `form:"principal_contact" validate:"max=200" label:"request.principal_contact"`
}

// Values are the form's fields as the page shows them again.
func (f *RequestForm) Values() map[string]string {
	vals := map[string]string{"scope": f.Scope, "field": f.Field, "proposed": f.Proposed, "explanation": f.Explanation,
		"principal": f.Principal, "principal_contact": f.PrincipalContact}
	if f.OnBehalf {
		vals["on_behalf"] = "on"
	}
	if f.Whole {
		vals["whole"] = "on"
	}
	return vals
}

type RequestFormPage struct {
	Prefix   string
	Kind     rights.Kind
	Kinds    []rights.Kind
	Values   map[string]string
	Checked  map[string]bool
	Purposes []consent.Purpose
	Fields   []string
	Days     int
	// Base is where the form posts and the kind links lead: "/requests" for people
	// signed in, "/guest/requests" for guests, who also give their e-mail address.
	Base  string
	Guest bool
	// Files are the agency's personal data files the requester may name.
	Files []*inventory.File
}

// RequestFormFor is the request form: the choice of kind first, then the kind's form.
func (s *Cases) RequestFormFor(c *gin.Context, guest bool) error {
	kind := rights.Kind(c.Query("kind"))
	if !ValidKind(kind) {
		p := RequestFormPage{Prefix: "request", Kinds: rights.Kinds, Base: "/requests", Guest: guest}
		if guest {
			p.Base = "/guest/requests"
		}
		s.Render(c, http.StatusOK, "request_new", s.View(c, "request.new_title", p))
		return nil
	}
	return s.RenderRequestForm(c, http.StatusOK, kind, map[string]string{}, nil, nil, guest)
}

func (s *Cases) RenderRequestForm(c *gin.Context, status int, kind rights.Kind, vals map[string]string, checked []string, inv *apperr.Invalid, guest bool, scopeFiles ...string) error {
	n, err := s.Notices.Current(c.Request.Context())
	if err != nil {
		return err
	}
	fs, err := s.inventory.List(c.Request.Context())
	if err != nil {
		return err
	}
	p := RequestFormPage{Prefix: "request", Kind: kind, Kinds: rights.Kinds, Values: vals, Checked: map[string]bool{},
		Purposes: n.Purposes, Fields: rights.CorrectableFields, Days: kind.DecisionDays(), Base: "/requests", Guest: guest, Files: fs}
	if guest {
		p.Base = "/guest/requests"
	}
	for _, id := range checked {
		p.Checked[id] = true
	}
	for _, id := range scopeFiles {
		p.Checked["file:"+id] = true
	}
	s.RenderForm(c, status, "request_new", "request.new_title", p, inv)
	return nil
}

// Requester is who files: an account, or a guest created once the form is valid.
type Requester struct {
	Email, Lang string
	Guest       bool
	// Who files: an account holder, or (guest) someone without an account.
	Citizen    *casework.Citizen
	GuestFiler *casework.GuestFiler
}

// SubmitRequest checks and stores a request. Once the confirmation shows, the request
// is stored durably (the embedded engine syncs every write).
func (s *Cases) SubmitRequest(c *gin.Context, f *RequestForm, inv *apperr.Invalid, who Requester) error {
	kind := rights.Kind(f.Kind)
	vals := f.Values()
	if who.Guest {
		vals["email"] = who.Email
	}
	if !ValidKind(kind) {
		return &web.PageError{Status: http.StatusBadRequest, Key: "request.kind_invalid"}
	}
	ctx := c.Request.Context()
	r := &rights.Request{Kind: kind, Channel: rights.ChannelWeb, Scope: f.Scope, Purposes: f.Purposes, Whole: f.Whole,
		Field: f.Field, Proposed: f.Proposed, Explanation: f.Explanation, ScopeFiles: f.ScopeFiles}
	if f.OnBehalf {
		r.Principal, r.PrincipalContact = f.Principal, f.PrincipalContact
	}
	// Attachments are checked (total size, type by content) before anything is stored.
	fhs, auth, err := s.FilingUploads(c, inv, f.OnBehalf)
	if err != nil {
		return err
	}
	// What cannot be stored brings the form back as it was sent, with the reason.
	refuse := func(err error) error {
		status, key := web.StatusOf(err)
		if status >= 500 {
			s.Log.Error("filing refused: nothing stored", "request_id", c.GetString(web.KeyRequestID), "status", status, "err", err)
		}
		if key == "" {
			key = "request.not_stored"
		}
		if status == http.StatusServiceUnavailable {
			c.Header("Retry-After", "30")
		}
		why := (&apperr.Invalid{}).Add("", key)
		if qe := (*rights.QuotaError)(nil); errors.As(err, &qe) {
			why = (&apperr.Invalid{}).Add("", qe.Key, qe.Limit) // which limit, and how many
		}
		return s.RenderRequestForm(c, status, kind, vals, f.Purposes, why, who.Guest, f.ScopeFiles...)
	}
	// The request is checked, then its files and the confirmation mail are stored before
	// it, and it is filed only with all of them (casework: File); otherwise the form
	// comes back as it was sent, with the problems or the reason, and nothing is filed.
	filing := casework.Filing{Request: r, Citizen: who.Citizen, Guest: who.GuestFiler, OnBehalf: f.OnBehalf, Problems: inv,
		Attached: []casework.Attached{
			{Files: Checked(auth), Role: attachments.RoleAgent, Purpose: attachments.PurposeAuthorisation},
			{Files: Checked(fhs), Role: attachments.RoleRequester, Purpose: attachments.PurposeRequest}}}
	if who.Guest {
		// The binding is set on the browser only once the filing stands: a refused one
		// (over the quota, say) leaves the browser as it came.
		if filing.Guest.Bind = s.GuestBinding(c, false); filing.Guest.Bind == "" {
			filing.Guest.Bind = ids.Token(16)
		}
	}
	_, err = s.casework.File(ctx, filing)
	if problems := (*apperr.Invalid)(nil); errors.As(err, &problems) {
		web.InFormOrder(problems, f)
		return s.RenderRequestForm(c, http.StatusBadRequest, kind, vals, f.Purposes, problems, who.Guest, f.ScopeFiles...)
	}
	if err != nil {
		return refuse(err)
	}
	if who.Guest {
		s.SetGuestBinding(c, filing.Guest.Bind)
	}
	// The next page opens on the confirmation panel: reference, due date, what happens next.
	s.AddFlashArgs(c, web.FlashFiled, "", r.Ref, r.Due.String(), string(r.Kind), who.Guest)
	if who.Guest {
		c.Redirect(http.StatusSeeOther, "/guest/requests/"+r.Ref+"/confirm")
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/requests/"+r.Ref)
	return nil
}

type RequestPage struct {
	Request *rights.Request
	Today   rights.Date
	Names   map[string]consent.Text
	Steps   []rights.Step
	Files   *AttachmentList
	Values  map[string]string
	// Base is "/requests" for an account holder, "/guest/requests" for a guest.
	Base    string
	Package *export.Package
	// Pay is how a fee is paid, read only when the request has one.
	Pay rights.PaymentInfo
	// Stopped are the purposes of a stop request that are stopped now (an account's).
	Stopped []StoppedRow
}

func (s *Cases) RenderRequestPage(c *gin.Context, status int, r *rights.Request, vals map[string]string, inv *apperr.Invalid) error {
	ctx := c.Request.Context()
	names, err := s.PurposeNames(ctx)
	if err != nil {
		return err
	}
	steps, err := s.timeline.Steps(ctx, r.Ref, false)
	if err != nil {
		return err
	}
	att, err := s.LoadAttachments(c, r.Ref)
	if err != nil {
		return err
	}
	if vals == nil {
		vals = map[string]string{}
	}
	base := "/requests"
	if rights.IsGuest(r.Subject) {
		base = "/guest/requests"
	}
	pkg, err := s.PackageOf(ctx, r)
	if err != nil {
		return err
	}
	p := RequestPage{Request: r, Today: rights.DateOf(s.Now()), Names: names, Steps: steps, Files: att, Values: vals, Base: base, Package: pkg}
	if r.Fee != nil {
		if p.Pay, err = s.fees.PaymentInfo(ctx); err != nil {
			return err
		}
	}
	if u := web.CurrentUser(c); u != nil && u.ID == r.Subject && r.Kind == rights.Stop {
		all, err := s.StoppedRows(c, u)
		if err != nil {
			return err
		}
		for _, row := range all {
			if slices.Contains(r.Purposes, row.ID) {
				p.Stopped = append(p.Stopped, row)
			}
		}
	}
	s.RenderForm(c, status, "request", "request.title", p, inv)
	return nil
}

type WithdrawForm struct {
	Version int64 `form:"version"`
}

// Withdraw withdraws a request for its requester. If an officer acted on it since the
// page was shown, nothing happens and the page says so.
func (s *Cases) Withdraw(c *gin.Context, r *rights.Request, actor, back string) error {
	var f WithdrawForm
	if _, err := s.Decode(c, &f); err != nil {
		return err
	}
	if !r.State.Open() {
		return &web.PageError{Status: http.StatusConflict, Key: "request.changed"}
	}
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.withdraw_title", TextKey: "confirm.withdraw_text", TextArgs: []any{r.Ref},
		Action: back + "/withdraw", Back: back}) {
		return nil
	}
	updated, err := s.timeline.Update(c.Request.Context(), r.Ref, f.Version, s.Now(), rights.Withdraw(actor))
	if err == nil {
		s.casework.SetDisputed(c.Request.Context(), updated, false)
	}
	if errors.Is(err, rights.ErrChanged) {
		err = &web.PageError{Status: http.StatusConflict, Key: "request.changed"}
	}
	if err != nil {
		return err
	}
	s.AddFlash(c, web.FlashSuccess, "flash.request_withdrawn")
	c.Redirect(http.StatusSeeOther, back)
	return nil
}
