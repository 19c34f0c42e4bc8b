package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

// Sessions implements account.Sessions; every operation is by _id, a person's sessions
// found through their list (lists.go).
type Sessions struct{ db *DB }

var _ account.Sessions = (*Sessions)(nil)

// NewSessions returns the session store.
func NewSessions(db *DB) *Sessions { return &Sessions{db: db} }

type sessionDoc struct {
	ID       string    `bson:"_id"`
	UserID   string    `bson:"user_id"`
	Created  time.Time `bson:"created"`
	LastSeen time.Time `bson:"last_seen"`
	Browser  string    `bson:"browser,omitempty"`
	OS       string    `bson:"os,omitempty"`
}

// Create stores a new session.
func (s *Sessions) Create(ctx context.Context, se *account.Session) error {
	if err := s.db.listAdd(ctx, listSessions, se.UserID, se.ID); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	_, err := s.db.coll(collSessions).InsertOne(ctx, sessionDoc{ID: se.ID, UserID: se.UserID, Created: se.Created.UTC(), LastSeen: se.LastSeen.UTC(),
		Browser: se.Browser, OS: se.OS})
	if err != nil {
		return fmt.Errorf("create session: %w", translate(err))
	}
	return nil
}

// Get returns a session by id.
func (s *Sessions) Get(ctx context.Context, id string) (*account.Session, error) {
	var d sessionDoc
	if err := s.db.byID(ctx, collSessions, id, &d); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return &account.Session{ID: d.ID, UserID: d.UserID, Created: d.Created, LastSeen: d.LastSeen, Browser: d.Browser, OS: d.OS}, nil
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
	var d sessionDoc
	err := translate(s.db.coll(collSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return s.deleteOf(ctx, d.UserID, id)
}

// deleteOf deletes a user's sessions, then takes them off the user's list.
func (s *Sessions) deleteOf(ctx context.Context, userID string, ids ...string) error {
	for _, id := range ids {
		if _, err := s.db.coll(collSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return fmt.Errorf("delete session: %w", translate(err))
		}
	}
	return s.db.listRemove(ctx, listSessions, userID, ids...)
}

// ForUser lists a user's sessions, newest first.
func (s *Sessions) ForUser(ctx context.Context, userID string) ([]*account.Session, error) {
	ids, err := s.db.listIDs(ctx, listSessions, userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var out []*account.Session
	for _, id := range ids {
		se, err := s.Get(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) {
			continue // ended, or never finished starting
		}
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, se)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastSeen.After(out[j].LastSeen) })
	return out, nil
}

// DeleteForUser ends every session of a user except keep.
func (s *Sessions) DeleteForUser(ctx context.Context, userID, keep string) error {
	ids, err := s.db.listIDs(ctx, listSessions, userID)
	if err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == keep })
	return s.deleteOf(ctx, userID, ids...)
}
