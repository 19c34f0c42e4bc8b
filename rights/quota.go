package rights

import (
	"context"
	"fmt"
	"time"

	"github.com/example/pdpa-portal/apperr"
)

// Quota bounds what one person files, so that nobody (or a script with their session)
// floods the officers' queue: requests still in the agency's hands, and filings in any
// 24 hours (Check), and through Usage the messages, attachments and guest filings.
// Requests an officer enters from paper or the counter do not count against it; guests
// have no account, so their filings count per client and e-mail address instead. The
// administrator sets it at /admin/quotas, from the configured defaults.
type Quota struct {
	Open   int
	PerDay int
	// MessagesPerHour bounds the messages one requester (a person or a guest) writes in
	// an hour; AttachmentMBPerDay the megabytes they attach in 24 hours, filings and
	// messages together.
	MessagesPerHour    int
	AttachmentMBPerDay int
	// GuestsPerAddress and GuestsPerEmail bound guest filings in 24 hours from one client
	// address (IPv6 per /64) and for one e-mail address.
	GuestsPerAddress int
	GuestsPerEmail   int
}

// DefaultQuota is what the administrator starts from: generous for a person, small for
// a script.
var DefaultQuota = Quota{Open: 20, PerDay: 10, MessagesPerHour: 20, AttachmentMBPerDay: 100, GuestsPerAddress: 20, GuestsPerEmail: 3}

// QuotaField is one setting of the quota form: its key and the bounds it may take (0
// always means no limit).
type QuotaField struct {
	Key string
	Max int
	ptr func(q *Quota) *int
}

// QuotaFields are the settings in the form's order.
var QuotaFields = []QuotaField{
	{"open", 1000, func(q *Quota) *int { return &q.Open }},
	{"per_day", 1000, func(q *Quota) *int { return &q.PerDay }},
	{"messages_per_hour", 1000, func(q *Quota) *int { return &q.MessagesPerHour }},
	{"attachment_mb_per_day", 10000, func(q *Quota) *int { return &q.AttachmentMBPerDay }},
	{"guests_per_address", 10000, func(q *Quota) *int { return &q.GuestsPerAddress }},
	{"guests_per_email", 100, func(q *Quota) *int { return &q.GuestsPerEmail }},
}

// Value is the field's value in q.
func (f QuotaField) Value(q Quota) int { return *f.ptr(&q) }

// Set sets the field in q.
func (f QuotaField) Set(q *Quota, n int) { *f.ptr(q) = n }

// Valid reports the fields out of their bounds.
func (q Quota) Valid() *apperr.Invalid {
	inv := &apperr.Invalid{}
	for _, f := range QuotaFields {
		if n := f.Value(q); n < 0 || n > f.Max {
			inv.Add(f.Key, "quota.out_of_range", 0, f.Max)
		}
	}
	return inv
}

// QuotaSetting keeps the administrator's quota; until one is saved, the defaults given
// (the portal's configuration) apply.
type QuotaSetting interface {
	Quota(ctx context.Context, defaults Quota) (Quota, error)
	SetQuota(ctx context.Context, q Quota) error
}

// Usage counts what a key (a person, a client address, an e-mail address) used within a
// sliding window. Take adds n unless that would go over limit, and reports whether it did.
type Usage interface {
	Take(ctx context.Context, key string, n, limit int64, window time.Duration, now time.Time) (bool, error)
}

// QuotaError is a filing refused by the quota: the catalogue key saying which, and the
// limit reached.
type QuotaError struct {
	Key   string
	Limit int
}

// Quota errors for the other limits, by their catalogue keys.
func MessagesQuota(limit int) *QuotaError {
	return &QuotaError{Key: "request.quota_messages", Limit: limit}
}

// AttachmentQuota is the attachment megabytes limit reached.
func AttachmentQuota(limit int) *QuotaError {
	return &QuotaError{Key: "request.quota_attachments", Limit: limit}
}

// GuestAddressQuota and GuestEmailQuota are the guest filing limits reached.
func GuestAddressQuota(limit int) *QuotaError {
	return &QuotaError{Key: "request.quota_guest_address", Limit: limit}
}

// GuestEmailQuota is the guest filings for one e-mail address limit reached.
func GuestEmailQuota(limit int) *QuotaError {
	return &QuotaError{Key: "request.quota_guest_email", Limit: limit}
}

func (e *QuotaError) Error() string { return fmt.Sprintf("quota: %s (%d)", e.Key, e.Limit) }

// Check reports a *QuotaError when one more filing beside mine (the person's requests)
// at now would go over q; a zero field sets no limit.
func (q Quota) Check(mine []*Request, now time.Time) error {
	return q.CheckPending(mine, 0, now)
}

// CheckPending is Check with pending filings besides mine: admitted, not yet stored, so
// each counts as open and filed today.
func (q Quota) CheckPending(mine []*Request, pending int, now time.Time) error {
	open, today := pending, pending
	for _, r := range mine {
		if r.EnteredBy != "" {
			continue // taken from paper or at the counter by an officer
		}
		if r.State.Open() {
			open++
		}
		if now.Sub(r.Filed) < 24*time.Hour {
			today++
		}
	}
	switch {
	case q.Open > 0 && open >= q.Open:
		return &QuotaError{Key: "request.quota_open", Limit: q.Open}
	case q.PerDay > 0 && today >= q.PerDay:
		return &QuotaError{Key: "request.quota_day", Limit: q.PerDay}
	}
	return nil
}
