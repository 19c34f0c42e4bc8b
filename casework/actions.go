package casework

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/rights"
)

// Command is what every officer's action carries: the request, the version of it the
// officer's page showed, who acts, and the problems decoding the form already found.
// Every action is a conditional update: if the request changed since the page was shown
// (another officer, or the requester withdrawing), nothing is done (rights.ErrChanged).
type Command struct {
	Ref     string
	Version int64
	Officer string
	// Confirmed: the officer confirmed an action that cannot be taken back.
	Confirmed bool
	// Problems are those decoding the form found. An action adds its own to them and,
	// while there are any, does nothing and returns them (the same value).
	Problems *apperr.Invalid
}

func (cmd *Command) problems() *apperr.Invalid {
	if cmd.Problems == nil {
		cmd.Problems = &apperr.Invalid{}
	}
	return cmd.Problems
}

// request reads the request the command names.
func (s *Service) request(ctx context.Context, cmd Command) (*rights.Request, error) {
	r, err := s.Requests.ByRef(ctx, cmd.Ref)
	if err != nil {
		return nil, failed(err)
	}
	return r, nil
}

// apply takes the step act on r. An action that cannot be taken back (confirm) is first
// tried on a copy of the request, so a form the step would refuse (no reason, too late,
// moved on) is answered at once rather than after a confirmation it could never honour.
// The requester is told by mail of kind (none when "").
func (s *Service) apply(ctx context.Context, r *rights.Request, cmd Command, act rights.Action, mail string, confirm bool) (*rights.Request, error) {
	if inv := cmd.problems(); len(inv.Problems) > 0 {
		return nil, inv
	}
	if confirm {
		if cmd.Version != r.Version {
			return nil, rights.ErrChanged
		}
		trial := *r
		if _, err := act(&trial, s.Now()); err != nil {
			return nil, err
		}
		if !cmd.Confirmed {
			return nil, &ConfirmFirst{Trial: &trial}
		}
	}
	updated, err := s.Timeline.Update(ctx, r.Ref, cmd.Version, s.Now(), act)
	if err != nil {
		return nil, err
	}
	s.SetDisputed(ctx, updated, updated.State.Open() && updated.Decision == nil)
	if mail != "" {
		s.Tell(ctx, updated, mail)
	}
	return updated, nil
}

// step reads the request and takes one step that needs nothing else of it.
func (s *Service) step(ctx context.Context, cmd Command, act rights.Action, mail string, confirm bool) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	u, err := s.apply(ctx, r, cmd, act, mail, confirm)
	if err != nil {
		return Result{}, err
	}
	return stepTaken(u), nil
}

// Review starts the review of a request.
func (s *Service) Review(ctx context.Context, cmd Command) (Result, error) {
	return s.step(ctx, cmd, rights.StartReview(cmd.Officer), "", false)
}

// AskIdentity asks the requester to prove who they are, and tells them.
func (s *Service) AskIdentity(ctx context.Context, cmd Command, note string) (Result, error) {
	return s.step(ctx, cmd, rights.AskIdentity(cmd.Officer, note), "request_identity", false)
}

// RecordIdentity records how the requester's identity was checked.
func (s *Service) RecordIdentity(ctx context.Context, cmd Command, level rights.IdentityLevel, note string) (Result, error) {
	return s.step(ctx, cmd, rights.RecordIdentity(cmd.Officer, level, note), "", false)
}

// Extend uses the one extension of the deadline and sends its notice (confirmed first).
func (s *Service) Extend(ctx context.Context, cmd Command, reason string) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	today := rights.DateOf(s.Now())
	cal, err := s.Calendar.Days(ctx, today.AddDays(-60), r.Due.AddDays(120))
	if err != nil {
		return Result{}, failed(err)
	}
	u, err := s.apply(ctx, r, cmd, rights.ExtendOnce(cmd.Officer, reason, cal), "request_extended", true)
	if err != nil {
		return Result{}, err
	}
	return stepTaken(u), nil
}

// WaiveFee waives the fee, which cannot be charged again (confirmed first).
func (s *Service) WaiveFee(ctx context.Context, cmd Command) (Result, error) {
	return s.step(ctx, cmd, rights.WaiveFee(cmd.Officer), "", true)
}

// RecordPayment records the payment of the fee.
func (s *Service) RecordPayment(ctx context.Context, cmd Command, p rights.Payment) (Result, error) {
	return s.step(ctx, cmd, rights.RecordPayment(cmd.Officer, p), "", false)
}

// Close ends the work on a request for good (confirmed first).
func (s *Service) Close(ctx context.Context, cmd Command) (Result, error) {
	return s.step(ctx, cmd, rights.Close(cmd.Officer), "", true)
}

// MarkDuplicate closes the request undecided as a duplicate of another of the same
// person's, and tells the requester (confirmed first).
func (s *Service) MarkDuplicate(ctx context.Context, cmd Command, of, note string) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	if rights.ValidRef(of) && of != r.Ref {
		o, err := s.Requests.ByRef(ctx, of)
		if errors.Is(err, apperr.ErrNotFound) || (err == nil && (o.Erased || o.Subject != r.Subject)) {
			cmd.problems().Add("of", "officer.duplicate_not_theirs")
		} else if err != nil {
			return Result{}, failed(err)
		}
	}
	u, err := s.apply(ctx, r, cmd, rights.MarkDuplicate(cmd.Officer, of, note), "request_duplicate", true)
	if err != nil {
		return Result{}, err
	}
	return stepTaken(u), nil
}

// Assign gives the request to an officer ("" takes it from whoever had it).
func (s *Service) Assign(ctx context.Context, cmd Command, to string) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	if to != "" {
		u, err := s.Users.ByID(ctx, to)
		if errors.Is(err, apperr.ErrNotFound) || (err == nil && (!u.Has(account.RoleOfficer) || u.Disabled || u.Expired(s.Now()))) {
			cmd.problems().Add("to", "officer.assign_not_officer")
		} else if err != nil {
			return Result{}, failed(err)
		}
	}
	u, err := s.apply(ctx, r, cmd, rights.Assign(cmd.Officer, to), "", false)
	if err != nil {
		return Result{}, err
	}
	return stepTaken(u), nil
}

// AddNote adds an internal note to the timeline.
func (s *Service) AddNote(ctx context.Context, cmd Command, note string) (Result, error) {
	return s.step(ctx, cmd, rights.AddNote(cmd.Officer, note), "", false)
}

// RecordDelivery records how a letter was delivered, and takes it off the letters to
// post.
func (s *Service) RecordDelivery(ctx context.Context, cmd Command, letter, method string, on rights.Date) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	mailable, err := s.Mailable(ctx, r)
	if err != nil {
		return Result{}, failed(err)
	}
	if !rights.ValidLetter(letter) {
		cmd.problems().Add("letter", "delivery.letter_unknown")
	}
	u, err := s.apply(ctx, r, cmd, rights.RecordDelivery(cmd.Officer, letter, method, on, mailable), "", false)
	if err != nil {
		return Result{}, err
	}
	s.Delivered(ctx, u, letter)
	return stepTaken(u), nil
}

// Notified records that a recipient of the person's data was told of a correction
// (Art. 11(5)). Not found: the record is not a disclosure of this person's data, or the
// request no correction.
func (s *Service) Notified(ctx context.Context, cmd Command, record string) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	d, err := s.Disclosures.Get(ctx, record)
	if err != nil || !slices.Contains(d.Subjects, r.Subject) || r.Kind != rights.Correct {
		return Result{}, failed(apperr.ErrNotFound)
	}
	note := d.ID + " " + d.RecipientName
	me := cmd.Officer
	act := func(req *rights.Request, now time.Time) (rights.Step, error) {
		if req.Decision == nil || req.Decision.Outcome == rights.Refused {
			return rights.Step{}, rights.ErrChanged
		}
		// A disclosure still withheld from the person stays out of their timeline.
		return rights.Step{Action: "recipient_notified", ActorID: me, Role: "officer", Note: note, Internal: !d.Visible(rights.DateOf(now))}, nil
	}
	u, err := s.apply(ctx, r, cmd, act, "", false)
	if err != nil {
		return Result{}, err
	}
	return stepTaken(u), nil
}

// Attach stores the files sent with an action once the rest of it is checked, adding
// any problem with them to inv instead.
type Attach func(r *rights.Request, inv *apperr.Invalid) error

// RecordTask records what was found or done in one personal data file of the agency,
// with any files, so the answer covers everything the agency holds. Files stored for
// a step that is then refused are the caller's to remove (attach stored them).
func (s *Service) RecordTask(ctx context.Context, cmd Command, file, finding, lang string, attach Attach) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	pf, err := s.Inventory.Get(ctx, file)
	if err != nil {
		return Result{}, failed(err)
	}
	inv := cmd.problems()
	if strings.TrimSpace(finding) == "" {
		inv.Add("", "officer.task_note_required", pf.Name(lang))
	}
	if cmd.Version != r.Version || !r.State.Open() {
		// Refused below anyway: nothing is stored for it.
		return Result{}, rights.ErrChanged
	}
	if len(inv.Problems) == 0 {
		if err := attach(r, inv); err != nil {
			return Result{}, failed(err)
		}
	}
	// The file is named in both languages; the finding is the officer's text.
	task := rights.Say("timeline.task_file", rights.Typed(pf.ID), rights.Both(pf.Name(i18n.ZH), pf.Name(i18n.EN)))
	me := cmd.Officer
	act := func(req *rights.Request, now time.Time) (rights.Step, error) {
		if !req.State.Open() {
			return rights.Step{}, rights.ErrChanged
		}
		return rights.Step{Action: "file_task", ActorID: me, Role: "officer", Note: finding, Said: []rights.Said{task}}, nil
	}
	u, err := s.apply(ctx, r, cmd, act, "", false)
	if err != nil {
		return Result{}, err
	}
	return stepTaken(u), nil
}
