package citizen

import (
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// NewRequestPage shows the form for one kind of request; the kind is chosen first, so
// the form asks only what that kind needs, without script.
func (h *Handlers) NewRequestPage(c *gin.Context) error {
	return h.RequestFormFor(c, false)
}

// FileRequest files a request for the signed-in person.
func (h *Handlers) FileRequest(c *gin.Context) error {
	u := web.CurrentUser(c)
	var f cases.RequestForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if !u.EmailVerified {
		inv.Add("", "request.verify_first")
	}
	lang := c.GetString(web.KeyLang)
	return h.SubmitRequest(c, &f, inv, cases.Requester{Email: u.Email, Lang: lang, Citizen: &casework.Citizen{ID: u.ID, Email: u.Email, Lang: lang}})
}

type myRequestsPage struct {
	Requests []*rights.Request
	Rows     []template.HTML // Requests in words, rendered (see queueRow)
	Today    rights.Date
}

// requestRow is one row of a person's list of requests in words.
type requestRow struct {
	Ref, Kind, Received, State string
	DueStatus, Due             string // "" once the request is decided
}

// MyRequests lists the person's requests with their due dates.
func (h *Handlers) MyRequests(c *gin.Context) error {
	rs, err := h.requests.ListForSubject(c.Request.Context(), web.CurrentUser(c).ID)
	if err != nil {
		return err
	}
	p := myRequestsPage{Requests: rs, Today: rights.DateOf(h.Now())}
	v := h.View(c, "requests.title", nil)
	p.Rows = make([]template.HTML, len(rs))
	for i, r := range rs {
		row := requestRow{Ref: r.Ref, Kind: v.T("right." + string(r.Kind) + ".name"), Received: v.Date(r.Received.Start()),
			State: v.T("state." + string(r.State))}
		if r.State.Deciding() {
			row.DueStatus, row.Due = web.DueInWords(v, r.Due, p.Today)
		}
		if p.Rows[i], err = h.requestRowHTML.HTML(h.Core, v, row); err != nil {
			return err
		}
	}
	v.Page = p
	h.Render(c, http.StatusOK, "requests", v)
	return nil
}

// RequestDetail shows one of the person's requests; anyone else's is not found.
func (h *Handlers) RequestDetail(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		return apperr.ErrNotFound
	}
	return h.RenderRequestPage(c, http.StatusOK, r, nil, nil)
}

// WithdrawRequest lets the requester withdraw an open request.
func (h *Handlers) WithdrawRequest(c *gin.Context) error {
	r, err := h.OwnRequest(c)
	if err != nil {
		return err
	}
	return h.Withdraw(c, r, web.CurrentUser(c).ID, "/requests/"+r.Ref)
}
