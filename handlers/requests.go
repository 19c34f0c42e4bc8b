package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/rights"
)

type requestForm struct {
	Kind        string   `form:"kind" validate:"required,oneof=view copy correct stop delete" label:"request.kind"`
	Scope       string   `form:"scope" validate:"max=2000" label:"request.scope"`
	Purposes    []string `form:"purposes" validate:"max=50,dive,max=40" label:"request.purposes"`
	Field       string   `form:"field" validate:"omitempty,oneof=name phone address email other" label:"request.field"`
	Proposed    string   `form:"proposed" validate:"max=500" label:"request.proposed"`
	Explanation string   `form:"explanation" validate:"max=2000" label:"request.explanation"`
}

type requestFormPage struct {
	Prefix   string
	Kind     rights.Kind
	Kinds    []rights.Kind
	Values   map[string]string
	Checked  map[string]bool
	Purposes []consent.Purpose
	Fields   []string
	Days     int
}

// newRequestPage shows the form for one kind of request; the kind is chosen first, so
// the form asks only what that kind needs, without script.
func (s *Server) newRequestPage(c *gin.Context) {
	kind := rights.Kind(c.Query("kind"))
	if !validKind(kind) {
		s.render(c, http.StatusOK, "request_new", s.view(c, "request.new_title", requestFormPage{Prefix: "request", Kinds: rights.Kinds}))
		return
	}
	s.renderRequestForm(c, http.StatusOK, kind, map[string]string{}, nil, nil)
}

func validKind(k rights.Kind) bool {
	for _, x := range rights.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (s *Server) renderRequestForm(c *gin.Context, status int, kind rights.Kind, vals map[string]string, checked []string, inv *apperr.Invalid) {
	n, err := s.Notices.Current(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	p := requestFormPage{Prefix: "request", Kind: kind, Kinds: rights.Kinds, Values: vals, Checked: map[string]bool{},
		Purposes: n.Purposes, Fields: rights.CorrectableFields, Days: kind.DecisionDays()}
	for _, id := range checked {
		p.Checked[id] = true
	}
	v := s.view(c, "request.new_title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "request_new", v)
}

// fileRequest files a request for the signed-in person. Once the confirmation shows,
// the request is stored durably (the embedded engine syncs every write).
func (s *Server) fileRequest(c *gin.Context) {
	u := currentUser(c)
	var f requestForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	kind := rights.Kind(f.Kind)
	vals := map[string]string{"scope": f.Scope, "field": f.Field, "proposed": f.Proposed, "explanation": f.Explanation}
	if !validKind(kind) {
		s.fail(c, &pageError{status: http.StatusBadRequest, key: "request.kind_invalid"})
		return
	}
	if !u.EmailVerified {
		inv.Add("", "request.verify_first")
	}
	ctx := c.Request.Context()
	n, err := s.Notices.Current(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	r := &rights.Request{Kind: kind, Subject: u.ID, Channel: rights.ChannelWeb, Scope: f.Scope, Purposes: f.Purposes,
		Field: f.Field, Proposed: f.Proposed, Explanation: f.Explanation}
	if inv, err = merge(inv, rights.Validate(r, func(id string) bool { return n.Purpose(id) != nil }).OrNil()); err != nil {
		s.fail(c, err)
		return
	}
	if len(inv.Problems) > 0 {
		inFormOrder(inv, &f)
		s.renderRequestForm(c, http.StatusBadRequest, kind, vals, f.Purposes, inv)
		return
	}
	now := s.Now()
	today := rights.DateOf(now)
	cal, err := s.Calendar.Days(ctx, today, today.AddDays(120))
	if err != nil {
		s.fail(c, err)
		return
	}
	rights.File(r, now, cal)
	if err := s.Requests.Create(ctx, r); err != nil {
		s.fail(c, err)
		return
	}
	// The request is stored: the confirmation shows its reference and due date even if
	// queuing the mail fails, which is logged for the operator rather than shown as an error.
	if err := s.Accounts.Mailer.Send(ctx, account.Mail{UserID: u.ID, To: u.Email, Lang: c.GetString(keyLang), Kind: "request_received",
		Link: "/requests/" + r.Ref, Args: []any{r.Ref, r.Due.String()}}); err != nil {
		s.Log.Error("request filed but its confirmation mail was not queued", "request_id", c.GetString(keyRequestID), "ref", r.Ref, "err", err)
	}
	s.addFlash(c, flashSuccess, "flash.request_filed")
	c.Redirect(http.StatusSeeOther, "/requests/"+r.Ref)
}

type myRequestsPage struct {
	Requests []*rights.Request
	Today    rights.Date
}

// myRequests lists the person's requests with their due dates.
func (s *Server) myRequests(c *gin.Context) {
	rs, err := s.Requests.ForSubject(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "requests", s.view(c, "requests.title", myRequestsPage{Requests: rs, Today: rights.DateOf(s.Now())}))
}

type requestPage struct {
	Request *rights.Request
	Today   rights.Date
	Names   map[string]consent.Text
	Steps   []rights.Step
}

// requestDetail shows one of the person's requests; anyone else's is not found.
func (s *Server) requestDetail(c *gin.Context) {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	r, err := s.Requests.ByRef(ctx, ref)
	if err == nil && r.Subject != currentUser(c).ID {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	names := map[string]consent.Text{}
	if n, err := s.Notices.Current(ctx); err == nil {
		for _, p := range n.Purposes {
			names[p.ID] = p.Name
		}
	} else if !errors.Is(err, apperr.ErrNotFound) {
		s.fail(c, err)
		return
	}
	steps, err := s.Timeline.Steps(ctx, r.Ref, false)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "request", s.view(c, "request.title", requestPage{Request: r, Today: rights.DateOf(s.Now()), Names: names, Steps: steps}))
}

type withdrawForm struct {
	Version int64 `form:"version"`
}

// withdrawRequest lets the requester withdraw an open request. If an officer acted on it
// since the page was shown, nothing happens and the page says so.
func (s *Server) withdrawRequest(c *gin.Context) {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	var f withdrawForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	r, err := s.Requests.ByRef(ctx, ref)
	if err == nil && r.Subject != u.ID {
		err = apperr.ErrNotFound
	}
	if err == nil {
		err = s.Timeline.Move(ctx, ref, f.Version, rights.Withdrawn, rights.Step{Ref: ref, At: s.Now(), Action: "withdrawn", ActorID: u.ID, Role: "requester"})
	}
	if errors.Is(err, rights.ErrChanged) {
		err = &pageError{status: http.StatusConflict, key: "request.changed"}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.request_withdrawn")
	c.Redirect(http.StatusSeeOther, "/requests/"+ref)
}

type queuePage struct {
	Requests []*rights.Request
	Today    rights.Date
}

// queue is the officers' list of open requests, soonest due first.
func (s *Server) queue(c *gin.Context) {
	rs, err := s.Requests.Open(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "queue", s.view(c, "queue.title", queuePage{Requests: rs, Today: rights.DateOf(s.Now())}))
}

// DaysLeft and DueStatus let templates describe a deadline in words as well as colour.
func (v *View) DaysLeft(due, today rights.Date) int { return rights.DaysLeft(due, today) }
func (v *View) DueStatus(due, today rights.Date) string {
	return string(rights.Status(due, today))
}
