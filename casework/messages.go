package casework

import (
	"context"

	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
)

// Messages adds messages to requests (rights.Messages).
type Messages interface {
	AddMessage(ctx context.Context, ref string, m *rights.Message) error
}

// Message is a message to add to a request, checked by the web layer (not empty, no
// files on a request that is over), with any files it carries.
type Message struct {
	Request *rights.Request
	// Role is "requester" or "officer"; AuthorID who writes (the requester's own id for
	// a guest).
	Role, AuthorID string
	Body           string
	Files          []Upload
}

// PostMessage stores a message (and its files) on a request. The requester's messages
// and attachments count against their quota (a *rights.QuotaError, nothing stored); an
// officer's message is mailed to the requester, a requester's to the assigned officer.
func (s *Service) PostMessage(ctx context.Context, msg Message) (*rights.Message, error) {
	r := msg.Request
	if msg.Role != "officer" {
		if err := s.requesterQuota(ctx, r.Subject, msg.Files); err != nil {
			return nil, err
		}
	}
	m := &rights.Message{ID: ids.New("msg"), At: s.Now(), Role: msg.Role, AuthorID: msg.AuthorID, Body: msg.Body}
	var err error
	if m.Files, err = s.storeFiles(ctx, r, msg.Files, msg.Role, attachments.PurposeMessage, m.ID, msg.AuthorID); err != nil {
		s.dropFiles(ctx, r.Ref, m.Files)
		return nil, err
	}
	if err := s.Messages.AddMessage(ctx, r.Ref, m); err != nil {
		s.dropFiles(ctx, r.Ref, m.Files)
		return nil, err
	}
	if msg.Role == "officer" {
		s.Tell(ctx, r, "request_message")
	} else {
		s.tellAssignee(ctx, r)
	}
	return m, nil
}

// requesterQuota counts one message, and its attachments, against the requester's quota.
func (s *Service) requesterQuota(ctx context.Context, subject string, ups []Upload) error {
	q, err := s.quota(ctx)
	if err != nil {
		return err
	}
	if err := s.takeMessage(ctx, q, subject); err != nil {
		return err
	}
	return s.takeAttachments(ctx, q, subject, ups)
}

// dropFiles removes files stored for a message that was then refused, so the requester
// never sees them. The request's own context may be ending: the removal finishes
// regardless. A failure is logged; the files stay listed.
func (s *Service) dropFiles(ctx context.Context, ref string, stored []string) {
	if len(stored) == 0 {
		return
	}
	if err := s.Files.Delete(context.WithoutCancel(ctx), ref, stored); err != nil {
		s.Log.Error("refused message: files not removed", "ref", ref, "files", len(stored), "err", err)
	}
}

// tellAssignee mails the officer a request is assigned to that its requester wrote. One
// mail until an officer opens the request: later replies only raise the queue's count.
// The message is stored already, so a mail that cannot be queued is logged, not shown.
func (s *Service) tellAssignee(ctx context.Context, r *rights.Request) {
	if r.Assignee == "" || r.Unread > 0 {
		return // unassigned requests reach the administrators in the daily digest
	}
	err := func() error {
		u, err := s.Users.ByID(ctx, r.Assignee)
		if err != nil {
			return err
		}
		if u.Disabled || u.Expired(s.Now()) {
			return nil
		}
		return s.Mailer.Send(ctx, mail.Mail{UserID: u.ID, To: u.Email, Lang: u.Lang, Kind: "request_reply",
			Link: "/officer/requests/" + r.Ref, Args: []mail.Arg{mail.Text(r.Ref)}})
	}()
	if err != nil {
		s.Log.Error("reply stored but the mail to the assignee was not queued", "ref", r.Ref, "err", err)
	}
}
