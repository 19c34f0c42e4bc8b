package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/vault"
)

// Keys implements vault.Keys in its own collection, subject_keys, which data backups
// must never restore over (a restored key would undo a deletion).
type Keys struct{ db *DB }

var _ vault.Keys = (*Keys)(nil)

// NewKeys returns the key store.
func NewKeys(db *DB) *Keys { return &Keys{db: db} }

type keyDoc struct {
	Subject string `bson:"_id"`
	Wrapped []byte `bson:"wrapped"`
}

// Create stores a wrapped key.
func (k *Keys) Create(ctx context.Context, subject string, wrapped []byte) error {
	if _, err := k.db.coll(collKeys).InsertOne(ctx, keyDoc{Subject: subject, Wrapped: wrapped}); err != nil {
		return fmt.Errorf("create key: %w", translate(err))
	}
	return nil
}

// Get returns a wrapped key.
func (k *Keys) Get(ctx context.Context, subject string) ([]byte, error) {
	var d keyDoc
	if err := k.db.byID(ctx, collKeys, subject, &d); err != nil {
		return nil, fmt.Errorf("key of %s: %w", subject, err)
	}
	return d.Wrapped, nil
}

// Destroy deletes a key.
func (k *Keys) Destroy(ctx context.Context, subject string) error {
	if _, err := k.db.coll(collKeys).DeleteOne(ctx, bson.D{{Key: "_id", Value: subject}}); err != nil {
		return fmt.Errorf("destroy key: %w", translate(err))
	}
	return nil
}
