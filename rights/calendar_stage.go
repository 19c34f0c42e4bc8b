package rights

import (
	"context"
	"errors"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
)

// An import moves due dates and mails requesters, so it is applied only once the
// administrator has seen what it would do: the uploaded file is kept as a staged import
// until confirmed, cancelled by a later upload, or expired. Expired ones are deleted at
// the next upload of any administrator: there is at most one per administrator, so no
// job is needed to keep them few.

// StagedImport is an uploaded calendar file awaiting confirmation. Each administrator
// has at most one: a new upload replaces the last, so the staged imports stay as few as
// the administrators.
type StagedImport struct {
	By      string // the administrator who uploaded it
	Token   string // names this upload in the confirmation form
	Entries []DayEntry
	Expires time.Time
}

// StagedImportTTL is how long an uploaded file waits for its confirmation.
const StagedImportTTL = time.Hour

// ErrImportGone: the staged import to confirm expired, was applied already or was
// replaced by a later upload.
var ErrImportGone = errors.New("the calendar import to confirm is gone")

// ImportPlan is what an import would do.
type ImportPlan struct {
	Dates   int    // dates in the file
	Changed int    // dates that would turn between day off and working day
	Moves   []Move // open requests whose due date would move, in reference order
	Year    int    // the year of the file's first date
}

// StagedStore keeps staged imports, one per administrator.
type StagedStore interface {
	// Stage stores si, replacing the administrator's earlier one.
	Stage(ctx context.Context, si StagedImport) error
	// Staged returns the administrator's staged import (apperr.ErrNotFound: none).
	Staged(ctx context.Context, by string) (StagedImport, error)
	// Claim deletes and returns the administrator's staged import named by token
	// (apperr.ErrNotFound: none, or another one): of two confirmations only one gets it.
	Claim(ctx context.Context, by, token string) (StagedImport, error)
	// DropExpired deletes the staged imports that expired before now, and counts them.
	DropExpired(ctx context.Context, now time.Time) (int, error)
}

// DropExpiredImports deletes the uploads left unconfirmed past their hour (an
// administrator who never came back, or who left): the retention run calls it.
func (s *CalendarService) DropExpiredImports(ctx context.Context) (int, error) {
	return s.Staging.DropExpired(ctx, s.Now())
}

// Stage keeps parsed entries for the administrator by to confirm, and says what they
// would do. The token names them in the confirmation.
func (s *CalendarService) Stage(ctx context.Context, entries []DayEntry, by string) (string, ImportPlan, error) {
	if len(entries) == 0 {
		return "", ImportPlan{}, errors.New("stage calendar import: no dates")
	}
	plan, err := s.planImport(ctx, entries)
	if err != nil {
		return "", ImportPlan{}, err
	}
	token := ids.Hex(16)
	if _, err := s.Staging.DropExpired(ctx, s.Now()); err != nil {
		return "", ImportPlan{}, err
	}
	err = s.Staging.Stage(ctx, StagedImport{By: by, Token: token, Entries: entries, Expires: s.Now().Add(StagedImportTTL)})
	if err != nil {
		return "", ImportPlan{}, err
	}
	return token, plan, nil
}

// StagedPlan says again what the administrator's staged import named by token would do.
func (s *CalendarService) StagedPlan(ctx context.Context, by, token string) (ImportPlan, error) {
	si, err := s.Staging.Staged(ctx, by)
	if errors.Is(err, apperr.ErrNotFound) || err == nil && (si.Token != token || !s.Now().Before(si.Expires)) {
		return ImportPlan{}, ErrImportGone
	}
	if err != nil {
		return ImportPlan{}, err
	}
	return s.planImport(ctx, si.Entries)
}

// ApplyStaged imports the administrator's staged import named by token, as Import does,
// and returns the file's plan as applied (its Moves empty) with the requests moved.
func (s *CalendarService) ApplyStaged(ctx context.Context, by, token string) (ImportPlan, []Moved, error) {
	si, err := s.Staging.Claim(ctx, by, token)
	if errors.Is(err, apperr.ErrNotFound) || err == nil && !s.Now().Before(si.Expires) {
		return ImportPlan{}, nil, ErrImportGone
	}
	if err != nil {
		return ImportPlan{}, nil, err
	}
	n, moved, err := s.Import(ctx, si.Entries, by)
	return ImportPlan{Dates: n, Year: si.Entries[0].Date.Year}, moved, err
}

// planImport works out what importing entries would change, changing nothing.
func (s *CalendarService) planImport(ctx context.Context, entries []DayEntry) (ImportPlan, error) {
	lo, hi := entries[0].Date, entries[0].Date
	for _, e := range entries {
		lo, hi = minDate(lo, e.Date), maxDate(hi, e.Date)
	}
	now, err := s.Store.Days(ctx, lo, hi)
	if err != nil {
		return ImportPlan{}, err
	}
	plan := ImportPlan{Dates: len(entries), Year: entries[0].Date.Year}
	var changed []Date
	for _, e := range entries {
		if now.DayOff(e.Date) != e.DayOff {
			changed = append(changed, e.Date)
		}
	}
	plan.Changed = len(changed)
	plan.Moves, err = s.plan(ctx, changed, func(cal *Days) {
		for _, e := range entries {
			cal.Set(e)
		}
	})
	return plan, err
}

func minDate(a, b Date) Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b Date) Date {
	if b.After(a) {
		return b
	}
	return a
}
