package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/retention"
)

// RetentionSettings keeps the periods an administrator sets and shows the runs and the
// lease of the scheduled deletion (retention.Runner).
type RetentionSettings interface {
	Periods(ctx context.Context) (retention.Periods, error)
	SavePeriods(ctx context.Context, p retention.Periods) error
	Runs(ctx context.Context) ([]retention.Run, error)
	Lease(ctx context.Context, name string) (string, time.Time, error)
}

type retentionRow struct {
	retention.Item
	Days int
}

type retentionPage struct {
	Rows        []retentionRow
	Runs        []retention.Run
	LeaseHolder string
	LeaseUntil  time.Time
	Values      map[string]string
}

// RetentionAdmin shows the periods, the schedule and the last runs.
func (h *Handlers) RetentionAdmin(c *gin.Context) error {
	return h.renderRetention(c, http.StatusOK, nil, nil)
}

func (h *Handlers) renderRetention(c *gin.Context, status int, values map[string]string, inv *apperr.Invalid) error {
	ctx := c.Request.Context()
	periods, err := h.retention.Periods(ctx)
	if err != nil {
		return err
	}
	runs, err := h.retention.Runs(ctx)
	if err != nil {
		return err
	}
	holder, until, err := h.retention.Lease(ctx, retention.LeaseName)
	if err != nil {
		return err
	}
	p := retentionPage{Runs: runs, Values: values}
	if until.After(h.Now()) {
		p.LeaseHolder, p.LeaseUntil = holder, until
	}
	for _, it := range retention.Items {
		p.Rows = append(p.Rows, retentionRow{Item: it, Days: periods.Days(it.Key)})
	}
	if p.Values == nil {
		p.Values = map[string]string{}
		for _, r := range p.Rows {
			p.Values[r.Key] = strconv.Itoa(r.Days)
		}
	}
	h.RenderForm(c, status, "retention", "retention.title", p, inv)
	return nil
}

// SaveRetention sets the editable periods.
func (h *Handlers) SaveRetention(c *gin.Context) error {
	values := map[string]string{}
	periods := retention.Periods{}
	inv := &apperr.Invalid{}
	for _, it := range retention.Items {
		if it.Fixed {
			continue
		}
		if _, sent := c.GetPostForm(it.Key); !sent {
			continue // not on the form sent: unchanged
		}
		raw := strings.TrimSpace(c.PostForm(it.Key))
		values[it.Key] = web.Clip(raw, 12)
		n, err := strconv.Atoi(raw)
		if err != nil {
			inv.Add(it.Key, "retention.not_a_number")
			continue
		}
		periods[it.Key] = n
	}
	var range_ *apperr.Invalid
	if err := periods.Validate(); errors.As(err, &range_) {
		inv.Problems = append(inv.Problems, range_.Problems...)
	}
	if len(inv.Problems) > 0 {
		return h.renderRetention(c, http.StatusBadRequest, values, inv)
	}
	current, err := h.retention.Periods(c.Request.Context())
	if err != nil {
		return err
	}
	if current == nil {
		current = retention.Periods{}
	}
	for k, d := range periods {
		current[k] = d
	}
	if err := h.retention.SavePeriods(c.Request.Context(), current); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "retention.saved")
	c.Redirect(http.StatusSeeOther, "/admin/retention")
	return nil
}
