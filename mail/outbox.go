package mail

import (
	"context"
	"log/slog"
	"regexp"
	"time"

	"github.com/example/pdpa-portal/internal/background"
)

// Message is one e-mail to one person.
type Message struct {
	ID     string
	UserID string // whose data key seals the address and text
	To     string
	Lang   string
	Kind   string // "verify", "reset", ... for the inbox and statistics
	// Coded: the message keeps Link and Args and is worded in its reader's language
	// when it is sent or read (Mailer.Word). Messages stored before that keep
	// Subject and Body as they were worded when queued, in Lang.
	Coded       bool
	Link        string // absolute
	Args        []Arg
	Subject     string
	Body        string
	Created     time.Time
	Attempts    int
	NextAttempt time.Time
	SentAt      time.Time
	LastError   string
	// Attachments go with the text (a farewell's decision letters); most mail has none.
	Attachments []File
}

// Store keeps pending and sent messages.
type Store interface {
	Enqueue(ctx context.Context, m *Message) error
	// Due returns pending messages whose next attempt is at or before now.
	Due(ctx context.Context, now time.Time, limit int) ([]*Message, error)
	// MarkSent moves a message to the sent mail; doing it twice is harmless.
	MarkSent(ctx context.Context, m *Message, at time.Time) error
	// Retry records a failed attempt and when to try again.
	Retry(ctx context.Context, m *Message) error
	// ForUser lists a person's messages, pending and sent, newest first.
	ForUser(ctx context.Context, userID string, limit int) ([]*Message, error)
	// ForUserPage is limit of them after the newest skip, and whether older ones remain.
	ForUserPage(ctx context.Context, userID string, skip, limit int) ([]*Message, bool, error)
	// Message is one of the person's messages (another person's is apperr.ErrNotFound).
	Message(ctx context.Context, userID, id string) (*Message, error)
	// Release makes messages parked for reason due again at now.
	Release(ctx context.Context, reason string, now time.Time) (int, error)
}

// NoSender is why a message waits when no mail server is configured. Such messages are
// released as soon as the portal starts with one.
const NoSender = "no SMTP server configured"

// Sender delivers a message.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// Backoff is the wait after the n-th failed attempt: 1, 2, 4 … minutes, at most 6 hours.
func Backoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Worker delivers due messages. With no Sender, messages stay in the outbox and are
// written to the log once, so a local user can follow a link without a mail server.
type Worker struct {
	Store    Store
	Sender   Sender
	Log      *slog.Logger
	Now      func() time.Time
	Interval time.Duration
	// Word, when set, words a coded message in its recipient's language of the moment
	// (Subject and Body) before it is sent or logged.
	Word func(ctx context.Context, m *Message) error
	// LogBodies writes a parked message's text to the log (it may hold a live link).
	// Only for a portal on this machine, where the log is the developer's mailbox.
	LogBodies bool
}

// RunOnce delivers what is due and returns how many were sent.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	ctx = background.Job(ctx, "mail")
	due, err := w.Store.Due(ctx, w.Now(), 50)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
		if m.Coded && w.Word != nil {
			if err := w.Word(ctx, m); err != nil {
				return sent, err
			}
		}
		if w.Sender == nil {
			// Development mode: show the message (it may hold a link) and park it.
			if w.LogBodies {
				w.Log.Warn("no SMTP server configured; message kept in the outbox", "to_user", m.UserID, "subject", m.Subject, "body", m.Body)
			} else {
				w.Log.Warn("no SMTP server configured; message kept in the outbox (set PORTAL_SMTP_URL)", "to_user", m.UserID, "kind", m.Kind)
			}
			m.Attempts++
			m.NextAttempt = w.Now().Add(100 * 365 * 24 * time.Hour)
			m.LastError = NoSender
			if err := w.Store.Retry(ctx, m); err != nil {
				return sent, err
			}
			continue
		}
		if err := w.Sender.Send(ctx, m); err != nil {
			m.Attempts++
			m.NextAttempt = w.Now().Add(Backoff(m.Attempts))
			m.LastError = scrub(err.Error(), m.To)
			w.Log.Warn("mail delivery failed; will retry", "message", m.ID, "attempts", m.Attempts, "next", m.NextAttempt, "err", m.LastError)
			if err := w.Store.Retry(ctx, m); err != nil {
				return sent, err
			}
			continue
		}
		if err := w.Store.MarkSent(ctx, m, w.Now()); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// Run delivers until ctx ends; Kick wakes it early (after an Enqueue).
func (w *Worker) Run(ctx context.Context, kick <-chan struct{}) {
	ctx = background.Job(ctx, "mail")
	interval := w.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	if w.Sender != nil {
		if n, err := w.Store.Release(ctx, NoSender, w.Now()); err != nil {
			w.Log.Warn("mail worker: release parked mail", "err", err)
		} else if n > 0 {
			w.Log.Info("mail server configured: sending mail that waited for one", "messages", n)
		}
	}
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("mail worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

// scrub removes the recipient's address from an error text. go-mail lists the affected
// recipients in its errors and servers often echo the address in their replies, but the
// text goes to the log and, unsealed, into the outbox's last_error.
func scrub(text, addr string) string {
	if addr == "" {
		return text
	}
	return regexp.MustCompile(`(?i)`+regexp.QuoteMeta(addr)).ReplaceAllString(text, "<recipient>")
}
