package account

import (
	"context"
	"fmt"

	"github.com/example/pdpa-portal/apperr"
)

// A person sees and ends their own sessions (/account/sessions): one left signed in on a
// shared or lost device is ended from another, without an administrator.

// Ref is how pages name a session: a prefix of its stored hash, never the cookie's token,
// so a page never shows what would let someone take the session over.
func (s *Session) Ref() string { return s.ID[:16] }

// OwnSessions lists the person's sessions still usable at the service's now under policy,
// most recently used first. They are read through the person's own list, not a scan.
func (s *Service) OwnSessions(ctx context.Context, u *User, policy SessionPolicy) ([]*Session, error) {
	all, err := s.Sessions.ForUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []*Session
	for _, se := range all {
		if policy.Valid(se, u.IsStaff(), now) {
			out = append(out, se)
		}
	}
	return out, nil
}

// OwnSession is the person's usable session named by ref; anyone else's, an ended or an
// expired one is apperr.ErrNotFound.
func (s *Service) OwnSession(ctx context.Context, u *User, ref string, policy SessionPolicy) (*Session, error) {
	if len(ref) != 16 {
		return nil, fmt.Errorf("own session: %w", apperr.ErrNotFound)
	}
	mine, err := s.OwnSessions(ctx, u, policy)
	if err != nil {
		return nil, err
	}
	for _, se := range mine {
		if se.Ref() == ref {
			return se, nil
		}
	}
	return nil, fmt.Errorf("own session: %w", apperr.ErrNotFound)
}

// EndOwnSession ends the person's session se (found by OwnSession).
func (s *Service) EndOwnSession(ctx context.Context, u *User, se *Session) error {
	if se.UserID != u.ID {
		return fmt.Errorf("end own session: %w", apperr.ErrNotFound)
	}
	return s.Sessions.Delete(ctx, se.ID)
}

// EndOtherSessions ends every session of the person but keep, the one in use.
func (s *Service) EndOtherSessions(ctx context.Context, u *User, keep string) error {
	return s.Sessions.DeleteForUser(ctx, u.ID, keep)
}
