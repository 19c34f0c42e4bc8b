package admin

import (
	"context"
	"net/http"
	"strconv"

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

// quotaForm is every limit as typed; rights.QuotaFields says what each means.
type quotaForm struct {
	Open               string `form:"open" label:"quota.item.open"`
	PerDay             string `form:"per_day" label:"quota.item.per_day"`
	MessagesPerHour    string `form:"messages_per_hour" label:"quota.item.messages_per_hour"`
	AttachmentMBPerDay string `form:"attachment_mb_per_day" label:"quota.item.attachment_mb_per_day"`
	GuestsPerAddress   string `form:"guests_per_address" label:"quota.item.guests_per_address"`
	GuestsPerEmail     string `form:"guests_per_email" label:"quota.item.guests_per_email"`
}

// sent is the form by field name, as sent.
func (f *quotaForm) sent() map[string]string {
	return map[string]string{"open": f.Open, "per_day": f.PerDay, "messages_per_hour": f.MessagesPerHour,
		"attachment_mb_per_day": f.AttachmentMBPerDay, "guests_per_address": f.GuestsPerAddress, "guests_per_email": f.GuestsPerEmail}
}

// Values is the form to show again, each value cut short: a number field needs no more.
func (f *quotaForm) Values() map[string]string {
	vals := f.sent()
	for k, v := range vals {
		vals[k] = web.Clip(v, 12)
	}
	return vals
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
	h.RenderForm(c, status, "quotas", "quota.title", p, inv)
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
	var form quotaForm
	inv, err := h.Decode(c, &form)
	if err != nil {
		return err
	}
	sent := form.sent()
	for _, f := range rights.QuotaFields {
		n, err := strconv.Atoi(sent[f.Key])
		if err != nil {
			web.AddOnce(inv, f.Key, "quota.not_a_number")
			continue
		}
		f.Set(&q, n)
	}
	if len(inv.Problems) == 0 {
		inv = q.Valid()
	}
	if len(inv.Problems) > 0 {
		return h.renderQuota(c, http.StatusBadRequest, form.Values(), inv)
	}
	if err := h.quotas.SetQuota(c.Request.Context(), q); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.quota_saved")
	c.Redirect(http.StatusSeeOther, "/admin/quotas")
	return nil
}
