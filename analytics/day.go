package analytics

import (
	"fmt"
	"maps"
)

// Dimensions of the report, each counted on its own (page views per value): the report
// never crosses two of them.
const (
	DimPath     = "path"
	DimBrowser  = "browser"
	DimOS       = "os"
	DimDevice   = "device"
	DimLang     = "lang"
	DimReferrer = "referrer"
)

// Dimensions lists them in the report's order.
var Dimensions = []string{DimPath, DimReferrer, DimBrowser, DimOS, DimDevice, DimLang}

// Other is the value that collects what a table does not keep apart: unknown browsers,
// and referrers beyond MaxKeys on one day.
const Other = "other"

// Direct is the referrer value of a view that came from no other site.
const Direct = "direct"

// MaxKeys bounds the distinct values one day keeps per dimension, so a flood of invented
// referrers cannot grow a day's counters without limit; the rest count as Other.
const MaxKeys = 2000

// Day is one day's counts (Asia/twtime.Zone), or an increment of them waiting to be added.
type Day struct {
	Date string // YYYY-MM-DD
	// Batch names an increment, so a write retried after an unclear failure (a timeout
	// after the database applied it) is applied once.
	Batch  string
	Views  int64
	Visits int64
	Online int64 // seconds
	Hours  [24]int64
	// Lengths is the visit-length histogram; an increment may hold -1 where a visit moved
	// on to a longer bucket.
	Lengths [NumBuckets]int64
	Tables  map[string]map[string]int64
	// Visitors and Networks are distinct visitor ids and networks (IPv4 /24, IPv6 /48),
	// as sketches of keyed hashes.
	Visitors Sketch
	Networks Sketch
}

// NewDay returns an empty day.
func NewDay(date string) *Day { return &Day{Date: date, Tables: map[string]map[string]int64{}} }

// Count adds n to a dimension's value, folding new values into Other beyond MaxKeys.
func (d *Day) Count(dim, key string, n int64) {
	if d.Tables == nil {
		d.Tables = map[string]map[string]int64{}
	}
	t := d.Tables[dim]
	if t == nil {
		t = map[string]int64{}
		d.Tables[dim] = t
	}
	// Whether key is new matters only once the table is full: below that, one look-up.
	if len(t) >= MaxKeys {
		if _, ok := t[key]; !ok {
			key = Other
		}
	}
	t[key] += n
}

// Add folds another increment of the same day into d; each dimension keeps at most
// MaxKeys values.
func (d *Day) Add(o *Day) error { return d.add(o, true) }

// Sum folds another day's counts into a total over several days: no values are folded
// into Other (the bound is per day, so a flood on one day hides nothing on the others).
func (d *Day) Sum(o *Day) error { return d.add(o, false) }

// maxSumKeys bounds a total over many days, so a flood of invented values over months
// cannot make a summary without limit (the per-day bound is MaxKeys).
const maxSumKeys = 10 * MaxKeys

func (d *Day) add(o *Day, bounded bool) error {
	d.Views += o.Views
	d.Visits += o.Visits
	d.Online += o.Online
	for i := range d.Hours {
		d.Hours[i] += o.Hours[i]
	}
	for i := range d.Lengths {
		d.Lengths[i] += o.Lengths[i]
	}
	for dim, t := range o.Tables {
		if bounded {
			for k, n := range t {
				d.Count(dim, k, n)
			}
			continue
		}
		if d.Tables == nil {
			d.Tables = map[string]map[string]int64{}
		}
		if d.Tables[dim] == nil {
			d.Tables[dim] = map[string]int64{}
		}
		dt := d.Tables[dim]
		for k, n := range t {
			if _, ok := dt[k]; !ok && len(dt) >= maxSumKeys {
				k = Other
			}
			dt[k] += n
		}
	}
	if _, err := d.Visitors.Merge(o.Visitors); err != nil {
		return fmt.Errorf("visitors of %s: %w", d.Date, err)
	}
	if _, err := d.Networks.Merge(o.Networks); err != nil {
		return fmt.Errorf("networks of %s: %w", d.Date, err)
	}
	return nil
}

// Clone returns an independent copy.
func (d *Day) Clone() *Day {
	c := *d
	c.Tables = make(map[string]map[string]int64, len(d.Tables))
	for dim, t := range d.Tables {
		c.Tables[dim] = maps.Clone(t)
	}
	c.Visitors, c.Networks = d.Visitors.Clone(), d.Networks.Clone()
	return &c
}

// Totals are one day's headline figures, kept per day in a month's summary for the chart.
type Totals struct {
	Date     string
	Views    int64
	Visits   int64
	Online   int64
	Visitors int64 // estimated from the day's sketch
}

// Totals returns the day's headline figures.
func (d *Day) Totals() Totals {
	return Totals{Date: d.Date, Views: d.Views, Visits: d.Visits, Online: d.Online, Visitors: d.Visitors.Estimate()}
}
