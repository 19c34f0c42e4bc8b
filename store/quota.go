package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

const quotaID = "quota"

type quotaDoc struct {
	ID    string         `bson:"_id"`
	Quota map[string]int `bson:"quota"`
}

// Quota is the administrator's quota; a setting never saved (or added since) has its
// default.
func (f *Fees) Quota(ctx context.Context, defaults rights.Quota) (rights.Quota, error) {
	var d quotaDoc
	err := f.db.byID(ctx, collSettings, quotaID, &d)
	if errors.Is(err, apperr.ErrNotFound) {
		return defaults, nil
	}
	if err != nil {
		return defaults, fmt.Errorf("quota: %w", err)
	}
	q := defaults
	for _, fl := range rights.QuotaFields {
		if n, ok := d.Quota[fl.Key]; ok {
			fl.Set(&q, n)
		}
	}
	return q, nil
}

// SetQuota saves the administrator's quota.
func (f *Fees) SetQuota(ctx context.Context, q rights.Quota) error {
	d := quotaDoc{ID: quotaID, Quota: map[string]int{}}
	for _, fl := range rights.QuotaFields {
		d.Quota[fl.Key] = fl.Value(q)
	}
	if _, err := f.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: quotaID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("quota: %w", translate(err))
	}
	return nil
}

// Usage implements rights.Usage: one document per key (a keyed hash of it, so neither a
// client address nor an e-mail address is stored) holding the amounts taken within the
// window. The hourly retention run deletes those idle for a day.
type Usage struct {
	db  *DB
	key []byte
}

var _ rights.Usage = (*Usage)(nil)

// NewUsage returns the usage counter; key makes the stored keys useless without it.
func NewUsage(db *DB, key []byte) *Usage { return &Usage{db: db, key: key} }

type usageDoc struct {
	ID   string      `bson:"_id"`
	Used []usageItem `bson:"used"`
	Last time.Time   `bson:"last"`
}

type usageItem struct {
	At time.Time `bson:"at"`
	N  int64     `bson:"n"`
}

func (u *Usage) id(key string) string {
	m := hmac.New(sha256.New, u.key)
	m.Write([]byte("usage-v1\x00" + key))
	return hex.EncodeToString(m.Sum(nil))
}

// Take adds n for key unless the amounts within window would then exceed limit. A
// single process serialises one key's takes; instances sharing a MongoDB compare the
// last take's time, so one of two racing takes retries.
func (u *Usage) Take(ctx context.Context, key string, n, limit int64, window time.Duration, now time.Time) (bool, error) {
	id := u.id(key)
	defer u.db.locks.lock(collUsage, id)()
	now = now.UTC().Truncate(time.Millisecond)
	c := u.db.coll(collUsage)
	for range 20 {
		var cur usageDoc
		err := translate(c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur))
		found := err == nil
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return false, fmt.Errorf("usage: %w", err)
		}
		next := usageDoc{ID: id, Last: now}
		var sum int64
		for _, it := range cur.Used {
			if now.Sub(it.At) < window {
				next.Used = append(next.Used, it)
				sum += it.N
			}
		}
		if sum+n > limit {
			return false, nil
		}
		next.Used = append(next.Used, usageItem{At: now, N: n})
		if !found {
			_, err := c.InsertOne(ctx, next)
			if errors.Is(translate(err), apperr.ErrConflict) {
				continue
			}
			if err != nil {
				return false, fmt.Errorf("usage: %w", translate(err))
			}
			return true, nil
		}
		filter := bson.D{{Key: "_id", Value: id}}
		if !u.db.single {
			filter = append(filter, bson.E{Key: "last", Value: cur.Last})
		}
		res, err := c.ReplaceOne(ctx, filter, next)
		if err != nil {
			return false, fmt.Errorf("usage: %w", translate(err))
		}
		if res.MatchedCount == 1 {
			return true, nil
		}
	}
	return false, fmt.Errorf("usage: %w", apperr.ErrStale)
}

// DeleteIdleUsageBefore deletes the usage of keys unused since t (a window is at most a
// day, so nothing they hold counts any more).
func (r *Retention) DeleteIdleUsageBefore(ctx context.Context, t time.Time) (int, error) {
	return r.db.deleteMatching(ctx, collUsage, bson.D{{Key: "last", Value: bson.D{{Key: "$lt", Value: t.UTC()}}}})
}
