package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
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

var _ consent.Drafts = (*Notices)(nil)

func noticeFromDoc(d *noticeDoc) *consent.Notice {
	return &consent.Notice{Version: d.Version, Title: d.Title, Summary: d.Summary, Intro: d.Intro, Sections: d.Sections, Purposes: d.Purposes, PublishedAt: d.PublishedAt}
}

// Versions lists every published version, newest first.
func (s *Notices) Versions(ctx context.Context) ([]*consent.Notice, error) {
	cur, err := s.db.coll(collNotices).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("notice versions: %w", translate(err))
	}
	var docs []noticeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("notice versions: %w", translate(err))
	}
	out := make([]*consent.Notice, len(docs))
	for i := range docs {
		out[i] = noticeFromDoc(&docs[i])
	}
	return out, nil
}

// The one draft lives in notice_drafts under a fixed _id.
const draftID = "next"

type draftDoc struct {
	ID       string            `bson:"_id"`
	Title    consent.Text      `bson:"title"`
	Summary  consent.Text      `bson:"summary"`
	Intro    consent.Text      `bson:"intro"`
	Sections []consent.Section `bson:"sections"`
	Purposes []consent.Purpose `bson:"purposes"`
}

// Draft returns the draft of the next version.
func (s *Notices) Draft(ctx context.Context) (*consent.Notice, error) {
	var d draftDoc
	if err := s.db.coll(collNoticeDrafts).FindOne(ctx, bson.D{{Key: "_id", Value: draftID}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("notice draft: %w", translate(err))
	}
	return &consent.Notice{Title: d.Title, Summary: d.Summary, Intro: d.Intro, Sections: d.Sections, Purposes: d.Purposes}, nil
}

// SaveDraft stores the draft, replacing any.
func (s *Notices) SaveDraft(ctx context.Context, n *consent.Notice) error {
	d := draftDoc{ID: draftID, Title: n.Title, Summary: n.Summary, Intro: n.Intro, Sections: n.Sections, Purposes: n.Purposes}
	_, err := s.db.coll(collNoticeDrafts).ReplaceOne(ctx, bson.D{{Key: "_id", Value: draftID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save notice draft: %w", translate(err))
	}
	return nil
}

// DeleteDraft discards the draft.
func (s *Notices) DeleteDraft(ctx context.Context) error {
	if _, err := s.db.coll(collNoticeDrafts).DeleteOne(ctx, bson.D{{Key: "_id", Value: draftID}}); err != nil {
		return fmt.Errorf("discard notice draft: %w", translate(err))
	}
	return nil
}

// Purposes implements consent.Catalogue over the purposes collection (_id = purpose id).
type Purposes struct{ db *DB }

var _ consent.Catalogue = (*Purposes)(nil)

// NewPurposes returns the purpose catalogue.
func NewPurposes(db *DB) *Purposes { return &Purposes{db: db} }

type purposeDoc struct {
	ID      string          `bson:"_id"`
	Purpose consent.Purpose `bson:"purpose"`
}

// Purposes lists the catalogue in the order the entries were first saved.
func (p *Purposes) Purposes(ctx context.Context) ([]consent.Purpose, error) {
	cur, err := p.db.coll(collPurposes).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "order", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("purposes: %w", translate(err))
	}
	var docs []purposeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("purposes: %w", translate(err))
	}
	out := make([]consent.Purpose, len(docs))
	for i, d := range docs {
		out[i] = d.Purpose
	}
	return out, nil
}

// SavePurpose adds or replaces an entry, keeping its place in the list.
func (p *Purposes) SavePurpose(ctx context.Context, pu *consent.Purpose) error {
	defer p.db.locks.lock(collPurposes, pu.ID)()
	n, err := p.db.coll(collPurposes).CountDocuments(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("save purpose: %w", translate(err))
	}
	_, err = p.db.coll(collPurposes).UpdateOne(ctx, bson.D{{Key: "_id", Value: pu.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "purpose", Value: pu}}}, {Key: "$setOnInsert", Value: bson.D{{Key: "order", Value: n}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save purpose: %w", translate(err))
	}
	return nil
}

// Acks records who acknowledged which notice version (notice_acks, _id = user:version).
type Acks struct{ db *DB }

// NewAcks returns the acknowledgement store.
func NewAcks(db *DB) *Acks { return &Acks{db: db} }

// Ack records that a user acknowledged a version; doing it again changes nothing.
func (a *Acks) Ack(ctx context.Context, userID string, version int, at time.Time) error {
	_, err := a.db.coll(collNoticeAcks).InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s:%d", userID, version)},
		{Key: "user_id", Value: userID}, {Key: "version", Value: version}, {Key: "at", Value: at.UTC()}})
	if err != nil && !errors.Is(translate(err), apperr.ErrConflict) {
		return fmt.Errorf("acknowledge notice: %w", translate(err))
	}
	return nil
}

// Acked reports whether a user acknowledged a version (an _id lookup).
func (a *Acks) Acked(ctx context.Context, userID string, version int) (bool, error) {
	err := translate(a.db.coll(collNoticeAcks).FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s:%d", userID, version)}}).Err())
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, apperr.ErrNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("notice acknowledgement: %w", err)
	}
}

// Version returns one published version (an _id look-up).
func (s *Notices) Version(ctx context.Context, v int) (*consent.Notice, error) {
	var d noticeDoc
	if err := s.db.coll(collNotices).FindOne(ctx, bson.D{{Key: "_id", Value: v}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("notice %d: %w", v, translate(err))
	}
	return noticeFromDoc(&d), nil
}
