package handlers

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/rights"
)

// metrics are the portal's Prometheus metrics. They are served by MetricsHandler on a
// listener of their own (PORTAL_METRICS_ADDR), never by the site.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portal_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code."}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "portal_http_request_duration_seconds",
			Help: "Time to answer, by route pattern and method.", Buckets: prometheus.DefBuckets}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{s: s})
	return m
}

// measure counts every request by its route pattern (never the path: no references or
// ids become label values).
func (s *Server) measure(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	method := c.Request.Method
	if !knownMethods[method] {
		method = "other" // a client may send any word: label values must stay few
	}
	s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
	s.metrics.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
}

var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// MetricsHandler serves /metrics for Prometheus.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Timeout: 20 * time.Second}))
	return mux
}

// stateCollector reads the portal's state at each scrape: open requests per state,
// overdue ones, the mail waiting to go out, how long ago traffic counts were written,
// how old the last successful backup is.
type stateCollector struct{ s *Server }

var (
	descOpen = prometheus.NewDesc("portal_open_requests", "Requests in the agency's hands, by state.", []string{"state"}, nil)
	descOver = prometheus.NewDesc("portal_overdue_requests", "Open requests not yet decided whose due date has passed.", nil, nil)
	descMail = prometheus.NewDesc("portal_outbox_backlog", "Mail waiting to be sent.", nil, nil)
	descLag  = prometheus.NewDesc("portal_analytics_flush_lag_seconds", "Seconds since the traffic counts were last all written.", nil, nil)
	descUp   = prometheus.NewDesc("portal_database_up", "1 when the database answered this scrape's questions.", nil, nil)
	// The embedded engine's disk: alert well before free reaches PORTAL_DISK_LOW.
	descDiskFree  = prometheus.NewDesc("portal_data_dir_free_bytes", "Bytes free on the data directory's filesystem (to the portal's user).", nil, nil)
	descDiskTotal = prometheus.NewDesc("portal_data_dir_size_bytes", "Size of the data directory's filesystem in bytes.", nil, nil)
	descDBSize    = prometheus.NewDesc("portal_database_file_bytes", "Size of the embedded database's files (with its write-ahead log) in bytes.", nil, nil)
	descDiskLow   = prometheus.NewDesc("portal_disk_low", "1 when free space is under PORTAL_DISK_LOW (then /readyz reports not ready).", nil, nil)
	// +Inf when no backup ever succeeded, so one threshold alert covers both cases.
	descBackupAge = prometheus.NewDesc("portal_backup_last_success_age_seconds",
		"Seconds since the last successful data backup (portal backup) started; +Inf when none has succeeded.", nil, nil)
)

func (sc *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descOver, descMail, descLag, descBackupAge, descUp, descDiskFree, descDiskTotal, descDBSize, descDiskLow} {
		ch <- d
	}
}

func (sc *stateCollector) Collect(ch chan<- prometheus.Metric) {
	s := sc.s
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	up := 1.0
	if s.Requests != nil {
		open, err := s.Requests.Open(ctx)
		if err != nil {
			up = 0
		} else {
			byState := map[rights.State]int{}
			overdue := 0
			today := rights.DateOf(s.Now())
			for _, r := range open {
				byState[r.State]++
				if undecided(r.State) && rights.Status(r.Due, today) == rights.StatusOverdue {
					overdue++
				}
			}
			for _, st := range rights.QueueStates {
				ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(byState[st]), string(st))
			}
			ch <- prometheus.MustNewConstMetric(descOver, prometheus.GaugeValue, float64(overdue))
		}
	}
	if s.MailBacklog != nil {
		// Counting pending mail reads the outbox; the scrape is not a page.
		if n, err := s.MailBacklog.Backlog(background.Job(ctx, "metrics")); err != nil {
			up = 0
		} else {
			ch <- prometheus.MustNewConstMetric(descMail, prometheus.GaugeValue, float64(n))
		}
	}
	if s.Counter != nil {
		if last := s.Counter.LastFlush(); !last.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, time.Since(last).Seconds())
		}
	}
	if s.Backups != nil {
		if st, err := s.Backups.BackupStatus(ctx, backup.Data); err != nil {
			up = 0
		} else {
			age := math.Inf(1)
			if !st.LastOK.At.IsZero() {
				age = s.Now().Sub(st.LastOK.At).Seconds()
			}
			ch <- prometheus.MustNewConstMetric(descBackupAge, prometheus.GaugeValue, age)
		}
	}
	if d, ok := s.disk.Reading(ctx); ok {
		low := 0.0
		if s.Opt.DiskLow.Below(d) {
			low = 1
		}
		ch <- prometheus.MustNewConstMetric(descDiskFree, prometheus.GaugeValue, float64(d.Free))
		ch <- prometheus.MustNewConstMetric(descDiskTotal, prometheus.GaugeValue, float64(d.Total))
		ch <- prometheus.MustNewConstMetric(descDBSize, prometheus.GaugeValue, float64(d.Database))
		ch <- prometheus.MustNewConstMetric(descDiskLow, prometheus.GaugeValue, low)
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
}

// undecided: the request still waits for its decision (the due date binds).
func undecided(st rights.State) bool {
	switch st {
	case rights.Submitted, rights.Identity, rights.Review, rights.Extended:
		return true
	}
	return false
}
