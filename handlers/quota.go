package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// quota is the administrator's quota (Options.Quota, the configuration, until one is
// saved at /admin/quotas).
func (s *Server) quota(ctx context.Context) (rights.Quota, error) {
	if s.Quotas == nil {
		return s.Opt.Quota, nil
	}
	return s.Quotas.Quota(ctx, s.Opt.Quota)
}

type quotaRow struct {
	Key string
	Max int
}

type quotaPage struct {
	Rows   []quotaRow
	Values map[string]string
}

// quotaAdmin shows the quota form with the values in force.
func (s *Server) quotaAdmin(c *gin.Context) { s.renderQuota(c, http.StatusOK, nil, nil) }

func (s *Server) renderQuota(c *gin.Context, status int, values map[string]string, inv *apperr.Invalid) {
	q, err := s.quota(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := quotaPage{Values: values}
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	for _, f := range rights.QuotaFields {
		p.Rows = append(p.Rows, quotaRow{Key: f.Key, Max: f.Max})
		if values == nil {
			p.Values[f.Key] = strconv.Itoa(f.Value(q))
		}
	}
	v := s.View(c, "quota.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.Render(c, status, "quotas", v)
}

// saveQuota sets every limit at once; a problem brings the form back as typed.
func (s *Server) saveQuota(c *gin.Context) {
	if s.Quotas == nil {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	q, err := s.quota(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	values := map[string]string{}
	inv := &apperr.Invalid{}
	for _, f := range rights.QuotaFields {
		raw := strings.TrimSpace(c.PostForm(f.Key))
		values[f.Key] = web.Clip(raw, 12)
		n, err := strconv.Atoi(raw)
		if err != nil {
			inv.Add(f.Key, "quota.not_a_number")
			continue
		}
		f.Set(&q, n)
	}
	if len(inv.Problems) == 0 {
		inv = q.Valid()
	}
	if len(inv.Problems) > 0 {
		s.renderQuota(c, http.StatusBadRequest, values, inv)
		return
	}
	if err := s.Quotas.SetQuota(c.Request.Context(), q); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.quota_saved")
	c.Redirect(http.StatusSeeOther, "/admin/quotas")
}
