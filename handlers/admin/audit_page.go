package admin

import (
	"cmp"
	"context"
	"encoding/csv"
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
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/twtime"
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
// may read when filters skip most of them (each is one _id look-up).
const (
	auditPageSize = 50
	auditBudget   = 5000
)

// The CSV holds at most AuditCSVRows events and reads at most auditCSVBudget. It is
// streamed, so memory stays flat whatever the cap; the cap is for time: each row is one
// _id look-up (about 0.5 ms, more with the actor's name), and the server ends any
// response after its write timeout (120 s, cmd/portal), so 10 000 rows (some seconds)
// always finish. A longer period is exported a date range at a time.
// The file says so in its last line when it stops at either, so an auditor never takes a
// part for the whole. Variables only so a test can reach the cap quickly.
var (
	AuditCSVRows   = 10_000
	auditCSVBudget = 20 * auditBudget
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

// AuditList is the administrators' view of the trail: newest first, filtered by actor,
// action, target and dates, a page at a time (the store's Search never scans).
func (h *Handlers) AuditList(c *gin.Context) error {
	f, q, problems, err := h.auditQuery(c)
	if err != nil {
		return err
	}
	p := &auditPage{Filter: f, Query: auditQueryString(f)}
	if len(problems) > 0 {
		v := h.View(c, "audit.title", p)
		v.Problems = problems
		h.Render(c, http.StatusBadRequest, "audit", v)
		return nil
	}
	ctx := c.Request.Context()
	q.Limit, q.Budget = auditPageSize, auditBudget
	names := map[string]string{}
	res, err := h.Audit.Search(ctx, q, func(e *audit.Event) error {
		p.Rows = append(p.Rows, auditRow{Event: e, ActorName: h.actorName(ctx, names, e.Actor)})
		return nil
	})
	if err != nil {
		return err
	}
	p.Head, p.Older, p.Searched = res.Head, res.Older, res.Searched
	h.Render(c, http.StatusOK, "audit", h.View(c, "audit.title", p))
	return nil
}

// auditQuery decodes the filters into a search; problems are the visitor's mistakes
// (a 400 naming them), err what stops the page.
func (h *Handlers) auditQuery(c *gin.Context) (auditFilter, audit.Query, []apperr.Problem, error) {
	var f auditFilter
	inv, err := h.Decode(c, &f)
	if err != nil {
		return f, audit.Query{}, nil, err
	}
	if len(inv.Problems) == 0 && f.From != "" && f.To != "" && f.To < f.From {
		inv.Add("to", "audit.range_order")
	}
	if len(inv.Problems) > 0 {
		return f, audit.Query{}, inv.Problems, nil
	}
	q := audit.Query{Actor: strings.TrimSpace(f.Actor), Action: strings.TrimSpace(f.Action), Target: strings.TrimSpace(f.Target), Before: f.Before}
	if strings.Contains(q.Actor, "@") {
		// An e-mail address names an account: match its id.
		if u, err := h.Users.ByEmail(c.Request.Context(), q.Actor); err == nil {
			q.Actor = u.ID
		} else if errors.Is(err, apperr.ErrNotFound) {
			q.Actor = "\x00none" // no account: nothing matches
		} else {
			return f, q, nil, err
		}
	}
	if f.From != "" {
		q.From, _ = time.ParseInLocation(time.DateOnly, f.From, twtime.Zone)
	}
	if f.To != "" {
		end, _ := time.ParseInLocation(time.DateOnly, f.To, twtime.Zone)
		q.To = end.AddDate(0, 0, 1)
	}
	return f, q, nil, nil
}

// auditQueryString is the filters as a query string, for the links to the next page
// and the CSV.
func auditQueryString(f auditFilter) template.URL {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "target": f.Target, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return template.URL(q.Encode()) // #nosec G203 -- url.Values.Encode output: every byte escaped for a query
}

// actorName shows an account by name and e-mail; other actors as they are.
func (h *Handlers) actorName(ctx context.Context, cache map[string]string, id string) string {
	if n, ok := cache[id]; ok {
		return n
	}
	name := id // tokens, guests, the system, and erased accounts: only the id remains
	if u, err := h.Users.ByID(ctx, id); err == nil {
		name = u.Name + " <" + u.Email + ">"
	}
	cache[id] = name
	return name
}

// AuditCSV exports what the filters select, newest first, as it reads it: the header
// leaves at once and rows follow as they are read, so neither the first byte nor the
// memory waits for the whole export.
func (h *Handlers) AuditCSV(c *gin.Context) error {
	_, q, problems, err := h.auditQuery(c)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &apperr.Invalid{Problems: problems} // the page lists them, their arguments filled in
	}
	q.Limit, q.Budget = AuditCSVRows, auditCSVBudget
	v := h.TextView(c)
	c.Header("Content-Disposition", `attachment; filename="audit-`+twtime.Day(h.Now())+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	_, _ = c.Writer.WriteString("\ufeff") // so spreadsheet programs read UTF-8
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{v.T("audit.seq"), v.T("audit.at"), v.T("audit.actor"), v.T("audit.role"), v.T("audit.action"),
		v.T("audit.target"), v.T("audit.outcome"), v.T("audit.details"), v.T("audit.addr"), v.T("audit.hash")})
	flush := func() error {
		w.Flush()
		c.Writer.Flush()
		return w.Error()
	}
	_ = flush()
	ctx := c.Request.Context()
	names := map[string]string{}
	rows := 0
	res, err := h.Audit.Search(ctx, q, func(r *audit.Event) error {
		_ = w.Write([]string{strconv.FormatInt(r.Seq, 10), r.At.In(twtime.Zone).Format(time.RFC3339), web.CSVCell(h.actorName(ctx, names, r.Actor)), r.Role,
			web.CSVCell(r.Action), web.CSVCell(r.Target), r.Outcome, web.CSVCell(detailsText(r.Details)), r.Addr, r.Hash})
		if rows++; rows%100 == 0 {
			return flush()
		}
		return nil
	})
	if err != nil {
		// The header is sent: say in the file that it is incomplete, and record the export
		// as failed.
		h.Log.Error("audit CSV cut short", "request_id", c.GetString(web.KeyRequestID), "rows", rows, "err", err)
		_ = w.Write([]string{v.T("audit.csv_cut")})
		c.Set(web.KeyAuditOutcome, audit.Failed)
	} else if below := cmp.Or(res.Older, res.Searched); below > 0 {
		_ = w.Write([]string{v.T("audit.csv_more", rows, below)})
	}
	_ = flush()
	return nil
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
