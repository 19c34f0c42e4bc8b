package webmaster

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/twtime"
)

// trafficPresets are the ranges offered with one click, in order.
var trafficPresets = []string{"7d", "30d", "month", "lastmonth", "365d", "year"}

// maxTrafficDays bounds a custom range (three years and a day).
const maxTrafficDays = 1097

type trafficFilter struct {
	Preset string `form:"preset" validate:"omitempty,oneof=7d 30d month lastmonth 365d year" label:"traffic.preset"`
	From   string `form:"from" validate:"omitempty,datetime=2006-01-02" label:"traffic.from"`
	To     string `form:"to" validate:"omitempty,datetime=2006-01-02" label:"traffic.to"`
}

type presetLink struct {
	Key, URL string
	Current  bool
}

type trafficPage struct {
	Presets  []presetLink
	From, To string
	Query    template.URL // typed so the template does not escape its & and = into one parameter
	Latest   string       // the last finished day
	Rep      *analytics.Report
	Chart    *trafficChart
}

// Cell shows a figure: the number, "< k" below the threshold, or "—" when withheld to
// protect a smaller one.
func (p trafficPage) Cell(c analytics.Cell) string { return web.CellText(c, p.Rep.K) }

// Show is a figure for the page: hidden ones carry their explanation, which screen
// readers speak instead of "less than" or a dash.
func (p trafficPage) Show(v *web.View, c analytics.Cell) template.HTML {
	return p.explain(v, c, p.Cell(c))
}

// ShowDuration is Show for seconds, as minutes and seconds (hours for long totals).
func (p trafficPage) ShowDuration(v *web.View, c analytics.Cell) template.HTML {
	return p.explain(v, c, p.Duration(v, c))
}

func (p trafficPage) explain(v *web.View, c analytics.Cell, text string) template.HTML {
	return web.ExplainCell(v, c, p.Rep.K, text)
}

// Duration writes seconds as minutes and seconds, or hours for long totals.
func (p trafficPage) Duration(v *web.View, c analytics.Cell) string {
	if c.State != analytics.Shown {
		return p.Cell(c)
	}
	d := time.Duration(c.Value) * time.Second
	if d >= time.Hour {
		return v.T("traffic.duration_h", strconv.FormatFloat(d.Hours(), 'f', 1, 64))
	}
	return v.T("traffic.duration_ms", int(d.Minutes()), int(d.Seconds())%60)
}

// trafficRange reads the range: a preset (30 days by default) or a custom from..to.
func (h *Handlers) trafficRange(c *gin.Context) (*trafficPage, *apperr.Invalid, error) {
	var f trafficFilter
	inv, err := h.Decode(c, &f)
	if err != nil {
		return nil, nil, err
	}
	// The report covers finished days only: a day still being counted would change
	// between two looks, and the difference would be one visitor's views.
	now := h.Now().In(twtime.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, twtime.Zone).AddDate(0, 0, -1)
	preset := f.Preset
	if preset == "" && f.From == "" && f.To == "" {
		preset = "30d"
	}
	var from, to time.Time
	switch preset {
	case "7d":
		from, to = today.AddDate(0, 0, -6), today
	case "30d":
		from, to = today.AddDate(0, 0, -29), today
	case "month": // this month up to yesterday (on the 1st: the month just ended)
		from, to = today.AddDate(0, 0, 1-today.Day()), today
	case "lastmonth":
		to = today.AddDate(0, 0, -today.Day())
		from = to.AddDate(0, 0, 1-to.Day())
	case "365d":
		from, to = today.AddDate(0, 0, -364), today
	case "year":
		from, to = time.Date(today.Year(), 1, 1, 0, 0, 0, 0, twtime.Zone), today
	default:
		if len(inv.Problems) == 0 {
			if f.From == "" {
				inv.Add("from", "traffic.from_required")
			}
			if f.To == "" {
				inv.Add("to", "traffic.to_required")
			}
		}
		if len(inv.Problems) == 0 {
			from, _ = time.ParseInLocation(time.DateOnly, f.From, twtime.Zone)
			to, _ = time.ParseInLocation(time.DateOnly, f.To, twtime.Zone)
			switch {
			case to.Before(from):
				inv.Add("to", "traffic.range_order")
			case to.Sub(from) >= maxTrafficDays*24*time.Hour:
				inv.Add("to", "traffic.range_long", maxTrafficDays/365)
			case from.After(today):
				inv.Add("from", "traffic.range_future")
			}
		}
	}
	p := &trafficPage{From: f.From, To: f.To, Latest: today.Format(time.DateOnly)}
	for _, k := range trafficPresets {
		p.Presets = append(p.Presets, presetLink{Key: "traffic.preset." + k, URL: "/webmaster/traffic?preset=" + k, Current: k == preset})
	}
	if len(inv.Problems) > 0 {
		return p, inv, nil
	}
	if to.After(today) {
		to = today
	}
	p.From, p.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	p.Query = template.URL(url.Values{"from": {p.From}, "to": {p.To}}.Encode()) // #nosec G203 -- url.Values.Encode output: every byte escaped for a query
	p.Latest = today.Format(time.DateOnly)
	return p, inv, nil
}

func (h *Handlers) loadTraffic(c *gin.Context) (*trafficPage, *apperr.Invalid, error) {
	p, inv, err := h.trafficRange(c)
	if err != nil || len(inv.Problems) > 0 {
		return p, inv, err
	}
	if h.Counter == nil {
		p.Rep = analytics.Build(&analytics.Range{From: p.From, To: p.To}, h.Opt.AnalyticsK)
		return p, inv, nil
	}
	r, err := h.Counter.Store.Range(c.Request.Context(), p.From, p.To)
	if err != nil {
		return nil, nil, err
	}
	p.Rep = analytics.Build(r, h.Opt.AnalyticsK)
	p.Chart = newTrafficChart(p.Rep)
	return p, inv, nil
}

// Traffic is the webmaster's report: totals, a daily chart with its table, and one table
// per dimension, every figure under k hidden.
func (h *Handlers) Traffic(c *gin.Context) error {
	p, inv, err := h.loadTraffic(c)
	if err != nil {
		return err
	}
	v := h.View(c, "traffic.title", *p)
	status := http.StatusOK
	if len(inv.Problems) > 0 {
		v.Problems, status = inv.Problems, http.StatusBadRequest
	}
	h.Render(c, status, "traffic", v)
	return nil
}

// TrafficCSV exports exactly the figures the page shows, as tidy columns a spreadsheet
// reads as numbers: section, name, page title (pages only), the figure as a plain integer
// (seconds for durations), its unit, and for a hidden figure an empty figure and the
// reason it is hidden.
func (h *Handlers) TrafficCSV(c *gin.Context) error {
	p, inv, err := h.loadTraffic(c)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		return inv // the page lists them, their arguments filled in
	}
	v := h.TextView(c)
	rep := p.Rep
	out := web.NewCSV()
	w := out.W
	count, seconds := v.T("traffic.csv.unit_count"), v.T("traffic.csv.unit_seconds")
	row := func(section, name, title string, cell analytics.Cell, unit string) {
		fig, hidden := strconv.FormatInt(cell.Value, 10), ""
		switch cell.State {
		case analytics.Below:
			fig, hidden = "", v.T("traffic.hidden_below", rep.K)
		case analytics.Withheld:
			fig, hidden = "", v.T("traffic.hidden_withheld")
		}
		_ = w.Write([]string{section, web.CSVCell(name), web.CSVCell(title), fig, unit, hidden})
	}
	_ = w.Write([]string{v.T("traffic.csv.section"), v.T("traffic.csv.key"), v.T("traffic.csv.title"),
		v.T("traffic.csv.value"), v.T("traffic.csv.unit"), v.T("traffic.csv.hidden")})
	rng := v.T("traffic.range_title")
	_ = w.Write([]string{rng, v.T("traffic.from"), "", rep.From, "", ""})
	_ = w.Write([]string{rng, v.T("traffic.to"), "", rep.To, "", ""})
	_ = w.Write([]string{rng, v.T("traffic.k"), "", strconv.Itoa(rep.K), count, ""})
	totals := v.T("traffic.totals")
	for _, t := range []struct {
		key  string
		cell analytics.Cell
		unit string
	}{{"traffic.views", rep.Views, count}, {"traffic.visitors", rep.Visitors, count}, {"traffic.visits", rep.Visits, count},
		{"traffic.avg_visit", rep.AvgVisit, seconds}, {"traffic.online", rep.Online, seconds}, {"traffic.networks", rep.Networks, count}} {
		row(totals, v.T(t.key), "", t.cell, t.unit)
	}
	daily := v.T("traffic.daily")
	if rep.DailyWithheld {
		_ = w.Write([]string{daily, "", "", "", "", v.T("traffic.withheld")})
	}
	for _, d := range rep.Daily {
		row(daily+" · "+v.T("traffic.views"), d.Date, "", d.Views, count)
		row(daily+" · "+v.T("traffic.visits"), d.Date, "", d.Visits, count)
		row(daily+" · "+v.T("traffic.visitors"), d.Date, "", d.Visitors, count)
	}
	for _, t := range p.AllTables() {
		name := v.T("traffic.dim." + t.Dim)
		if t.Withheld {
			_ = w.Write([]string{name, "", "", "", "", v.T("traffic.withheld")})
		}
		for _, r := range t.Rows {
			row(name, p.Label(v, t.Dim, r.Key), p.PageTitle(v, t.Dim, r.Key), r.Cell, count)
		}
	}
	h.SendCSV(c, "traffic-"+rep.From+"-"+rep.To+".csv", out)
	return nil
}

// PageTitle is the title of a counted page, for the pages table; "" for other rows.
func (p trafficPage) PageTitle(v *web.View, dim, key string) string {
	if k := v.RouteTitle(key); k != "" && dim == analytics.DimPath {
		return v.T(k)
	}
	return ""
}

// AllTables lists the report's tables in the page's order.
func (p trafficPage) AllTables() []analytics.Table {
	return append(append([]analytics.Table(nil), p.Rep.Tables...), p.Rep.Hours, p.Rep.Lengths)
}

// Label names a table row: catalogue names for fixed values, the value itself for paths
// and referring domains.
func (p trafficPage) Label(v *web.View, dim, key string) string {
	if key == analytics.Other || key == analytics.Direct || key == "internal" {
		return v.T("traffic.value." + key)
	}
	switch dim {
	case analytics.DimBrowser, analytics.DimOS, analytics.DimDevice, analytics.DimLang, "length":
		if k := "traffic." + dim + "." + key; v.Has(k) {
			return v.T(k)
		}
	case "hour":
		return v.T("traffic.hour_of_day", key)
	}
	return key
}
