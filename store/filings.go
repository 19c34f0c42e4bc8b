package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// A person's filings are admitted under the quota one at a time across instances by a
// compare-and-set on their list of requests (subject_requests): a filing admitted
// claims its reference there, under the list's filing_version, before it stores
// anything more. A claim counts until its request can be read, or for filingClaimHold
// at most (a filing whose instance stopped mid-way frees its place then).

type filingClaimDoc struct {
	Ref string    `bson:"ref"`
	At  time.Time `bson:"at"`
}

// filingClaimHold is how long a claim counts at most: far longer than storing a
// filing's files and mail takes.
const filingClaimHold = 15 * time.Minute

// Filings returns subject's requests, the references of filings admitted and not yet
// stored, and the version of those claims, for Claim.
func (s *Requests) Filings(ctx context.Context, subject string, now time.Time) ([]*rights.Request, []string, int64, error) {
	var idx subjectRequestsDoc
	err := s.db.byID(ctx, collSubjectRequests, subject, &idx)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return nil, nil, 0, fmt.Errorf("filings: %w", err)
	}
	// The requests are read after the claims: a filing stored since is found among
	// them, and its claim is not counted again.
	mine, err := s.listed(ctx, subject, idx.Refs)
	if err != nil {
		return nil, nil, 0, err
	}
	stored := map[string]bool{}
	for _, r := range mine {
		stored[r.Ref] = true
	}
	var pending []string
	for _, c := range idx.Filing {
		if !stored[c.Ref] && now.Sub(c.At) < filingClaimHold {
			pending = append(pending, c.Ref)
		}
	}
	return mine, pending, idx.FilingVersion, nil
}

// Claim records ref as subject's filing in flight when the claims are still at version
// (as Filings read them); false when another filing, at this instance or another,
// changed them first.
func (s *Requests) Claim(ctx context.Context, subject, ref string, version int64, now time.Time) (bool, error) {
	return s.changeClaims(ctx, subject, version, func(cs []filingClaimDoc) []filingClaimDoc {
		return append(cs, filingClaimDoc{Ref: ref, At: now.UTC()})
	}, now)
}

// Unclaim drops the claim of a filing refused after it was admitted.
func (s *Requests) Unclaim(ctx context.Context, subject, ref string, now time.Time) error {
	for range 20 {
		var idx subjectRequestsDoc
		err := translate(s.db.coll(collSubjectRequests).FindOne(ctx, bson.D{{Key: "_id", Value: subject}}).Decode(&idx))
		if errors.Is(err, apperr.ErrNotFound) {
			return nil
		} else if err != nil {
			return fmt.Errorf("filing claim: %w", err)
		}
		ok, err := s.changeClaims(ctx, subject, idx.FilingVersion, func(cs []filingClaimDoc) []filingClaimDoc {
			return slices.DeleteFunc(cs, func(c filingClaimDoc) bool { return c.Ref == ref })
		}, now)
		if ok || err != nil {
			return err
		}
	}
	return fmt.Errorf("filing claim: %w", apperr.ErrStale)
}

// changeClaims replaces subject's claims by change of them (less those run out) if
// they are still at version.
func (s *Requests) changeClaims(ctx context.Context, subject string, version int64, change func([]filingClaimDoc) []filingClaimDoc, now time.Time) (bool, error) {
	defer s.db.locks.lock(collSubjectRequests, subject)()
	c := s.db.coll(collSubjectRequests)
	var idx subjectRequestsDoc
	err := translate(c.FindOne(ctx, bson.D{{Key: "_id", Value: subject}}).Decode(&idx))
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		if version != 0 {
			return false, nil
		}
		next := subjectRequestsDoc{ID: subject, Refs: []string{}, Filing: change(nil), FilingVersion: 1}
		_, err := c.InsertOne(ctx, next)
		if err = translate(err); errors.Is(err, apperr.ErrConflict) {
			return false, nil // the list was made meanwhile
		}
		if err != nil {
			return false, fmt.Errorf("filing claim: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("filing claim: %w", err)
	case idx.FilingVersion != version:
		return false, nil
	}
	kept := idx.Filing[:0]
	for _, cl := range idx.Filing {
		// A claim whose reference is listed stays until it runs out: its request may be
		// listed a moment before it can be read (Requests.Create), and Filings counts
		// only the claims of requests it could not read.
		if now.Sub(cl.At) < filingClaimHold {
			kept = append(kept, cl)
		}
	}
	filter := bson.D{{Key: "_id", Value: subject}}
	if !s.db.single {
		if version == 0 {
			filter = append(filter, bson.E{Key: "filing_version", Value: bson.D{{Key: "$exists", Value: false}}})
		} else {
			filter = append(filter, bson.E{Key: "filing_version", Value: version})
		}
	}
	res, err := c.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{
		{Key: "filing", Value: change(kept)}, {Key: "filing_version", Value: version + 1}}}})
	if err != nil {
		return false, fmt.Errorf("filing claim: %w", translate(err))
	}
	return res.MatchedCount == 1, nil
}
