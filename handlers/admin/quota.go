package admin

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
func (h *Handlers) quota(ctx context.Context) (rights.Quota, error) {
	if h.quotas == nil {
		return h.Opt.Quota, nil
	}
	return h.quotas.Quota(ctx, h.Opt.Quota)
}

type quotaRow struct {
	Key string
	Max int
}

type quotaPage struct {
	Rows   []quotaRow
	Values map[string]string
}

// QuotaAdmin shows the quota form with the values in force.
func (h *Handlers) QuotaAdmin(c *gin.Context) error {
	return h.renderQuota(c, http.StatusOK, nil, nil)
}

func (h *Handlers) renderQuota(c *gin.Context, status int, values map[string]string, inv *apperr.Invalid) error {
	q, err := h.quota(c.Request.Context())
	if err != nil {
		return err
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
	v := h.View(c, "quota.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	h.Render(c, status, "quotas", v)
	return nil
}

// SaveQuota sets every limit at once; a problem brings the form back as typed.
func (h *Handlers) SaveQuota(c *gin.Context) error {
	if h.quotas == nil {
		return apperr.ErrNotFound
	}
	q, err := h.quota(c.Request.Context())
	if err != nil {
		return err
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
		return h.renderQuota(c, http.StatusBadRequest, values, inv)
	}
	if err := h.quotas.SetQuota(c.Request.Context(), q); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.quota_saved")
	c.Redirect(http.StatusSeeOther, "/admin/quotas")
	return nil
}
