package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
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
	ctx = background.Job(ctx, "index guests")
	err := translate(s.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: guestsIndexedID}}).Err())
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, apperr.ErrNotFound) {
		return 0, fmt.Errorf("index guests: %w", err)
	}
	cur, err := s.db.coll(collGuests).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "search_keys", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("index guests: %w", translate(err))
	}
	var todo []string
	for cur.Next(ctx) {
		var d struct {
			ID         string   `bson:"_id"`
			SearchKeys []string `bson:"search_keys"`
		}
		if err := cur.Decode(&d); err != nil {
			return 0, fmt.Errorf("index guests: %w", err)
		}
		if d.SearchKeys == nil {
			todo = append(todo, d.ID)
		}
	}
	if err := cur.Err(); err != nil {
		return 0, fmt.Errorf("index guests: %w", translate(err))
	}
	n := 0
	for _, id := range todo {
		g, err := s.Guest(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("index guests: %w", err)
		}
		rs, err := requests.ForSubject(ctx, id)
		if err != nil {
			return n, fmt.Errorf("index guests: %w", err)
		}
		keys := s.searchKeys(g.Name, g.Phone)
		for _, r := range rs {
			keys = append(keys, s.searchKeys(r.Contact.Name, r.Contact.Phone)...)
		}
		keys = uniq(keys)
		if err := s.listSearch(ctx, id, keys); err != nil {
			return n, fmt.Errorf("index guests: %w", err)
		}
		if _, err := s.db.coll(collGuests).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "search_keys", Value: append([]string{}, keys...)}}}}); err != nil {
			return n, fmt.Errorf("index guests: %w", translate(err))
		}
		n++
	}
	if _, err := s.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: guestsIndexedID}},
		bson.D{{Key: "_id", Value: guestsIndexedID}, {Key: "at", Value: time.Now().UTC()}}, options.Replace().SetUpsert(true)); err != nil {
		return n, fmt.Errorf("index guests: %w", translate(err))
	}
	return n, nil
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
