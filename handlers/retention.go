package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/retention"
	"github.com/example/pdpa-portal/rights"
)

// RetentionStore keeps the periods and runs, the lease, and deletes what expired.
type RetentionStore interface {
	Acquire(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error)
	Release(ctx context.Context, name, holder string) error
	Lease(ctx context.Context, name string) (string, time.Time, error)
	Periods(ctx context.Context) (retention.Periods, error)
	SavePeriods(ctx context.Context, p retention.Periods) error
	RecordRun(ctx context.Context, run *retention.Run) error
	Runs(ctx context.Context) ([]retention.Run, error)
	DeleteSessionsBefore(ctx context.Context, t time.Time) (int, error)
	DeleteSentMailBefore(ctx context.Context, t time.Time) (int, error)
	DeleteClosedAttachments(ctx context.Context, t time.Time) (int, error)
	DeleteClientFailuresBefore(ctx context.Context, t time.Time) (int, error)
	DeleteIdleUsageBefore(ctx context.Context, t time.Time) (int, error)
}

// retentionLease is the lease's name and length: longer than any run, shorter than the
// hour between runs.
const (
	retentionLease    = "retention"
	retentionLeaseTTL = 50 * time.Minute
)

// RunRetention is the scheduled deletion: with the lease (one instance at a time), it
// deletes ended sessions, old sent mail, attachments of long-closed requests, expired
// copy packages and unconfirmed guest requests, then records the counts in the list of
// runs and in the audit trail. It returns nil when another instance holds the lease.
func (s *Server) RunRetention(ctx context.Context, holder string, guests rights.GuestPolicy) (*retention.Run, error) {
	if s.Retention == nil {
		return nil, nil
	}
	ctx = background.Job(ctx, "retention")
	now := s.Now()
	ok, err := s.Retention.Acquire(ctx, retentionLease, holder, retentionLeaseTTL, now)
	if err != nil || !ok {
		return nil, err
	}
	defer func() { _ = s.Retention.Release(context.WithoutCancel(ctx), retentionLease, holder) }()
	// The run must end before the lease does, or another instance could start beside it.
	ctx, cancel := context.WithTimeout(ctx, retentionLeaseTTL-5*time.Minute)
	defer cancel()
	run := &retention.Run{At: now, Holder: holder, Deleted: map[string]int{}}
	periods, err := s.Retention.Periods(ctx)
	if err != nil {
		return nil, err
	}
	before := func(key string) time.Time { return periods.Before(key, now) }
	steps := []struct {
		key string
		do  func() (int, error)
	}{
		{"sessions", func() (int, error) { return s.Retention.DeleteSessionsBefore(ctx, before("sessions")) }},
		{"sent_mail", func() (int, error) { return s.Retention.DeleteSentMailBefore(ctx, before("sent_mail")) }},
		{"closed_attachments", func() (int, error) { return s.Retention.DeleteClosedAttachments(ctx, before("closed_attachments")) }},
		{"packages", func() (int, error) { return s.DeleteExpiredPackages(ctx) }},
		{"audit", func() (int, error) {
			p, ok := s.Audit.(interface {
				Purge(ctx context.Context, t, now time.Time) (int, error)
			})
			if !ok {
				return 0, nil
			}
			return p.Purge(ctx, before("audit"), now)
		}},
		{"incidents", func() (int, error) {
			if s.Incidents == nil {
				return 0, nil
			}
			return s.Incidents.DeleteRecordedBefore(ctx, now.Add(-incident.KeepFor))
		}},
		// Failed sign-ins from one client for one address count for SignInPairWindow only.
		{"signin_failures", func() (int, error) {
			return s.Retention.DeleteClientFailuresBefore(ctx, now.Add(-account.SignInPairWindow))
		}},
		// A quota's window is at most a day: usage idle for longer counts for nothing.
		{"quota_usage", func() (int, error) { return s.Retention.DeleteIdleUsageBefore(ctx, now.Add(-24*time.Hour)) }},
		{"unfinished_filings", func() (int, error) { return s.Requests.DropUnfinished(ctx, rights.DateOf(now).AddDays(-1)) }},
		{"calendar_imports", func() (int, error) { return s.CalendarDays.DropExpiredImports(ctx) }},
		{"guests", func() (int, error) {
			_, closed, err := s.SweepGuests(ctx, guests)
			return closed, err
		}},
	}
	for _, st := range steps {
		t0 := time.Now()
		n, err := st.do()
		// Each step reads whole collections: its progress is in the log.
		s.Log.Info("retention step", "step", st.key, "deleted", n, "took", time.Since(t0).Round(time.Millisecond))
		run.Deleted[st.key] = n
		if err != nil {
			run.Error = fmt.Sprintf("%s: %v", st.key, err)
			break
		}
	}
	run.Duration = s.Now().Sub(now)
	if err := s.Retention.RecordRun(ctx, run); err != nil {
		return run, err
	}
	if s.Audit != nil {
		details := map[string]string{}
		for k, n := range run.Deleted {
			details[k] = strconv.Itoa(n)
		}
		outcome := audit.OK
		if run.Error != "" {
			outcome, details["error"] = audit.Failed, clip(run.Error, 200)
		}
		if err := s.Audit.Append(ctx, &audit.Event{At: now, Actor: audit.ActorSystem, Role: "system", Action: "retention run",
			Outcome: outcome, Details: details, Addr: ""}); err != nil {
			return run, err
		}
	}
	return run, nil
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

// retentionAdmin shows the periods, the schedule and the last runs.
func (s *Server) retentionAdmin(c *gin.Context) { s.renderRetention(c, http.StatusOK, nil, nil) }

func (s *Server) renderRetention(c *gin.Context, status int, values map[string]string, inv *apperr.Invalid) {
	ctx := c.Request.Context()
	periods, err := s.Retention.Periods(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	runs, err := s.Retention.Runs(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	holder, until, err := s.Retention.Lease(ctx, retentionLease)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := retentionPage{Runs: runs, Values: values}
	if until.After(s.Now()) {
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
	v := s.view(c, "retention.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "retention", v)
}

// saveRetention sets the editable periods.
func (s *Server) saveRetention(c *gin.Context) {
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
		values[it.Key] = clip(raw, 12)
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
		s.renderRetention(c, http.StatusBadRequest, values, inv)
		return
	}
	current, err := s.Retention.Periods(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	if current == nil {
		current = retention.Periods{}
	}
	for k, d := range periods {
		current[k] = d
	}
	if err := s.Retention.SavePeriods(c.Request.Context(), current); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "retention.saved")
	c.Redirect(http.StatusSeeOther, "/admin/retention")
}
