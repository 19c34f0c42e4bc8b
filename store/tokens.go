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

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/vault"
)

// Tokens implements account.Tokens: single-use links, stored by the hash of the token.
type Tokens struct{ db *DB }

var _ account.Tokens = (*Tokens)(nil)

// NewTokens returns the token store.
func NewTokens(db *DB) *Tokens { return &Tokens{db: db} }

type tokenDoc struct {
	Hash    string    `bson:"_id"`
	Purpose string    `bson:"purpose"`
	UserID  string    `bson:"user_id"`
	Expires time.Time `bson:"expires"`
}

// Create stores a token.
func (t *Tokens) Create(ctx context.Context, tk *account.Token) error {
	if err := t.db.listAdd(ctx, listTokens, tk.UserID, tk.Hash); err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	d := tokenDoc{Hash: tk.Hash, Purpose: tk.Purpose, UserID: tk.UserID, Expires: tk.Expires.UTC()}
	if _, err := t.db.coll(collTokens).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("create token: %w", translate(err))
	}
	return nil
}

// Peek returns a usable token without spending it.
func (t *Tokens) Peek(ctx context.Context, hash, purpose string, now time.Time) (*account.Token, error) {
	var d tokenDoc
	// By _id alone (the embedded engine's only indexed filter), then the purpose.
	err := t.db.coll(collTokens).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d)
	if err != nil {
		return nil, fmt.Errorf("token: %w", translate(err))
	}
	if d.Purpose != purpose {
		return nil, fmt.Errorf("token for another purpose: %w", apperr.ErrNotFound)
	}
	if !now.Before(d.Expires) {
		return nil, fmt.Errorf("token expired: %w", apperr.ErrNotFound)
	}
	return &account.Token{Hash: d.Hash, Purpose: d.Purpose, UserID: d.UserID, Expires: d.Expires}, nil
}

// Use spends a token: it is deleted, and only the caller whose delete removed it wins.
func (t *Tokens) Use(ctx context.Context, hash, purpose string, now time.Time) (*account.Token, error) {
	defer t.db.locks.lock(collTokens, hash)()
	tk, err := t.Peek(ctx, hash, purpose, now)
	if err != nil {
		return nil, err
	}
	res, err := t.db.coll(collTokens).DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}})
	if err != nil {
		return nil, fmt.Errorf("use token: %w", translate(err))
	}
	if res.DeletedCount == 0 {
		return nil, fmt.Errorf("token already used: %w", apperr.ErrNotFound)
	}
	if err := t.db.listRemove(ctx, listTokens, tk.UserID, hash); err != nil {
		return nil, fmt.Errorf("use token: %w", err)
	}
	return tk, nil
}

// DeleteFor removes a person's tokens of one purpose, found through their list.
func (t *Tokens) DeleteFor(ctx context.Context, userID, purpose string) error {
	hashes, err := t.db.listIDs(ctx, listTokens, userID)
	if err != nil {
		return fmt.Errorf("delete tokens: %w", err)
	}
	var gone []string
	for _, h := range hashes {
		var d tokenDoc
		err := translate(t.db.coll(collTokens).FindOne(ctx, bson.D{{Key: "_id", Value: h}}).Decode(&d))
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			gone = append(gone, h) // used or never stored: only the list remembered it
		case err != nil:
			return fmt.Errorf("delete tokens: %w", err)
		case d.Purpose == purpose:
			if _, err := t.db.coll(collTokens).DeleteOne(ctx, bson.D{{Key: "_id", Value: h}}); err != nil {
				return fmt.Errorf("delete tokens: %w", translate(err))
			}
			gone = append(gone, h)
		}
	}
	return t.db.listRemove(ctx, listTokens, userID, gone...)
}

// Guard implements account.Guard: consecutive failed sign-ins per address, keyed by the
// same keyed hash as user_emails, so it holds no address and exists for strangers too;
// and recent failures per address and client ("c:" and a keyed hash of both, so the
// client address is not stored either).
type Guard struct {
	db  *DB
	key []byte
}

var _ account.Guard = (*Guard)(nil)

// NewGuard returns the failed-sign-in counter; emailKey must be the Users store's key.
func NewGuard(db *DB, emailKey []byte) *Guard { return &Guard{db: db, key: emailKey} }

type guardDoc struct {
	Key      string    `bson:"_id"`
	Failures int       `bson:"failures"`
	Last     time.Time `bson:"last"`
}

func keyedEmail(key []byte, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(account.NormalizeEmail(email)))
	return hex.EncodeToString(m.Sum(nil))
}

func keyedClient(key []byte, email, from string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(account.NormalizeEmail(email) + "\x00" + from))
	return "c:" + hex.EncodeToString(m.Sum(nil))
}

// Fail counts one more failure for the address and, when from is set, for the client.
func (g *Guard) Fail(ctx context.Context, email, from string, now time.Time) (int, int, error) {
	n, err := g.bump(ctx, keyedEmail(g.key, email), now, 0)
	if err != nil || from == "" {
		return n, 0, err
	}
	c, err := g.bump(ctx, keyedClient(g.key, email, from), now, account.SignInPairWindow)
	return n, c, err
}

// bump adds one failure as a compare-and-set on the last failure's time, so each count
// is returned to exactly one caller across instances; a count whose last failure is
// older than window (when set) starts again.
func (g *Guard) bump(ctx context.Context, id string, now time.Time, window time.Duration) (int, error) {
	defer g.db.locks.lock(collGuard, id)()
	now = now.UTC().Truncate(time.Millisecond) // as stored, so the next compare matches
	c := g.db.coll(collGuard)
	for range 20 {
		var cur guardDoc
		err := translate(c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur))
		if errors.Is(err, apperr.ErrNotFound) {
			_, err := c.InsertOne(ctx, guardDoc{Key: id, Failures: 1, Last: now})
			if errors.Is(translate(err), apperr.ErrConflict) {
				continue // another instance counted first
			}
			if err != nil {
				return 0, fmt.Errorf("count failed sign-in: %w", translate(err))
			}
			return 1, nil
		}
		if err != nil {
			return 0, fmt.Errorf("count failed sign-in: %w", err)
		}
		next := guardDoc{Key: id, Failures: cur.Failures + 1, Last: now}
		if window > 0 && now.Sub(cur.Last) >= window {
			next.Failures = 1
		}
		filter := bson.D{{Key: "_id", Value: id}}
		if !g.db.single {
			filter = append(filter, bson.E{Key: "last", Value: cur.Last}, bson.E{Key: "failures", Value: cur.Failures})
		}
		res, err := c.ReplaceOne(ctx, filter, next)
		if err != nil {
			return 0, fmt.Errorf("count failed sign-in: %w", translate(err))
		}
		if res.MatchedCount == 1 {
			return next.Failures, nil
		}
	}
	return 0, fmt.Errorf("count failed sign-in: %w", apperr.ErrStale)
}

// Failures returns the consecutive failures for an address and the last one's time.
func (g *Guard) Failures(ctx context.Context, email string) (int, time.Time, error) {
	d, err := g.read(ctx, keyedEmail(g.key, email))
	return d.Failures, d.Last, err
}

// FromClient returns the recent failures for an address from one client.
func (g *Guard) FromClient(ctx context.Context, email, from string, now time.Time) (int, time.Time, error) {
	d, err := g.read(ctx, keyedClient(g.key, email, from))
	if err != nil || now.Sub(d.Last) >= account.SignInPairWindow {
		return 0, time.Time{}, err
	}
	return d.Failures, d.Last, nil
}

func (g *Guard) read(ctx context.Context, k string) (guardDoc, error) {
	var d guardDoc
	err := translate(g.db.coll(collGuard).FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Decode(&d))
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		return guardDoc{}, nil
	case err != nil:
		return guardDoc{}, fmt.Errorf("failed sign-ins: %w", err)
	}
	return d, nil
}

// Clear forgets the failures (a successful sign-in, an unlock, a completed reset), and
// the client's when from is set.
func (g *Guard) Clear(ctx context.Context, email, from string) error {
	ids := []string{keyedEmail(g.key, email)}
	if from != "" {
		ids = append(ids, keyedClient(g.key, email, from))
	}
	for _, k := range ids {
		unlock := g.db.locks.lock(collGuard, k)
		_, err := g.db.coll(collGuard).DeleteOne(ctx, bson.D{{Key: "_id", Value: k}})
		unlock()
		if err != nil {
			return fmt.Errorf("clear failed sign-ins: %w", translate(err))
		}
	}
	return nil
}

// Reviews implements account.Reviews. The reviewer's name is sealed with the agency
// records key.
type Reviews struct {
	db   *DB
	keys *recordsKey
}

var _ account.Reviews = (*Reviews)(nil)

// NewReviews returns the staff-review store.
func NewReviews(db *DB, v *vault.Vault) *Reviews { return &Reviews{db: db, keys: newRecordsKey(db, v)} }

func reviewerField(id string) string { return "review.reviewer_name/" + id }

type reviewDoc struct {
	ID           string    `bson:"_id"`
	ReviewerID   string    `bson:"reviewer_id"`
	ReviewerName string    `bson:"reviewer_name,omitempty"` // clear: reviews recorded before sealing
	SealedName   []byte    `bson:"reviewer_name_sealed,omitempty"`
	At           time.Time `bson:"at"`
	Accounts     int       `bson:"accounts"`
	Note         string    `bson:"note,omitempty"`
}

// Record stores a review.
func (r *Reviews) Record(ctx context.Context, rv *account.Review) error {
	sl, err := r.keys.sealer(ctx)
	if err != nil {
		return fmt.Errorf("record review: %w", err)
	}
	d := reviewDoc{ID: rv.ID, ReviewerID: rv.ReviewerID, SealedName: sl.Seal(reviewerField(rv.ID), rv.ReviewerName), At: rv.At.UTC(), Accounts: rv.Accounts, Note: rv.Note}
	if _, err := r.db.coll(collReviews).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("record review: %w", translate(err))
	}
	return nil
}

// List returns reviews newest first.
func (r *Reviews) List(ctx context.Context, limit int) ([]*account.Review, error) {
	cur, err := r.db.coll(collReviews).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", translate(err))
	}
	var docs []reviewDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list reviews: %w", translate(err))
	}
	sl, err := r.keys.sealer(ctx)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	out := make([]*account.Review, len(docs))
	for i, d := range docs {
		name, err := openOr(sl, reviewerField(d.ID), d.SealedName, d.ReviewerName)
		if err != nil {
			return nil, err
		}
		out[i] = &account.Review{ID: d.ID, ReviewerID: d.ReviewerID, ReviewerName: name, At: d.At, Accounts: d.Accounts, Note: d.Note}
	}
	return out, nil
}

// DeleteClientFailuresBefore forgets the failures of an address from one client whose
// last one came before t (their window has passed: they count for nothing), so records
// of passing attackers do not pile up. The consecutive failures per address stay: they
// are the lock itself, kept until a sign-in, an unlock or a reset clears them. The "c:"
// keys are a range of _id, so only those records are read.
func (r *Retention) DeleteClientFailuresBefore(ctx context.Context, t time.Time) (int, error) {
	return r.db.deleteMatching(ctx, collGuard, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$gte", Value: "c:"}, {Key: "$lt", Value: "c;"}}},
		{Key: "last", Value: bson.D{{Key: "$lt", Value: t.UTC()}}},
	})
}
