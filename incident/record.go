package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
)

// SaveCommand is the administrator's form: a new record (ID empty), or the record ID as
// read at Version. The people affected are entered three ways: accounts by their e-mail
// address, addresses without an account (told by e-mail), and names with postal
// addresses (told by letter).
type SaveCommand struct {
	ID      string
	Version int64
	// Discovered is zero when the form gave no time it could read.
	Discovered                                      time.Time
	Title, What, Data, Measures, WhatEN, MeasuresEN string
	// People is how many are affected; negative when the form gave no number.
	People int
	// Affected are accounts by e-mail address, apart by spaces or lines; Emails and
	// Letters the people without an account, as ParseEmails and ParseLetters read them.
	Affected, Emails, Letters string
	By                        string
	// Problems are what the web layer found already (text it could not read): they come
	// back with the rules' own, and nothing is saved.
	Problems *apperr.Invalid
}

// MaxAffected bounds the accounts entered on one record.
const MaxAffected = 10_000

// Save creates or updates a record from the form and returns it. Problems come back as
// *apperr.Invalid keyed by the form's fields, with the record as the form would have left
// it, unsaved; a version someone else saved meanwhile is apperr.ErrStale.
func (s *Service) Save(ctx context.Context, cmd SaveCommand) (*Incident, error) {
	i := &Incident{}
	if cmd.ID != "" {
		cur, err := s.Store.Get(ctx, cmd.ID)
		if err != nil {
			return nil, err
		}
		if cur.Version != cmd.Version {
			return nil, fmt.Errorf("incident %s: %w", cmd.ID, apperr.ErrStale)
		}
		i = cur
	}
	t := strings.TrimSpace
	i.Title, i.What, i.Data, i.Measures = t(cmd.Title), t(cmd.What), t(cmd.Data), t(cmd.Measures)
	i.WhatEN, i.MeasuresEN = t(cmd.WhatEN), t(cmd.MeasuresEN)
	i.Discovered, i.People = cmd.Discovered, cmd.People
	inv := &apperr.Invalid{}
	if cmd.Problems != nil {
		inv.Problems = append(inv.Problems, cmd.Problems.Problems...)
	}
	affected, err := s.affected(ctx, cmd.Affected, inv)
	if err != nil {
		return nil, err
	}
	i.Affected = affected
	emails, err := ParseEmails(cmd.Emails)
	addProblems(inv, err)
	letters, err := ParseLetters(cmd.Letters)
	addProblems(inv, err)
	i.Emails, i.Letters = KeepTold(i.Emails, emails), KeepTold(i.Letters, letters)
	now := s.Now()
	addProblems(inv, i.Validate(now))
	if len(inv.Problems) > 0 {
		return i, inv
	}
	if cmd.ID == "" {
		i.ID, i.Recorded, i.RecordedBy = ids.New("inc"), now, cmd.By
	}
	i.Updated, i.UpdatedBy = now, cmd.By
	if err := s.Store.Save(ctx, i); err != nil {
		return nil, err
	}
	return i, nil
}

// affected finds the accounts named by e-mail address: each must exist and have proven
// its address. Problems go on the field affected, naming the first few addresses.
func (s *Service) affected(ctx context.Context, text string, inv *apperr.Invalid) ([]string, error) {
	lines := strings.Fields(text)
	if len(lines) > MaxAffected {
		inv.Add("affected", "incident.too_many", MaxAffected)
		return nil, nil
	}
	var out, unknown, unverified []string
	for _, e := range lines {
		acc, err := s.Users.ByEmail(ctx, e)
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			unknown = append(unknown, clipBytes(e, 100))
		case err != nil:
			return nil, err
		case !acc.EmailVerified:
			// The notice names the incident and lands in the inbox: an account never
			// proven to own the address is not the person.
			unverified = append(unverified, clipBytes(e, 100))
		case !slices.Contains(out, acc.ID): // one notice per person, however typed
			out = append(out, acc.ID)
		}
	}
	if len(unknown) > 0 {
		inv.Add("affected", "incident.unknown_people", strings.Join(unknown[:min(len(unknown), maxShown)], ", "))
	}
	if len(unverified) > 0 {
		inv.Add("affected", "incident.unverified_people", strings.Join(unverified[:min(len(unverified), maxShown)], ", "))
	}
	return out, nil
}

// ReportCommand records the report to the authority: when (zero when the form gave no
// time it could read) and its reference, on the record ID as read at Version.
type ReportCommand struct {
	ID      string
	Version int64
	At      time.Time
	Ref     string
	By      string
}

// MaxReportRef bounds the authority's reference.
const MaxReportRef = 200

// Reported records the report to the authority and returns the record. Problems come
// back as *apperr.Invalid keyed reported_at and report_ref, with the record as it was; a
// version someone else saved meanwhile is apperr.ErrStale.
func (s *Service) Reported(ctx context.Context, cmd ReportCommand) (*Incident, error) {
	i, err := s.Store.Get(ctx, cmd.ID)
	if err != nil {
		return nil, err
	}
	if i.Version != cmd.Version {
		return nil, fmt.Errorf("incident %s: %w", cmd.ID, apperr.ErrStale)
	}
	inv := &apperr.Invalid{}
	switch {
	case cmd.At.IsZero():
		inv.Add("reported_at", "incident.required")
	case cmd.At.Before(i.Discovered) || cmd.At.After(s.Now()):
		inv.Add("reported_at", "incident.reported_range")
	}
	ref := strings.TrimSpace(cmd.Ref)
	switch {
	case ref == "":
		inv.Add("report_ref", "incident.required")
	case utf8.RuneCountInString(ref) > MaxReportRef:
		inv.Add("report_ref", "incident.too_long", MaxReportRef)
	}
	if len(inv.Problems) > 0 {
		return i, inv
	}
	i.ReportedAt, i.ReportRef, i.Updated, i.UpdatedBy = cmd.At, ref, s.Now(), cmd.By
	if err := s.Store.Save(ctx, i); err != nil {
		return nil, err
	}
	return i, nil
}

func addProblems(inv *apperr.Invalid, err error) {
	var v *apperr.Invalid
	if errors.As(err, &v) {
		inv.Problems = append(inv.Problems, v.Problems...)
	}
}

// clipBytes cuts s to at most n bytes at a character's start, as an address is quoted
// back in a message.
func clipBytes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
