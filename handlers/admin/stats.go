package admin

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// RequestStats shows administrators, per month and kind, how requests were answered:
// received, granted, partly granted, refused, withdrawn, the median days to decide, the
// share decided on time and the extensions taken.
func (h *Handlers) RequestStats(c *gin.Context) error {
	p, inv, err := h.stats.Load(c)
	if err != nil {
		return err
	}
	if p.Published, err = h.stats.Published(c.Request.Context()); err != nil {
		return err
	}
	h.stats.Page(c, "request_stats", "stats.title", p, inv)
	return nil
}

type publishForm struct {
	Publish string `form:"publish" validate:"required,oneof=on off" label:"stats.publish"`
}

// PublishStats turns the public transparency page on or off.
func (h *Handlers) PublishStats(c *gin.Context) error {
	var f publishForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	if err := h.flags.SetFlag(c.Request.Context(), web.FlagPublishStats, f.Publish == "on"); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.stats_"+f.Publish)
	c.Redirect(http.StatusSeeOther, "/admin/requests/stats")
	return nil
}

// RequestStatsCSV exports the same figures as the page.
func (h *Handlers) RequestStatsCSV(c *gin.Context) error {
	p, inv, err := h.stats.Load(c)
	if err != nil {
		return err
	}
	if inv != nil {
		return inv
	}
	v := h.TextView(c)
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
	h.SendCSV(c, "request-statistics-"+p.From+"-"+p.To+".csv", out)
	return nil
}
