package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
)

// Search calls fn with the events q selects, newest first. Dates become a range of
// numbers by bisection; the candidates come from the most selective postings the query
// names (a target, else an actor, else the actions containing the text), or are every
// number of the range when it names none; each is read by _id and checked against all
// the filters. It never reads a collection through.
func (a *Audit) Search(ctx context.Context, q audit.Query, fn func(*audit.Event) error) (audit.Result, error) {
	var res audit.Result
	head, err := a.head(ctx)
	if err != nil {
		return res, err
	}
	res.Head = head.Seq
	lo, err := a.firstKept(ctx)
	if err != nil {
		return res, err
	}
	hi := head.Seq
	if q.Before > 0 {
		hi = min(hi, q.Before-1)
	}
	if !q.To.IsZero() && lo <= hi {
		n, err := a.firstAtOrAfter(ctx, lo, head.Seq, q.To)
		if err != nil {
			return res, err
		}
		hi = min(hi, n-1)
	}
	if !q.From.IsZero() && lo <= hi {
		n, err := a.firstAtOrAfter(ctx, lo, head.Seq, q.From)
		if err != nil {
			return res, err
		}
		lo = max(lo, n)
	}
	if hi < lo {
		return res, nil
	}
	src, err := a.candidates(ctx, &q, lo, hi)
	if err != nil || src == nil {
		return res, err
	}
	examined, found := 0, 0
	var last int64
	for {
		seq, ok, err := src.next(ctx)
		if err != nil || !ok {
			return res, err
		}
		if q.Budget > 0 && examined >= q.Budget {
			res.Older, res.Searched = last, last
			return res, nil
		}
		e, err := a.Get(ctx, seq)
		examined, last = examined+1, seq
		if errors.Is(err, apperr.ErrNotFound) {
			continue // a posting whose append lost its number, or a removed event
		} else if err != nil {
			return res, err
		}
		if !q.Matches(e) {
			continue
		}
		if err := fn(e); err != nil {
			return res, err
		}
		if found++; q.Limit > 0 && found >= q.Limit {
			if _, more, err := src.next(ctx); err != nil || !more {
				return res, err
			}
			res.Older = seq
			return res, nil
		}
	}
}

// candidateSource yields numbers in [lo, hi], highest first.
type candidateSource interface {
	next(ctx context.Context) (int64, bool, error)
}

// candidates picks where a search's numbers come from; nil when nothing can match.
func (a *Audit) candidates(ctx context.Context, q *audit.Query, lo, hi int64) (candidateSource, error) {
	var keys []string
	switch {
	case q.Target != "":
		keys = []string{"target:" + q.Target}
	case q.Actor != "":
		keys = []string{"actor:" + q.Actor}
	case q.Action != "":
		vocab, _, err := a.vocabulary(ctx)
		if err != nil {
			return nil, err
		}
		for _, act := range vocab {
			if audit.ContainsFold(act, q.Action) {
				keys = append(keys, "action:"+act)
			}
		}
		if len(keys) == 0 {
			return nil, nil
		}
	default:
		return &descending{seq: hi, lo: lo}, nil
	}
	return a.postingsFor(ctx, keys, lo, hi)
}

// descending is every number from hi down to lo.
type descending struct{ seq, lo int64 }

func (d *descending) next(context.Context) (int64, bool, error) {
	if d.seq < d.lo {
		return 0, false, nil
	}
	d.seq--
	return d.seq + 1, true, nil
}

// merged yields the numbers of several keys' postings, merged block by block from the
// highest block down.
type merged struct {
	a      *Audit
	keys   []string
	dirs   [][]int64 // each key's blocks, ascending
	pos    []int     // the index in dirs of each key's next block to read (-1: none left)
	lo, hi int64
	cur    []int64 // the current block's numbers, highest first
}

func (a *Audit) postingsFor(ctx context.Context, keys []string, lo, hi int64) (*merged, error) {
	m := &merged{a: a, keys: keys, dirs: make([][]int64, len(keys)), pos: make([]int, len(keys)), lo: lo, hi: hi}
	for i, k := range keys {
		blocks, err := a.readDir(ctx, k)
		if err != nil {
			return nil, err
		}
		m.dirs[i] = blocks
		// The last block at or below hi's.
		n, found := slices.BinarySearch(blocks, blockOf(hi))
		if found {
			n++
		}
		m.pos[i] = n - 1
	}
	return m, nil
}

func (m *merged) next(ctx context.Context) (int64, bool, error) {
	for len(m.cur) == 0 {
		block := int64(-1)
		for i, p := range m.pos {
			if p >= 0 {
				block = max(block, m.dirs[i][p])
			}
		}
		if block < blockOf(m.lo) {
			return 0, false, nil
		}
		var seqs []int64
		for i, p := range m.pos {
			if p < 0 || m.dirs[i][p] != block {
				continue
			}
			m.pos[i]--
			got, err := m.a.readBlock(ctx, m.keys[i], block)
			if err != nil {
				return 0, false, err
			}
			for _, s := range got {
				if s >= m.lo && s <= m.hi {
					seqs = append(seqs, s)
				}
			}
		}
		slices.Sort(seqs)
		seqs = slices.Compact(seqs)
		slices.Reverse(seqs)
		m.cur = seqs
	}
	s := m.cur[0]
	m.cur = m.cur[1:]
	return s, true, nil
}

// readDir returns a key's blocks, ascending (none when the key has no postings).
func (a *Audit) readDir(ctx context.Context, key string) ([]int64, error) {
	var d dirDoc
	err := translate(a.db.coll(collAuditIndex).FindOne(ctx, bson.D{{Key: "_id", Value: dirID(key)}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit postings: %w", err)
	}
	return unpackBlocks(d.Blocks), nil
}

// readBlock returns the numbers a key's block lists, ascending.
func (a *Audit) readBlock(ctx context.Context, key string, block int64) ([]int64, error) {
	var d postingDoc
	err := translate(a.db.coll(collAuditIndex).FindOne(ctx, bson.D{{Key: "_id", Value: blockID(key, block)}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil // listed, but its writer stopped before writing it
	}
	if err != nil {
		return nil, fmt.Errorf("audit postings: %w", err)
	}
	offs := unpackOffsets(d.Offs)
	out := make([]int64, len(offs))
	for i, o := range offs {
		out[i] = block*auditBlock + int64(o)
	}
	return out, nil
}
