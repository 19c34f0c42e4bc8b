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

// postBulk writes the postings of many events at once (the conversion of an older
// trail; the caller holds the head's lock): directories, then blocks, each inserted in
// batches, and merged one by one only where the document already exists.
func (a *Audit) postBulk(ctx context.Context, p postings) error {
	dirs := make(map[string][]int64, len(p))
	for k, blocks := range p {
		for b := range blocks {
			dirs[k] = append(dirs[k], b)
		}
		slices.Sort(dirs[k])
	}
	if err := a.postDirs(ctx, dirs); err != nil {
		return err
	}
	return a.postBlocks(ctx, p)
}

// postDirs adds blocks (ascending) to the keys' directories: inserted in batches, merged
// one by one where a directory exists.
func (a *Audit) postDirs(ctx context.Context, dirs map[string][]int64) error {
	a.db.postings.reset() // what it inserts is not cached
	keys := make([]string, 0, len(dirs))
	for k := range dirs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	docs := make([]any, 0, len(keys))
	merge := make([]func() error, 0, len(keys))
	for _, k := range keys {
		blocks := dirs[k]
		docs = append(docs, dirDoc{ID: dirID(k), Blocks: packBlocks(blocks), Last: blocks[len(blocks)-1], Version: 1})
		merge = append(merge, func() error { return a.mergeDir(ctx, k, blocks) })
	}
	return a.insertOrMerge(ctx, docs, merge)
}

// postBlocks writes the blocks of postings and adds new actions to the vocabulary.
func (a *Audit) postBlocks(ctx context.Context, p postings) error {
	a.db.postings.reset()
	if err := a.addActions(ctx, p.actions()); err != nil {
		return err
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var docs []any
	var merge []func() error
	for _, k := range keys {
		for b, offs := range p[k] {
			docs = append(docs, postingDoc{ID: blockID(k, b), Block: b, Offs: packOffsets(offs), Version: 1})
			merge = append(merge, func() error { return a.mergeBlock(ctx, k, b, offs) })
		}
	}
	return a.insertOrMerge(ctx, docs, merge)
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
	for _, field := range []string{"block", "last"} {
		if _, err := a.db.deleteMatching(ctx, collAuditIndex, bson.D{{Key: field, Value: bson.D{{Key: "$lt", Value: block}}}}); err != nil {
			return fmt.Errorf("audit postings: %w", err)
		}
	}
	return nil
}
