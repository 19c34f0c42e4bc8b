package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

// Leases hands out short leases on named changes that must not run twice at once
// anywhere. A lease is one settings document claimed by a conditional write, so it
// holds across instances sharing the database; one whose holder stopped before
// releasing it runs out by itself.
type Leases struct{ db *DB }

var _ account.Leases = (*Leases)(nil)

// NewLeases returns the leases kept in db.
func NewLeases(db *DB) *Leases { return &Leases{db: db} }

// Claim takes the named lease for holder until now+ttl, when nobody holds it or it has
// run out; false when someone else holds it.
func (l *Leases) Claim(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	return l.db.claimLease(ctx, name, holder, ttl, now)
}

// Release gives holder's lease up at once, so the next claim need not wait for it to
// run out; a lease that ran out and went to someone else is left to them. The document
// stays, its version counting on, so a claim's compare-and-set never meets an earlier
// version again.
func (l *Leases) Release(ctx context.Context, name, holder string) error {
	id := "lease:" + name
	defer l.db.locks.lock(collSettings, id)()
	_, err := l.db.coll(collSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "holder", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Unix(0, 0).UTC()}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, translate(err))
	}
	return nil
}

// claimLease takes the lease document "lease:"+name for holder until now+ttl when it is
// absent (insert: the unique _id lets one of two racing claims in), run out or already
// holder's (replace at the version read: one of two racing claims matches).
func (d *DB) claimLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	id := "lease:" + name
	defer d.locks.lock(collSettings, id)()
	var cur leaseDoc
	err := translate(d.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur))
	next := leaseDoc{ID: id, Holder: holder, Until: now.Add(ttl).UTC(), Version: cur.Version + 1}
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		_, err := d.coll(collSettings).InsertOne(ctx, next)
		if err = translate(err); errors.Is(err, apperr.ErrConflict) {
			return false, nil
		}
		return err == nil, err
	case err != nil:
		return false, fmt.Errorf("lease %s: %w", name, err)
	case cur.Holder != holder && cur.Until.After(now):
		return false, nil
	}
	res, err := d.coll(collSettings).ReplaceOne(ctx, d.atVersion(id, cur.Version), next)
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, translate(err))
	}
	return res.MatchedCount == 1, nil
}
