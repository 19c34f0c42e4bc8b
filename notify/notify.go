// Package notify queues the portal's mail in the outbox and words it in its reader's
// language. It imports neither gin nor mongo.
package notify

import (
	"context"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/outbox"
)

// Mailer implements account.Mailer over an outbox.
type Mailer struct {
	Outbox  outbox.Store
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

var _ account.Mailer = (*Mailer)(nil)

// Send queues one message: its kind, absolute link and arguments, worded by Word when
// it is sent and whenever it is read.
func (n *Mailer) Send(ctx context.Context, m account.Mail) error {
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
	msg := &outbox.Message{
		ID: id, UserID: m.UserID, To: m.To, Lang: lang, Kind: m.Kind, Coded: true, Link: link, Args: m.Args,
		Created: now, NextAttempt: now.Add(m.Hold),
	}
	for _, f := range m.Files {
		msg.Attachments = append(msg.Attachments, outbox.Attachment{Name: f.Name, ASCIIName: f.ASCIIName, Type: f.Type, Data: f.Data})
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
