package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// postBulk writes the postings of many events at once (seeding, migration; the caller
// holds the head's lock): directories, then blocks, each inserted in batches, and
// merged one by one only where the document already exists.
func (a *Audit) postBulk(ctx context.Context, p postings) error {
	a.db.postings.reset() // what it inserts is not cached
	if err := a.addActions(ctx, p.actions()); err != nil {
		return err
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var dirs []any
	var dirMerge []func() error
	for _, k := range keys {
		blocks := make([]int64, 0, len(p[k]))
		for b := range p[k] {
			blocks = append(blocks, b)
		}
		slices.Sort(blocks)
		dirs = append(dirs, dirDoc{ID: dirID(k), Blocks: packBlocks(blocks), Last: blocks[len(blocks)-1], Version: 1})
		dirMerge = append(dirMerge, func() error { return a.mergeDir(ctx, k, blocks) })
	}
	if err := a.insertOrMerge(ctx, dirs, dirMerge); err != nil {
		return err
	}
	var docs []any
	var blockMerge []func() error
	for _, k := range keys {
		for b, offs := range p[k] {
			docs = append(docs, postingDoc{ID: blockID(k, b), Block: b, Offs: packOffsets(offs), Version: 1})
			blockMerge = append(blockMerge, func() error { return a.mergeBlock(ctx, k, b, offs) })
		}
	}
	return a.insertOrMerge(ctx, docs, blockMerge)
}

// insertOrMerge inserts docs in batches; for each one whose _id exists, it calls the
// matching merge instead.
func (a *Audit) insertOrMerge(ctx context.Context, docs []any, merge []func() error) error {
	const batch = 1000
	for start := 0; start < len(docs); start += batch {
		end := min(start+batch, len(docs))
		_, err := a.db.coll(collAuditIndex).InsertMany(ctx, docs[start:end], options.InsertMany().SetOrdered(false))
		if err == nil {
			continue
		}
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return fmt.Errorf("audit postings: %w", translate(err))
		}
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we.WriteError) {
				return fmt.Errorf("audit postings: %w", translate(err))
			}
			if err := merge[start+we.Index](); err != nil {
				return err
			}
		}
	}
	return nil
}

// prunePostings deletes the postings wholly below block (after a purge): a background
// job's scan of audit_index, done once per thousand events purged.
func (a *Audit) prunePostings(ctx context.Context, block int64) error {
	defer a.db.postings.reset()
	c := a.db.coll(collAuditIndex)
	if _, err := c.DeleteMany(ctx, bson.D{{Key: "block", Value: bson.D{{Key: "$lt", Value: block}}}}); err != nil {
		return fmt.Errorf("audit postings: %w", translate(err))
	}
	if _, err := c.DeleteMany(ctx, bson.D{{Key: "last", Value: bson.D{{Key: "$lt", Value: block}}}}); err != nil {
		return fmt.Errorf("audit postings: %w", translate(err))
	}
	return nil
}
