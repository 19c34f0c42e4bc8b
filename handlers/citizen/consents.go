package citizen

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

// ConsentsPage shows each purpose's state with one action, the decisions still owed,
// and the full history with receipts.
func (h *Handlers) ConsentsPage(c *gin.Context) error {
	p, err := h.loadConsents(c)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "consents", h.View(c, "consents.title", p))
	return nil
}

func (h *Handlers) loadConsents(c *gin.Context) (*consentsPage, error) {
	ctx := c.Request.Context()
	u := web.CurrentUser(c)
	n, err := h.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	states, err := h.consents.Store.States(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	history, err := h.consents.Store.History(ctx, u.ID, 200)
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

// ChangeConsent grants or withdraws one purpose; withdrawal takes effect at once.
func (h *Handlers) ChangeConsent(c *gin.Context) error {
	var f consentChangeForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	_, err = h.consents.Change(c.Request.Context(), web.CurrentUser(c).ID, f.Purpose, f.Grant, f.Version, c.GetString(web.KeyLang), consent.ChannelWeb)
	switch {
	case errors.Is(err, consent.ErrStaleNotice):
		// The page showed an older wording: show the current one and let them decide.
		h.AddFlash(c, web.FlashInfo, "flash.notice_changed")
		c.Redirect(http.StatusSeeOther, "/account/consents")
		return nil
	case errors.Is(err, apperr.ErrNotFound):
		return &web.PageError{Status: http.StatusBadRequest, Key: "consent.unknown_purpose"}
	case errors.Is(err, consent.ErrRequired):
		return &web.PageError{Status: http.StatusBadRequest, Key: "consent.required_withdraw"}
	case err != nil:
		return err
	}
	key := "flash.consent_granted"
	if !f.Grant {
		key = "flash.consent_withdrawn"
	}
	h.AddFlash(c, web.FlashSuccess, key)
	c.Redirect(http.StatusSeeOther, "/account/consents")
	return nil
}

type consentReviewForm struct {
	Acknowledge bool     `form:"acknowledge"`
	Purposes    []string `form:"purposes" validate:"max=50,dive,max=40" label:"consents.purpose"`
	Version     int      `form:"version"`
}

// ReviewConsents records the decisions a new or changed notice asked for.
func (h *Handlers) ReviewConsents(c *gin.Context) error {
	var f consentReviewForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	p, err := h.loadConsents(c)
	if err != nil {
		return err
	}
	if f.Version != p.Notice.Version {
		// The notice changed while the page was open: show the new wording.
		h.AddFlash(c, web.FlashInfo, "flash.notice_changed")
		c.Redirect(http.StatusSeeOther, "/account/consents")
		return nil
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
		_, err := h.consents.Record(c.Request.Context(), d)
		if inv, err = web.Merge(inv, err); err != nil {
			return err
		}
		if len(inv.Problems) == 0 {
			h.AddFlash(c, web.FlashSuccess, "flash.consents_saved")
			c.Redirect(http.StatusSeeOther, "/account/consents")
			return nil
		}
		p.Review = web.NewConsentForm(p.Notice, only, f.Purposes, f.Acknowledge)
	}
	v := h.View(c, "consents.title", p)
	v.Problems = inv.Problems
	h.Render(c, http.StatusBadRequest, "consents", v)
	return nil
}
