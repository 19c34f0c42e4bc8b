package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// Digests implements rights.DigestLog: one settings document with the last day sent.
type Digests struct{ db *DB }

var _ rights.DigestLog = (*Digests)(nil)

// NewDigests returns the record of the daily digest.
func NewDigests(db *DB) *Digests { return &Digests{db: db} }

const digestID = "digest"

type digestDoc struct {
	ID  string `bson:"_id"`
	Day string `bson:"day"`
}

// LastDigest is the last day the digest went out in full (zero: never).
func (d *Digests) LastDigest(ctx context.Context) (rights.Date, error) {
	var doc digestDoc
	err := translate(d.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: digestID}}).Decode(&doc))
	if errors.Is(err, apperr.ErrNotFound) {
		return rights.Date{}, nil
	}
	if err != nil {
		return rights.Date{}, fmt.Errorf("last digest: %w", err)
	}
	return rights.ParseDate(doc.Day)
}

// SetLastDigest records that day's digest as sent. Two instances creating the document
// at once make one upsert fail on the unique _id: that one is simply retried.
func (d *Digests) SetLastDigest(ctx context.Context, day rights.Date) error {
	var err error
	for range 3 {
		_, err = d.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: digestID}}, digestDoc{ID: digestID, Day: day.String()}, options.Replace().SetUpsert(true))
		if err = translate(err); !errors.Is(err, apperr.ErrConflict) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("last digest: %w", err)
	}
	return nil
}
