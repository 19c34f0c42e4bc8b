package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
)

// Nothing irreversible happens in one click: an action that cannot be undone first
// answers with a page that states its consequences and repeats the form with
// confirm=yes; only that second submission acts. Without the field nothing changes.

// ConfirmPage is what the confirmation shows: the consequences and the form to resend.
type ConfirmPage struct {
	TitleKey, TextKey string
	TextArgs          []any
	Lines             []string   // worded details listed under the text (a decision's items)
	Action            string     // where the confirmed form is sent
	Fields            url.Values // the first form's fields, sent again with confirm=yes
	Back              string     // where "cancel" leads, nothing done
	// Ask, when set, is a field typed on the confirmation page itself, for a first form
	// that is only a button (a calendar date's removal asks its reason here).
	Ask *ConfirmField
}

// ConfirmField is a text field of the confirmation page: its label is the catalogue's
// Prefix.Name, as the error summary expects; it is always required.
type ConfirmField struct {
	Prefix, Name, Hint string
	Value              string // as sent
}

// Confirmed reports whether the request carries confirm=yes; when it does not, it
// renders the confirmation page for p (with the request's own fields) and returns false.
// Call it after the request was checked (owner, state) and before anything changes.
func (s *Core) Confirmed(c *gin.Context, p ConfirmPage) bool {
	if c.PostForm("confirm") == "yes" {
		return true
	}
	s.renderConfirm(c, http.StatusOK, p, nil)
	return false
}

// AskConfirm renders the confirmation page for p whatever the request carries: for a
// handler whose service said to confirm first, so the answer is never an empty page even
// when confirm=yes came with a request that has changed since.
func (s *Core) AskConfirm(c *gin.Context, p ConfirmPage) {
	s.renderConfirm(c, http.StatusOK, p, nil)
}

// ConfirmAgain shows the confirmation once more, with the problems of the field it
// asks (a reason left empty), and changes nothing.
func (s *Core) ConfirmAgain(c *gin.Context, p ConfirmPage, inv *apperr.Invalid) {
	s.renderConfirm(c, http.StatusBadRequest, p, inv)
}

func (s *Core) renderConfirm(c *gin.Context, status int, p ConfirmPage, inv *apperr.Invalid) {
	p.Fields = url.Values{}
	for k, vs := range c.Request.PostForm {
		if k != "confirm" && (p.Ask == nil || k != p.Ask.Name) {
			p.Fields[k] = vs
		}
	}
	if p.Ask != nil {
		ask := *p.Ask
		ask.Value = c.PostForm(ask.Name)
		p.Ask = &ask
	}
	s.RenderForm(c, status, "confirm", p.TitleKey, p, inv)
}
