package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

// Sessions implements account.Sessions; every operation is by _id.
type Sessions struct{ db *DB }

var _ account.Sessions = (*Sessions)(nil)

// NewSessions returns the session store.
func NewSessions(db *DB) *Sessions { return &Sessions{db: db} }

type sessionDoc struct {
	ID       string    `bson:"_id"`
	UserID   string    `bson:"user_id"`
	Created  time.Time `bson:"created"`
	LastSeen time.Time `bson:"last_seen"`
}

// Create stores a new session.
func (s *Sessions) Create(ctx context.Context, se *account.Session) error {
	_, err := s.db.coll(collSessions).InsertOne(ctx, sessionDoc{ID: se.ID, UserID: se.UserID, Created: se.Created.UTC(), LastSeen: se.LastSeen.UTC()})
	if err != nil {
		return fmt.Errorf("create session: %w", translate(err))
	}
	return nil
}

// Get returns a session by id.
func (s *Sessions) Get(ctx context.Context, id string) (*account.Session, error) {
	var d sessionDoc
	if err := s.db.coll(collSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("session: %w", translate(err))
	}
	return &account.Session{ID: d.ID, UserID: d.UserID, Created: d.Created, LastSeen: d.LastSeen}, nil
}

// Touch records activity.
func (s *Sessions) Touch(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.coll(collSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: at.UTC()}}}})
	if err != nil {
		return fmt.Errorf("touch session: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("touch session: %w", apperr.ErrNotFound)
	}
	return nil
}

// Delete ends a session; deleting one already gone is not an error.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	if _, err := s.db.coll(collSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete session: %w", translate(err))
	}
	return nil
}

// ForUser lists a user's sessions, newest first.
func (s *Sessions) ForUser(ctx context.Context, userID string) ([]*account.Session, error) {
	cur, err := s.db.coll(collSessions).Find(ctx, bson.D{{Key: "user_id", Value: userID}}, options.Find().SetSort(bson.D{{Key: "last_seen", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", translate(err))
	}
	var docs []sessionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list sessions: %w", translate(err))
	}
	out := make([]*account.Session, len(docs))
	for i, d := range docs {
		out[i] = &account.Session{ID: d.ID, UserID: d.UserID, Created: d.Created, LastSeen: d.LastSeen}
	}
	return out, nil
}

// DeleteForUser ends every session of a user except keep.
func (s *Sessions) DeleteForUser(ctx context.Context, userID, keep string) error {
	filter := bson.D{{Key: "user_id", Value: userID}}
	if keep != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: keep}}})
	}
	if _, err := s.db.coll(collSessions).DeleteMany(ctx, filter); err != nil {
		return fmt.Errorf("end sessions: %w", translate(err))
	}
	return nil
}
