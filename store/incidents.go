package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/vault"
)

// Incidents keeps the security incident records, one document each, replaced on their
// version. Their texts are sealed with the agency records key: they describe what
// happened to people's data, often naming them.
type Incidents struct {
	db   *DB
	keys *recordsKey
}

var _ incident.Store = (*Incidents)(nil)

// NewIncidents returns the incident store.
func NewIncidents(db *DB, v *vault.Vault) *Incidents {
	return &Incidents{db: db, keys: newRecordsKey(db, v)}
}

type incidentDoc struct {
	ID         string    `bson:"_id"`
	Version    int64     `bson:"version"`
	Discovered time.Time `bson:"discovered"`
	Recorded   time.Time `bson:"recorded"`
	RecordedBy string    `bson:"recorded_by"`
	// The texts, in clear only in records written before they were sealed.
	Title      string    `bson:"title,omitempty"`
	What       string    `bson:"what,omitempty"`
	Data       string    `bson:"data,omitempty"`
	People     int       `bson:"people"`
	Measures   string    `bson:"measures,omitempty"`
	WhatEN     string    `bson:"what_en,omitempty"`
	MeasuresEN string    `bson:"measures_en,omitempty"`
	Sealed     []byte    `bson:"sealed,omitempty"` // the texts above as JSON, sealed
	Affected   []string  `bson:"affected"`
	ReportedAt time.Time `bson:"reported_at,omitempty"`
	ReportRef  string    `bson:"report_ref,omitempty"`
	NotifiedAt time.Time `bson:"notified_at,omitempty"`
	Notified   int       `bson:"notified"`
	Told       []string  `bson:"told"`
	// When the announcement was published and each notice given (no personal data).
	AnnouncedAt time.Time  `bson:"announced_at,omitempty"`
	Rounds      []roundDoc `bson:"rounds,omitempty"`
	Updated     time.Time  `bson:"updated"`
	UpdatedBy   string     `bson:"updated_by"`
}

// incidentTexts are the sealed part of a record.
type incidentTexts struct {
	Title, What, Data, Measures, WhatEN, MeasuresEN string
	// The people without an account: names, addresses and e-mail addresses.
	Emails, Letters []incident.Contact `json:",omitempty"`
	Impracticable   string             `json:",omitempty"`
}

type roundDoc struct {
	Channel string    `bson:"channel"`
	Count   int       `bson:"count"`
	At      time.Time `bson:"at"`
	By      string    `bson:"by"`
}

func incidentField(id string) string { return "incident.texts/" + id }

// toDoc seals the record's texts.
func (s *Incidents) toDoc(ctx context.Context, i *incident.Incident) (incidentDoc, error) {
	sl, err := s.keys.sealer(ctx)
	if err != nil {
		return incidentDoc{}, fmt.Errorf("incident: %w", err)
	}
	b, err := json.Marshal(incidentTexts{i.Title, i.What, i.Data, i.Measures, i.WhatEN, i.MeasuresEN, i.Emails, i.Letters, i.Impracticable})
	if err != nil {
		return incidentDoc{}, err
	}
	d := incidentDoc{ID: i.ID, Version: i.Version, Discovered: i.Discovered, Recorded: i.Recorded, RecordedBy: i.RecordedBy,
		People: i.People, Affected: i.Affected, ReportedAt: i.ReportedAt, ReportRef: i.ReportRef, NotifiedAt: i.NotifiedAt,
		Notified: i.Notified, Told: i.Told, Updated: i.Updated, UpdatedBy: i.UpdatedBy, Sealed: sl.Seal(incidentField(i.ID), string(b)),
		AnnouncedAt: i.AnnouncedAt}
	for _, r := range i.Rounds {
		d.Rounds = append(d.Rounds, roundDoc(r))
	}
	return d, nil
}

// Save creates or replaces a record on its version.
func (s *Incidents) Save(ctx context.Context, i *incident.Incident) error {
	d, err := s.toDoc(ctx, i)
	if err != nil {
		return err
	}
	d.Version = i.Version + 1
	if i.Version == 0 {
		if _, err := s.db.coll(collIncidents).InsertOne(ctx, d); err != nil {
			return fmt.Errorf("save incident: %w", translate(err))
		}
		i.Version = d.Version
		return nil
	}
	unlock := s.db.locks.lock(collIncidents, i.ID)
	defer unlock()
	cur, err := s.Get(ctx, i.ID)
	if err != nil {
		return err
	}
	if cur.Version != i.Version {
		return fmt.Errorf("incident %s: %w", i.ID, apperr.ErrStale)
	}
	res, err := s.db.coll(collIncidents).ReplaceOne(ctx, s.db.atVersion(i.ID, i.Version), d)
	if err != nil {
		return fmt.Errorf("save incident: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("incident %s: %w", i.ID, apperr.ErrStale)
	}
	i.Version = d.Version
	return nil
}

// Get returns one record.
func (s *Incidents) Get(ctx context.Context, id string) (*incident.Incident, error) {
	var d incidentDoc
	if err := translate(s.db.coll(collIncidents).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)); err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, fmt.Errorf("incident %s: %w", id, err)
		}
		return nil, fmt.Errorf("incident %s: %w", id, err)
	}
	return s.incidentOf(ctx, &d)
}

// incidentOf converts a stored record, opening its texts (a record from before they were
// sealed has them in clear). One notified before Told was kept told everyone then
// affected, all at once.
func (s *Incidents) incidentOf(ctx context.Context, d *incidentDoc) (*incident.Incident, error) {
	i := &incident.Incident{ID: d.ID, Version: d.Version, Discovered: d.Discovered, Recorded: d.Recorded, RecordedBy: d.RecordedBy,
		Title: d.Title, What: d.What, Data: d.Data, People: d.People, Measures: d.Measures, WhatEN: d.WhatEN, MeasuresEN: d.MeasuresEN,
		Affected: d.Affected, ReportedAt: d.ReportedAt, ReportRef: d.ReportRef, NotifiedAt: d.NotifiedAt, Notified: d.Notified,
		Told: d.Told, Updated: d.Updated, UpdatedBy: d.UpdatedBy, AnnouncedAt: d.AnnouncedAt}
	for _, r := range d.Rounds {
		i.Rounds = append(i.Rounds, incident.Round(r))
	}
	if len(d.Sealed) > 0 {
		sl, err := s.keys.sealer(ctx)
		if err != nil {
			return nil, fmt.Errorf("incident: %w", err)
		}
		plain, err := sl.Open(incidentField(d.ID), d.Sealed)
		if err != nil {
			return nil, err
		}
		var t incidentTexts
		if err := json.Unmarshal([]byte(plain), &t); err != nil {
			return nil, fmt.Errorf("incident %s: %w", d.ID, err)
		}
		i.Title, i.What, i.Data, i.Measures, i.WhatEN, i.MeasuresEN = t.Title, t.What, t.Data, t.Measures, t.WhatEN, t.MeasuresEN
		i.Emails, i.Letters, i.Impracticable = t.Emails, t.Letters, t.Impracticable
	}
	if !i.NotifiedAt.IsZero() && i.Told == nil {
		i.Told = slices.Clone(i.Affected)
	}
	return i, nil
}

// List returns every record, newest discovery first (a handful a year: a scan is fine).
func (s *Incidents) List(ctx context.Context) ([]*incident.Incident, error) {
	cur, err := s.db.coll(collIncidents).Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", translate(err))
	}
	var docs []incidentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("incidents: %w", translate(err))
	}
	out := make([]*incident.Incident, len(docs))
	for k := range docs {
		if out[k], err = s.incidentOf(ctx, &docs[k]); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Discovered.After(out[b].Discovered) })
	return out, nil
}

// DeleteRecordedBefore destroys the records made before t, and the data key that
// sealed their mail to people without an account.
func (s *Incidents) DeleteRecordedBefore(ctx context.Context, t time.Time) (int, error) {
	old := bson.D{{Key: "recorded", Value: bson.D{{Key: "$lt", Value: t.UTC()}}}}
	var docs []struct {
		ID string `bson:"_id"`
	}
	cur, err := s.db.coll(collIncidents).Find(ctx, old)
	if err == nil {
		err = cur.All(ctx, &docs)
	}
	if err != nil {
		return 0, fmt.Errorf("old incidents: %w", translate(err))
	}
	for _, d := range docs {
		if err := s.keys.v.Destroy(ctx, d.ID); err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return 0, fmt.Errorf("old incident %s: %w", d.ID, err)
		}
	}
	res, err := s.db.coll(collIncidents).DeleteMany(ctx, old)
	if err != nil {
		return 0, fmt.Errorf("old incidents: %w", translate(err))
	}
	return int(res.DeletedCount), nil
}
