// Package retention holds the periods after which the portal destroys what it no longer
// needs (PDPA Art. 11(3): personal data whose purpose has ended is deleted), and the
// record of each scheduled run.
package retention

import (
	"time"

	"github.com/example/pdpa-portal/apperr"
)

// Day is the unit of every period.
const Day = 24 * time.Hour

// Item is one kind of record with a retention period an administrator may set.
type Item struct {
	Key      string
	Default  int // days
	Min, Max int // days
	// Fixed items are shown but set elsewhere (configuration) or not yet destroyed.
	Fixed bool
}

// Items are the periods, in the page's order.
var Items = []Item{
	{Key: "sessions", Default: 30, Min: 1, Max: 365},               // ended sessions (the user's list of sign-ins)
	{Key: "sent_mail", Default: 730, Min: 90, Max: 3650},           // mail sent to people (their inbox)
	{Key: "closed_attachments", Default: 1095, Min: 30, Max: 3650}, // files of requests closed or withdrawn
	{Key: "packages", Default: 30, Min: 1, Max: 90, Fixed: true},   // copy packages (PORTAL: 30 days from building)
	{Key: "guests", Default: 14, Min: 1, Max: 90, Fixed: true},
	{Key: "incidents", Default: 1825, Min: 1825, Max: 1825, Fixed: true}, // security incident records: five years     // unconfirmed guest requests (PORTAL_GUEST_CLOSE)
	{Key: "audit", Default: 1095, Min: 1095, Max: 3650},                  // audit events: never under 3 years; a sealed checkpoint stands for the purged
}

// Periods are the days set for each item (missing: the default).
type Periods map[string]int

// Days returns an item's period.
func (p Periods) Days(key string) int {
	if d, ok := p[key]; ok && d > 0 {
		return d
	}
	for _, it := range Items {
		if it.Key == key {
			return it.Default
		}
	}
	return 0
}

// Validate checks every editable period lies within its bounds.
func (p Periods) Validate() error {
	inv := &apperr.Invalid{}
	for _, it := range Items {
		d, ok := p[it.Key]
		if !ok || it.Fixed {
			continue
		}
		if d < it.Min || d > it.Max {
			inv.Add(it.Key, "retention.out_of_range", it.Min, it.Max)
		}
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	return nil
}

// Run is one execution of the scheduled deletion.
type Run struct {
	At       time.Time
	Holder   string         // which instance ran it
	Deleted  map[string]int // per item
	Error    string         // what stopped it, if anything
	Duration time.Duration
}
