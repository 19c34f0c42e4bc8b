package handlers

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

// newRequestPage shows the form for one kind of request; the kind is chosen first, so
// the form asks only what that kind needs, without script.
func (s *Server) newRequestPage(c *gin.Context) { s.RequestFormFor(c, false) }

// fileRequest files a request for the signed-in person.
func (s *Server) fileRequest(c *gin.Context) {
	u := web.CurrentUser(c)
	var f cases.RequestForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if !u.EmailVerified {
		inv.Add("", "request.verify_first")
	}
	lang := c.GetString(web.KeyLang)
	s.SubmitRequest(c, &f, inv, cases.Requester{Email: u.Email, Lang: lang, Citizen: &casework.Citizen{ID: u.ID, Email: u.Email, Lang: lang}})
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

// myRequests lists the person's requests with their due dates.
func (s *Server) myRequests(c *gin.Context) {
	rs, err := s.Requests.ListForSubject(c.Request.Context(), web.CurrentUser(c).ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := myRequestsPage{Requests: rs, Today: rights.DateOf(s.Now())}
	v := s.View(c, "requests.title", nil)
	p.Rows = make([]template.HTML, len(rs))
	for i, r := range rs {
		row := requestRow{Ref: r.Ref, Kind: v.T("right." + string(r.Kind) + ".name"), Received: v.Date(r.Received.Start()),
			State: v.T("state." + string(r.State))}
		if r.State.Deciding() {
			row.DueStatus, row.Due = web.DueInWords(v, r.Due, p.Today)
		}
		if p.Rows[i], err = s.RowHTML(v, "requests", "fragment/request_row", row); err != nil {
			s.Fail(c, err)
			return
		}
	}
	v.Page = p
	s.Render(c, http.StatusOK, "requests", v)
}

// requestDetail shows one of the person's requests; anyone else's is not found.
func (s *Server) requestDetail(c *gin.Context) {
	r, ok := s.RequestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	s.RenderRequestPage(c, http.StatusOK, r, nil, nil)
}

// withdrawRequest lets the requester withdraw an open request.
func (s *Server) withdrawRequest(c *gin.Context) {
	r, ok := s.myRequestByRef(c)
	if ok {
		s.Withdraw(c, r, web.CurrentUser(c).ID, "/requests/"+r.Ref)
	}
}

// myRequestByRef reads one of the signed-in person's requests (anyone else's is not
// found); false when it has answered.
func (s *Server) myRequestByRef(c *gin.Context) (*rights.Request, bool) {
	r, err := s.OwnRequest(c)
	if err != nil {
		s.Fail(c, err)
		return nil, false
	}
	return r, true
}
