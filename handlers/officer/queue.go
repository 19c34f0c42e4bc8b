package officer

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

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
func (h *Handlers) bindQueueFilter(c *gin.Context) (f queueFilter, inv *apperr.Invalid, err error) {
	if inv, err = h.Decode(c, &f); err != nil {
		return f, nil, err
	}
	var bad *apperr.Invalid
	if errors.As(f.filter().Check(), &bad) {
		for _, p := range bad.Problems {
			web.AddOnce(inv, p.Field, p.Key, p.Args...)
		}
	}
	return f, inv, nil
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

// queueRows reads the open requests and applies the filter. The open requests are one
// small document each in their own collection, so filtering them in memory reads a few
// hundred documents however many requests were ever filed.
func (h *Handlers) queueRows(c *gin.Context, f queueFilter) (all, rows []*rights.Request, clocks map[string]rights.Clock, err error) {
	all, clocks, err = rights.OpenWithClocks(c.Request.Context(), h.requests, h.fulfilDays)
	if err != nil {
		return nil, nil, nil, err
	}
	rows = f.filter().Apply(all, clocks, web.CurrentUser(c).ID, rights.DateOf(h.Now()))
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
func queueChoices(v *web.View, p *queuePage) {
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

// Queue is the officers' list of open requests, soonest due first, with filters, counts
// per state, a search by reference and pages of 50.
func (h *Handlers) Queue(c *gin.Context) error {
	f, inv, err := h.bindQueueFilter(c)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		f = queueFilter{} // a hand-edited address falls back to the whole queue
	}
	ctx := c.Request.Context()
	p := queuePage{Today: rights.DateOf(h.Now()), Filter: f, Counts: map[rights.State]int{}, People: map[string]string{}}
	if q := strings.TrimSpace(f.Q); q != "" {
		// A reference is looked up by _id, open or not; the beginning of one narrows the
		// open requests; an e-mail address, a name or a phone number finds the account
		// through a keyed index and lists the person's own requests. Nothing is searched
		// by reading everyone's (rights.Search says why not the open requests either).
		switch {
		case rights.ValidRef(q):
			if _, err := h.requests.ByRef(ctx, q); err == nil {
				c.Redirect(http.StatusSeeOther, "/officer/requests/"+q)
				return nil
			} else if !errors.Is(err, apperr.ErrNotFound) {
				return err
			}
			p.NotFound = q
		case rights.IsRefPrefix(q):
			p.Prefix = q
		default:
			found, more, err := h.search.ByPerson(ctx, q)
			if err != nil {
				return err
			}
			if len(found) == 0 {
				p.NotFound = q
			}
			p.Found, p.FoundFor, p.FoundMore = found, q, more
		}
	}
	all, rows, clocks, err := h.queueRows(c, f)
	if err != nil {
		return err
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
	if p.FulfilDays, err = h.fulfilDays.FulfilDays(ctx); err != nil {
		return err
	}
	for _, r := range all {
		p.Counts[r.State]++
		if r.Unread > 0 {
			p.Unread++
		}
	}
	p.Total, p.Matched = len(all), len(rows)
	p.Pages = max(1, (len(rows)+cases.QueuePageSize-1)/cases.QueuePageSize)
	p.Page = min(max(f.Page, 1), p.Pages)
	p.Requests = rows[(p.Page-1)*cases.QueuePageSize : min(p.Page*cases.QueuePageSize, len(rows))]
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
	if p.Officers, err = h.officers.list(ctx, h.Users, h.Now()); err != nil {
		return err
	}
	for _, o := range p.Officers {
		p.People[o.ID] = o.Name
	}
	v := h.View(c, "queue.title", nil)
	p.Rows = make([]template.HTML, 0, len(p.Requests))
	for _, r := range p.Requests {
		h, err := h.queueRowHTML.HTML(h.Core, v, queueRowFor(v, &p, r))
		if err != nil {
			return err
		}
		p.Rows = append(p.Rows, h)
	}
	queueChoices(v, &p)
	v.Page = p
	h.Render(c, http.StatusOK, "queue", v)
	return nil
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

// queueRowFor is one request's row in words, the key its rendering is kept under.
func queueRowFor(v *web.View, p *queuePage, r *rights.Request) queueRow {
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
		row.DueStatus, row.Due = web.DueInWords(v, ck.Due, p.Today)
	}
	return row
}

// QueueCSV exports the filtered queue, every page of it.
func (h *Handlers) QueueCSV(c *gin.Context) error {
	f, inv, err := h.bindQueueFilter(c)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	_, rows, clocks, err := h.queueRows(c, f)
	if err != nil {
		return err
	}
	officers, err := h.officers.list(c.Request.Context(), h.Users, h.Now())
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, o := range officers {
		names[o.ID] = o.Name
	}
	v := h.TextView(c)
	today := rights.DateOf(h.Now())
	out := web.NewCSV()
	w := out.W
	_ = w.Write([]string{v.T("request.ref"), v.T("request.kind"), v.T("request.state"), v.T("request.received"), v.T("request.due"),
		v.T("queue.clock"), v.T("queue.clock_due"), v.T("queue.days_left"), v.T("queue.assignee"), v.T("queue.channel"), v.T("queue.unread_col")})
	for _, r := range rows {
		ck := clocks[r.Ref]
		left := ""
		if !ck.Due.IsZero() {
			left = strconv.Itoa(rights.DaysLeft(ck.Due, today))
		}
		_ = w.Write([]string{r.Ref, v.T("right." + string(r.Kind) + ".name"), v.T("state." + string(r.State)), r.Received.String(), r.Due.String(),
			v.T("clock." + ck.Kind), ck.Due.String(), left, web.CSVCell(names[r.Assignee]), v.T("channel." + r.Channel), strconv.Itoa(r.Unread)})
	}
	h.SendCSV(c, "request-queue-"+today.String()+".csv", out)
	return nil
}
