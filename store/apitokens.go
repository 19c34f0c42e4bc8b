package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/apperr"
)

// APITokens implements apitoken.Store: one document per token in api_tokens, keyed by
// the token's SHA-256, so checking a token is an _id look-up.
type APITokens struct{ db *DB }

var _ apitoken.Store = (*APITokens)(nil)

// NewAPITokens returns the API token store.
func NewAPITokens(db *DB) *APITokens { return &APITokens{db: db} }

type apiTokenDoc struct {
	Hash      string     `bson:"_id"`
	Name      string     `bson:"name"`
	Scopes    []string   `bson:"scopes"`
	Created   time.Time  `bson:"created"`
	CreatedBy string     `bson:"created_by"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty"`
	LastUsed  *time.Time `bson:"last_used,omitempty"`
}

func apiTokenFromDoc(d *apiTokenDoc) *apitoken.Token {
	t := &apitoken.Token{Hash: d.Hash, Name: d.Name, Created: d.Created, CreatedBy: d.CreatedBy, Scopes: make([]apitoken.Scope, len(d.Scopes))}
	for i, s := range d.Scopes {
		t.Scopes[i] = apitoken.Scope(s)
	}
	if d.RevokedAt != nil {
		t.RevokedAt = *d.RevokedAt
	}
	if d.LastUsed != nil {
		t.LastUsed = *d.LastUsed
	}
	return t
}

// Create stores a new token.
func (a *APITokens) Create(ctx context.Context, t *apitoken.Token) error {
	d := apiTokenDoc{Hash: t.Hash, Name: t.Name, Scopes: make([]string, len(t.Scopes)), Created: t.Created.UTC(), CreatedBy: t.CreatedBy}
	for i, s := range t.Scopes {
		d.Scopes[i] = string(s)
	}
	if _, err := a.db.coll(collAPITokens).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("create API token: %w", translate(err))
	}
	return nil
}

// Get returns a token by its hash (an _id look-up).
func (a *APITokens) Get(ctx context.Context, hash string) (*apitoken.Token, error) {
	var d apiTokenDoc
	if err := a.db.coll(collAPITokens).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("API token: %w", translate(err))
	}
	return apiTokenFromDoc(&d), nil
}

// List returns every token, newest first.
func (a *APITokens) List(ctx context.Context) ([]*apitoken.Token, error) {
	cur, err := a.db.coll(collAPITokens).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "created", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", translate(err))
	}
	var docs []apiTokenDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list API tokens: %w", translate(err))
	}
	out := make([]*apitoken.Token, len(docs))
	for i := range docs {
		out[i] = apiTokenFromDoc(&docs[i])
	}
	return out, nil
}

// Revoke marks a token revoked, keeping the first revocation time (under the document's
// lock: the embedded engine does not make read-then-write atomic, doclock.go).
func (a *APITokens) Revoke(ctx context.Context, hash string, at time.Time) error {
	defer a.db.locks.lock(collAPITokens, hash)()
	t, err := a.Get(ctx, hash)
	if err != nil {
		return err
	}
	if t.Revoked() {
		return nil
	}
	res, err := a.db.coll(collAPITokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at.UTC()}}}})
	if err != nil {
		return fmt.Errorf("revoke API token: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("revoke API token: %w", apperr.ErrNotFound)
	}
	return nil
}

// Touch records when the token was last used.
func (a *APITokens) Touch(ctx context.Context, hash string, at time.Time) error {
	_, err := a.db.coll(collAPITokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_used", Value: at.UTC()}}}})
	if err != nil {
		return fmt.Errorf("API token use: %w", translate(err))
	}
	return nil
}
