package handlers

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
)

type auditFilter struct {
	Actor  string `form:"actor" validate:"max=200" label:"audit.actor"`
	Action string `form:"action" validate:"max=100" label:"audit.action"`
	Target string `form:"target" validate:"max=64" label:"audit.target"`
	From   string `form:"from" validate:"omitempty,datetime=2006-01-02" label:"audit.from"`
	To     string `form:"to" validate:"omitempty,datetime=2006-01-02" label:"audit.to"`
	Before int64  `form:"before" validate:"min=0" label:"audit.before"`
}

// auditPageSize is how many events a page lists; auditBudget how many events one page
// may examine when filters skip most of them (each is one _id look-up).
const (
	auditPageSize = 50
	auditBudget   = 5000
)

type auditRow struct {
	*audit.Event
	ActorName string
}

type auditPage struct {
	Filter auditFilter
	Rows   []auditRow
	Head   int64
	// Older continues the list (0: nothing older matches); Searched is how far back this
	// page looked when it stopped early.
	Older    int64
	Searched int64
	Query    template.URL // typed so the template does not escape its & and = into one parameter
}

// auditList is the administrators' view of the trail: newest first, filtered by actor,
// action, target and dates, a page at a time. It never scans: events are read by their
// sequence number, and a date range is found by bisecting the numbers (times only grow).
func (s *Server) auditList(c *gin.Context) {
	p, status, ok := s.loadAudit(c, auditPageSize, auditBudget)
	if !ok {
		return
	}
	v := s.view(c, "audit.title", p)
	if status != http.StatusOK {
		v.Problems = p.problems
	}
	s.render(c, status, "audit", v)
}

type auditLoaded struct {
	auditPage
	problems []apperr.Problem
}

func (s *Server) loadAudit(c *gin.Context, limit, budget int) (*auditLoaded, int, bool) {
	var f auditFilter
	inv, ok := s.bind(c, &f)
	if !ok {
		return nil, 0, false
	}
	p := &auditLoaded{}
	if len(inv.Problems) > 0 {
		p.Filter, p.problems = f, inv.Problems
		return p, http.StatusBadRequest, true
	}
	if f.From != "" && f.To != "" && f.To < f.From {
		inv.Add("to", "audit.range_order")
		p.Filter, p.problems = f, inv.Problems
		return p, http.StatusBadRequest, true
	}
	ctx := c.Request.Context()
	actor := strings.TrimSpace(f.Actor)
	if strings.Contains(actor, "@") {
		// An e-mail address names an account: match its id.
		if u, err := s.Users.ByEmail(ctx, actor); err == nil {
			actor = u.ID
		} else if errors.Is(err, apperr.ErrNotFound) {
			actor = "\x00none"
		} else {
			s.fail(c, err)
			return nil, 0, false
		}
	}
	head, _, err := s.Audit.Head(ctx)
	if err != nil {
		s.fail(c, err)
		return nil, 0, false
	}
	hi, lo := head, int64(1)
	if f.Before > 0 && f.Before-1 < hi {
		hi = f.Before - 1
	}
	if f.To != "" {
		end, _ := time.ParseInLocation(time.DateOnly, f.To, taipei)
		n, err := s.firstAtOrAfter(ctx, head, end.AddDate(0, 0, 1))
		if err != nil {
			s.fail(c, err)
			return nil, 0, false
		}
		hi = min(hi, n-1)
	}
	if f.From != "" {
		start, _ := time.ParseInLocation(time.DateOnly, f.From, taipei)
		if lo, err = s.firstAtOrAfter(ctx, head, start); err != nil {
			s.fail(c, err)
			return nil, 0, false
		}
	}
	p.Filter, p.Head = f, head
	action, target := strings.TrimSpace(f.Action), strings.TrimSpace(f.Target)
	names := map[string]string{}
	examined := 0
	seq := hi
	for ; seq >= lo && len(p.Rows) < limit && examined < budget; seq-- {
		e, err := s.Audit.Get(ctx, seq)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		} else if err != nil {
			s.fail(c, err)
			return nil, 0, false
		}
		examined++
		if actor != "" && e.Actor != actor || action != "" && !strings.Contains(strings.ToLower(e.Action), strings.ToLower(action)) ||
			target != "" && e.Target != target {
			continue
		}
		p.Rows = append(p.Rows, auditRow{Event: e, ActorName: s.actorName(ctx, names, e.Actor)})
	}
	if seq >= lo {
		p.Older = seq + 1
		if len(p.Rows) < limit {
			p.Searched = seq + 1
		}
	}
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "target": f.Target, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	p.Query = template.URL(q.Encode()) // #nosec G203 -- url.Values.Encode output: every byte escaped for a query
	return p, http.StatusOK, true
}

// firstAtOrAfter is the smallest sequence number whose event is at or after t (head+1
// when none is), by bisection.
func (s *Server) firstAtOrAfter(ctx context.Context, head int64, t time.Time) (int64, error) {
	lo, hi := int64(1), head+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		e, err := s.Audit.Get(ctx, mid)
		if err != nil {
			return 0, err
		}
		if e.At.Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// actorName shows an account by name and e-mail; other actors as they are.
func (s *Server) actorName(ctx context.Context, cache map[string]string, id string) string {
	if n, ok := cache[id]; ok {
		return n
	}
	name := id // tokens, guests, the system, and erased accounts: only the id remains
	if u, err := s.Users.ByID(ctx, id); err == nil {
		name = u.Name + " <" + u.Email + ">"
	}
	cache[id] = name
	return name
}

// auditCSV exports what the filters select, up to 10 000 events.
func (s *Server) auditCSV(c *gin.Context) {
	p, status, ok := s.loadAudit(c, 10_000, 20*auditBudget)
	if !ok {
		return
	}
	if status != http.StatusOK {
		s.renderError(c, status, p.problems[0].Key)
		return
	}
	out := newCSV()
	v := s.textView(c)
	_ = out.w.Write([]string{v.T("audit.seq"), v.T("audit.at"), v.T("audit.actor"), v.T("audit.role"), v.T("audit.action"),
		v.T("audit.target"), v.T("audit.outcome"), v.T("audit.details"), v.T("audit.addr"), v.T("audit.hash")})
	for _, r := range p.Rows {
		_ = out.w.Write([]string{strconv.FormatInt(r.Seq, 10), r.At.In(taipei).Format(time.RFC3339), csvCell(r.ActorName), r.Role,
			csvCell(r.Action), csvCell(r.Target), r.Outcome, csvCell(detailsText(r.Details)), r.Addr, r.Hash})
	}
	s.sendCSV(c, "audit-"+s.Now().In(taipei).Format("2006-01-02")+".csv", out)
}

func detailsText(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + d[k]
	}
	return strings.Join(parts, " ")
}

// Details renders an event's details for the page.
func (r auditRow) DetailsText() string { return detailsText(r.Details) }
