// Package notify words the portal's mail in the recipient's language and queues it in
// the outbox. It imports neither gin nor mongo.
package notify

import (
	"context"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
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
}

var _ account.Mailer = (*Mailer)(nil)

// Send queues one message. Subject and body come from mail.<kind>.subject and
// mail.<kind>.body; the body receives the absolute link first, then m.Args.
func (n *Mailer) Send(ctx context.Context, m account.Mail) error {
	lang := i18n.Normalize(m.Lang)
	if lang == "" {
		lang = i18n.ZH
	}
	link := ""
	if m.Link != "" {
		link = strings.TrimRight(n.BaseURL, "/") + m.Link
	}
	args := append([]any{link}, m.Args...)
	body := n.Cat.T(lang, "mail."+m.Kind+".body", args...) + "\n\n-- \n" + n.Cat.T(lang, "mail.footer")
	// A subject may name the request too; most have no verbs and take no arguments.
	subject := n.Cat.T(lang, "mail."+m.Kind+".subject")
	if strings.Contains(subject, "%") {
		subject = n.Cat.T(lang, "mail."+m.Kind+".subject", args...)
	}
	now := n.Now()
	id := m.ID
	if id == "" {
		id = ids.New("m")
	}
	msg := &outbox.Message{
		ID: id, UserID: m.UserID, To: m.To, Lang: lang, Kind: m.Kind,
		Subject: subject, Body: body, Created: now, NextAttempt: now.Add(m.Hold),
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
