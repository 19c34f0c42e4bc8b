package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/incident"
)

// Incidents keeps the security incident records, one document each, replaced on their
// version.
type Incidents struct{ db *DB }

var _ incident.Store = (*Incidents)(nil)

// NewIncidents returns the incident store.
func NewIncidents(db *DB) *Incidents { return &Incidents{db: db} }

type incidentDoc struct {
	ID         string    `bson:"_id"`
	Version    int64     `bson:"version"`
	Discovered time.Time `bson:"discovered"`
	Recorded   time.Time `bson:"recorded"`
	RecordedBy string    `bson:"recorded_by"`
	Title      string    `bson:"title"`
	What       string    `bson:"what"`
	Data       string    `bson:"data"`
	People     int       `bson:"people"`
	Measures   string    `bson:"measures"`
	WhatEN     string    `bson:"what_en,omitempty"`
	MeasuresEN string    `bson:"measures_en,omitempty"`
	Affected   []string  `bson:"affected"`
	ReportedAt time.Time `bson:"reported_at,omitempty"`
	ReportRef  string    `bson:"report_ref,omitempty"`
	NotifiedAt time.Time `bson:"notified_at,omitempty"`
	Notified   int       `bson:"notified"`
	Told       []string  `bson:"told"`
	Updated    time.Time `bson:"updated"`
	UpdatedBy  string    `bson:"updated_by"`
}

// Save creates or replaces a record on its version.
func (s *Incidents) Save(ctx context.Context, i *incident.Incident) error {
	d := incidentDoc(*i)
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
	return incidentOf(&d), nil
}

// incidentOf converts a stored record. One notified before Told was kept told everyone
// then affected, all at once.
func incidentOf(d *incidentDoc) *incident.Incident {
	i := incident.Incident(*d)
	if !i.NotifiedAt.IsZero() && i.Told == nil {
		i.Told = slices.Clone(i.Affected)
	}
	return &i
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
		out[k] = incidentOf(&docs[k])
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Discovered.After(out[b].Discovered) })
	return out, nil
}

// DeleteRecordedBefore destroys the records made before t.
func (s *Incidents) DeleteRecordedBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.coll(collIncidents).DeleteMany(ctx, bson.D{{Key: "recorded", Value: bson.D{{Key: "$lt", Value: t.UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("old incidents: %w", translate(err))
	}
	return int(res.DeletedCount), nil
}
