package handlers

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/web"
)

// consentRow is one purpose on the "my consents" page.
type consentRow struct {
	consent.Purpose
	State   consent.State
	Decided bool
	Pending bool
}

type consentsPage struct {
	Notice  *consent.Notice
	Rows    []consentRow
	History []*consent.Event
	Review  web.ConsentForm
	Pending bool
	Names   map[string]consent.Text
}

// consentsPage shows each purpose's state with one action, the decisions still owed,
// and the full history with receipts.
func (s *Server) consentsPage(c *gin.Context) {
	p, err := s.loadConsents(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "consents", s.View(c, "consents.title", p))
}

func (s *Server) loadConsents(c *gin.Context) (*consentsPage, error) {
	ctx := c.Request.Context()
	u := web.CurrentUser(c)
	n, err := s.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	states, err := s.Consents.Store.States(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	history, err := s.Consents.Store.History(ctx, u.ID, 200)
	if err != nil {
		return nil, err
	}
	pending := consent.Pending(n, states)
	p := &consentsPage{Notice: n, History: history, Pending: len(pending) > 0, Names: map[string]consent.Text{}}
	for _, pu := range n.Purposes {
		st, ok := states[pu.ID]
		p.Rows = append(p.Rows, consentRow{Purpose: pu, State: st, Decided: ok, Pending: slices.Contains(pending, pu.ID)})
		p.Names[pu.ID] = pu.Name
	}
	if p.Pending {
		var ticked []string
		for _, id := range pending {
			if states[id].Granted {
				ticked = append(ticked, id)
			}
		}
		p.Review = web.NewConsentForm(n, pending, ticked, false)
	}
	return p, nil
}

type consentChangeForm struct {
	Purpose string `form:"purpose" validate:"required,max=40" label:"consents.purpose"`
	Grant   bool   `form:"grant"`
	Version int    `form:"version"`
}

// changeConsent grants or withdraws one purpose; withdrawal takes effect at once.
func (s *Server) changeConsent(c *gin.Context) {
	var f consentChangeForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.Fail(c, inv)
		return
	}
	_, err := s.Consents.Change(c.Request.Context(), web.CurrentUser(c).ID, f.Purpose, f.Grant, f.Version, c.GetString(web.KeyLang), consent.ChannelWeb)
	switch {
	case errors.Is(err, consent.ErrStaleNotice):
		// The page showed an older wording: show the current one and let them decide.
		s.AddFlash(c, web.FlashInfo, "flash.notice_changed")
		c.Redirect(http.StatusSeeOther, "/account/consents")
		return
	case errors.Is(err, apperr.ErrNotFound):
		s.Fail(c, &web.PageError{Status: http.StatusBadRequest, Key: "consent.unknown_purpose"})
		return
	case errors.Is(err, consent.ErrRequired):
		s.Fail(c, &web.PageError{Status: http.StatusBadRequest, Key: "consent.required_withdraw"})
		return
	case err != nil:
		s.Fail(c, err)
		return
	}
	key := "flash.consent_granted"
	if !f.Grant {
		key = "flash.consent_withdrawn"
	}
	s.AddFlash(c, web.FlashSuccess, key)
	c.Redirect(http.StatusSeeOther, "/account/consents")
}

type consentReviewForm struct {
	Acknowledge bool     `form:"acknowledge"`
	Purposes    []string `form:"purposes" validate:"max=50,dive,max=40" label:"consents.purpose"`
	Version     int      `form:"version"`
}

// reviewConsents records the decisions a new or changed notice asked for.
func (s *Server) reviewConsents(c *gin.Context) {
	var f consentReviewForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	p, err := s.loadConsents(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if f.Version != p.Notice.Version {
		// The notice changed while the page was open: show the new wording.
		s.AddFlash(c, web.FlashInfo, "flash.notice_changed")
		c.Redirect(http.StatusSeeOther, "/account/consents")
		return
	}
	if len(inv.Problems) == 0 && p.Pending {
		var only []string
		for _, r := range p.Rows {
			if r.Pending {
				only = append(only, r.ID)
			}
		}
		d := web.ConsentDecision(c, p.Notice, f.Purposes, f.Acknowledge, only)
		d.Subject = web.CurrentUser(c).ID
		_, err := s.Consents.Record(c.Request.Context(), d)
		if inv, err = web.Merge(inv, err); err != nil {
			s.Fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			s.AddFlash(c, web.FlashSuccess, "flash.consents_saved")
			c.Redirect(http.StatusSeeOther, "/account/consents")
			return
		}
		p.Review = web.NewConsentForm(p.Notice, only, f.Purposes, f.Acknowledge)
	}
	v := s.View(c, "consents.title", p)
	v.Problems = inv.Problems
	s.Render(c, http.StatusBadRequest, "consents", v)
}
