package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
)

// The audit trail's postings (audit_index) find events by actor, action and target
// with _id look-ups only. Each event has the keys "actor:<id>", "action:<action>" and,
// when it has one, "target:<target>". For each key and block of 1 000 numbers, a
// document "<key>#<block>" lists the events of the block carrying the key; a directory
// "<key>#dir" lists the blocks that have entries; the vocabulary lists the distinct
// actions, so a search for part of an action becomes a few keys.
//
// Numbers are kept as one binary value (little-endian offsets within the block, block
// numbers in the directory), not as arrays: the embedded engine decodes an array element
// by element (measured: reading a document with 1 000 numbers in an array 9.5 ms,
// appending one 8.6 ms).
//
// Writes are read-modify-write, made under the head's lock (every writer — Append,
// Seed, the migration — holds it), which serialises them within this process, as the
// embedded engine needs (its updates are not atomic; doclock.go); across MongoDB
// instances the replace is conditional on the version read. On the embedded engine an
// append does not read its keys' documents back but keeps them as it last wrote them
// (postingCache).
//
// Postings are written before the event (intent first). One without its event, or
// pointing at another event (an append that lost its number to another instance), is
// harmless: a search reads every candidate by _id and checks that it matches.

const auditBlock = 1000

func blockOf(seq int64) int64 { return seq / auditBlock }

func blockID(key string, block int64) string { return fmt.Sprintf("%s#%09d", key, block) }

// dirID cannot equal a blockID: those end in "#" and nine digits.
func dirID(key string) string { return key + "#dir" }

const vocabularyID = "vocabulary"

// indexKeys are the keys an event is found by.
func indexKeys(e *audit.Event) []string {
	keys := []string{"actor:" + e.Actor, "action:" + e.Action}
	if e.Target != "" {
		keys = append(keys, "target:"+e.Target)
	}
	return keys
}

type postingDoc struct {
	ID      string `bson:"_id"`
	Block   int64  `bson:"block"` // for pruning after a purge
	Offs    []byte `bson:"offs"`  // uint16 offsets within the block, ascending
	Version int64  `bson:"version"`
}

type dirDoc struct {
	ID      string `bson:"_id"`
	Blocks  []byte `bson:"blocks"` // uint32 block numbers, ascending
	Last    int64  `bson:"last"`   // the highest block, for pruning after a purge
	Version int64  `bson:"version"`
}

type vocabularyDoc struct {
	ID      string `bson:"_id"`
	Actions string `bson:"actions"` // a JSON array of strings: one value, whatever they hold
	Version int64  `bson:"version"`
}

func packOffsets(offs []uint16) []byte {
	b := make([]byte, 2*len(offs))
	for i, o := range offs {
		binary.LittleEndian.PutUint16(b[2*i:], o)
	}
	return b
}

func unpackOffsets(b []byte) []uint16 {
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out
}

func packBlocks(blocks []int64) []byte {
	b := make([]byte, 4*len(blocks))
	for i, n := range blocks {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(n)) // #nosec G115 -- a block is a 12-digit number / 1000: below 2^30
	}
	return b
}

func unpackBlocks(b []byte) []int64 {
	out := make([]int64, len(b)/4)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// union merges add into have (both ascending, without repeats); changed is false when
// have held them all.
func union[T int64 | uint16](have, add []T) (out []T, changed bool) {
	out = slices.Clone(have)
	for _, v := range add {
		if i, found := slices.BinarySearch(out, v); !found {
			out = slices.Insert(out, i, v)
			changed = true
		}
	}
	return out, changed
}

// postings are what a batch of events adds: key → block → offsets (ascending).
type postings map[string]map[int64][]uint16

func (p postings) add(e *audit.Event) {
	b, off := blockOf(e.Seq), uint16(e.Seq%auditBlock) // #nosec G115 -- below 1000
	for _, k := range indexKeys(e) {
		if p[k] == nil {
			p[k] = map[int64][]uint16{}
		}
		switch offs := p[k][b]; {
		case len(offs) == 0 || offs[len(offs)-1] < off: // events come in order: append
			p[k][b] = append(offs, off)
		default:
			p[k][b], _ = union(offs, []uint16{off})
		}
	}
}

// actions are the actions the postings name.
func (p postings) actions() []string {
	var out []string
	for k := range p {
		if a, ok := strings.CutPrefix(k, "action:"); ok {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// post writes one event's postings (the caller holds the head's lock).
func (a *Audit) post(ctx context.Context, e *audit.Event) error {
	p := postings{}
	p.add(e)
	if err := a.addActions(ctx, p.actions()); err != nil {
		return err
	}
	for key, blocks := range p {
		for b, offs := range blocks {
			if err := a.mergeBlock(ctx, key, b, offs); err != nil {
				return err
			}
		}
	}
	return nil
}

// casTries bounds the retries of a conditional replace that lost a race (MongoDB, other
// instances writing the same document).
const casTries = 20

var errPostingRace = fmt.Errorf("%w: audit postings kept changing", apperr.ErrConflict)

// addActions puts actions into the vocabulary.
func (a *Audit) addActions(ctx context.Context, actions []string) error {
	actions = a.known.unseen(actions)
	if len(actions) == 0 {
		return nil
	}
	for range casTries {
		have, version, err := a.vocabulary(ctx)
		if err != nil {
			return err
		}
		slices.Sort(have)
		merged := have
		for _, act := range actions {
			if i, found := slices.BinarySearch(merged, act); !found {
				merged = slices.Insert(merged, i, act)
			}
		}
		if len(merged) == len(have) {
			a.known.mark(actions)
			return nil
		}
		js, err := json.Marshal(merged)
		if err != nil {
			return err
		}
		ok, err := a.replaceIndexDoc(ctx, vocabularyID, version, vocabularyDoc{ID: vocabularyID, Actions: string(js), Version: version + 1})
		if err != nil {
			return err
		}
		if ok {
			a.known.mark(actions)
			return nil
		}
	}
	return errPostingRace
}

// vocabulary reads the distinct actions and the document's version (0: none yet).
func (a *Audit) vocabulary(ctx context.Context) ([]string, int64, error) {
	var d vocabularyDoc
	err := translate(a.db.coll(collAuditIndex).FindOne(ctx, bson.D{{Key: "_id", Value: vocabularyID}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit vocabulary: %w", err)
	}
	var out []string
	if err := json.Unmarshal([]byte(d.Actions), &out); err != nil {
		return nil, 0, fmt.Errorf("audit vocabulary: %w", err)
	}
	return out, d.Version, nil
}

// replaceIndexDoc writes doc in place of the version read (0: there was none, so it is
// inserted); false when another writer got there first.
func (a *Audit) replaceIndexDoc(ctx context.Context, id string, version int64, doc any) (bool, error) {
	c := a.db.coll(collAuditIndex)
	if version == 0 {
		_, err := c.InsertOne(ctx, doc)
		if err = translate(err); errors.Is(err, apperr.ErrConflict) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("audit postings: %w", err)
		}
		return true, nil
	}
	res, err := c.ReplaceOne(ctx, a.db.atVersion(id, version), doc)
	if err != nil {
		return false, fmt.Errorf("audit postings: %w", translate(err))
	}
	return res.MatchedCount == 1, nil
}

// mergeBlock adds offsets to a key's block, and the block to the key's directory first
// when the block is new: every block document is then listed.
func (a *Audit) mergeBlock(ctx context.Context, key string, block int64, offs []uint16) error {
	id := blockID(key, block)
	for try := range casTries {
		data, version, err := a.loadPosting(ctx, id, try > 0)
		if err != nil {
			return err
		}
		if version == 0 {
			if err := a.mergeDir(ctx, key, []int64{block}); err != nil {
				return err
			}
		}
		merged, changed := union(unpackOffsets(data), offs)
		if !changed {
			return nil
		}
		packed := packOffsets(merged)
		ok, err := a.replaceIndexDoc(ctx, id, version, postingDoc{ID: id, Block: block, Offs: packed, Version: version + 1})
		if err != nil {
			a.db.postings.drop(id)
			return err
		}
		if ok {
			a.db.postings.put(id, packed, version+1)
			return nil
		}
	}
	return errPostingRace
}

// mergeDir adds blocks (ascending) to a key's directory.
func (a *Audit) mergeDir(ctx context.Context, key string, blocks []int64) error {
	id := dirID(key)
	for try := range casTries {
		data, version, err := a.loadPosting(ctx, id, try > 0)
		if err != nil {
			return err
		}
		merged, changed := union(unpackBlocks(data), blocks)
		if !changed {
			return nil
		}
		packed := packBlocks(merged)
		ok, err := a.replaceIndexDoc(ctx, id, version, dirDoc{ID: id, Blocks: packed, Last: merged[len(merged)-1], Version: version + 1})
		if err != nil {
			a.db.postings.drop(id)
			return err
		}
		if ok {
			a.db.postings.put(id, packed, version+1)
			return nil
		}
	}
	return errPostingRace
}

// loadPosting returns a block's offsets or a directory's blocks, packed, and the
// document's version (0: there is none): from the cache unless fresh.
func (a *Audit) loadPosting(ctx context.Context, id string, fresh bool) ([]byte, int64, error) {
	if !fresh && a.db.single {
		if data, version, ok := a.db.postings.get(id); ok {
			return data, version, nil
		}
	}
	var d struct {
		Offs    []byte `bson:"offs"`
		Blocks  []byte `bson:"blocks"`
		Version int64  `bson:"version"`
	}
	err := translate(a.db.coll(collAuditIndex).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit postings: %w", err)
	}
	data := d.Offs
	if data == nil {
		data = d.Blocks
	}
	return data, d.Version, nil
}
