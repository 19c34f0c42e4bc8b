// Package retention holds the periods after which the portal destroys what it no longer
// needs (PDPA Art. 11(3): personal data whose purpose has ended is deleted), and the
// record of each scheduled run.
package retention

import (
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/twtime"
)

// Day is the unit of every period.
const Day = 24 * time.Hour

// Item is one kind of record with a retention period an administrator may set.
type Item struct {
	Key      string
	Default  int // days, or years when Years
	Min, Max int
	// Years: the period is in calendar years (APA Art. 48(3)), not a count of days.
	Years bool
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
	{Key: "audit", Default: 3, Min: 3, Max: 10, Years: true},             // audit events: never under 3 calendar years; a sealed checkpoint stands for the purged
}

// Periods are the periods set for each item in its unit (missing: the default).
type Periods map[string]int

func itemOf(key string) (Item, bool) {
	for _, it := range Items {
		if it.Key == key {
			return it, true
		}
	}
	return Item{}, false
}

// Days returns an item's period in its unit: days, or years for an item in years.
func (p Periods) Days(key string) int {
	it, _ := itemOf(key)
	d, ok := p[key]
	if !ok || d <= 0 {
		return it.Default
	}
	if it.Years && d > it.Max {
		// Saved when the period was a number of days (1 095 for three years): the
		// years it covers, rounded up so nothing is kept for less than was set.
		return min(max((d+364)/365, it.Min), it.Max)
	}
	return d
}

// Before is the cut-off of an item's period at now: what is older may be deleted. A
// period in years runs by the calendar (three years back from 2026-12-06 is 2023-12-06).
func (p Periods) Before(key string, now time.Time) time.Time {
	n := p.Days(key)
	if it, _ := itemOf(key); it.Years {
		return twtime.YearsBefore(now, n)
	}
	return now.Add(-time.Duration(n) * Day)
}

// Validate checks every editable period lies within its bounds.
func (p Periods) Validate() error {
	inv := &apperr.Invalid{}
	for _, it := range Items {
		d, ok := p[it.Key]
		if !ok || it.Fixed {
			continue
		}
		switch {
		case (d < it.Min || d > it.Max) && it.Years:
			inv.Add(it.Key, "retention.out_of_range_years", it.Min, it.Max)
		case d < it.Min || d > it.Max:
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
