package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// applyCorrection sets the corrected field on the person's account and returns the
// value it replaced, for the timeline.
func (s *Service) applyCorrection(ctx context.Context, subject string, cr *rights.Correction) (string, error) {
	for range 3 { // a concurrent change of the account: read again and retry
		u, err := s.Users.ByID(ctx, subject)
		if err != nil {
			return "", err
		}
		var before string
		switch cr.Field {
		case "name":
			before, u.Name = u.Name, cr.Value
		case "phone":
			before, u.Phone = u.Phone, cr.Value
		case "address":
			before, u.Address = u.Address, cr.Value
		default:
			return "", fmt.Errorf("correction of %q is done by hand", cr.Field)
		}
		u.Disputed = without(u.Disputed, cr.Field)
		err = s.Users.Update(ctx, u)
		if !errors.Is(err, apperr.ErrStale) {
			return before, err
		}
	}
	return "", apperr.ErrStale
}

// SetRestriction puts the person under a processing restriction, or lifts it.
func (s *Service) SetRestriction(ctx context.Context, subject string, on bool) error {
	for range 3 {
		u, err := s.Users.ByID(ctx, subject)
		if err != nil {
			return err
		}
		switch {
		case on && !u.Restricted.IsZero(), !on && u.Restricted.IsZero():
			return nil
		case on:
			u.Restricted = s.Now()
		default:
			u.Restricted = time.Time{}
		}
		err = s.Users.Update(ctx, u)
		if !errors.Is(err, apperr.ErrStale) {
			return err
		}
	}
	return apperr.ErrStale
}

// SetStopped records an approved stop for each purpose, or lifts it: processing for
// those purposes is restricted, the rest goes on.
func (s *Service) SetStopped(ctx context.Context, subject string, purposes []string, on bool) error {
	for range 3 {
		u, err := s.Users.ByID(ctx, subject)
		if err != nil {
			return err
		}
		changed := false
		for _, p := range purposes {
			_, has := u.Stopped[p]
			switch {
			case on && !has:
				if u.Stopped == nil {
					u.Stopped = map[string]time.Time{}
				}
				u.Stopped[p] = s.Now()
				changed = true
			case !on && has:
				delete(u.Stopped, p)
				changed = true
			}
		}
		if !changed {
			return nil
		}
		err = s.Users.Update(ctx, u)
		if !errors.Is(err, apperr.ErrStale) {
			return err
		}
	}
	return apperr.ErrStale
}

// SetDisputed marks the field a correction request disputes on the person's account
// while the request is open (Art. 11(2)), and clears it when it is settled.
func (s *Service) SetDisputed(ctx context.Context, r *rights.Request, on bool) {
	if r.Kind != rights.Correct || r.Field == "" || rights.IsGuest(r.Subject) || r.Erased {
		return
	}
	for range 3 {
		u, err := s.Users.ByID(ctx, r.Subject)
		if err != nil {
			return
		}
		has := slices.Contains(u.Disputed, r.Field)
		if has == on {
			return
		}
		if on {
			u.Disputed = append(u.Disputed, r.Field)
		} else {
			u.Disputed = without(u.Disputed, r.Field)
		}
		if err := s.Users.Update(ctx, u); !errors.Is(err, apperr.ErrStale) {
			if err != nil {
				s.Log.Error("disputed mark not updated", "ref", r.Ref, "err", err)
			}
			return
		}
	}
}

func without(xs []string, x string) []string {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
