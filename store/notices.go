package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/consent"
)

// Notices implements consent.Notices; a version number is the document's _id.
type Notices struct{ db *DB }

var _ consent.Notices = (*Notices)(nil)

// NewNotices returns the notice store.
func NewNotices(db *DB) *Notices { return &Notices{db: db} }

type noticeDoc struct {
	Version     int               `bson:"_id"`
	Title       consent.Text      `bson:"title"`
	Summary     consent.Text      `bson:"summary"`
	Intro       consent.Text      `bson:"intro"`
	Sections    []consent.Section `bson:"sections"`
	Purposes    []consent.Purpose `bson:"purposes"`
	PublishedAt time.Time         `bson:"published_at"`
}

// Current returns the highest published version.
func (s *Notices) Current(ctx context.Context) (*consent.Notice, error) {
	var d noticeDoc
	opts := options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})
	if err := s.db.coll(collNotices).FindOne(ctx, bson.D{}, opts).Decode(&d); err != nil {
		return nil, fmt.Errorf("current notice: %w", translate(err))
	}
	return &consent.Notice{Version: d.Version, Title: d.Title, Summary: d.Summary, Intro: d.Intro, Sections: d.Sections, Purposes: d.Purposes, PublishedAt: d.PublishedAt}, nil
}

// Publish stores a version.
func (s *Notices) Publish(ctx context.Context, n *consent.Notice) error {
	d := noticeDoc{Version: n.Version, Title: n.Title, Summary: n.Summary, Intro: n.Intro, Sections: n.Sections, Purposes: n.Purposes, PublishedAt: n.PublishedAt.UTC()}
	if _, err := s.db.coll(collNotices).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("publish notice %d: %w", n.Version, translate(err))
	}
	return nil
}
