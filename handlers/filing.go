package handlers

import (
	"context"
	"fmt"
	"mime/multipart"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/outbox"
	"github.com/example/pdpa-portal/rights"
)

// filingFiles are checked uploads of one role and purpose for a filing.
type filingFiles struct {
	fhs           []*multipart.FileHeader
	role, purpose string
}

// mailWithdrawer drops a queued message not yet sent (store.Outbox has it); the outbox
// interface itself is left as it is.
type mailWithdrawer interface {
	Withdraw(ctx context.Context, id string) error
}

// fileWhole stores a checked request with its attachments and its confirmation mail, all
// or none. The request is numbered first; then its files, then its mail are stored under
// that number, and the request itself last: until that write succeeds nobody can see the
// request, and if anything fails, what was written before is taken away again (a number
// taken and not used leaves a gap). So an acknowledged filing always has every file the
// person attached and its confirmation in the outbox; a refused one has neither. mail
// queues the confirmation, held a few seconds so the worker cannot send it before the
// request's last write (or its withdrawal), and returns its id.
func (s *Server) fileWhole(c *gin.Context, r *rights.Request, attached []filingFiles, mail func(ctx context.Context, r *rights.Request) (string, error)) error {
	ctx := c.Request.Context()
	q, err := s.quota(ctx)
	if err != nil {
		return err
	}
	if r.EnteredBy == "" && !rights.IsGuest(r.Subject) {
		// One person's filings are checked against the quota and stored one at a time,
		// so forty sent at once cannot all pass the check. (One process: instances
		// sharing a MongoDB can each let one more through.)
		mu := &s.filingLocks[stripe(r.Subject, len(s.filingLocks))]
		mu.Lock()
		defer mu.Unlock()
		mine, err := s.Requests.ForSubject(ctx, r.Subject)
		if err != nil {
			return err
		}
		if err := q.Check(mine, s.Now()); err != nil {
			return err
		}
	}
	if r.EnteredBy == "" {
		var all []*multipart.FileHeader
		for _, a := range attached {
			all = append(all, a.fhs...)
		}
		if err := s.takeAttachments(ctx, q, r.Subject, all); err != nil {
			return err
		}
	}
	for _, a := range attached {
		if len(a.fhs) > 0 && s.uploadsPaused(ctx) {
			return errUploadsPaused // before a number is taken
		}
	}
	if err := s.dateFiled(ctx, r); err != nil {
		return err
	}
	if err := s.Requests.Number(ctx, r); err != nil {
		return err
	}
	stored := false
	for _, a := range attached {
		if len(a.fhs) == 0 {
			continue
		}
		stored = true
		if _, err := s.storeUploads(c, r, a.fhs, a.role, a.purpose, ""); err != nil {
			s.undoFiling(c, r, true, "")
			return fmt.Errorf("attachment of %s: %w", r.Ref, err)
		}
	}
	mailID, err := mail(ctx, r)
	if err != nil {
		s.undoFiling(c, r, stored, "")
		return fmt.Errorf("confirmation mail of %s: %w", r.Ref, err)
	}
	if err := s.Requests.Create(ctx, r); err != nil {
		s.undoFiling(c, r, stored, mailID)
		return err
	}
	return nil
}

// undoFiling removes what a refused filing stored before it failed. It runs on its own
// deadline: the person's request may have been cancelled.
func (s *Server) undoFiling(c *gin.Context, r *rights.Request, files bool, mailID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 10*time.Second)
	defer cancel()
	if mailID != "" {
		if w, ok := s.Mail.(mailWithdrawer); ok {
			if err := w.Withdraw(ctx, mailID); err != nil {
				s.Log.Error("refused filing: its confirmation mail could not be withdrawn", "request_id", c.GetString(keyRequestID), "ref", r.Ref, "err", err)
			}
		}
	}
	if files {
		if err := s.Files.DeleteRef(ctx, r.Ref); err != nil {
			// The files are under a number no request will have: nobody can reach them.
			s.Log.Error("refused filing: its attachments could not be removed", "request_id", c.GetString(keyRequestID), "ref", r.Ref, "err", err)
		}
	}
}

// dateFiled dates a request received now (or on r.Received: a paper request's
// postmark) under the office calendar.
func (s *Server) dateFiled(ctx context.Context, r *rights.Request) error {
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
func (s *Server) queueReceived(ctx context.Context, r *rights.Request, to, lang string) (string, error) {
	id := ids.New("m")
	return id, s.Accounts.Mailer.Send(ctx, account.Mail{ID: id, UserID: r.Subject, To: to, Lang: lang, Kind: "request_received",
		Link: "/requests/" + r.Ref, Args: []outbox.Arg{outbox.Text(r.Ref), outbox.Date(r.Due.String())}, Hold: receivedMailHold})
}

// receivedMailHold is far longer than storing a request takes, and short beside the
// mail worker's own ten-second round.
const receivedMailHold = 5 * time.Second

// filingUploads reads a filing's attachments and, for a request made on someone's behalf,
// the written authorisation, each checked (total size, type by content) before anything
// is stored; their problems join inv. ok is false when the answer was already written.
func (s *Server) filingUploads(c *gin.Context, inv *apperr.Invalid, onBehalf bool) (files, auth []*multipart.FileHeader, ok bool) {
	files, err := uploads(c, 0)
	if err != nil && !uploadProblem(inv, err) {
		s.fail(c, err)
		return nil, nil, false
	}
	if onBehalf {
		var used int64
		for _, fh := range files {
			used += fh.Size
		}
		auth, err = uploadsOf(c, "authorisation", used)
		if err != nil && !uploadProblemOf(inv, "authorisation", err) {
			s.fail(c, err)
			return nil, nil, false
		}
		if err == nil && len(auth) == 0 {
			addOnce(inv, "authorisation", "request.authorisation_required")
		}
	}
	return files, auth, true
}
