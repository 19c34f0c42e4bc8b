package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/twtime"
)

// Analytics keeps the traffic counters: one document per day ("d:2026-11-23") and, for
// every finished month, a summary ("m:2026-10") holding the month's sum and its days'
// totals, so a year's report reads about forty documents by _id.
//
// A day's tables are one JSON string, and an increment is merged by a conditional
// replace rather than `$inc` on a field per path: on the embedded engine a document
// with 1 000 fields costs 12 ms to read and 80 ms to `$inc`, the compact one about 1 ms
// (measured; BENCHMARKS.md). Sketches merge in the same replace.
type Analytics struct {
	db  *DB
	now func() time.Time

	mu    sync.Mutex
	known map[string]bool // days this process has written: "first" is already at or before them
}

func (s *Analytics) exists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.known[id]
}

var _ analytics.Store = (*Analytics)(nil)

// NewAnalytics returns the counter store.
func NewAnalytics(db *DB, now func() time.Time) *Analytics {
	return &Analytics{db: db, now: now, known: map[string]bool{}}
}

const analyticsFirst = "first" // the earliest day with counts: ranges before it read nothing

type analyticsDoc struct {
	ID       string           `bson:"_id"`
	Version  int64            `bson:"version"`
	Date     string           `bson:"date"`
	Views    int64            `bson:"views"`
	Visits   int64            `bson:"visits"`
	Online   int64            `bson:"online"`
	Hours    []int64          `bson:"hours"`
	Lengths  []int64          `bson:"lengths"`
	Tables   string           `bson:"tables"` // JSON: dimension → value → views
	Visitors []byte           `bson:"visitors,omitempty"`
	Networks []byte           `bson:"networks,omitempty"`
	Days     string           `bson:"days,omitempty"`  // months: JSON []analytics.Totals
	Built    map[string]int64 `bson:"built,omitempty"` // months: the day versions summed
	// Batches are the names of the latest increments applied, so one retried after an
	// unclear failure is recognised.
	Batches []string `bson:"batches,omitempty"`
}

// keptBatches is how many increment names a day remembers: minutes of flushes from
// every instance, far longer than the gap before a failed increment is retried.
const keptBatches = 64

func analyticsToDoc(id string, version int64, d *analytics.Day) (*analyticsDoc, error) {
	tables, err := json.Marshal(d.Tables)
	if err != nil {
		return nil, err
	}
	return &analyticsDoc{ID: id, Version: version, Date: d.Date, Views: d.Views, Visits: d.Visits, Online: d.Online,
		Hours: d.Hours[:], Lengths: d.Lengths[:], Tables: string(tables), Visitors: d.Visitors, Networks: d.Networks}, nil
}

func (doc *analyticsDoc) day() (*analytics.Day, error) {
	d := analytics.NewDay(doc.Date)
	d.Views, d.Visits, d.Online = doc.Views, doc.Visits, doc.Online
	copy(d.Hours[:], doc.Hours)
	copy(d.Lengths[:], doc.Lengths)
	if doc.Tables != "" {
		if err := json.Unmarshal([]byte(doc.Tables), &d.Tables); err != nil {
			return nil, fmt.Errorf("analytics %s: %w", doc.ID, err)
		}
	}
	// A sketch of the wrong length (damaged by hand) is dropped rather than failing every
	// flush and report that touches the day: distinct counts restart, counts stay.
	for _, sk := range []struct {
		dst *analytics.Sketch
		src []byte
	}{{&d.Visitors, doc.Visitors}, {&d.Networks, doc.Networks}} {
		if len(sk.src) == analytics.Registers {
			*sk.dst = sk.src
		}
	}
	return d, nil
}

func (s *Analytics) load(ctx context.Context, id string) (*analyticsDoc, error) {
	var doc analyticsDoc
	if err := translate(s.db.coll(collAnalytics).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)); err != nil {
		return nil, err
	}
	return &doc, nil
}

// Add merges one day's increment: read, add, and replace on the version read, again on
// a race with another instance. Everything that can fail happens before the day is
// written, so an error always means the increment was not stored (the caller keeps it
// and tries again, and nothing is counted twice).
func (s *Analytics) Add(ctx context.Context, inc *analytics.Day) error {
	id := "d:" + inc.Date
	month := inc.Date[:7]
	// A late increment to a finished month makes its summary stale: drop it before the
	// day changes, and again after (a summary built meanwhile from the old day is dropped
	// by the second delete, or by its builder's own check).
	late := month < analytics.DayOf(s.now())[:7]
	if late {
		if err := s.dropMonth(ctx, month); err != nil {
			return err
		}
	}
	noted := s.exists(id)
	err := s.retry(ctx, func() (bool, error) {
		if !noted {
			// A new day lowers the first counted day, before the day exists (so a range
			// never skips a stored day) and outside the day's lock (one lock at a time).
			if _, err := s.load(ctx, id); errors.Is(err, apperr.ErrNotFound) {
				if err := s.noteFirst(ctx, inc.Date); err != nil {
					return false, err
				}
			} else if err != nil {
				return false, err
			}
			noted = true
		}
		unlock := s.db.locks.lock(collAnalytics, id)
		defer unlock()
		cur, err := s.load(ctx, id)
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			doc, err := analyticsToDoc(id, 1, inc)
			if err != nil {
				return false, err
			}
			if inc.Batch != "" {
				doc.Batches = []string{inc.Batch}
			}
			_, err = s.db.coll(collAnalytics).InsertOne(ctx, doc)
			if err = translate(err); errors.Is(err, apperr.ErrConflict) {
				return false, nil // another instance created it first
			}
			return err == nil, err
		case err != nil:
			return false, err
		}
		if inc.Batch != "" && slices.Contains(cur.Batches, inc.Batch) {
			return true, nil // applied already: the earlier attempt's reply was lost
		}
		d, err := cur.day()
		if err != nil {
			return false, err
		}
		if err := d.Add(inc); err != nil {
			return false, err
		}
		doc, err := analyticsToDoc(id, cur.Version+1, d)
		if err != nil {
			return false, err
		}
		doc.Batches = cur.Batches
		if inc.Batch != "" {
			doc.Batches = append(doc.Batches, inc.Batch)
			doc.Batches = doc.Batches[max(0, len(doc.Batches)-keptBatches):]
		}
		res, err := s.db.coll(collAnalytics).ReplaceOne(ctx, s.db.atVersion(id, cur.Version), doc)
		if err != nil {
			return false, translate(err)
		}
		return res.MatchedCount == 1, nil
	})
	if err != nil {
		return fmt.Errorf("analytics %s: %w", inc.Date, err)
	}
	s.mu.Lock()
	s.known[id] = true
	s.mu.Unlock()
	if late {
		// The increment is stored: a failure here must not make the caller add it again.
		// Roll checks the last finished month against its days and rebuilds it.
		_ = s.dropMonth(ctx, month)
	}
	return nil
}

func (s *Analytics) dropMonth(ctx context.Context, month string) error {
	if _, err := s.db.coll(collAnalytics).DeleteOne(ctx, bson.D{{Key: "_id", Value: "m:" + month}}); err != nil {
		return fmt.Errorf("analytics month %s: %w", month, translate(err))
	}
	return nil
}

// retry runs a compare-and-set until it applies (a handful of instances contend at most).
func (s *Analytics) retry(ctx context.Context, try func() (bool, error)) error {
	for range 20 {
		ok, err := try()
		if err != nil || ok {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: analytics counters kept changing", apperr.ErrConflict)
}

type firstDoc struct {
	ID      string `bson:"_id"`
	Version int64  `bson:"version"`
	Date    string `bson:"date"`
}

// noteFirst lowers the earliest day with counts to date when it is earlier.
func (s *Analytics) noteFirst(ctx context.Context, date string) error {
	return s.retry(ctx, func() (bool, error) {
		unlock := s.db.locks.lock(collAnalytics, analyticsFirst)
		defer unlock()
		var f firstDoc
		err := translate(s.db.coll(collAnalytics).FindOne(ctx, bson.D{{Key: "_id", Value: analyticsFirst}}).Decode(&f))
		if errors.Is(err, apperr.ErrNotFound) {
			_, err = s.db.coll(collAnalytics).InsertOne(ctx, firstDoc{ID: analyticsFirst, Version: 1, Date: date})
			if err = translate(err); errors.Is(err, apperr.ErrConflict) {
				return false, nil
			}
			return err == nil, err
		}
		if err != nil || f.Date <= date {
			return err == nil, err
		}
		res, err := s.db.coll(collAnalytics).ReplaceOne(ctx, s.db.atVersion(analyticsFirst, f.Version), firstDoc{ID: analyticsFirst, Version: f.Version + 1, Date: date})
		if err != nil {
			return false, translate(err)
		}
		return res.MatchedCount == 1, nil
	})
}

func (s *Analytics) first(ctx context.Context) (string, error) {
	var f firstDoc
	err := translate(s.db.coll(collAnalytics).FindOne(ctx, bson.D{{Key: "_id", Value: analyticsFirst}}).Decode(&f))
	if errors.Is(err, apperr.ErrNotFound) {
		return "", nil
	}
	return f.Date, err
}

// Range reads the days from..to: finished months from their summaries, other days one
// by one, and nothing before the first counted day or after today.
func (s *Analytics) Range(ctx context.Context, from, to string) (*analytics.Range, error) {
	start, err := time.ParseInLocation(time.DateOnly, from, twtime.Zone)
	if err != nil {
		return nil, fmt.Errorf("analytics range: from %q: %w", from, err)
	}
	end, err := time.ParseInLocation(time.DateOnly, to, twtime.Zone)
	if err != nil || end.Before(start) {
		return nil, fmt.Errorf("analytics range: to %q before from or not a date", to)
	}
	first, err := s.first(ctx)
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	today := analytics.DayOf(s.now())
	r := &analytics.Range{From: from, To: to, Sum: analytics.NewDay("")}
	byDate := map[string]analytics.Totals{}
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, twtime.Zone); !m.After(end); m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		last := m.AddDate(0, 1, -1).Format(time.DateOnly)
		if first == "" || last < first || m.Format(time.DateOnly) > today {
			continue
		}
		if from <= m.Format(time.DateOnly) && last <= to && last < today {
			doc, err := s.load(ctx, "m:"+month)
			if err == nil {
				if err := s.addSummary(r, doc, byDate); err != nil {
					return nil, err
				}
				continue
			}
			if !errors.Is(err, apperr.ErrNotFound) {
				return nil, fmt.Errorf("analytics %s: %w", month, err)
			}
		}
		for d := m; d.Month() == m.Month(); d = d.AddDate(0, 0, 1) {
			date := d.Format(time.DateOnly)
			if date < from || date > to || date < first || date > today {
				continue
			}
			doc, err := s.load(ctx, "d:"+date)
			if errors.Is(err, apperr.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, fmt.Errorf("analytics %s: %w", date, err)
			}
			day, err := doc.day()
			if err != nil {
				return nil, err
			}
			byDate[date] = day.Totals()
			if err := r.Sum.Sum(day); err != nil {
				return nil, err
			}
		}
	}
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		t, ok := byDate[date]
		if !ok {
			t = analytics.Totals{Date: date}
		}
		r.Days = append(r.Days, t)
	}
	return r, nil
}

func (s *Analytics) addSummary(r *analytics.Range, doc *analyticsDoc, byDate map[string]analytics.Totals) error {
	sum, err := doc.day()
	if err != nil {
		return err
	}
	var days []analytics.Totals
	if err := json.Unmarshal([]byte(doc.Days), &days); err != nil {
		return fmt.Errorf("analytics %s: %w", doc.ID, err)
	}
	for _, t := range days {
		byDate[t.Date] = t
	}
	return r.Sum.Sum(sum)
}

// Roll builds the summary of every finished month since the first counted day that has
// none (an hour after the month ends, when late increments have been written). A
// summary is checked against its days after it is written and dropped if one changed
// meanwhile; the next run builds it again.
func (s *Analytics) Roll(ctx context.Context, now time.Time) error {
	first, err := s.first(ctx)
	if err != nil || first == "" {
		return err
	}
	start, err := time.ParseInLocation(time.DateOnly, first, twtime.Zone)
	if err != nil {
		return fmt.Errorf("analytics first day %q: %w", first, err)
	}
	local := now.In(twtime.Zone)
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, twtime.Zone); !m.AddDate(0, 1, 0).Add(time.Hour).After(local); m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		if doc, err := s.load(ctx, "m:"+month); err == nil {
			// The last finished month is checked against its days: a late increment
			// whose second delete failed left it stale.
			if m.AddDate(0, 2, 0).Before(local) {
				continue
			}
			now, _, err := s.dayVersions(ctx, m)
			if err != nil {
				return err
			}
			if sameVersions(doc.Built, now) {
				continue
			}
			if err := s.dropMonth(ctx, month); err != nil {
				return err
			}
		} else if !errors.Is(err, apperr.ErrNotFound) {
			return fmt.Errorf("analytics %s: %w", month, err)
		}
		if err := s.buildMonth(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Analytics) buildMonth(ctx context.Context, m time.Time) error {
	month := m.Format("2006-01")
	sum := analytics.NewDay(month)
	var days []analytics.Totals
	built, docs, err := s.dayVersions(ctx, m)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		day, err := doc.day()
		if err != nil {
			return err
		}
		days = append(days, day.Totals())
		if err := sum.Sum(day); err != nil {
			return err
		}
	}
	doc, err := analyticsToDoc("m:"+month, 1, sum)
	if err != nil {
		return err
	}
	js, err := json.Marshal(days)
	if err != nil {
		return err
	}
	doc.Days, doc.Built = string(js), built
	if _, err := s.db.coll(collAnalytics).InsertOne(ctx, doc); err != nil {
		if err = translate(err); errors.Is(err, apperr.ErrConflict) {
			return nil // another instance built it
		}
		return fmt.Errorf("analytics %s: %w", month, err)
	}
	again, _, err := s.dayVersions(ctx, m)
	if err != nil {
		return err
	}
	if !sameVersions(built, again) {
		_, err := s.db.coll(collAnalytics).DeleteOne(ctx, bson.D{{Key: "_id", Value: doc.ID}})
		return translate(err)
	}
	return nil
}

// dayVersions reads the stored days of the month starting at m, with their versions.
func (s *Analytics) dayVersions(ctx context.Context, m time.Time) (map[string]int64, []*analyticsDoc, error) {
	out := map[string]int64{}
	var docs []*analyticsDoc
	for d := m; d.Month() == m.Month(); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		doc, err := s.load(ctx, "d:"+date)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, nil, fmt.Errorf("analytics %s: %w", date, err)
		}
		out[date] = doc.Version
		docs = append(docs, doc)
	}
	return out, docs, nil
}

func sameVersions(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Put replaces a day's counts outright (demo data and benchmarks seeding history).
func (s *Analytics) Put(ctx context.Context, d *analytics.Day) error {
	doc, err := analyticsToDoc("d:"+d.Date, 1, d)
	if err != nil {
		return err
	}
	if err := s.dropMonth(ctx, d.Date[:7]); err != nil {
		return err
	}
	if err := s.noteFirst(ctx, d.Date); err != nil {
		return err
	}
	if _, err := s.db.coll(collAnalytics).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("analytics %s: %w", d.Date, translate(err))
	}
	return nil
}
