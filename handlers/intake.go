package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/rights"
)

// intakeForm is a request received on paper or at the counter, entered by an officer for
// a person with an account.
type intakeForm struct {
	Email       string    `form:"email" validate:"required,email,max=254" label:"intake.email"`
	Name        string    `form:"name" validate:"max=100" label:"intake.name"`
	Channel     string    `form:"channel" validate:"required,oneof=paper counter" label:"intake.channel"`
	Received    time.Time `form:"received" validate:"required" label:"intake.received"`
	Kind        string    `form:"kind" validate:"required,oneof=view copy correct stop delete" label:"request.kind"`
	Scope       string    `form:"scope" validate:"max=2000" label:"request.scope"`
	Purposes    []string  `form:"purposes" validate:"max=50,dive,max=40" label:"request.purposes"`
	Whole       bool      `form:"whole"`
	Field       string    `form:"field" validate:"omitempty,oneof=name phone address email other" label:"request.field"`
	Proposed    string    `form:"proposed" validate:"max=500" label:"request.proposed"`
	Explanation string    `form:"explanation" validate:"max=2000" label:"request.explanation"`
}

type intakePage struct {
	Values   map[string]string
	Checked  map[string]bool
	Kinds    []rights.Kind
	Purposes []consent.Purpose
	Fields   []string
	Today    string
}

func (s *Server) renderIntake(c *gin.Context, status int, vals map[string]string, checked []string, inv *apperr.Invalid) {
	n, err := s.Notices.Current(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	today := rights.DateOf(s.Now()).String()
	if vals == nil {
		vals = map[string]string{"channel": rights.ChannelPaper, "received": today}
	}
	p := intakePage{Values: vals, Checked: map[string]bool{}, Kinds: rights.Kinds, Purposes: n.Purposes, Fields: rights.CorrectableFields, Today: today}
	for _, id := range checked {
		p.Checked[id] = true
	}
	v := s.view(c, "intake.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "intake", v)
}

// intakePage shows the form for a paper or counter request.
func (s *Server) intakePage(c *gin.Context) { s.renderIntake(c, http.StatusOK, nil, nil, nil) }

// intakeSubmit files a paper or counter request for the person. The received date may be
// earlier than today (APA Art. 49: a request sent by registered mail counts from the
// postmark), so the due date is counted from it.
func (s *Server) intakeSubmit(c *gin.Context) {
	var f intakeForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	vals := map[string]string{"email": f.Email, "name": f.Name, "channel": f.Channel, "kind": f.Kind, "scope": f.Scope, "field": f.Field,
		"proposed": f.Proposed, "explanation": f.Explanation}
	if f.Whole {
		vals["whole"] = "on"
	}
	if !f.Received.IsZero() {
		vals["received"] = f.Received.Format("2006-01-02")
	}
	ctx := c.Request.Context()
	now := s.Now()
	today := rights.DateOf(now)
	received := rights.NewDate(f.Received.Year(), f.Received.Month(), f.Received.Day())
	if !f.Received.IsZero() && (received.After(today) || received.Before(today.AddDays(-365))) {
		inv.Add("received", "intake.received_range")
	}
	var u *account.User
	if f.Email != "" {
		var err error
		u, err = s.Users.ByEmail(ctx, f.Email)
		switch {
		case errors.Is(err, apperr.ErrNotFound), err == nil && !u.EmailVerified && !u.IsStaff():
			// No account, or one whose address was never proven: the request is a guest's,
			// followed by reference and code, so an unverified sign-up cannot read it.
			u = nil
		case err == nil && u.IsStaff():
			inv.Add("email", "intake.staff_email")
		case err != nil:
			s.fail(c, err)
			return
		}
	}
	n, err := s.Notices.Current(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	r := &rights.Request{Kind: rights.Kind(f.Kind), Channel: f.Channel, Received: received, Scope: f.Scope, Purposes: f.Purposes,
		Whole: f.Whole, Field: f.Field, Proposed: f.Proposed, Explanation: f.Explanation, EnteredBy: currentUser(c).ID}
	if validKind(r.Kind) {
		if inv, err = merge(inv, rights.Validate(r, func(id string) bool { return n.Purpose(id) != nil }).OrNil()); err != nil {
			s.fail(c, err)
			return
		}
	}
	if len(inv.Problems) > 0 {
		inFormOrder(inv, &f)
		s.renderIntake(c, http.StatusBadRequest, vals, f.Purposes, inv)
		return
	}
	if u != nil {
		r.Subject = u.ID
	} else {
		// The officer took the request on paper or in person: the address is the one the
		// requester wrote, so the guest counts as confirmed and is never swept.
		g := &rights.Guest{ID: account.NewID("g"), Email: account.NormalizeEmail(f.Email), Name: f.Name, Lang: c.GetString(keyLang), Confirmed: true, Created: now}
		if err := s.Guests.Create(ctx, g); err != nil {
			s.fail(c, err)
			return
		}
		r.Subject = g.ID
	}
	// Filed only with its confirmation mail queued (fileWhole).
	if err := s.fileWhole(c, r, nil, func(ctx context.Context, r *rights.Request) (string, error) {
		return s.queueToRequester(ctx, r, "request_received")
	}); err != nil {
		s.fail(c, err)
		return
	}
	s.setDisputed(c, r, true)
	s.addFlashArgs(c, flashSuccess, "flash.intake_filed", r.Ref)
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
}
