package handlers

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/rights"
)

type requestForm struct {
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

type requestFormPage struct {
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

// newRequestPage shows the form for one kind of request; the kind is chosen first, so
// the form asks only what that kind needs, without script.
func (s *Server) newRequestPage(c *gin.Context) { s.requestFormFor(c, false) }

func (s *Server) requestFormFor(c *gin.Context, guest bool) {
	kind := rights.Kind(c.Query("kind"))
	if !validKind(kind) {
		p := requestFormPage{Prefix: "request", Kinds: rights.Kinds, Base: "/requests", Guest: guest}
		if guest {
			p.Base = "/guest/requests"
		}
		s.render(c, http.StatusOK, "request_new", s.view(c, "request.new_title", p))
		return
	}
	s.renderRequestForm(c, http.StatusOK, kind, map[string]string{}, nil, nil, guest)
}

func validKind(k rights.Kind) bool {
	for _, x := range rights.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (s *Server) renderRequestForm(c *gin.Context, status int, kind rights.Kind, vals map[string]string, checked []string, inv *apperr.Invalid, guest bool, scopeFiles ...string) {
	n, err := s.Notices.Current(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	fs, err := s.Inventory.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	p := requestFormPage{Prefix: "request", Kind: kind, Kinds: rights.Kinds, Values: vals, Checked: map[string]bool{},
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
	v := s.view(c, "request.new_title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "request_new", v)
}

// requester is who files: an account, or a guest created once the form is valid.
type requester struct {
	email, lang string
	guest       bool
	// Who files: an account holder, or (guest) someone without an account.
	citizen    *casework.Citizen
	guestFiler *casework.GuestFiler
}

// fileRequest files a request for the signed-in person.
func (s *Server) fileRequest(c *gin.Context) {
	u := currentUser(c)
	var f requestForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if !u.EmailVerified {
		inv.Add("", "request.verify_first")
	}
	lang := c.GetString(keyLang)
	s.submitRequest(c, &f, inv, requester{email: u.Email, lang: lang, citizen: &casework.Citizen{ID: u.ID, Email: u.Email, Lang: lang}})
}

// submitRequest checks and stores a request. Once the confirmation shows, the request
// is stored durably (the embedded engine syncs every write).
func (s *Server) submitRequest(c *gin.Context, f *requestForm, inv *apperr.Invalid, who requester) {
	kind := rights.Kind(f.Kind)
	vals := map[string]string{"scope": f.Scope, "field": f.Field, "proposed": f.Proposed, "explanation": f.Explanation,
		"principal": f.Principal, "principal_contact": f.PrincipalContact}
	if f.OnBehalf {
		vals["on_behalf"] = "on"
	}
	if f.Whole {
		vals["whole"] = "on"
	}
	if who.guest {
		vals["email"] = who.email
	}
	if !validKind(kind) {
		s.fail(c, &pageError{status: http.StatusBadRequest, key: "request.kind_invalid"})
		return
	}
	ctx := c.Request.Context()
	n, err := s.Notices.Current(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	r := &rights.Request{Kind: kind, Channel: rights.ChannelWeb, Scope: f.Scope, Purposes: f.Purposes, Whole: f.Whole,
		Field: f.Field, Proposed: f.Proposed, Explanation: f.Explanation, ScopeFiles: f.ScopeFiles}
	for _, id := range f.ScopeFiles {
		if _, err := s.Inventory.Get(ctx, id); errors.Is(err, apperr.ErrNotFound) {
			addOnce(inv, "scope_files", "request.scope_file_unknown")
		} else if err != nil {
			s.fail(c, err)
			return
		}
	}
	if f.OnBehalf {
		r.Principal, r.PrincipalContact = f.Principal, f.PrincipalContact
		if r.Principal == "" {
			inv.Add("principal", "field.required")
		}
	}
	if inv, err = merge(inv, rights.Validate(r, func(id string) bool { return n.Purpose(id) != nil }).OrNil()); err != nil {
		s.fail(c, err)
		return
	}
	// Attachments are checked (total size, type by content) before anything is stored.
	fhs, auth, ok := s.filingUploads(c, inv, f.OnBehalf)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		inFormOrder(inv, f)
		s.renderRequestForm(c, http.StatusBadRequest, kind, vals, f.Purposes, inv, who.guest, f.ScopeFiles...)
		return
	}
	// What cannot be stored brings the form back as it was sent, with the reason.
	refuse := func(err error) {
		status, key := statusOf(err)
		if status >= 500 {
			s.Log.Error("filing refused: nothing stored", "request_id", c.GetString(keyRequestID), "status", status, "err", err)
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
		s.renderRequestForm(c, status, kind, vals, f.Purposes, why, who.guest, f.ScopeFiles...)
	}
	// The files and the confirmation mail are stored before the request, which is filed
	// only with all of them (casework: File); otherwise the form comes back as it was
	// sent, with the reason, and nothing is filed.
	filing := casework.Filing{Request: r, Citizen: who.citizen, Guest: who.guestFiler, Attached: []casework.Attached{
		{Files: checked(auth), Role: attachments.RoleAgent, Purpose: attachments.PurposeAuthorisation},
		{Files: checked(fhs), Role: attachments.RoleRequester, Purpose: attachments.PurposeRequest}}}
	if who.guest {
		// The binding is set on the browser only once the filing stands: a refused one
		// (over the quota, say) leaves the browser as it came.
		if filing.Guest.Bind = s.guestBinding(c, false); filing.Guest.Bind == "" {
			filing.Guest.Bind = ids.Token(16)
		}
	}
	if _, err := s.Casework.File(ctx, filing); err != nil {
		refuse(err)
		return
	}
	if who.guest {
		s.setGuestBinding(c, filing.Guest.Bind)
	}
	// The next page opens on the confirmation panel: reference, due date, what happens next.
	s.addFlashArgs(c, flashFiled, "", r.Ref, r.Due.String(), string(r.Kind), who.guest)
	if who.guest {
		c.Redirect(http.StatusSeeOther, "/guest/requests/"+r.Ref+"/confirm")
		return
	}
	c.Redirect(http.StatusSeeOther, "/requests/"+r.Ref)
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
	rs, err := s.Requests.ListForSubject(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := myRequestsPage{Requests: rs, Today: rights.DateOf(s.Now())}
	v := s.view(c, "requests.title", nil)
	p.Rows = make([]template.HTML, len(rs))
	for i, r := range rs {
		row := requestRow{Ref: r.Ref, Kind: v.T("right." + string(r.Kind) + ".name"), Received: v.Date(r.Received.Start()),
			State: v.T("state." + string(r.State))}
		if r.State.Deciding() {
			row.DueStatus, row.Due = dueInWords(v, r.Due, p.Today)
		}
		if p.Rows[i], err = s.rowHTML(v, "requests", "fragment/request_row", row); err != nil {
			s.fail(c, err)
			return
		}
	}
	v.Page = p
	s.render(c, http.StatusOK, "requests", v)
}

type requestPage struct {
	Request *rights.Request
	Today   rights.Date
	Names   map[string]consent.Text
	Steps   []rights.Step
	Files   *attachmentList
	Values  map[string]string
	// Base is "/requests" for an account holder, "/guest/requests" for a guest.
	Base    string
	Package *export.Package
	// Pay is how a fee is paid, read only when the request has one.
	Pay rights.PaymentInfo
	// Stopped are the purposes of a stop request that are stopped now (an account's).
	Stopped []stoppedRow
}

// requestDetail shows one of the person's requests; anyone else's is not found.
func (s *Server) requestDetail(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(currentUser(c).ID) {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	s.renderRequestPage(c, http.StatusOK, r, nil, nil)
}

func (s *Server) renderRequestPage(c *gin.Context, status int, r *rights.Request, vals map[string]string, inv *apperr.Invalid) {
	ctx := c.Request.Context()
	names, err := s.purposeNames(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	steps, err := s.Timeline.Steps(ctx, r.Ref, false)
	if err != nil {
		s.fail(c, err)
		return
	}
	att, err := s.loadAttachments(c, r.Ref)
	if err != nil {
		s.fail(c, err)
		return
	}
	if vals == nil {
		vals = map[string]string{}
	}
	base := "/requests"
	if rights.IsGuest(r.Subject) {
		base = "/guest/requests"
	}
	pkg, err := s.packageOf(ctx, r)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := requestPage{Request: r, Today: rights.DateOf(s.Now()), Names: names, Steps: steps, Files: att, Values: vals, Base: base, Package: pkg}
	if r.Fee != nil {
		if p.Pay, err = s.Fees.PaymentInfo(ctx); err != nil {
			s.fail(c, err)
			return
		}
	}
	if u := currentUser(c); u != nil && u.ID == r.Subject && r.Kind == rights.Stop {
		all, err := s.stoppedRows(c, u)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, row := range all {
			if contains(r.Purposes, row.ID) {
				p.Stopped = append(p.Stopped, row)
			}
		}
	}
	v := s.view(c, "request.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "request", v)
}

type withdrawForm struct {
	Version int64 `form:"version"`
}

// withdrawRequest lets the requester withdraw an open request.
func (s *Server) withdrawRequest(c *gin.Context) {
	r, ok := s.myRequestByRef(c)
	if ok {
		s.withdraw(c, r, currentUser(c).ID, "/requests/"+r.Ref)
	}
}

// withdraw withdraws a request for its requester. If an officer acted on it since the
// page was shown, nothing happens and the page says so.
func (s *Server) withdraw(c *gin.Context, r *rights.Request, actor, back string) {
	var f withdrawForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	if !r.State.Open() {
		s.fail(c, &pageError{status: http.StatusConflict, key: "request.changed"})
		return
	}
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.withdraw_title", TextKey: "confirm.withdraw_text", TextArgs: []any{r.Ref},
		Action: back + "/withdraw", Back: back}) {
		return
	}
	updated, err := s.Timeline.Update(c.Request.Context(), r.Ref, f.Version, s.Now(), rights.Withdraw(actor))
	if err == nil {
		s.Casework.SetDisputed(c.Request.Context(), updated, false)
	}
	if errors.Is(err, rights.ErrChanged) {
		err = &pageError{status: http.StatusConflict, key: "request.changed"}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.request_withdrawn")
	c.Redirect(http.StatusSeeOther, back)
}

// queueFilter is the queue's filter as its address carries it; which values each field
// takes is rights.QueueFilter's to say (filter).
type queueFilter struct {
	Kind     string `form:"kind" validate:"max=16" label:"request.kind"`
	State    string `form:"state" validate:"max=16" label:"request.state"`
	Assignee string `form:"assignee" validate:"max=64" label:"queue.assignee"`
	Due      string `form:"due" validate:"max=16" label:"queue.due"`
	Clock    string `form:"clock" validate:"max=16" label:"queue.clock"`
	Unread   string `form:"unread" validate:"omitempty,oneof=1" label:"queue.unread_filter"`
	Q        string `form:"q" validate:"max=254" label:"queue.search"`
	Page     int    `form:"page" validate:"min=0,max=100000" label:"queue.page"`
}

func (f queueFilter) filter() rights.QueueFilter {
	return rights.QueueFilter{Kind: f.Kind, State: f.State, Assignee: f.Assignee, Due: f.Due, Clock: f.Clock, Unread: f.Unread != ""}
}

// bindQueueFilter decodes the queue's filter: inv holds what the queue does not offer.
func (s *Server) bindQueueFilter(c *gin.Context) (f queueFilter, inv *apperr.Invalid, ok bool) {
	if inv, ok = s.bind(c, &f); !ok {
		return f, nil, false
	}
	var bad *apperr.Invalid
	if errors.As(f.filter().Check(), &bad) {
		for _, p := range bad.Problems {
			addOnce(inv, p.Field, p.Key, p.Args...)
		}
	}
	return f, inv, true
}

type queuePage struct {
	Requests []*rights.Request
	Rows     []template.HTML // Requests in words, rendered
	// Clocks are what each request runs against now (by reference): the decision due
	// date, or once decided the fulfilment target.
	Clocks     map[string]rights.Clock
	FulfilDays int
	Today      rights.Date
	Filter     queueFilter
	Counts     map[rights.State]int
	Unread     int // open requests with replies no officer has opened
	Total      int // open requests before filtering
	Matched    int
	Page       int
	Pages      int
	Prev       template.URL // query strings of the neighbouring pages ("" at an end)
	Next       template.URL
	CSV        template.URL
	People     map[string]string
	Officers   []*account.User
	NotFound   string // a searched reference, address, name or number that matches nothing
	// Found are the people a search by e-mail, name or phone found, each with their
	// requests (open or not); FoundFor is what was searched, FoundMore that more people
	// match than are listed.
	Found     []rights.Found
	FoundFor  string
	FoundMore bool
	// Prefix narrows the open requests to references beginning with it.
	Prefix string

	// The filter's lists in words (queueChoices).
	StateCounts                                                         []queueCount
	KindOptions, StateOptions, OfficerOptions, ClockOptions, DueOptions []queueOption
	MineSelected, NoneSelected                                          bool
}

const queuePageSize = 50

// queueRows reads the open requests and applies the filter. The open requests are one
// small document each in their own collection, so filtering them in memory reads a few
// hundred documents however many requests were ever filed.
func (s *Server) queueRows(c *gin.Context, f queueFilter) (all, rows []*rights.Request, clocks map[string]rights.Clock, err error) {
	all, clocks, err = rights.OpenWithClocks(c.Request.Context(), s.Requests, s.Fulfil)
	if err != nil {
		return nil, nil, nil, err
	}
	rows = f.filter().Apply(all, clocks, currentUser(c).ID, rights.DateOf(s.Now()))
	return all, rows, clocks, nil
}

// queueOption is one choice of a filter's list, in words, and whether it is chosen.
type queueOption struct {
	Value, Text string
	Selected    bool
}

// queueCount is how many open requests are in one state, with the state in words.
type queueCount struct {
	State, Text string
	Count       int
}

// queueChoices works out the filter's lists, their words and which choice is selected,
// here rather than in the template: there each option cost a comparison, a formatting and
// a translation through reflection, about a hundred calls a page.
func queueChoices(v *View, p *queuePage) {
	f := p.Filter
	for _, k := range rights.Kinds {
		p.KindOptions = append(p.KindOptions, queueOption{string(k), v.T("right." + string(k) + ".name"), string(k) == f.Kind})
	}
	for _, st := range rights.QueueStates {
		text := v.T("state." + string(st))
		p.StateOptions = append(p.StateOptions, queueOption{string(st), text, string(st) == f.State})
		p.StateCounts = append(p.StateCounts, queueCount{string(st), text, p.Counts[st]})
	}
	p.MineSelected, p.NoneSelected = f.Assignee == "me", f.Assignee == "none"
	for _, o := range p.Officers {
		p.OfficerOptions = append(p.OfficerOptions, queueOption{o.ID, o.Name, o.ID == f.Assignee})
	}
	for _, ck := range rights.QueueClocks {
		p.ClockOptions = append(p.ClockOptions, queueOption{ck, v.T("clock." + ck), ck == f.Clock})
	}
	for _, d := range rights.QueueDues {
		o := queueOption{Value: d, Selected: d == f.Due}
		switch d {
		case rights.DueOverdue:
			o.Text = v.T("queue.due_overdue")
		case rights.DueToday:
			o.Text = v.T("queue.due_today")
		default:
			o.Text = v.T("queue.due_within", d)
		}
		p.DueOptions = append(p.DueOptions, o)
	}
}

// queue is the officers' list of open requests, soonest due first, with filters, counts
// per state, a search by reference and pages of 50.
func (s *Server) queue(c *gin.Context) {
	f, inv, ok := s.bindQueueFilter(c)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		f = queueFilter{} // a hand-edited address falls back to the whole queue
	}
	ctx := c.Request.Context()
	p := queuePage{Today: rights.DateOf(s.Now()), Filter: f, Counts: map[rights.State]int{}, People: map[string]string{}}
	if q := strings.TrimSpace(f.Q); q != "" {
		// A reference is looked up by _id, open or not; the beginning of one narrows the
		// open requests; an e-mail address, a name or a phone number finds the account
		// through a keyed index and lists the person's own requests. Nothing is searched
		// by reading everyone's (rights.Search says why not the open requests either).
		switch {
		case rights.ValidRef(q):
			if _, err := s.Requests.ByRef(ctx, q); err == nil {
				c.Redirect(http.StatusSeeOther, "/officer/requests/"+q)
				return
			} else if !errors.Is(err, apperr.ErrNotFound) {
				s.fail(c, err)
				return
			}
			p.NotFound = q
		case rights.IsRefPrefix(q):
			p.Prefix = q
		default:
			found, more, err := s.Search.ByPerson(ctx, q)
			if err != nil {
				s.fail(c, err)
				return
			}
			if len(found) == 0 {
				p.NotFound = q
			}
			p.Found, p.FoundFor, p.FoundMore = found, q, more
		}
	}
	all, rows, clocks, err := s.queueRows(c, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Clocks = clocks
	if p.Prefix != "" {
		kept := rows[:0:0]
		for _, r := range rows {
			if strings.HasPrefix(r.Ref, p.Prefix) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if p.FulfilDays, err = s.Fulfil.FulfilDays(ctx); err != nil {
		s.fail(c, err)
		return
	}
	for _, r := range all {
		p.Counts[r.State]++
		if r.Unread > 0 {
			p.Unread++
		}
	}
	p.Total, p.Matched = len(all), len(rows)
	p.Pages = max(1, (len(rows)+queuePageSize-1)/queuePageSize)
	p.Page = min(max(f.Page, 1), p.Pages)
	p.Requests = rows[(p.Page-1)*queuePageSize : min(p.Page*queuePageSize, len(rows))]
	q := f.filter().Query()
	p.CSV = template.URL(q.Encode()) // #nosec G203 -- url.Values.Encode percent-escapes every key and value
	if p.Page > 1 {
		q.Set("page", strconv.Itoa(p.Page-1))
		p.Prev = template.URL(q.Encode()) // #nosec G203 -- url.Values.Encode percent-escapes every key and value
	}
	if p.Page < p.Pages {
		q.Set("page", strconv.Itoa(p.Page+1))
		p.Next = template.URL(q.Encode()) // #nosec G203 -- url.Values.Encode percent-escapes every key and value
	}
	if p.Officers, err = s.officers.list(ctx, s.Users, s.Now()); err != nil {
		s.fail(c, err)
		return
	}
	for _, o := range p.Officers {
		p.People[o.ID] = o.Name
	}
	v := s.view(c, "queue.title", nil)
	for _, row := range queueRowsFor(v, &p) {
		h, err := s.rowHTML(v, "queue", "fragment/queue_row", row)
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Rows = append(p.Rows, h)
	}
	queueChoices(v, &p)
	v.Page = p
	s.render(c, http.StatusOK, "queue", v)
}

// queueRow is one row of the queue in words. They are worked out here rather than in
// the template: a row took a dozen calls through reflection there (words, dates, the
// clock and its due date), which cost more than the rest of the page together.
type queueRow struct {
	Ref, Kind, Received, State, Assignee string
	Unread                               string // "" when every reply has been opened
	ClockKind, ClockName                 string
	DueStatus, Due                       string // "" when the clock has no date
}

func queueRowsFor(v *View, p *queuePage) []queueRow {
	rows := make([]queueRow, len(p.Requests))
	for i, r := range p.Requests {
		ck := p.Clocks[r.Ref]
		row := queueRow{Ref: r.Ref, Kind: v.T("right." + string(r.Kind) + ".name"), Received: v.Date(r.Received.Start()),
			State: v.T("state." + string(r.State)), ClockKind: ck.Kind, ClockName: v.T("clock." + ck.Kind)}
		if r.Unread > 0 {
			row.Unread = v.T("queue.unread", r.Unread)
		}
		switch name := p.People[r.Assignee]; {
		case r.Assignee == "":
			row.Assignee = v.T("officer.unassigned")
		case name != "":
			row.Assignee = name
		default:
			row.Assignee = v.T("officer.someone")
		}
		if !ck.Due.IsZero() {
			row.DueStatus, row.Due = dueInWords(v, ck.Due, p.Today)
		}
		rows[i] = row
	}
	return rows
}

// dueInWords is what the "due" partial shows: the status (the class), and the date with
// how many days are left or past.
func dueInWords(v *View, due, today rights.Date) (status, text string) {
	var words string
	status = v.DueStatus(due, today)
	switch left := v.DaysLeft(due, today); status {
	case "overdue":
		words = v.T("due.overdue", -left)
	case "due_today":
		words = v.T("due.today")
	default:
		words = v.T("due.left", left)
	}
	return status, v.Date(due.Start()) + " · " + words
}

// queueCSV exports the filtered queue, every page of it.
func (s *Server) queueCSV(c *gin.Context) {
	f, inv, ok := s.bindQueueFilter(c)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.fail(c, inv)
		return
	}
	_, rows, clocks, err := s.queueRows(c, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	officers, err := s.officers.list(c.Request.Context(), s.Users, s.Now())
	if err != nil {
		s.fail(c, err)
		return
	}
	names := map[string]string{}
	for _, o := range officers {
		names[o.ID] = o.Name
	}
	v := s.textView(c)
	today := rights.DateOf(s.Now())
	out := newCSV()
	w := out.w
	_ = w.Write([]string{v.T("request.ref"), v.T("request.kind"), v.T("request.state"), v.T("request.received"), v.T("request.due"),
		v.T("queue.clock"), v.T("queue.clock_due"), v.T("queue.days_left"), v.T("queue.assignee"), v.T("queue.channel"), v.T("queue.unread_col")})
	for _, r := range rows {
		ck := clocks[r.Ref]
		left := ""
		if !ck.Due.IsZero() {
			left = strconv.Itoa(rights.DaysLeft(ck.Due, today))
		}
		_ = w.Write([]string{r.Ref, v.T("right." + string(r.Kind) + ".name"), v.T("state." + string(r.State)), r.Received.String(), r.Due.String(),
			v.T("clock." + ck.Kind), ck.Due.String(), left, csvCell(names[r.Assignee]), v.T("channel." + r.Channel), strconv.Itoa(r.Unread)})
	}
	s.sendCSV(c, "request-queue-"+today.String()+".csv", out)
}

// DaysLeft and DueStatus let templates describe a deadline in words as well as colour.
func (v *View) DaysLeft(due, today rights.Date) int { return rights.DaysLeft(due, today) }
func (v *View) DueStatus(due, today rights.Date) string {
	return string(rights.Status(due, today))
}
