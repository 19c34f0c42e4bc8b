package rights

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
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
}

// Found is a person a search found, with their requests (open or not), newest first.
type Found struct {
	Person   *account.User
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
	return found, more, nil
}

var refPrefixPattern = regexp.MustCompile(`^\d{4}(-\d{0,6})?$`)

// IsRefPrefix reports whether q is the beginning of a reference: a year, or a year, a
// hyphen and the first digits of the number ("2026-0001").
func IsRefPrefix(q string) bool { return refPrefixPattern.MatchString(q) }
