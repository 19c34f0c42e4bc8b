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

// SetupTokens implements account.SetupTokens.
type SetupTokens struct{ db *DB }

var _ account.SetupTokens = (*SetupTokens)(nil)

// NewSetupTokens returns the setup-token store.
func NewSetupTokens(db *DB) *SetupTokens { return &SetupTokens{db: db} }

type setupDoc struct {
	Hash    string    `bson:"_id"`
	Expires time.Time `bson:"expires"`
	Used    bool      `bson:"used"`
}

// Create stores a token hash.
func (s *SetupTokens) Create(ctx context.Context, hash string, expires time.Time) error {
	if _, err := s.db.coll(collSetupTokens).InsertOne(ctx, setupDoc{Hash: hash, Expires: expires.UTC()}); err != nil {
		return fmt.Errorf("create setup token: %w", translate(err))
	}
	return nil
}

// Valid reports whether a token may be used.
func (s *SetupTokens) Valid(ctx context.Context, hash string, now time.Time) (bool, error) {
	var d setupDoc
	err := translate(s.db.coll(collSetupTokens).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("setup token: %w", err)
	}
	return !d.Used && now.Before(d.Expires), nil
}

// Use spends a token; the condition in the filter makes two concurrent uses impossible.
func (s *SetupTokens) Use(ctx context.Context, hash string, now time.Time) error {
	defer s.db.locks.lock(collSetupTokens, hash)()
	filter := bson.D{{Key: "_id", Value: hash}, {Key: "used", Value: false}, {Key: "expires", Value: bson.D{{Key: "$gt", Value: now.UTC()}}}}
	res, err := s.db.coll(collSetupTokens).UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}}}})
	if err != nil {
		return fmt.Errorf("use setup token: %w", translate(err))
	}
	if res.ModifiedCount == 0 {
		return fmt.Errorf("use setup token: %w", apperr.ErrNotFound)
	}
	return nil
}

// DeleteAll removes every setup token.
func (s *SetupTokens) DeleteAll(ctx context.Context) error {
	if _, err := s.db.coll(collSetupTokens).DeleteMany(ctx, bson.D{}); err != nil {
		return fmt.Errorf("delete setup tokens: %w", translate(err))
	}
	return nil
}
