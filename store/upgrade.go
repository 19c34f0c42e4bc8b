package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/internal/twtime"
)

// layoutVersion is the shape of the data this version writes. Version 2 added the
// lists (lists.go: people's documents, the staff, the disclosure register by year) and
// the consent counters; a database written before them (or restored
// from a backup made before them) is brought up to date by Upgrade.
const layoutVersion = 2

const layoutID = "layout"

type layoutDoc struct {
	ID      string    `bson:"_id"`
	Version int       `bson:"version"`
	At      time.Time `bson:"at"`
}

// Upgrade builds what an earlier layout lacked: each person's lists of consent events,
// sessions, mail and tokens, the staff list, and the consent counters. It reads whole
// collections once (a background job, before the portal serves), then records the
// layout, so every later start costs one _id look-up. Running it twice, or on two
// instances at once, gives the same result: lists are merged, counters recomputed.
// progress, if not nil, is told each step.
func (d *DB) Upgrade(ctx context.Context, progress func(step string)) error {
	ctx = background.Job(ctx, "upgrade")
	var l layoutDoc
	err := translate(d.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: layoutID}}).Decode(&l))
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return fmt.Errorf("data layout: %w", err)
	}
	if l.Version >= layoutVersion {
		return nil
	}
	if progress == nil {
		progress = func(string) {}
	}
	// A new database has nothing to upgrade: one look-up, and the layout is recorded.
	empty := true
	for _, c := range []string{collUsers, collConsentEvents, collDisclosures} {
		err := translate(d.coll(c).FindOne(ctx, bson.D{}).Err())
		if err == nil {
			empty = false
			break
		}
		if !errors.Is(err, apperr.ErrNotFound) {
			return fmt.Errorf("data layout: %w", err)
		}
	}
	if empty {
		progress = func(string) {}
	}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"consent history lists and monthly counts", d.upgradeConsentEvents},
		{"session lists", func(ctx context.Context) error { return d.upgradeOwned(ctx, collSessions, listSessions, "created") }},
		{"mail lists (pending)", func(ctx context.Context) error { return d.upgradeOwned(ctx, collOutbox, listMail, "created") }},
		{"mail lists (sent)", func(ctx context.Context) error { return d.upgradeOwned(ctx, collMail, listMail, "created") }},
		{"token lists", func(ctx context.Context) error { return d.upgradeOwned(ctx, collTokens, listTokens, "expires") }},
		{"staff list and current consents", d.upgradeUsers},
		{"disclosure register by year", d.upgradeDisclosures},
	}
	for _, st := range steps {
		progress(st.name)
		if err := st.run(ctx); err != nil {
			return fmt.Errorf("upgrade %s: %w", st.name, err)
		}
	}
	_, err = d.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: layoutID}},
		layoutDoc{ID: layoutID, Version: layoutVersion, At: time.Now().UTC()}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("data layout: %w", translate(err))
	}
	return nil
}

// mergeLists adds ids (in order) to many lists of one kind at once, keeping what they
// held: new lists in batches, existing ones with $addToSet.
func (d *DB) mergeLists(ctx context.Context, kind string, byKey map[string][]string) error {
	byID := make(map[string][]string, len(byKey))
	for key, ids := range byKey {
		byID[listID(kind, key)] = ids
	}
	return d.addToAll(ctx, collLists, "ids", byID, nil)
}

// upgradeConsentEvents reads the consent events once: each person's list, in the order
// they were appended, and the grants and withdrawals per month.
func (d *DB) upgradeConsentEvents(ctx context.Context) error {
	cur, err := d.coll(collConsentEvents).Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "subject", Value: 1}, {Key: "seq", Value: 1},
			{Key: "purpose", Value: 1}, {Key: "action", Value: 1}, {Key: "at", Value: 1}}))
	if err != nil {
		return translate(err)
	}
	type ev struct {
		ID      string    `bson:"_id"`
		Subject string    `bson:"subject"`
		Seq     int64     `bson:"seq"`
		Purpose string    `bson:"purpose"`
		Action  string    `bson:"action"`
		At      time.Time `bson:"at"`
	}
	var evs []ev
	months := map[string]*consentCountsDoc{}
	for cur.Next(ctx) {
		var e ev
		if err := cur.Decode(&e); err != nil {
			return err
		}
		evs = append(evs, ev{ID: e.ID, Subject: e.Subject, Seq: e.Seq})
		if e.Action != string(consent.Grant) && e.Action != string(consent.Withdraw) {
			continue
		}
		m := e.At.In(twtime.Zone).Format("2006-01")
		doc := months[m]
		if doc == nil {
			doc = &consentCountsDoc{ID: m, Grant: map[string]int{}, Withdraw: map[string]int{}}
			months[m] = doc
		}
		if e.Action == string(consent.Grant) {
			doc.Grant[e.Purpose]++
		} else {
			doc.Withdraw[e.Purpose]++
		}
	}
	if err := cur.Err(); err != nil {
		return translate(err)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	bySubject := map[string][]string{}
	for _, e := range evs {
		bySubject[e.Subject] = append(bySubject[e.Subject], e.ID)
	}
	if err := d.mergeLists(ctx, listConsents, bySubject); err != nil {
		return err
	}
	for _, doc := range months {
		if err := d.putConsentCounts(ctx, doc); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) putConsentCounts(ctx context.Context, doc *consentCountsDoc) error {
	defer d.locks.lock(collConsentCounts, doc.ID)()
	_, err := d.coll(collConsentCounts).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true))
	return translate(err)
}

// upgradeOwned lists every document of coll under its owner (user_id), ordered by field.
func (d *DB) upgradeOwned(ctx context.Context, coll, kind, field string) error {
	cur, err := d.coll(coll).Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "user_id", Value: 1}, {Key: field, Value: 1}}))
	if err != nil {
		return translate(err)
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		return translate(err)
	}
	at := func(m bson.M) time.Time {
		if t, ok := m[field].(bson.DateTime); ok {
			return t.Time()
		}
		return time.Time{}
	}
	sort.SliceStable(docs, func(i, j int) bool { return at(docs[i]).Before(at(docs[j])) })
	byOwner := map[string][]string{}
	for _, m := range docs {
		id, _ := m["_id"].(string)
		owner, _ := m["user_id"].(string)
		if id != "" && owner != "" {
			byOwner[owner] = append(byOwner[owner], id)
		}
	}
	return d.mergeLists(ctx, kind, byOwner)
}

// upgradeUsers reads the people once: the staff list, and the current consents per
// purpose from each person's states.
func (d *DB) upgradeUsers(ctx context.Context) error {
	cur, err := d.coll(collUsers).Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "roles", Value: 1}, {Key: "consents", Value: 1}}))
	if err != nil {
		return translate(err)
	}
	var staff []string
	current := map[string]int{}
	for cur.Next(ctx) {
		var u struct {
			ID       string                     `bson:"_id"`
			Roles    []string                   `bson:"roles"`
			Consents map[string]consentStateDoc `bson:"consents"`
		}
		if err := cur.Decode(&u); err != nil {
			return err
		}
		if len(u.Roles) > 0 {
			staff = append(staff, u.ID)
		}
		for p, st := range u.Consents {
			if st.Granted {
				current[p]++
			}
		}
	}
	if err := cur.Err(); err != nil {
		return translate(err)
	}
	if len(staff) > 0 {
		if err := d.mergeLists(ctx, listStaff, map[string][]string{staffKey: staff}); err != nil {
			return err
		}
	}
	return d.putConsentCounts(ctx, &consentCountsDoc{ID: consentCountsCurrent, N: current})
}

func (d *DB) upgradeDisclosures(ctx context.Context) error {
	cur, err := d.coll(collDisclosures).Find(ctx, bson.D{})
	if err != nil {
		return translate(err)
	}
	var docs []disclosureDoc
	if err := cur.All(ctx, &docs); err != nil {
		return translate(err)
	}
	reg := &Disclosures{db: d}
	for i := range docs {
		if err := reg.addToPeriods(ctx, docs[i].dates()); err != nil {
			return err
		}
	}
	return nil
}
