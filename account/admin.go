package account

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
)

// An administrator keeps the staff accounts: the list with each account's state, the
// six-monthly review, ending an account's sessions and issuing a new temporary password.

// ErrConfirmFirst answers an administrator's action that cannot be undone and was not
// confirmed yet: nothing was done.
var ErrConfirmFirst = errors.New("the action waits for its confirmation")

// StaffMember is one staff account as the list and the review show it.
type StaffMember struct {
	*User
	Locked  bool // by failed sign-ins
	Expired bool // a contractor past the expiry date
}

// StaffList lists the staff accounts, oldest first, each with its state now.
func (s *Service) StaffList(ctx context.Context) ([]StaffMember, error) {
	users, err := s.Users.Staff(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Created.Before(users[j].Created) })
	now := s.Now()
	out := make([]StaffMember, len(users))
	for i, u := range users {
		locked, err := s.Locked(ctx, u.Email)
		if err != nil {
			return nil, err
		}
		out[i] = StaffMember{User: u, Locked: locked, Expired: u.Expired(now)}
	}
	return out, nil
}

// StaffReview is where the six-monthly review of the staff accounts stands.
type StaffReview struct {
	Staff   []StaffMember
	Reviews []*Review // the latest, newest first
	NextDue time.Time // zero: no staff, nothing to review
	Overdue bool
	DueSoon bool // within ReviewWarning
}

// ReviewWarning is how long before the review falls due the list says it is near.
const ReviewWarning = 30 * 24 * time.Hour

// ReviewsShown is how many past reviews the list shows.
const ReviewsShown = 10

// ReviewStatus reads the staff accounts and the latest reviews, and says when the next
// review is due.
func (s *Service) ReviewStatus(ctx context.Context) (StaffReview, error) {
	staff, err := s.StaffList(ctx)
	if err != nil {
		return StaffReview{}, err
	}
	reviews, err := s.Reviews.List(ctx, ReviewsShown)
	if err != nil {
		return StaffReview{}, err
	}
	var last *Review
	if len(reviews) > 0 {
		last = reviews[0]
	}
	users := make([]*User, len(staff))
	for i := range staff {
		users[i] = staff[i].User
	}
	out := StaffReview{Staff: staff, Reviews: reviews, NextDue: NextReviewDue(last, users)}
	now := s.Now()
	out.Overdue = !out.NextDue.IsZero() && now.After(out.NextDue)
	out.DueSoon = !out.Overdue && !out.NextDue.IsZero() && out.NextDue.Sub(now) < ReviewWarning
	return out, nil
}

// RecordReview records that the administrator by reviewed every staff account now.
func (s *Service) RecordReview(ctx context.Context, by *User, note string) (*Review, error) {
	staff, err := s.Users.Staff(ctx)
	if err != nil {
		return nil, err
	}
	rv := &Review{ID: ids.New("rv"), ReviewerID: by.ID, ReviewerName: by.Name, At: s.Now(), Accounts: len(staff), Note: note}
	if err := s.Reviews.Record(ctx, rv); err != nil {
		return nil, err
	}
	return rv, nil
}

// EndSessions ends one session of the account id, named by its Ref, or all of them (ref
// empty), once confirmed; a session that is not the account's is apperr.ErrNotFound,
// before any confirmation.
func (s *Service) EndSessions(ctx context.Context, id, ref string, confirmed bool) error {
	if ref == "" {
		if !confirmed {
			return ErrConfirmFirst
		}
		return s.Sessions.DeleteForUser(ctx, id, "")
	}
	// Only a session of this account: the ref comes from the form.
	sessions, err := s.Sessions.ForUser(ctx, id)
	if err != nil {
		return err
	}
	var found []*Session
	for _, se := range sessions {
		if se.Ref() == ref {
			found = append(found, se)
		}
	}
	if len(found) == 0 {
		return fmt.Errorf("session of %s: %w", id, apperr.ErrNotFound)
	}
	if !confirmed {
		return ErrConfirmFirst
	}
	for _, se := range found {
		if err := s.Sessions.Delete(ctx, se.ID); err != nil {
			return err
		}
	}
	return nil
}

// IssueTemporaryPassword gives the staff account id a new temporary password, once
// confirmed: its holder is signed out and the old password stops working. An account
// that is not staff is apperr.ErrNotFound.
func (s *Service) IssueTemporaryPassword(ctx context.Context, id string, confirmed bool) (*User, string, error) {
	u, err := s.Users.ByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if !u.IsStaff() {
		return nil, "", fmt.Errorf("staff account %s: %w", id, apperr.ErrNotFound)
	}
	if !confirmed {
		return nil, "", ErrConfirmFirst
	}
	return s.ResetStaffPassword(ctx, id)
}
