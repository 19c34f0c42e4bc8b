package retention

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/rights"
)

// LeaseName and LeaseTTL are the run's lease: longer than any run, shorter than the
// hour between runs.
const (
	LeaseName = "retention"
	LeaseTTL  = 50 * time.Minute
)

// Store keeps the lease, the periods and the runs, and deletes what expired.
type Store interface {
	Acquire(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error)
	Release(ctx context.Context, name, holder string) error
	Periods(ctx context.Context) (Periods, error)
	RecordRun(ctx context.Context, run *Run) error
	DeleteSessionsBefore(ctx context.Context, t time.Time) (int, error)
	DeleteSentMailBefore(ctx context.Context, t time.Time) (int, error)
	DeleteClosedAttachments(ctx context.Context, t time.Time) (int, error)
	DeleteClientFailuresBefore(ctx context.Context, t time.Time) (int, error)
	DeleteIdleUsageBefore(ctx context.Context, t time.Time) (int, error)
}

// Runner is the scheduled deletion. Each dependency is what one step needs of another
// part of the portal.
type Runner struct {
	Store    Store
	Packages interface {
		DeleteExpired(ctx context.Context, now time.Time) (int, error)
	}
	Audit interface {
		Append(ctx context.Context, e *audit.Event) error
		Purge(ctx context.Context, before, now time.Time) (int, error)
	}
	Incidents interface {
		DeleteRecordedBefore(ctx context.Context, t time.Time) (int, error)
	}
	Requests interface {
		DropUnfinished(ctx context.Context, before rights.Date) (int, error)
	}
	Guests interface {
		Sweep(ctx context.Context) (reminded, closed int, err error)
	}
	Calendar interface {
		DropExpiredImports(ctx context.Context) (int, error)
	}
	Log *slog.Logger
	Now func() time.Time
}

// Run, with the lease (one instance at a time), deletes ended sessions, old sent mail,
// attachments of long-closed requests, expired copy packages and unconfirmed guest
// requests, then records the counts in the list of runs and in the audit trail. It
// returns nil when another instance holds the lease. holder names this instance.
func (r *Runner) Run(ctx context.Context, holder string) (*Run, error) {
	ctx = background.Job(ctx, "retention")
	now := r.Now()
	ok, err := r.Store.Acquire(ctx, LeaseName, holder, LeaseTTL, now)
	if err != nil || !ok {
		return nil, err
	}
	defer func() { _ = r.Store.Release(context.WithoutCancel(ctx), LeaseName, holder) }()
	// The run must end before the lease does, or another instance could start beside it.
	ctx, cancel := context.WithTimeout(ctx, LeaseTTL-5*time.Minute)
	defer cancel()
	run := &Run{At: now, Holder: holder, Deleted: map[string]int{}}
	periods, err := r.Store.Periods(ctx)
	if err != nil {
		return nil, err
	}
	before := func(key string) time.Time { return periods.Before(key, now) }
	steps := []struct {
		key string
		do  func() (int, error)
	}{
		{"sessions", func() (int, error) { return r.Store.DeleteSessionsBefore(ctx, before("sessions")) }},
		{"sent_mail", func() (int, error) { return r.Store.DeleteSentMailBefore(ctx, before("sent_mail")) }},
		{"closed_attachments", func() (int, error) { return r.Store.DeleteClosedAttachments(ctx, before("closed_attachments")) }},
		{"packages", func() (int, error) { return r.Packages.DeleteExpired(ctx, now) }},
		{"audit", func() (int, error) { return r.Audit.Purge(ctx, before("audit"), now) }},
		{"incidents", func() (int, error) { return r.Incidents.DeleteRecordedBefore(ctx, now.Add(-incident.KeepFor)) }},
		// Failed sign-ins from one client for one address count for SignInPairWindow only.
		{"signin_failures", func() (int, error) {
			return r.Store.DeleteClientFailuresBefore(ctx, now.Add(-account.SignInPairWindow))
		}},
		// A quota's window is at most a day: usage idle for longer counts for nothing.
		{"quota_usage", func() (int, error) { return r.Store.DeleteIdleUsageBefore(ctx, now.Add(-24*time.Hour)) }},
		{"unfinished_filings", func() (int, error) { return r.Requests.DropUnfinished(ctx, rights.DateOf(now).AddDays(-1)) }},
		{"calendar_imports", func() (int, error) { return r.Calendar.DropExpiredImports(ctx) }},
		{"guests", func() (int, error) {
			_, closed, err := r.Guests.Sweep(ctx)
			return closed, err
		}},
	}
	for _, st := range steps {
		t0 := time.Now()
		n, err := st.do()
		// Each step reads whole collections: its progress is in the log.
		r.Log.Info("retention step", "step", st.key, "deleted", n, "took", time.Since(t0).Round(time.Millisecond))
		run.Deleted[st.key] = n
		if err != nil {
			run.Error = fmt.Sprintf("%s: %v", st.key, err)
			break
		}
	}
	run.Duration = r.Now().Sub(now)
	if err := r.Store.RecordRun(ctx, run); err != nil {
		return run, err
	}
	details := map[string]string{}
	for k, n := range run.Deleted {
		details[k] = strconv.Itoa(n)
	}
	outcome := audit.OK
	if run.Error != "" {
		outcome, details["error"] = audit.Failed, clip(run.Error, 200)
	}
	if err := r.Audit.Append(ctx, &audit.Event{At: now, Actor: audit.ActorSystem, Role: "system", Action: "retention run",
		Outcome: outcome, Details: details}); err != nil {
		return run, err
	}
	return run, nil
}

// clip shortens s to at most n bytes of valid UTF-8 (an audit detail has a bound).
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
