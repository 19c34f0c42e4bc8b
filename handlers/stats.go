package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// requestStats shows administrators, per month and kind, how requests were answered:
// received, granted, partly granted, refused, withdrawn, the median days to decide, the
// share decided on time and the extensions taken.
func (s *Server) requestStats(c *gin.Context) {
	p, inv, err := s.stats.Load(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if p.Published, err = s.stats.Published(c.Request.Context()); err != nil {
		s.Fail(c, err)
		return
	}
	s.stats.Page(c, "request_stats", "stats.title", p, inv)
}

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
	if err := s.Flags.SetFlag(c.Request.Context(), web.FlagPublishStats, f.Publish == "on"); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.stats_"+f.Publish)
	c.Redirect(http.StatusSeeOther, "/admin/requests/stats")
}

// requestStatsCSV exports the same figures as the page.
func (s *Server) requestStatsCSV(c *gin.Context) {
	p, inv, err := s.stats.Load(c)
	if err != nil {
		s.Fail(c, err)
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
