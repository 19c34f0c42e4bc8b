package rights

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/vault"
)

// RequesterLookup finds accounts by what a caller gives: the e-mail address through its
// keyed hash, a name or phone number through the keyed hash of its search term
// (account.QueryTerm) — each an _id look-up.
type RequesterLookup interface {
	ByEmail(ctx context.Context, email string) (*account.User, error)
	// ByTerm lists the accounts a term finds (a bounded number) and whether there are more.
	ByTerm(ctx context.Context, term string) ([]*account.User, bool, error)
}

// Search finds requests for an officer who has a caller on the phone: by the
// requester's e-mail, name or phone — the account through a keyed index, then the
// person's own list of requests — never by reading everyone's.
//
// Why an index rather than the open requests: the queue does read every open request
// (a bounded set), but those documents hold no name or number — they are sealed on the
// person's account with the person's own key — so matching there would unseal each open
// requester per search, and would miss the closed requests a caller asks about. The
// keyed index is written with the account (store/users.go) and costs one look-up.
type Search struct {
	Users    RequesterLookup
	Requests Requests
	// Guests finds the people without an account (guests, paper and counter
	// requesters) the same way; nil: accounts only.
	Guests GuestLookup
}

// GuestLookup finds guests by the keyed hash of a search term, as RequesterLookup finds
// accounts.
type GuestLookup interface {
	// GuestsByTerm lists the ids of at most max guests a term finds, and whether there
	// are more.
	GuestsByTerm(ctx context.Context, term string, max int) ([]string, bool, error)
	Guest(ctx context.Context, id string) (*Guest, error)
}

// MaxFound bounds the people one search lists (accounts and guests together), so a
// common family name never turns a search into a read of thousands.
const MaxFound = 20

// Found is a person a search found, with their requests (open or not), newest first.
// Guest: the person has no account; Person then holds the name, phone and e-mail
// address they gave.
type Found struct {
	Person   *account.User
	Guest    bool
	Requests []*Request
}

// ByPerson finds the people q names — an e-mail address, a phone number or a name — and
// their requests; more reports that the search found more people than listed.
func (s *Search) ByPerson(ctx context.Context, q string) (found []Found, more bool, err error) {
	q = strings.TrimSpace(q)
	var people []*account.User
	if strings.Contains(q, "@") {
		u, err := s.Users.ByEmail(ctx, q)
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		people = []*account.User{u}
	} else if people, more, err = s.Users.ByTerm(ctx, account.QueryTerm(q)); err != nil {
		return nil, false, err
	}
	for _, u := range people {
		rs, err := s.Requests.ForSubject(ctx, u.ID)
		if err != nil {
			return nil, false, err
		}
		found = append(found, Found{Person: u, Requests: rs})
	}
	if strings.Contains(q, "@") || s.Guests == nil {
		return found, more, nil
	}
	guests, gmore, err := s.guestsByTerm(ctx, account.QueryTerm(q), MaxFound-len(found))
	return append(found, guests...), more || gmore, err
}

// guestsByTerm finds the guests listed under term, each checked against the name and
// phone on the guest and on their requests (a list is written ahead of its guest).
func (s *Search) guestsByTerm(ctx context.Context, term string, max int) ([]Found, bool, error) {
	ids, more, err := s.Guests.GuestsByTerm(ctx, term, max)
	if err != nil {
		return nil, false, err
	}
	var found []Found
	for _, id := range ids {
		g, err := s.Guests.Guest(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
			continue
		} else if err != nil {
			return nil, false, err
		}
		rs, err := s.Requests.ForSubject(ctx, id)
		if err != nil {
			return nil, false, err
		}
		p := &account.User{ID: g.ID, Name: g.Name, Email: g.Email, Phone: g.Phone}
		ok := account.Matches(g.Name, g.Phone, term)
		for _, r := range rs {
			if account.Matches(r.Contact.Name, r.Contact.Phone, term) {
				ok = true
			}
			if p.Name == "" {
				p.Name = r.Contact.Name
			}
			if p.Phone == "" {
				p.Phone = r.Contact.Phone
			}
		}
		if ok {
			found = append(found, Found{Person: p, Guest: true, Requests: rs})
		}
	}
	return found, more, nil
}

var refPrefixPattern = regexp.MustCompile(`^\d{4}(-\d{0,6})?$`)

// IsRefPrefix reports whether q is the beginning of a reference: a year, or a year, a
// hyphen and the first digits of the number ("2026-0001").
func IsRefPrefix(q string) bool { return refPrefixPattern.MatchString(q) }
