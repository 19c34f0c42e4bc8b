package casework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
)

// Upload is one attachment the web layer has checked already (total size, type by
// content, a clean name): its name, size and content.
type Upload struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
}

// Attached are uploads of one role and purpose (the request's own files, an agent's
// written authorisation).
type Attached struct {
	Files         []Upload
	Role, Purpose string
}

// Filing is a request to file, with its attachments (checked by the web layer), and who
// files it. Exactly one of Citizen, Guest and Intake is set.
type Filing struct {
	Request  *rights.Request
	Attached []Attached
	Citizen  *Citizen
	Guest    *GuestFiler
	Intake   *Intake
	// OnBehalf: an agent files for the person named in Request.Principal (APA Art. 24),
	// who must then be named.
	OnBehalf bool
	// Problems are what the web layer found already (a field it could not read, a file
	// of the wrong type): they come back with the rules' own, and nothing is stored.
	Problems *apperr.Invalid
}

// Citizen is an account holder filing online (the form or the API): the request is
// theirs, counted against their quota, and confirmed to Email in Lang.
type Citizen struct {
	ID, Email, Lang string
}

// GuestFiler is someone without an account filing online: counted per client address
// (Client, a keyed hash) and e-mail address, made a guest with the filing, and mailed a
// code usable with the browser's binding Bind.
type GuestFiler struct {
	Email, Name, Lang, Client, Bind string
}

// Intake is an officer entering a request taken on paper or at the counter
// (Request.EnteredBy): for the verified account Account, or else for Guest, made with
// the filing. Identity is the check the officer did, "none yet" included.
type Intake struct {
	Account  string
	Guest    *rights.Guest
	Identity string
}

// Filed is a stored filing.
type Filed struct {
	Request *rights.Request
	// CheckUnrecorded: a paper request is filed but its identity check could not be
	// put on the timeline (logged); the officer is told.
	CheckUnrecorded bool
}

// ErrUploadsPaused refuses new attachments while free space is under PORTAL_UPLOADS_LOW,
// before the database itself runs out (a 4 MB file fills what a thousand filings need).
var ErrUploadsPaused = errors.New("uploads paused: the disk is nearly full")

// Files are the attachments of requests, as filing and messages store them.
type Files interface {
	Put(ctx context.Context, f *attachments.File, r io.Reader) error
	Used(ctx context.Context, ref string) (int64, error)
	Delete(ctx context.Context, ref string, ids []string) error
	DeleteRef(ctx context.Context, ref string) error
}

// MailWithdrawer drops a queued message not yet sent: the confirmation of a filing that
// was then refused.
type MailWithdrawer interface {
	Withdraw(ctx context.Context, id string) error
}

// Space says whether new attachments are refused for want of disk space (the web layer
// watches the disk).
type Space interface {
	UploadsPaused(ctx context.Context) bool
}

// File checks a request and stores it with its attachments and its confirmation mail,
// all or none, and returns it numbered and dated. Problems come back as *apperr.Invalid
// keyed by the form's fields, with nothing stored. The form, the API, guests and paper
// intake all file through here, so one set of rules holds for all of them.
func (s *Service) File(ctx context.Context, f Filing) (Filed, error) {
	if err := s.checkFiling(ctx, f); err != nil {
		return Filed{}, err
	}
	r := f.Request
	var confirm func(ctx context.Context, r *rights.Request) (string, error)
	uploadedBy := ""
	switch {
	case f.Citizen != nil:
		r.Subject, uploadedBy = f.Citizen.ID, f.Citizen.ID
		confirm = func(ctx context.Context, r *rights.Request) (string, error) {
			return s.queueReceived(ctx, r, f.Citizen.Email, f.Citizen.Lang)
		}
	case f.Guest != nil:
		g := f.Guest
		// Counted once the form is valid; over the quota the form comes back as typed.
		q, err := s.quota(ctx)
		if err != nil {
			return Filed{}, err
		}
		if err := s.takeGuestFiling(ctx, q, g.Client, g.Email); err != nil {
			return Filed{}, err
		}
		guest := &rights.Guest{ID: ids.New("g"), Email: g.Email, Name: g.Name, Lang: g.Lang, Created: s.Now()}
		if err := s.Guests.Create(ctx, guest); err != nil {
			return Filed{}, err
		}
		r.Subject, uploadedBy = guest.ID, guest.ID
		confirm = func(ctx context.Context, r *rights.Request) (string, error) {
			return s.QueueGuestCode(ctx, r, g.Bind, g.Email, g.Lang, "guest_request_received")
		}
	case f.Intake != nil:
		if f.Intake.Account != "" {
			r.Subject = f.Intake.Account
		} else {
			if err := s.Guests.Create(ctx, f.Intake.Guest); err != nil {
				return Filed{}, err
			}
			r.Subject = f.Intake.Guest.ID
		}
		uploadedBy = r.EnteredBy
		// A person without e-mail is sent none.
		confirm = func(ctx context.Context, r *rights.Request) (string, error) {
			return s.QueueToRequester(ctx, r, "request_received")
		}
	default:
		return Filed{}, errors.New("a filing names who files it")
	}
	if err := s.fileWhole(ctx, r, f.Attached, uploadedBy, confirm); err != nil {
		return Filed{}, err
	}
	out := Filed{Request: r}
	if f.Intake != nil {
		// The check actually done, "none yet" included, goes on the timeline at once.
		if _, err := s.Timeline.Update(ctx, r.Ref, r.Version, s.Now(), rights.RecordIntakeCheck(r.EnteredBy, f.Intake.Identity)); err != nil {
			s.Log.Error("paper request filed, its identity check not recorded", "ref", r.Ref, "err", err)
			out.CheckUnrecorded = true
		}
	}
	s.SetDisputed(ctx, r, true)
	return out, nil
}

// checkFiling answers with every problem of a filing: the web layer's, the files of the
// agency's inventory it names, the agent's principal and the request's own rules against
// the current notice's purposes.
func (s *Service) checkFiling(ctx context.Context, f Filing) error {
	inv := &apperr.Invalid{}
	if f.Problems != nil {
		inv.Problems = append(inv.Problems, f.Problems.Problems...)
	}
	r := f.Request
	for _, id := range r.ScopeFiles {
		if _, err := s.Inventory.Get(ctx, id); errors.Is(err, apperr.ErrNotFound) {
			inv.AddOnce("scope_files", "request.scope_file_unknown")
		} else if err != nil {
			return err
		}
	}
	if f.OnBehalf && r.Principal == "" {
		inv.AddOnce("principal", "field.required")
	}
	n, err := s.Notices.Current(ctx)
	if err != nil {
		return err
	}
	inv.Join(rights.Validate(r, func(id string) bool { return n.Purpose(id) != nil }))
	return inv.OrNil()
}

// fileWhole stores a checked request with its attachments and its confirmation mail, all
// or none. The request is numbered first; then its files, then its mail are stored under
// that number, and the request itself last: until that write succeeds nobody can see the
// request, and if anything fails, what was written before is taken away again (a number
// taken and not used leaves a gap). So an acknowledged filing always has every file the
// person attached and its confirmation in the outbox; a refused one has neither. confirm
// queues the confirmation, held a few seconds so the worker cannot send it before the
// request's last write (or its withdrawal), and returns its id.
func (s *Service) fileWhole(ctx context.Context, r *rights.Request, attached []Attached, by string, confirm func(ctx context.Context, r *rights.Request) (string, error)) error {
	q, err := s.quota(ctx)
	if err != nil {
		return err
	}
	counted := r.EnteredBy == "" && !rights.IsGuest(r.Subject)
	if counted {
		// A first look, so a person over the quota is told so before a number is taken.
		mine, pending, _, err := s.Filings.Filings(ctx, r.Subject, s.Now())
		if err != nil {
			return err
		}
		if err := q.CheckPending(mine, len(pending), s.Now()); err != nil {
			return err
		}
	}
	if r.EnteredBy == "" {
		var all []Upload
		for _, a := range attached {
			all = append(all, a.Files...)
		}
		if err := s.takeAttachments(ctx, q, r.Subject, all); err != nil {
			return err
		}
	}
	for _, a := range attached {
		if len(a.Files) > 0 && s.uploadsPaused(ctx) {
			return ErrUploadsPaused // before a number is taken
		}
	}
	if err := s.dateFiled(ctx, r); err != nil {
		return err
	}
	if err := s.Requests.Number(ctx, r); err != nil {
		return err
	}
	if counted {
		if err := s.admit(ctx, q, r); err != nil {
			return err // the number taken stays unused: a gap
		}
	}
	stored := false
	for _, a := range attached {
		if len(a.Files) == 0 {
			continue
		}
		stored = true
		if _, err := s.storeFiles(ctx, r, a.Files, a.Role, a.Purpose, "", by); err != nil {
			s.undoFiling(ctx, r, true, "", counted)
			return fmt.Errorf("attachment of %s: %w", r.Ref, err)
		}
	}
	mailID, err := confirm(ctx, r)
	if err != nil {
		s.undoFiling(ctx, r, stored, "", counted)
		return fmt.Errorf("confirmation mail of %s: %w", r.Ref, err)
	}
	if err := s.Requests.Create(ctx, r); err != nil {
		s.undoFiling(ctx, r, stored, mailID, counted)
		return err
	}
	return nil
}

// admit checks the numbered filing r against the quota and claims its place, so that
// one person's filings sent at once to several instances cannot all pass the check:
// the claim is a compare-and-set on the person's filings, and a filing that loses it
// looks again (a bounded number of times).
func (s *Service) admit(ctx context.Context, q rights.Quota, r *rights.Request) error {
	for range 20 {
		now := s.Now()
		mine, pending, version, err := s.Filings.Filings(ctx, r.Subject, now)
		if err != nil {
			return err
		}
		if err := q.CheckPending(mine, len(pending), now); err != nil {
			return err
		}
		if ok, err := s.Filings.Claim(ctx, r.Subject, r.Ref, version, now); err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("filing of %s: %w", r.Ref, apperr.ErrStale)
}

// undoFiling removes what a refused filing stored before it failed. It runs on its own
// deadline: the person's request may have been cancelled.
func (s *Service) undoFiling(ctx context.Context, r *rights.Request, files bool, mailID string, claimed bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if claimed {
		if err := s.Filings.Unclaim(ctx, r.Subject, r.Ref, s.Now()); err != nil {
			// The claim counts against the person's quota until it runs out.
			s.Log.Error("refused filing: its claim could not be dropped", "ref", r.Ref, "err", err)
		}
	}
	if mailID != "" && s.Withdraw != nil {
		if err := s.Withdraw.Withdraw(ctx, mailID); err != nil {
			s.Log.Error("refused filing: its confirmation mail could not be withdrawn", "ref", r.Ref, "err", err)
		}
	}
	if files {
		if err := s.Files.DeleteRef(ctx, r.Ref); err != nil {
			// The files are under a number no request will have: nobody can reach them.
			s.Log.Error("refused filing: its attachments could not be removed", "ref", r.Ref, "err", err)
		}
	}
}

// storeFiles stores the checked files of a request, from by.
func (s *Service) storeFiles(ctx context.Context, r *rights.Request, ups []Upload, role, purpose, messageID, by string) ([]string, error) {
	if len(ups) > 0 && s.uploadsPaused(ctx) {
		return nil, ErrUploadsPaused
	}
	var stored []string
	for _, u := range ups {
		f, err := u.Open()
		if err != nil {
			return stored, err
		}
		meta := &attachments.File{Ref: r.Ref, Subject: r.Subject, Name: u.Name, Role: role, Purpose: purpose, MessageID: messageID,
			UploadedBy: by, Created: s.Now()}
		err = s.Files.Put(ctx, meta, f)
		_ = f.Close()
		if err != nil {
			return stored, err
		}
		stored = append(stored, meta.ID)
	}
	return stored, nil
}

func (s *Service) uploadsPaused(ctx context.Context) bool {
	return s.Space != nil && s.Space.UploadsPaused(ctx)
}

// dateFiled dates a request received now (or on r.Received: a paper request's
// postmark) under the office calendar.
func (s *Service) dateFiled(ctx context.Context, r *rights.Request) error {
	now := s.Now()
	from := r.Received
	if from.IsZero() {
		from = rights.DateOf(now)
	}
	cal, err := s.Calendar.Days(ctx, from, from.AddDays(120))
	if err != nil {
		return err
	}
	rights.File(r, now, cal)
	return nil
}

// queueReceived queues the mail confirming a filing (reference and due date) to to. It
// is queued before the request is stored, so it is held a little: the worker cannot send
// it before the request exists, or before a refused filing withdraws it.
func (s *Service) queueReceived(ctx context.Context, r *rights.Request, to, lang string) (string, error) {
	id := ids.New("m")
	return id, s.Mailer.Send(ctx, mail.Mail{ID: id, UserID: r.Subject, To: to, Lang: lang, Kind: "request_received",
		Link: "/requests/" + r.Ref, Args: []mail.Arg{mail.Text(r.Ref), mail.Date(r.Due.String())}, Hold: receivedMailHold})
}

// receivedMailHold is far longer than storing a request takes, and short beside the
// mail worker's own ten-second round.
const receivedMailHold = 5 * time.Second

// QueueGuestCode issues a fresh code for the request, usable by the browser bind, and
// queues the mail carrying it, the reference and the due date; it returns the mail's id.
func (s *Service) QueueGuestCode(ctx context.Context, r *rights.Request, bind, email, lang, kind string) (string, error) {
	code := rights.NewCode()
	if err := s.Guests.IssueCode(ctx, r.Ref, bind, code, s.Now()); err != nil {
		return "", fmt.Errorf("guest code: %w", err)
	}
	id := ids.New("m")
	return id, s.Mailer.Send(ctx, mail.Mail{ID: id, UserID: r.Subject, To: email, Lang: lang, Kind: kind,
		Link: "/guest/requests/" + r.Ref + "/confirm", Args: []mail.Arg{mail.Text(r.Ref), mail.Date(r.Due.String()), mail.Text(code)}})
}
