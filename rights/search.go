package rights

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

// RequesterLookup finds an account by its e-mail address through the address's keyed
// hash (an _id look-up).
type RequesterLookup interface {
	ByEmail(ctx context.Context, email string) (*account.User, error)
}

// Search finds requests for an officer who has a caller on the phone: by the
// requester's e-mail — its keyed hash, then the person's own list of requests — never by
// reading everyone's.
type Search struct {
	Users    RequesterLookup
	Requests Requests
}

// ByEmail lists the requests, open or not, of the account with this address, newest
// first; none when no account has it.
func (s *Search) ByEmail(ctx context.Context, email string) ([]*Request, error) {
	u, err := s.Users.ByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Requests.ForSubject(ctx, u.ID)
}

var refPrefixPattern = regexp.MustCompile(`^\d{4}(-\d{0,6})?$`)

// IsRefPrefix reports whether q is the beginning of a reference: a year, or a year, a
// hyphen and the first digits of the number ("2026-0001").
func IsRefPrefix(q string) bool { return refPrefixPattern.MatchString(q) }
