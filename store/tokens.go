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
// same keyed hash as user_emails, so it holds no address and exists for strangers too.
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

// Fail counts one more failure and returns the total.
func (g *Guard) Fail(ctx context.Context, email string, now time.Time) (int, error) {
	k := keyedEmail(g.key, email)
	defer g.db.locks.lock(collGuard, k)()
	_, err := g.db.coll(collGuard).UpdateOne(ctx, bson.D{{Key: "_id", Value: k}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}}, {Key: "$set", Value: bson.D{{Key: "last", Value: now.UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return 0, fmt.Errorf("count failed sign-in: %w", translate(err))
	}
	return g.failures(ctx, k)
}

// Failures returns the consecutive failures for an address.
func (g *Guard) Failures(ctx context.Context, email string) (int, error) {
	return g.failures(ctx, keyedEmail(g.key, email))
}

func (g *Guard) failures(ctx context.Context, k string) (int, error) {
	var d guardDoc
	err := translate(g.db.coll(collGuard).FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Decode(&d))
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("failed sign-ins: %w", err)
	}
	return d.Failures, nil
}

// Clear forgets the failures (a successful sign-in, an unlock, a completed reset).
func (g *Guard) Clear(ctx context.Context, email string) error {
	k := keyedEmail(g.key, email)
	defer g.db.locks.lock(collGuard, k)()
	if _, err := g.db.coll(collGuard).DeleteOne(ctx, bson.D{{Key: "_id", Value: k}}); err != nil {
		return fmt.Errorf("clear failed sign-ins: %w", translate(err))
	}
	return nil
}

// Reviews implements account.Reviews.
type Reviews struct{ db *DB }

var _ account.Reviews = (*Reviews)(nil)

// NewReviews returns the staff-review store.
func NewReviews(db *DB) *Reviews { return &Reviews{db: db} }

type reviewDoc struct {
	ID           string    `bson:"_id"`
	ReviewerID   string    `bson:"reviewer_id"`
	ReviewerName string    `bson:"reviewer_name"`
	At           time.Time `bson:"at"`
	Accounts     int       `bson:"accounts"`
	Note         string    `bson:"note,omitempty"`
}

// Record stores a review.
func (r *Reviews) Record(ctx context.Context, rv *account.Review) error {
	d := reviewDoc{ID: rv.ID, ReviewerID: rv.ReviewerID, ReviewerName: rv.ReviewerName, At: rv.At.UTC(), Accounts: rv.Accounts, Note: rv.Note}
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
	out := make([]*account.Review, len(docs))
	for i, d := range docs {
		out[i] = &account.Review{ID: d.ID, ReviewerID: d.ReviewerID, ReviewerName: d.ReviewerName, At: d.At, Accounts: d.Accounts, Note: d.Note}
	}
	return out, nil
}
