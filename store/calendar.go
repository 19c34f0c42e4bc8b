package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// Calendar keeps the agency's office calendar in calendar_days, one document per listed
// date with the ISO date as _id ("2026-01-01"): ISO dates of four-digit years sort as
// strings in date order, so a range of dates is a range of _id.
type Calendar struct{ db *DB }

// NewCalendar returns the calendar store.
func NewCalendar(db *DB) *Calendar { return &Calendar{db: db} }

type calendarDoc struct {
	ID     string `bson:"_id"`
	DayOff bool   `bson:"day_off"`
	Note   string `bson:"note"`
}

// calendarLock serialises imports: FerretDB applies an upsert as read-modify-write, so
// two imports of one date at once could both try to insert it.
const calendarLock = "import"

func storableDate(d rights.Date) bool { return d.Valid() && d.Year >= 1000 && d.Year <= 9999 }

// Import adds or replaces each entry (of two entries for one date the later wins) and
// returns how many dates the calendar now holds as the entries say, and the dates that
// changed between day off and working day (what due dates depend on; a new note alone
// changes none).
//
// One upsert per date is slow on the embedded engine (about 5 ms each, so half a minute
// for a file of 5000 dates), so Import reads what is stored in the entries' range,
// inserts the new dates in one request and replaces only the dates that changed: a
// repeated import of a yearly file costs one read and a few writes.
func (c *Calendar) Import(ctx context.Context, entries []rights.DayEntry) (int, []rights.Date, error) {
	want := make(map[string]calendarDoc, len(entries))
	var order []string
	from, to := rights.Date{}, rights.Date{}
	for i, e := range entries {
		if !storableDate(e.Date) {
			return 0, nil, fmt.Errorf("import calendar: entry %d has no valid date (%+v)", i+1, e.Date)
		}
		id := e.Date.String()
		if _, dup := want[id]; !dup {
			order = append(order, id)
		}
		want[id] = calendarDoc{ID: id, DayOff: e.DayOff, Note: e.Note}
		if from.IsZero() || e.Date.Before(from) {
			from = e.Date
		}
		if to.IsZero() || e.Date.After(to) {
			to = e.Date
		}
	}
	if len(want) == 0 {
		return 0, nil, nil
	}
	defer c.db.locks.lock(collCalendar, calendarLock)()
	var moved []rights.Date
	for attempt := 0; ; attempt++ {
		have, err := c.find(ctx, from, to)
		if err != nil {
			return 0, nil, fmt.Errorf("import calendar: %w", err)
		}
		stored := make(map[string]calendarDoc, len(have))
		for _, e := range have {
			stored[e.Date.String()] = calendarDoc{ID: e.Date.String(), DayOff: e.DayOff, Note: e.Note}
		}
		var fresh []any
		var changed []string
		moved = moved[:0]
		for _, id := range order {
			old, ok := stored[id]
			day, _ := rights.ParseDate(id)
			if was := (&rights.Days{}).DayOff(day); ok && old.DayOff != want[id].DayOff || !ok && was != want[id].DayOff {
				moved = append(moved, day)
			}
			switch {
			case !ok:
				fresh = append(fresh, want[id])
			case old != want[id]:
				changed = append(changed, id)
			}
		}
		if len(fresh) > 0 {
			_, err := c.db.coll(collCalendar).InsertMany(ctx, fresh, options.InsertMany().SetOrdered(false))
			if err != nil {
				// Someone else stored some of these dates meanwhile (another instance on
				// a shared MongoDB): read again and replace what differs.
				if attempt == 0 && onlyDuplicates(err) {
					continue
				}
				return 0, nil, fmt.Errorf("import calendar: %w", translate(err))
			}
		}
		// Replacing is one write per date: fast enough for the few dates a repeated
		// import changes.
		for _, id := range changed {
			_, err := c.db.coll(collCalendar).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, want[id], options.Replace().SetUpsert(true))
			if err != nil {
				return 0, nil, fmt.Errorf("import calendar %s: %w", id, translate(err))
			}
		}
		break
	}
	return len(want), moved, nil
}

// Remove deletes a listed date; it reports false when the date was not listed.
func (c *Calendar) Remove(ctx context.Context, d rights.Date) (bool, error) {
	if !storableDate(d) {
		return false, fmt.Errorf("remove calendar date %v: invalid date", d)
	}
	defer c.db.locks.lock(collCalendar, calendarLock)()
	res, err := c.db.coll(collCalendar).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.String()}})
	if err != nil {
		return false, fmt.Errorf("remove calendar date %s: %w", d, translate(err))
	}
	return res.DeletedCount > 0, nil
}

// Days returns the listed dates from from to to (both included) as a calendar; dates
// outside the range, and unlisted ones, count as weekends only.
func (c *Calendar) Days(ctx context.Context, from, to rights.Date) (*rights.Days, error) {
	if !storableDate(from) || !storableDate(to) {
		return nil, fmt.Errorf("calendar days: invalid range %v to %v", from, to)
	}
	entries, err := c.find(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("calendar days: %w", err)
	}
	return rights.NewDays(entries), nil
}

// List returns the listed dates of one year in date order.
func (c *Calendar) List(ctx context.Context, year int) ([]rights.DayEntry, error) {
	if year < 1000 || year > 9999 {
		return nil, fmt.Errorf("calendar of year %d: no such year", year)
	}
	entries, err := c.find(ctx, rights.NewDate(year, 1, 1), rights.NewDate(year, 12, 31))
	if err != nil {
		return nil, fmt.Errorf("calendar of %d: %w", year, err)
	}
	return entries, nil
}

func (c *Calendar) find(ctx context.Context, from, to rights.Date) ([]rights.DayEntry, error) {
	if to.Before(from) {
		return nil, nil
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: from.String()}, {Key: "$lte", Value: to.String()}}}}
	cur, err := c.db.coll(collCalendar).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err)
	}
	var docs []calendarDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]rights.DayEntry, 0, len(docs))
	for _, d := range docs {
		day, err := rights.ParseDate(d.ID)
		if err != nil {
			return nil, fmt.Errorf("stored date: %w", err)
		}
		out = append(out, rights.DayEntry{Date: day, DayOff: d.DayOff, Note: d.Note})
	}
	return out, nil
}

// onlyDuplicates reports whether an unordered insert failed only on dates already stored.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return false
		}
	}
	return true
}

// CalendarImports keeps staged calendar imports in calendar_imports, one document per
// administrator with their user id as _id: an upload awaiting confirmation is read by
// _id, and a new upload replaces the last, so the collection holds at most one document
// per administrator (each at most rights.MaxCalendarRows dates).
type CalendarImports struct{ db *DB }

// NewCalendarImports returns the store of staged calendar imports.
func NewCalendarImports(db *DB) *CalendarImports { return &CalendarImports{db: db} }

var _ rights.StagedStore = (*CalendarImports)(nil)

type stagedDoc struct {
	ID      string        `bson:"_id"`
	Token   string        `bson:"token"`
	Entries []calendarDoc `bson:"entries"`
	Expires time.Time     `bson:"expires"`
}

// Stage stores si, replacing the administrator's earlier staged import.
func (c *CalendarImports) Stage(ctx context.Context, si rights.StagedImport) error {
	if si.By == "" || len(si.Entries) > rights.MaxCalendarRows {
		return fmt.Errorf("stage calendar import: %d dates for %q", len(si.Entries), si.By)
	}
	doc := stagedDoc{ID: si.By, Token: si.Token, Expires: si.Expires, Entries: make([]calendarDoc, 0, len(si.Entries))}
	for _, e := range si.Entries {
		if !storableDate(e.Date) {
			return fmt.Errorf("stage calendar import: invalid date %v", e.Date)
		}
		doc.Entries = append(doc.Entries, calendarDoc{ID: e.Date.String(), DayOff: e.DayOff, Note: e.Note})
	}
	defer c.db.locks.lock(collCalendarImports, si.By)()
	_, err := c.db.coll(collCalendarImports).ReplaceOne(ctx, bson.D{{Key: "_id", Value: si.By}}, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("stage calendar import: %w", translate(err))
	}
	return nil
}

// Staged returns the administrator's staged import.
func (c *CalendarImports) Staged(ctx context.Context, by string) (rights.StagedImport, error) {
	var doc stagedDoc
	if err := c.db.coll(collCalendarImports).FindOne(ctx, bson.D{{Key: "_id", Value: by}}).Decode(&doc); err != nil {
		return rights.StagedImport{}, fmt.Errorf("staged calendar import: %w", translate(err))
	}
	return doc.staged()
}

// Claim deletes and returns the administrator's staged import if token names it.
func (c *CalendarImports) Claim(ctx context.Context, by, token string) (rights.StagedImport, error) {
	defer c.db.locks.lock(collCalendarImports, by)()
	si, err := c.Staged(ctx, by)
	if err != nil {
		return si, err
	}
	if si.Token != token {
		return rights.StagedImport{}, fmt.Errorf("staged calendar import: another upload: %w", apperr.ErrNotFound)
	}
	// Under the lock the token was checked above; instances sharing a MongoDB check it
	// in the filter too, so of two confirmations only one deletes it.
	filter := bson.D{{Key: "_id", Value: by}}
	if !c.db.single {
		filter = append(filter, bson.E{Key: "token", Value: token})
	}
	res, err := c.db.coll(collCalendarImports).DeleteOne(ctx, filter)
	if err != nil {
		return rights.StagedImport{}, fmt.Errorf("claim calendar import: %w", translate(err))
	}
	if res.DeletedCount == 0 {
		return rights.StagedImport{}, fmt.Errorf("claim calendar import: %w", apperr.ErrNotFound)
	}
	return si, nil
}

// DropExpired deletes the staged imports expired at now (as a confirmation then finds
// them), whoever uploaded them. It reads the whole collection: at most one document per
// administrator, in the retention run and on the next upload.
func (c *CalendarImports) DropExpired(ctx context.Context, now time.Time) (int, error) {
	return c.db.deleteMatching(ctx, collCalendarImports, bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}})
}

func (d stagedDoc) staged() (rights.StagedImport, error) {
	si := rights.StagedImport{By: d.ID, Token: d.Token, Expires: d.Expires, Entries: make([]rights.DayEntry, 0, len(d.Entries))}
	for _, e := range d.Entries {
		day, err := rights.ParseDate(e.ID)
		if err != nil {
			return rights.StagedImport{}, fmt.Errorf("staged calendar import: %w", err)
		}
		si.Entries = append(si.Entries, rights.DayEntry{Date: day, DayOff: e.DayOff, Note: e.Note})
	}
	return si, nil
}
