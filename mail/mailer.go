package mail

import (
	"context"
	"strings"
	"time"

	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
)

// Mailer queues mail in the outbox (the Mailer the account rules and the casework
// declare) and words it.
type Mailer struct {
	Outbox  Store
	Cat     *i18n.Catalog
	BaseURL string // absolute links in mail, e.g. https://privacy.example.gov.tw
	Now     func() time.Time
	// Kick, when set, wakes the delivery worker; a full channel means it is already awake.
	Kick chan struct{}
	// Purposes names the purposes a mail may mention (the current notice's).
	Purposes func(ctx context.Context) (map[string]consent.Text, error)
	// LangOf is the language a recipient reads now ("": unknown, keep the mail's own).
	LangOf func(ctx context.Context, userID string) string
}

// Send queues one message: its kind, absolute link and arguments, worded by Word when
// it is sent and whenever it is read.
func (n *Mailer) Send(ctx context.Context, m Mail) error {
	lang := i18n.Normalize(m.Lang)
	if lang == "" {
		lang = i18n.ZH
	}
	link := ""
	if m.Link != "" {
		link = strings.TrimRight(n.BaseURL, "/") + m.Link
	}
	now := n.Now()
	id := m.ID
	if id == "" {
		id = ids.New("m")
	}
	msg := &Message{
		ID: id, UserID: m.UserID, To: m.To, Lang: lang, Kind: m.Kind, Coded: true, Link: link, Args: m.Args,
		Created: now, NextAttempt: now.Add(m.Hold), Attachments: m.Files,
	}
	if err := n.Outbox.Enqueue(ctx, msg); err != nil {
		return err
	}
	if n.Kick != nil && m.Hold == 0 {
		select {
		case n.Kick <- struct{}{}:
		default:
		}
	}
	return nil
}
