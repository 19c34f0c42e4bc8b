package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// Disclosures implements disclosure.Register. The current version of a record lives in
// "disclosures" under its id, every version (the current one included) in
// "disclosure_history" under the same id, and each person's record ids in
// "subject_disclosures" under the person's id, so a person's page is two _id look-ups
// deep. The register is read a period at a time through lists of the ids disclosed in
// each year and of the series still running (lists.go), never by reading every record.
//
// The recipient's name and address and the description are sealed with the agency
// records key: they may name people, and a backup or a look into the database should not
// show them.
type Disclosures struct {
	db   *DB
	keys *recordsKey
}

var _ disclosure.Register = (*Disclosures)(nil)

// NewDisclosures returns the register.
func NewDisclosures(db *DB, v *vault.Vault) *Disclosures {
	return &Disclosures{db: db, keys: newRecordsKey(db, v)}
}

type disclosureDoc struct {
	ID               string    `bson:"_id"`
	First            string    `bson:"first"`
	Last             string    `bson:"last,omitempty"`
	Frequency        string    `bson:"frequency,omitempty"`
	RecipientName    string    `bson:"recipient_name,omitempty"` // clear: records written before sealing
	RecipientAddress string    `bson:"recipient_address,omitempty"`
	RecipientKind    string    `bson:"recipient_kind"`
	Categories       []string  `bson:"categories"`
	Description      string    `bson:"description,omitempty"`
	SealedName       []byte    `bson:"recipient_name_sealed,omitempty"`
	SealedAddress    []byte    `bson:"recipient_address_sealed,omitempty"`
	SealedDesc       []byte    `bson:"description_sealed,omitempty"`
	Ground           string    `bson:"ground"`
	Reference        string    `bson:"reference"`
	Subjects         []string  `bson:"subjects,omitempty"`
	Erased           int       `bson:"erased,omitempty"` // subjects since erased
	Count            int       `bson:"count,omitempty"`
	WithheldUntil    string    `bson:"withheld_until,omitempty"`
	Officer          string    `bson:"officer"`
	Version          int       `bson:"version"`
	Changed          time.Time `bson:"changed"`
	ChangedBy        string    `bson:"changed_by"`
}

type historyDoc struct {
	ID       string          `bson:"_id"`
	Versions []disclosureDoc `bson:"versions"`
}

func dateOrEmpty(d rights.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseOrZero(s string) rights.Date {
	d, _ := rights.ParseDate(s)
	return d
}

// Sealed field names bind each text to its record.
func discField(name, id string) string { return "disclosure." + name + "/" + id }

func disclosureToDoc(r *disclosure.Record, sl *vault.Sealer) disclosureDoc {
	return disclosureDoc{ID: r.ID, First: r.First.String(), Last: dateOrEmpty(r.Last), Frequency: r.Frequency,
		SealedName: sl.Seal(discField("recipient_name", r.ID), r.RecipientName), SealedAddress: sl.Seal(discField("recipient_address", r.ID), r.RecipientAddress),
		RecipientKind: r.RecipientKind, Categories: r.Categories, SealedDesc: sl.Seal(discField("description", r.ID), r.Description),
		Ground: r.Ground, Reference: r.Reference, Subjects: r.Subjects, Count: r.Count, WithheldUntil: dateOrEmpty(r.WithheldUntil),
		Officer: r.Officer, Version: r.Version, Changed: r.Changed.UTC(), ChangedBy: r.ChangedBy}
}

// domain converts a stored record; without a sealer (sl nil) the sealed texts stay empty,
// which is enough where only the dates count.
func (d *disclosureDoc) domain(sl *vault.Sealer) (*disclosure.Record, error) {
	r := &disclosure.Record{ID: d.ID, First: parseOrZero(d.First), Last: parseOrZero(d.Last), Frequency: d.Frequency,
		RecipientKind: d.RecipientKind, Categories: d.Categories,
		Ground: d.Ground, Reference: d.Reference, Subjects: d.Subjects, Count: d.Count,
		WithheldUntil: parseOrZero(d.WithheldUntil), Officer: d.Officer, Version: d.Version, Changed: d.Changed, ChangedBy: d.ChangedBy}
	if sl == nil {
		return r, nil
	}
	var err error
	if r.RecipientName, err = openOr(sl, discField("recipient_name", d.ID), d.SealedName, d.RecipientName); err != nil {
		return nil, err
	}
	if r.RecipientAddress, err = openOr(sl, discField("recipient_address", d.ID), d.SealedAddress, d.RecipientAddress); err != nil {
		return nil, err
	}
	if r.Description, err = openOr(sl, discField("description", d.ID), d.SealedDesc, d.Description); err != nil {
		return nil, err
	}
	return r, nil
}

// dates is the record as far as its periods go.
func (d *disclosureDoc) dates() *disclosure.Record {
	r, _ := d.domain(nil)
	return r
}

// Save stores a new record or a new version, under the record's lock; the history gets
// every version, and the people newly named get the record in their list.
func (s *Disclosures) Save(ctx context.Context, r *disclosure.Record) error {
	if r.ID == "" {
		r.ID = ids.New("d")
		r.Version = 0
	}
	// The record joins its years' lists before it is written (intent first); lists it
	// no longer belongs to (a corrected date) let it go afterwards.
	if err := s.addToPeriods(ctx, r); err != nil {
		return err
	}
	old, err := s.saveRecord(ctx, r)
	if err != nil {
		return err
	}
	if old != nil {
		for _, key := range periodKeys(old.dates()) {
			if !slices.Contains(periodKeys(r), key) {
				if err := s.db.listRemove(ctx, listDisclosures, key, r.ID); err != nil {
					return fmt.Errorf("disclosure periods: %w", err)
				}
			}
		}
	}
	// The people's lists are updated after the record's lock is released: nothing needs
	// both at once.
	for _, subj := range r.Subjects {
		unlock := s.db.locks.lock(collSubjectDisclosures, subj)
		_, err := s.db.coll(collSubjectDisclosures).UpdateOne(ctx, bson.D{{Key: "_id", Value: subj}},
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: r.ID}}}}, options.UpdateOne().SetUpsert(true))
		unlock()
		if err != nil {
			return fmt.Errorf("disclosure subjects: %w", translate(err))
		}
	}
	return nil
}

func (s *Disclosures) saveRecord(ctx context.Context, r *disclosure.Record) (*disclosureDoc, error) {
	defer s.db.locks.lock(collDisclosures, r.ID)()
	var old *disclosureDoc
	var cur disclosureDoc
	err := translate(s.db.coll(collDisclosures).FindOne(ctx, bson.D{{Key: "_id", Value: r.ID}}).Decode(&cur))
	switch {
	case err == nil:
		if cur.Version != r.Version {
			return nil, fmt.Errorf("disclosure %s: %w", r.ID, apperr.ErrStale)
		}
		old = &cur
	case errors.Is(err, apperr.ErrNotFound):
		if r.Version != 0 {
			return nil, fmt.Errorf("disclosure %s: %w", r.ID, apperr.ErrNotFound)
		}
	default:
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	sl, err := s.keys.sealer(ctx)
	if err != nil {
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	r.Version++
	d := disclosureToDoc(r, sl)
	if old != nil {
		d.Erased = old.Erased
	}
	if _, err := s.db.coll(collDisclosureHistory).UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "versions", Value: d}}}}, options.UpdateOne().SetUpsert(true)); err != nil {
		return nil, fmt.Errorf("disclosure history: %w", translate(err))
	}
	if _, err := s.db.coll(collDisclosures).ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return nil, fmt.Errorf("disclosure: %w", translate(err))
	}
	return old, nil
}

// Get returns the current version of a record.
func (s *Disclosures) Get(ctx context.Context, id string) (*disclosure.Record, error) {
	var d disclosureDoc
	if err := s.db.coll(collDisclosures).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", id, translate(err))
	}
	sl, err := s.keys.sealer(ctx)
	if err != nil {
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	return d.domain(sl)
}

// periodYears is the list of the years that have a list.
const periodYears = "years"

// periodKeys names the lists a record belongs to: each year from its first disclosure to
// its last (a record without a last date is one disclosure, as disclosure.Filter reads it).
func periodKeys(r *disclosure.Record) []string {
	last := r.Last
	if last.IsZero() || last.Before(r.First) {
		last = r.First
	}
	var keys []string
	for y := r.First.Year; y <= last.Year && y > 0; y++ {
		keys = append(keys, strconv.Itoa(y))
	}
	return keys
}

func (s *Disclosures) addToPeriods(ctx context.Context, r *disclosure.Record) error {
	for _, key := range periodKeys(r) {
		if err := s.db.listAdd(ctx, listDisclosures, periodYears, key); err != nil {
			return fmt.Errorf("disclosure periods: %w", err)
		}
		if err := s.db.listAdd(ctx, listDisclosures, key, r.ID); err != nil {
			return fmt.Errorf("disclosure periods: %w", err)
		}
	}
	return nil
}

// List returns the records that may fall in the period from..to (a zero date leaves
// that end open), the most recent disclosure first: those of the period's years. The
// caller applies the exact filter (disclosure.Filter).
func (s *Disclosures) List(ctx context.Context, from, to rights.Date) ([]*disclosure.Record, error) {
	years, err := s.db.listIDs(ctx, listDisclosures, periodYears)
	if err != nil {
		return nil, fmt.Errorf("disclosures: %w", err)
	}
	var keys []string
	for _, y := range years {
		n, _ := strconv.Atoi(y)
		if (from.IsZero() || n >= from.Year) && (to.IsZero() || n <= to.Year) {
			keys = append(keys, y)
		}
	}
	seen := map[string]bool{}
	var out []*disclosure.Record
	for _, key := range keys {
		ids, err := s.db.listIDs(ctx, listDisclosures, key)
		if err != nil {
			return nil, fmt.Errorf("disclosures: %w", err)
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			r, err := s.Get(ctx, id)
			if errors.Is(err, apperr.ErrNotFound) {
				continue // listed by a save that did not finish
			}
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].First.After(out[j].First) || out[i].First == out[j].First && out[i].ID < out[j].ID
	})
	return out, nil
}

// Versions returns every version of a record, oldest first.
func (s *Disclosures) Versions(ctx context.Context, id string) ([]*disclosure.Record, error) {
	var h historyDoc
	if err := s.db.coll(collDisclosureHistory).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&h); err != nil {
		return nil, fmt.Errorf("disclosure %s: %w", id, translate(err))
	}
	sl, err := s.keys.sealer(ctx)
	if err != nil {
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	out := make([]*disclosure.Record, len(h.Versions))
	for i := range h.Versions {
		if out[i], err = h.Versions[i].domain(sl); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ForSubject lists the current records that name a person, most recent first.
func (s *Disclosures) ForSubject(ctx context.Context, subject string) ([]*disclosure.Record, error) {
	var idx struct {
		IDs []string `bson:"ids"`
	}
	err := translate(s.db.coll(collSubjectDisclosures).FindOne(ctx, bson.D{{Key: "_id", Value: subject}}).Decode(&idx))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("disclosures: %w", err)
	}
	var out []*disclosure.Record
	for _, id := range idx.IDs {
		r, err := s.Get(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, subj := range r.Subjects {
			if subj == subject { // a later version may have removed the person
				out = append(out, r)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].First.After(out[j].First) })
	return out, nil
}

// forget removes an erased person from the records that name them, counting them
// instead, and from the history (whose versions named them too).
func (s *Disclosures) forget(ctx context.Context, subject string) error {
	var idx struct {
		IDs []string `bson:"ids"`
	}
	err := translate(s.db.coll(collSubjectDisclosures).FindOne(ctx, bson.D{{Key: "_id", Value: subject}}).Decode(&idx))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, id := range idx.IDs {
		unlock := s.db.locks.lock(collDisclosures, id)
		_, err := s.db.coll(collDisclosures).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$pull", Value: bson.D{{Key: "subjects", Value: subject}}}, {Key: "$inc", Value: bson.D{{Key: "erased", Value: 1}}}})
		if err == nil {
			var h historyDoc
			if err = translate(s.db.coll(collDisclosureHistory).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&h)); err == nil {
				for i := range h.Versions {
					h.Versions[i].Subjects = without(h.Versions[i].Subjects, subject)
				}
				_, err = s.db.coll(collDisclosureHistory).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, h)
			} else if errors.Is(err, apperr.ErrNotFound) {
				err = nil
			}
		}
		unlock()
		if err != nil {
			return fmt.Errorf("forget in disclosure %s: %w", id, translate(err))
		}
	}
	_, err = s.db.coll(collSubjectDisclosures).DeleteOne(ctx, bson.D{{Key: "_id", Value: subject}})
	return translate(err)
}

func without(xs []string, x string) []string {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
