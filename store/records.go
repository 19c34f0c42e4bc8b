package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/vault"
)

// recordsKey seals the agency's own records — disclosures, incidents, staff reviews and
// the documents attached to disclosures — with the agency records key
// (attachments.RecordsSubject), made on first use. That key is never destroyed, so the sealer
// is kept once read.
type recordsKey struct {
	db *DB
	v  *vault.Vault
	mu sync.Mutex
	s  *vault.Sealer
}

func newRecordsKey(db *DB, v *vault.Vault) *recordsKey { return &recordsKey{db: db, v: v} }

func (k *recordsKey) sealer(ctx context.Context) (*vault.Sealer, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.s != nil {
		return k.s, nil
	}
	s, err := recordsSealer(ctx, k.db, k.v)
	if err == nil {
		k.s = s
	}
	return s, err
}

// recordsSealer reads the agency records key, making it when there is none yet.
func recordsSealer(ctx context.Context, db *DB, v *vault.Vault) (*vault.Sealer, error) {
	s, err := v.For(ctx, attachments.RecordsSubject)
	if !errors.Is(err, vault.ErrKeyDestroyed) {
		return s, err
	}
	defer db.locks.lock(collKeys, attachments.RecordsSubject)()
	if s, err = v.For(ctx, attachments.RecordsSubject); errors.Is(err, vault.ErrKeyDestroyed) {
		return v.NewSubject(ctx, attachments.RecordsSubject)
	}
	return s, err
}

// openOr opens a sealed field, or gives the clear text a record written before fields
// were sealed still holds (until the start-up's sealing pass reaches it).
func openOr(s *vault.Sealer, field string, sealed []byte, clear string) (string, error) {
	if len(sealed) == 0 {
		return clear, nil
	}
	return s.Open(field, sealed)
}

const recordsSealedID = "records_sealed"

// SealRecords seals the texts of records written before they were sealed — disclosures
// and their history, incidents, staff reviews — and marks the database done, so later
// starts cost one look-up. It reads those collections whole (a background job at start;
// they are small: an agency's register, a handful of incidents, two reviews a year), and
// running it twice, or on two instances at once, seals each text once.
func SealRecords(ctx context.Context, db *DB, v *vault.Vault) (int, error) {
	ctx = background.Job(ctx, "seal records")
	err := translate(db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: recordsSealedID}}).Err())
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, apperr.ErrNotFound) {
		return 0, fmt.Errorf("seal records: %w", err)
	}
	sl, err := recordsSealer(ctx, db, v)
	if err != nil {
		return 0, fmt.Errorf("seal records: %w", err)
	}
	n := 0
	for _, step := range []func(context.Context, *DB, *vault.Sealer) (int, error){sealDisclosures, sealIncidents, sealReviews} {
		k, err := step(ctx, db, sl)
		n += k
		if err != nil {
			return n, fmt.Errorf("seal records: %w", err)
		}
	}
	if _, err := db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: recordsSealedID}},
		bson.D{{Key: "_id", Value: recordsSealedID}, {Key: "at", Value: time.Now().UTC()}}, options.Replace().SetUpsert(true)); err != nil {
		return n, fmt.Errorf("seal records: %w", translate(err))
	}
	return n, nil
}

// sealDisclosure moves a record version's clear texts into its sealed fields; false when
// there was nothing in clear.
func sealDisclosure(d *disclosureDoc, sl *vault.Sealer) bool {
	if d.RecipientName == "" && d.RecipientAddress == "" && d.Description == "" {
		return false
	}
	if d.RecipientName != "" {
		d.SealedName, d.RecipientName = sl.Seal(discField("recipient_name", d.ID), d.RecipientName), ""
	}
	if d.RecipientAddress != "" {
		d.SealedAddress, d.RecipientAddress = sl.Seal(discField("recipient_address", d.ID), d.RecipientAddress), ""
	}
	if d.Description != "" {
		d.SealedDesc, d.Description = sl.Seal(discField("description", d.ID), d.Description), ""
	}
	return true
}

func sealDisclosures(ctx context.Context, db *DB, sl *vault.Sealer) (int, error) {
	var docs []disclosureDoc
	if err := readAll(ctx, db, collDisclosures, &docs); err != nil {
		return 0, err
	}
	n := 0
	for i := range docs {
		id := docs[i].ID
		err := func() error {
			defer db.locks.lock(collDisclosures, id)()
			var d disclosureDoc // read again under the lock: a save may have come first
			if err := translate(db.coll(collDisclosures).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)); err != nil {
				return err
			}
			if !sealDisclosure(&d, sl) {
				return nil
			}
			n++
			_, err := db.coll(collDisclosures).ReplaceOne(ctx, db.atVersion(id, int64(d.Version)), d)
			return translate(err)
		}()
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return n, err
		}
	}
	var hist []historyDoc
	if err := readAll(ctx, db, collDisclosureHistory, &hist); err != nil {
		return n, err
	}
	for _, h := range hist {
		err := func() error {
			defer db.locks.lock(collDisclosures, h.ID)()
			var cur historyDoc
			if err := translate(db.coll(collDisclosureHistory).FindOne(ctx, bson.D{{Key: "_id", Value: h.ID}}).Decode(&cur)); err != nil {
				return err
			}
			changed := false
			for k := range cur.Versions {
				changed = sealDisclosure(&cur.Versions[k], sl) || changed
			}
			if !changed {
				return nil
			}
			n++
			_, err := db.coll(collDisclosureHistory).ReplaceOne(ctx, bson.D{{Key: "_id", Value: h.ID}}, cur)
			return translate(err)
		}()
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return n, err
		}
	}
	return n, nil
}

func sealIncidents(ctx context.Context, db *DB, sl *vault.Sealer) (int, error) {
	var docs []incidentDoc
	if err := readAll(ctx, db, collIncidents, &docs); err != nil {
		return 0, err
	}
	s := &Incidents{db: db, keys: &recordsKey{db: db, s: sl}}
	n := 0
	for i := range docs {
		if len(docs[i].Sealed) > 0 {
			continue
		}
		err := func() error {
			defer db.locks.lock(collIncidents, docs[i].ID)()
			cur, err := s.Get(ctx, docs[i].ID) // opens clear or sealed alike
			if err != nil {
				return err
			}
			d, err := s.toDoc(ctx, cur)
			if err != nil {
				return err
			}
			n++
			_, err = db.coll(collIncidents).ReplaceOne(ctx, db.atVersion(cur.ID, cur.Version), d)
			return translate(err)
		}()
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return n, err
		}
	}
	return n, nil
}

func sealReviews(ctx context.Context, db *DB, sl *vault.Sealer) (int, error) {
	var docs []reviewDoc
	if err := readAll(ctx, db, collReviews, &docs); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range docs {
		if d.ReviewerName == "" {
			continue
		}
		// Reviews are never changed once recorded, so the clear name is the filter.
		_, err := db.coll(collReviews).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "reviewer_name_sealed", Value: sl.Seal(reviewerField(d.ID), d.ReviewerName)}}},
				{Key: "$unset", Value: bson.D{{Key: "reviewer_name", Value: ""}}}})
		if err != nil {
			return n, translate(err)
		}
		n++
	}
	return n, nil
}

func readAll(ctx context.Context, db *DB, coll string, out any) error {
	cur, err := db.coll(coll).Find(ctx, bson.D{})
	if err != nil {
		return translate(err)
	}
	return translate(cur.All(ctx, out))
}
