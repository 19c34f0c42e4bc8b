package disclosure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/rights"
)

// People finds the account an officer names by its e-mail address.
type People interface {
	ByEmail(ctx context.Context, email string) (*account.User, error)
}

// Documents keep the documents of a record (the request letter, the reply).
type Documents interface {
	Put(ctx context.Context, f *attachments.File, r io.Reader) error
	Used(ctx context.Context, ref string) (int64, error)
}

// Service keeps the register as officers write it.
type Service struct {
	Register  Register
	People    People
	Documents Documents
	Now       func() time.Time
}

// SaveCommand is the officer's form: a new record (ID empty), or a new version of the
// record ID as read at Version.
type SaveCommand struct {
	ID                                                        string
	Version                                                   int
	First, Last                                               rights.Date
	Frequency, RecipientName, RecipientAddress, RecipientKind string
	// Categories are the data category codes as typed, apart by commas, 、, spaces or
	// lines.
	Categories                     string
	Description, Ground, Reference string
	// Subjects are the people concerned by their accounts' e-mail addresses, as typed.
	Subjects      string
	Count         int
	WithheldUntil rights.Date
	Documents     []attachments.Upload
	By            string
	// Problems are what the web layer found already (a date it could not read, a file
	// of the wrong type): they come back with the rules' own, and nothing is saved.
	Problems *apperr.Invalid
}

// Save records a new disclosure, or a new version of one, with its documents, and
// returns it. Problems come back as *apperr.Invalid keyed by the form's fields, with
// nothing saved; a version someone else saved meanwhile is apperr.ErrStale;
// documents beyond the record's room are attachments.ErrTooLarge.
func (s *Service) Save(ctx context.Context, cmd SaveCommand) (*Record, error) {
	inv := &apperr.Invalid{}
	if cmd.Problems != nil {
		inv.Problems = append(inv.Problems, cmd.Problems.Problems...)
	}
	now := s.Now()
	r := &Record{ID: cmd.ID, Version: cmd.Version, First: cmd.First, Last: cmd.Last, Frequency: cmd.Frequency,
		RecipientName: cmd.RecipientName, RecipientAddress: cmd.RecipientAddress, RecipientKind: cmd.RecipientKind, Description: cmd.Description,
		Ground: cmd.Ground, Reference: cmd.Reference, Count: cmd.Count, WithheldUntil: cmd.WithheldUntil, Officer: cmd.By, Changed: now, ChangedBy: cmd.By}
	r.Categories = parseCategories(cmd.Categories)
	subjects, err := s.subjects(ctx, cmd.Subjects, inv)
	if err != nil {
		return nil, err
	}
	r.Subjects = subjects
	var used int64
	if cmd.ID != "" {
		old, err := s.Register.Get(ctx, cmd.ID)
		if err != nil {
			return nil, err
		}
		// A new version is written by whoever corrects it; the record stays the
		// officer's who first recorded it.
		r.Officer = old.Officer
		if used, err = s.Documents.Used(ctx, cmd.ID); err != nil {
			return nil, err
		}
	}
	if used+attachments.Size(cmd.Documents) > attachments.MaxPerRequest {
		return nil, attachments.ErrTooLarge
	}
	if inv.Join(Validate(r)); len(inv.Problems) > 0 {
		return nil, inv
	}
	if err := s.Register.Save(ctx, r); err != nil {
		return nil, err
	}
	for _, d := range cmd.Documents {
		if err := s.putDocument(ctx, r.ID, d, cmd.By, now); err != nil {
			return nil, fmt.Errorf("disclosure %s saved, a document not stored: %w", r.ID, err)
		}
	}
	return r, nil
}

// parseCategories reads category codes as typed, in capitals.
func parseCategories(text string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(strings.ToUpper(text), func(r rune) bool { return r == ',' || r == '、' || r == ' ' || r == '\n' }) {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

// subjects finds the people concerned, named by their accounts' e-mail addresses: each
// must be a verified account that is not staff. Too many are refused before any is
// looked up. Problems go on the field subjects.
func (s *Service) subjects(ctx context.Context, text string, inv *apperr.Invalid) ([]string, error) {
	lines := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' })
	if len(lines) > MaxSubjects {
		inv.Add("subjects", "field.too_many", MaxSubjects)
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, line := range lines {
		u, err := s.People.ByEmail(ctx, line)
		switch {
		case errors.Is(err, apperr.ErrNotFound) || (err == nil && u.IsStaff()):
			inv.AddOnce("subjects", "disclosure.subject_unknown", line)
		case err != nil:
			return nil, err
		case !u.EmailVerified:
			// Anyone can sign up with another person's address: the record would show
			// on the squatter's /account/data. Only a proven mailbox is the person.
			inv.AddOnce("subjects", "disclosure.subject_unverified", line)
		case !seen[u.ID]:
			seen[u.ID] = true
			out = append(out, u.ID)
		}
	}
	return out, nil
}

// putDocument keeps a document of record id, sealed with the agency's records key.
func (s *Service) putDocument(ctx context.Context, id string, d attachments.Upload, by string, now time.Time) error {
	f, err := d.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Documents.Put(ctx, &attachments.File{Ref: id, Subject: attachments.RecordsSubject, Name: d.Name, Role: attachments.RoleOfficer,
		Purpose: attachments.PurposeRecord, UploadedBy: by, Created: now}, f)
}
