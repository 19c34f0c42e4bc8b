package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/inventory"
)

// Inventory implements inventory.Inventory: the current version of each file in
// "pd_files", every version in "pd_file_history" under the same id.
type Inventory struct{ db *DB }

var _ inventory.Inventory = (*Inventory)(nil)

// NewInventory returns the inventory.
func NewInventory(db *DB) *Inventory { return &Inventory{db: db} }

type pdFileDoc struct {
	ID          string    `bson:"_id"`
	NameZH      string    `bson:"name_zh"`
	NameEN      string    `bson:"name_en"`
	Unit        string    `bson:"unit"`
	Contact     string    `bson:"contact"`
	LegalBasis  string    `bson:"legal_basis"`
	Purposes    []string  `bson:"purposes"`
	Categories  []string  `bson:"categories"`
	RetentionZH string    `bson:"retention_zh"`
	RetentionEN string    `bson:"retention_en"`
	Systems     []string  `bson:"systems,omitempty"`
	Created     time.Time `bson:"created"`
	Changed     time.Time `bson:"changed"`
	ChangedBy   string    `bson:"changed_by"`
	Version     int       `bson:"version"`
}

// Save stores a new file or a new version under the file's lock.
func (s *Inventory) Save(ctx context.Context, f *inventory.File) error {
	if f.ID == "" {
		f.ID, f.Version = ids.New("pf"), 0
	}
	defer s.db.locks.lock(collPDFiles, f.ID)()
	var cur pdFileDoc
	err := translate(s.db.coll(collPDFiles).FindOne(ctx, bson.D{{Key: "_id", Value: f.ID}}).Decode(&cur))
	switch {
	case err == nil:
		if cur.Version != f.Version {
			return fmt.Errorf("file %s: %w", f.ID, apperr.ErrStale)
		}
		f.Created = cur.Created
	case errors.Is(err, apperr.ErrNotFound):
		if f.Version != 0 {
			return fmt.Errorf("file %s: %w", f.ID, apperr.ErrNotFound)
		}
		f.Created = f.Changed
	default:
		return fmt.Errorf("file: %w", err)
	}
	f.Version++
	d := pdFileDoc(*f)
	d.Created, d.Changed = f.Created.UTC(), f.Changed.UTC()
	if _, err := s.db.coll(collPDFileHistory).UpdateOne(ctx, bson.D{{Key: "_id", Value: f.ID}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "versions", Value: d}}}}, options.UpdateOne().SetUpsert(true)); err != nil {
		return fmt.Errorf("file history: %w", translate(err))
	}
	if _, err := s.db.coll(collPDFiles).ReplaceOne(ctx, bson.D{{Key: "_id", Value: f.ID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("file: %w", translate(err))
	}
	return nil
}

// Get returns a file.
func (s *Inventory) Get(ctx context.Context, id string) (*inventory.File, error) {
	var d pdFileDoc
	if err := s.db.coll(collPDFiles).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("file %s: %w", id, translate(err))
	}
	f := inventory.File(d)
	return &f, nil
}

// List returns every file by name (an agency keeps tens).
func (s *Inventory) List(ctx context.Context) ([]*inventory.File, error) {
	cur, err := s.db.coll(collPDFiles).Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("files: %w", translate(err))
	}
	var docs []pdFileDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("files: %w", translate(err))
	}
	out := make([]*inventory.File, len(docs))
	for i := range docs {
		f := inventory.File(docs[i])
		out[i] = &f
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NameZH < out[j].NameZH })
	return out, nil
}
