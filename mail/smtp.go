package mail

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/example/pdpa-portal/internal/filename"
)

// SMTP sends through a mail server given as a URL:
//
//	smtp://user:pass@host:587   STARTTLS required
//	smtps://user:pass@host:465  implicit TLS
//	smtp://host:25?tls=none     no encryption (a relay on the same machine, or tests)
//
// Credentials are percent-encoded in the URL. Without TLS, go-mail sends PLAIN or LOGIN
// credentials only to localhost, 127.0.0.1 or ::1; challenge-response mechanisms (SCRAM,
// CRAM-MD5) work with any host.
type SMTP struct {
	From   string
	client *gomail.Client
}

// NewSMTP parses the URL and prepares a client; nothing is dialled yet.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	// url.Parse's errors quote the whole URL, password included: never pass them on.
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, fmt.Errorf("must be smtp://[user:pass@]host[:port][?tls=none] or smtps://[user:pass@]host[:port]")
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return nil, fmt.Errorf("unknown parameter %q (only tls=none is understood)", k)
		}
	}
	noTLS := false
	switch tlsMode := q.Get("tls"); {
	case tlsMode == "none" && u.Scheme == "smtp":
		noTLS = true
	case tlsMode == "none":
		return nil, fmt.Errorf("smtps:// is always encrypted; use smtp://…?tls=none for no encryption")
	case q.Has("tls"):
		return nil, fmt.Errorf("tls must be none, or left out for encryption")
	}
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	port := 587
	switch {
	case u.Scheme == "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	case noTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("bad port %q", p)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		opts = append(opts, gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
		if noTLS {
			// go-mail's auto-discovery never picks PLAIN or LOGIN on an unencrypted
			// connection, so a local relay offering only those would always fail. Name
			// them explicitly; go-mail still refuses them towards a non-local host.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
		} else {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("mail client: %w", err)
	}
	return &SMTP{From: from, client: c}, nil
}

// Send delivers one message as UTF-8 plain text, with its attachments.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	if m.Lang != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	}
	msg.SetMessageIDWithValue(m.ID + "@portal")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	for _, a := range m.Attachments {
		// The name in the reader's language, with an ASCII one for older programs.
		disposition := func(f *gomail.File) { f.Header.Set("Content-Disposition", filename.Disposition(a.Name, a.ASCIIName)) }
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.Type)), disposition); err != nil {
			return fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return s.client.DialAndSendWithContext(ctx, msg)
}
