package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/rights"
)

type statsFilter struct {
	From string `form:"from" validate:"omitempty,datetime=2006-01" label:"stats.from"`
	To   string `form:"to" validate:"omitempty,datetime=2006-01" label:"stats.to"`
}

type RequestStatsPage struct {
	From, To  string
	Rows      []rights.MonthStats
	Totals    []rights.MonthStats // per kind over the whole range
	All       rights.MonthStats
	Query     template.URL // typed so the template does not escape its & and = into one parameter
	Published bool
	Public    *PublicStats // the transparency page's figures, small ones hidden
}

// PublicStats are the request statistics as the public sees them (rights.ProtectStats),
// with the way the page shows a figure.
type PublicStats struct{ *rights.PublicStats }

// Show is a figure with, when hidden, its explanation for screen readers.
func (p *PublicStats) Show(v *View, c analytics.Cell) template.HTML {
	return ExplainCell(v, c, p.K, CellText(c, p.K))
}

// statsRange reads the month range, by default the twelve months to this one. A month
// the visitor typed wrong (or out of range) is a problem to show, not ignored.
func (s *RequestStats) statsRange(c *gin.Context) (from, to string, inv *apperr.Invalid, err error) {
	var f statsFilter
	if inv, err = s.Decode(c, &f); err != nil {
		return "", "", nil, err
	}
	if len(inv.Problems) > 0 {
		InFormOrder(inv, &f)
		return c.Query("from"), c.Query("to"), inv, nil
	}
	now := s.Now().In(twtime.Zone)
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
	return from, to, nil, nil
}

// Load reads the figures of the range asked for; with problems in the range, the
// page comes back with them and no figures.
func (s *RequestStats) Load(c *gin.Context) (*RequestStatsPage, *apperr.Invalid, error) {
	from, to, inv, err := s.statsRange(c)
	if err != nil || inv != nil {
		return &RequestStatsPage{From: from, To: to}, inv, err
	}
	rows, err := s.source.Stats(c.Request.Context(), from, to)
	if err != nil {
		return nil, nil, err
	}
	p := &RequestStatsPage{From: from, To: to, Rows: rows, Query: template.URL(url.Values{"from": {from}, "to": {to}}.Encode())} // #nosec G203 -- url.Values.Encode output: every byte escaped for a query
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
	return p, nil, nil
}

// Page shows a statistics page, with its problems and 400 when the range had any.
func (s *RequestStats) Page(c *gin.Context, page, title string, p *RequestStatsPage, inv *apperr.Invalid) {
	v := s.View(c, title, p)
	status := http.StatusOK
	if inv != nil {
		v.Problems, status = inv.Problems, http.StatusBadRequest
	}
	s.Render(c, status, page, v)
}

// FlagPublishStats turns on the public transparency page.
const FlagPublishStats = "publish_request_stats"

// RequestStats are the monthly request statistics as pages show them: in full to
// administrators, with the small figures hidden to the public.
type RequestStats struct {
	*Core
	source StatsSource
	flags  FlagReader
}

// StatsSource reads the monthly request statistics.
type StatsSource interface {
	Stats(ctx context.Context, from, to string) ([]rights.MonthStats, error)
}

// FlagReader reads an on/off setting.
type FlagReader interface {
	Flag(ctx context.Context, name string) (bool, error)
}

// NewRequestStats reads the statistics from source; flags say whether they are published.
func NewRequestStats(core *Core, source StatsSource, flags FlagReader) *RequestStats {
	return &RequestStats{Core: core, source: source, flags: flags}
}

// Published reports whether administrators publish the statistics (/transparency).
func (s *RequestStats) Published(ctx context.Context) (bool, error) {
	return s.flags.Flag(ctx, FlagPublishStats)
}
