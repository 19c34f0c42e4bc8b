package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// People without an account — guests, and paper or counter requesters — are found by
// name and phone as accounts are (users.go): under the keyed hash of each search term,
// in lists of their own ("guest_people:<keyed hash>"), so a search costs an _id look-up
// and nothing scans everyone's documents.

// listGuestPeople: ids of guests per keyed search term.
const listGuestPeople = "guest_people"

// searchKeys are the keyed hashes of a person's search terms (account.SearchTerms),
// made with the same key and prefix as the accounts' (Users.searchKey).
func (s *Guests) searchKeys(name, phone string) []string {
	var out []string
	for _, t := range account.SearchTerms(name, phone) {
		out = append(out, keyedEmail(s.key, "search\x00"+t))
	}
	return out
}

func (s *Guests) listSearch(ctx context.Context, id string, keys []string) error {
	for _, k := range keys {
		if err := s.db.listAdd(ctx, listGuestPeople, k, id); err != nil {
			return err
		}
	}
	return nil
}

// GuestsByTerm lists the ids of the guests a search term (account.QueryTerm) names, at
// most max of them, and whether there are more. The caller checks each guest it reads:
// a list is written before its guest, and a guest erased since is gone.
func (s *Guests) GuestsByTerm(ctx context.Context, term string, max int) ([]string, bool, error) {
	if term == "" || max <= 0 {
		return nil, false, nil
	}
	ids, err := s.db.listIDs(ctx, listGuestPeople, keyedEmail(s.key, "search\x00"+term))
	if err != nil {
		return nil, false, fmt.Errorf("find guests: %w", err)
	}
	if len(ids) > max {
		return ids[:max], true, nil
	}
	return ids, false, nil
}

const guestsIndexedID = "guests_indexed"

// IndexGuests lists every guest written before the search under their name and phone
// (the guest's own, else those written on their paper requests), once: later starts
// see the mark in one look-up. Like IndexPeople it reads the guests whole, as a
// background job at start; running it twice lists each guest once (lists are sets).
func (s *Guests) IndexGuests(ctx context.Context, requests *Requests) (int, error) {
	return s.db.indexOnce(ctx, "index guests", guestsIndexedID, collGuests, func(ctx context.Context, id string) ([]string, error) {
		g, err := s.Guest(ctx, id)
		if err != nil {
			return nil, err
		}
		rs, err := requests.ForSubject(ctx, id)
		if err != nil {
			return nil, err
		}
		keys := s.searchKeys(g.Name, g.Phone)
		for _, r := range rs {
			keys = append(keys, s.searchKeys(r.Contact.Name, r.Contact.Phone)...)
		}
		return uniq(keys), nil
	}, s.listSearch)
}

var _ rights.GuestLookup = (*Guests)(nil)

// uniq drops repeated keys, keeping the first of each.
func uniq(keys []string) []string {
	seen := map[string]bool{}
	out := keys[:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// unlistGuest takes an erased guest off the lists officers search by name and phone.
func (e *Eraser) unlistGuest(ctx context.Context, subject string) error {
	var g struct {
		SearchKeys []string `bson:"search_keys"`
	}
	err := translate(e.db.coll(collGuests).FindOne(ctx, bson.D{{Key: "_id", Value: subject}}).Decode(&g))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	for _, k := range g.SearchKeys {
		if err := e.db.listRemove(ctx, listGuestPeople, k, subject); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
	}
	return nil
}
