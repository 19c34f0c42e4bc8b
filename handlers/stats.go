package handlers

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

type statsFilter struct {
	From string `form:"from" validate:"omitempty,datetime=2006-01" label:"stats.from"`
	To   string `form:"to" validate:"omitempty,datetime=2006-01" label:"stats.to"`
}

type requestStatsPage struct {
	From, To  string
	Rows      []rights.MonthStats
	Totals    []rights.MonthStats // per kind over the whole range
	All       rights.MonthStats
	Query     template.URL // typed so the template does not escape its & and = into one parameter
	Published bool
	Public    *publicStats // the transparency page's figures, small ones hidden
}

// publicColumns are the counts the public table shows, in column order (the median
// days and the on-time share sit between withdrawn and extended).
var publicColumns = []string{rights.CountReceived, rights.CountGranted, rights.CountPartly, rights.CountRefused, rights.CountWithdrawn, rights.CountExtended}

// publicRow is one row of the public table.
type publicRow struct {
	Month          string
	Kind           rights.Kind
	Cells          []analytics.Cell // by publicColumns
	Median, OnTime string
	Few            bool // median and share withheld: too few decisions, or a figure of the row hidden
}

// publicStats are the request statistics as the public sees them: every figure under
// k is hidden, and others as needed so that no hidden one can be worked out from the
// totals, as the traffic report does (analytics.ProtectGroups).
type publicStats struct {
	K      int
	Rows   []publicRow
	Totals []publicRow
	All    publicRow
}

// Show is a figure with, when hidden, its explanation for screen readers.
func (p *publicStats) Show(v *web.View, c analytics.Cell) template.HTML {
	return web.ExplainCell(v, c, p.K, web.CellText(c, p.K))
}

// protectStats hides the small figures of p for the public page: per column, the
// months of each kind against the kind's total, the kinds' totals against the total of
// all. A median or on-time share is shown only where k or more decisions make it and
// every figure of its row is shown: one decision's share would give that decision away.
func protectStats(p *requestStatsPage, k int) *publicStats {
	out := &publicStats{K: k, Rows: make([]publicRow, len(p.Rows)), Totals: make([]publicRow, len(p.Totals))}
	group := map[rights.Kind]int{}
	for g, t := range p.Totals {
		group[t.Kind] = g
		out.Totals[g] = publicRow{Kind: t.Kind}
	}
	members := make([][]int, len(p.Totals)) // indices into p.Rows, per group
	for i, r := range p.Rows {
		out.Rows[i] = publicRow{Month: r.Month, Kind: r.Kind}
		if g, ok := group[r.Kind]; ok {
			members[g] = append(members[g], i)
		}
	}
	for _, col := range publicColumns {
		groups := make([][]int64, len(members))
		for g, idx := range members {
			for _, i := range idx {
				groups[g] = append(groups[g], int64(p.Rows[i].Counts[col]))
			}
		}
		cells, totals, grand := analytics.ProtectGroups(groups, k)
		for g, idx := range members {
			for j, i := range idx {
				out.Rows[i].Cells = append(out.Rows[i].Cells, cells[g][j])
			}
			out.Totals[g].Cells = append(out.Totals[g].Cells, totals[g])
		}
		out.All.Cells = append(out.All.Cells, grand)
	}
	shares := func(r *publicRow, m rights.MonthStats) {
		decisions := 0
		for _, n := range m.DaysToDecision {
			decisions += n
		}
		r.Few = decisions < k || m.Counts[rights.CountOnTime]+m.Counts[rights.CountLate] < k
		for _, c := range r.Cells {
			r.Few = r.Few || c.State != analytics.Shown
		}
		if !r.Few {
			r.Median, r.OnTime = m.MedianDays(), m.OnTimePercent()
		}
	}
	for i := range out.Rows {
		shares(&out.Rows[i], p.Rows[i])
	}
	for g := range out.Totals {
		shares(&out.Totals[g], p.Totals[g])
	}
	shares(&out.All, p.All)
	return out
}

// statsRange reads the month range, by default the twelve months to this one. A month
// the visitor typed wrong (or out of range) is a problem to show, not ignored.
func (s *Server) statsRange(c *gin.Context) (from, to string, inv *apperr.Invalid, ok bool) {
	var f statsFilter
	inv, ok = s.Bind(c, &f)
	if !ok {
		return "", "", nil, false
	}
	if len(inv.Problems) > 0 {
		web.InFormOrder(inv, &f)
		return c.Query("from"), c.Query("to"), inv, true
	}
	now := s.Now().In(web.Taipei)
	to, from = now.Format("2006-01"), now.AddDate(0, -11, 0).Format("2006-01")
	if f.To != "" {
		to = f.To
	}
	if f.From != "" {
		from = f.From
	}
	if from > to {
		from, to = to, from
	}
	return from, to, nil, true
}

// loadStats reads the figures of the range asked for; with problems in the range, the
// page comes back with them and no figures.
func (s *Server) loadStats(c *gin.Context) (*requestStatsPage, *apperr.Invalid, bool) {
	from, to, inv, ok := s.statsRange(c)
	if !ok || inv != nil {
		return &requestStatsPage{From: from, To: to}, inv, ok
	}
	rows, err := s.RequestStats.Stats(c.Request.Context(), from, to)
	if err != nil {
		s.Fail(c, err)
		return nil, nil, false
	}
	p := &requestStatsPage{From: from, To: to, Rows: rows, Query: template.URL(url.Values{"from": {from}, "to": {to}}.Encode())} // #nosec G203 -- url.Values.Encode output: every byte escaped for a query
	byKind := map[rights.Kind]*rights.MonthStats{}
	for _, k := range rights.Kinds {
		byKind[k] = &rights.MonthStats{Kind: k}
	}
	for _, r := range rows {
		if t := byKind[r.Kind]; t != nil {
			t.Add(r)
		}
		p.All.Add(r)
	}
	for _, k := range rights.Kinds {
		if byKind[k].Counts != nil {
			p.Totals = append(p.Totals, *byKind[k])
		}
	}
	return p, nil, true
}

// requestStats shows administrators, per month and kind, how requests were answered:
// received, granted, partly granted, refused, withdrawn, the median days to decide, the
// share decided on time and the extensions taken.
func (s *Server) requestStats(c *gin.Context) {
	p, inv, ok := s.loadStats(c)
	if !ok {
		return
	}
	var err error
	if p.Published, err = s.Flags.Flag(c.Request.Context(), flagPublishStats); err != nil {
		s.Fail(c, err)
		return
	}
	s.renderStats(c, "request_stats", "stats.title", p, inv)
}

// renderStats shows a statistics page, with its problems and 400 when the range had any.
func (s *Server) renderStats(c *gin.Context, page, title string, p *requestStatsPage, inv *apperr.Invalid) {
	v := s.View(c, title, p)
	status := http.StatusOK
	if inv != nil {
		v.Problems, status = inv.Problems, http.StatusBadRequest
	}
	s.Render(c, status, page, v)
}

// flagPublishStats turns on the public transparency page.
const flagPublishStats = "publish_request_stats"

type publishForm struct {
	Publish string `form:"publish" validate:"required,oneof=on off" label:"stats.publish"`
}

// publishStats turns the public transparency page on or off.
func (s *Server) publishStats(c *gin.Context) {
	var f publishForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.Fail(c, inv)
		return
	}
	if err := s.Flags.SetFlag(c.Request.Context(), flagPublishStats, f.Publish == "on"); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.stats_"+f.Publish)
	c.Redirect(http.StatusSeeOther, "/admin/requests/stats")
}

// transparency is the public page of the same aggregates, when administrators publish
// it: counts per month and kind only, nothing about any one request.
func (s *Server) transparency(c *gin.Context) {
	on, err := s.Flags.Flag(c.Request.Context(), flagPublishStats)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if !on {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	p, inv, ok := s.loadStats(c)
	if !ok {
		return
	}
	if inv == nil {
		p.Public = protectStats(p, s.Opt.AnalyticsK)
	}
	s.renderStats(c, "transparency", "transparency.title", p, inv)
}

// requestStatsCSV exports the same figures as the page.
func (s *Server) requestStatsCSV(c *gin.Context) {
	p, inv, ok := s.loadStats(c)
	if !ok {
		return
	}
	if inv != nil {
		s.Fail(c, inv)
		return
	}
	v := s.TextView(c)
	out := web.NewCSV()
	w := out.W
	_ = w.Write([]string{v.T("stats.month"), v.T("request.kind"), v.T("stats.received"), v.T("stats.granted"), v.T("stats.partly"),
		v.T("stats.refused"), v.T("stats.withdrawn"), v.T("stats.median_days"), v.T("stats.on_time"), v.T("stats.extended")})
	row := func(month string, m rights.MonthStats) {
		kind := v.T("stats.all_kinds")
		if m.Kind != "" {
			kind = v.T("right." + string(m.Kind) + ".name")
		}
		n := func(k string) string { return strconv.Itoa(m.Counts[k]) }
		_ = w.Write([]string{month, kind, n(rights.CountReceived), n(rights.CountGranted), n(rights.CountPartly), n(rights.CountRefused),
			n(rights.CountWithdrawn), m.MedianDays(), m.OnTimePercent(), n(rights.CountExtended)})
	}
	for _, r := range p.Rows {
		row(r.Month, r)
	}
	for _, t := range p.Totals {
		row(p.From+"–"+p.To, t)
	}
	row(p.From+"–"+p.To, p.All)
	s.SendCSV(c, "request-statistics-"+p.From+"-"+p.To+".csv", out)
}
