package consent

import (
	"context"
	"errors"
	"io"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
)

// People finds the person an officer names by e-mail address (apperr.ErrNotFound when
// nobody has it). It gives only what the entry checks, so consent needs no account type.
type People interface {
	PersonByEmail(ctx context.Context, email string) (Person, error)
}

// Person is who holds an e-mail address, as a paper entry needs to know them.
type Person struct {
	ID string
	// Staff: the address is a staff account's; Verified: its owner proved the mailbox.
	Staff, Verified bool
}

// Scans keep the scans of forms signed on paper.
type Scans interface {
	Put(ctx context.Context, f *attachments.File, r io.Reader) error
}

// PaperCommand is a decision signed on paper as an officer enters it: the person by
// their account's e-mail address, and the scans of the signed form.
type PaperCommand struct {
	Email     string
	Purpose   string
	Grant     bool
	Lang      string // the language of the form the person signed
	Reference string // the document's number or file reference
	Version   int    // the notice version printed on the form
	Officer   string
	Scans     []attachments.Upload
	// Problems are what the web layer found already (a file of the wrong type): they
	// come back as they are, and nothing is recorded.
	Problems *apperr.Invalid
}

// PaperRecorded is what an entry did. Event is nil when the person's state already
// said so (nothing recorded); ScanFailed: the decision is recorded but a scan of it could
// not be kept (the caller logs it and tells the officer).
type PaperRecorded struct {
	Event      *Event
	ScanFailed error
}

// RecordPaperFor enters a decision signed on paper for the person whose verified,
// non-staff account has the e-mail address, and keeps its scans sealed with the
// person's own key (erasing them shreds the scans too). Problems come back as
// *apperr.Invalid keyed email, purpose or action.
func (s *Service) RecordPaperFor(ctx context.Context, cmd PaperCommand) (PaperRecorded, error) {
	if cmd.Problems.OrNil() != nil {
		return PaperRecorded{}, cmd.Problems
	}
	inv := &apperr.Invalid{}
	u, err := s.People.PersonByEmail(ctx, cmd.Email)
	switch {
	case errors.Is(err, apperr.ErrNotFound) || (err == nil && u.Staff):
		return PaperRecorded{}, inv.Add("email", "paper.no_account")
	case err != nil:
		return PaperRecorded{}, err
	case !u.Verified:
		// The receipt would land with whoever signed up with the address.
		return PaperRecorded{}, inv.Add("email", "paper.unverified")
	}
	e, err := s.RecordPaper(ctx, Paper{Subject: u.ID, Purpose: cmd.Purpose, Grant: cmd.Grant, Lang: cmd.Lang, Officer: cmd.Officer,
		Reference: cmd.Reference, Version: cmd.Version})
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		return PaperRecorded{}, inv.Add("purpose", "paper.not_in_version")
	case errors.Is(err, ErrRequired):
		return PaperRecorded{}, inv.Add("action", "consent.required_withdraw")
	case err != nil:
		return PaperRecorded{}, err
	}
	out := PaperRecorded{Event: e}
	if e == nil {
		return out, nil
	}
	for _, sc := range cmd.Scans {
		if err := s.putScan(ctx, e, sc, cmd.Officer); err != nil {
			out.ScanFailed = err
			break
		}
	}
	return out, nil
}

func (s *Service) putScan(ctx context.Context, e *Event, sc attachments.Upload, officer string) error {
	f, err := sc.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Scans.Put(ctx, &attachments.File{Ref: attachments.ConsentRef(e.ID), Subject: e.Subject, Name: sc.Name, Role: attachments.RoleOfficer,
		Purpose: attachments.PurposeConsent, UploadedBy: officer, Created: s.Now()}, f)
}
