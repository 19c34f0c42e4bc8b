package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/example/pdpa-portal/mail"
)

// delivered is one message as the SMTP server received it.
type delivered struct {
	From string
	To   []string
	Data []byte
	User string // the authenticated user, if any
}

// mailServer is a real SMTP server (go-smtp) on 127.0.0.1, in the test process.
type mailServer struct {
	Port int
	// RejectRcpt makes every RCPT TO answer 451 (a temporary failure).
	RejectRcpt atomic.Bool
	// RcptTries counts RCPT TO commands, accepted or not.
	RcptTries  atomic.Int32
	user, pass string // when set, PLAIN auth with these is required

	mu   sync.Mutex
	msgs []delivered
}

// startMailServer listens on 127.0.0.1:0; with user set it requires PLAIN auth.
func startMailServer(t *testing.T, user, pass string) *mailServer {
	t.Helper()
	return startMailServerOn(t, "127.0.0.1", user, pass)
}

func startMailServerOn(t *testing.T, host, user, pass string) *mailServer {
	t.Helper()
	ms := &mailServer{user: user, pass: pass}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: ms}, nil }))
	s.Domain = "mx.test"
	s.AllowInsecureAuth = true // plaintext PLAIN auth: the test server has no TLS
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	ms.Port = l.Addr().(*net.TCPAddr).Port
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return ms
}

// URL is the smtp:// URL of the server, with credentials when given.
func (ms *mailServer) URL(userinfo string) string {
	if userinfo != "" {
		userinfo += "@"
	}
	return fmt.Sprintf("smtp://%s127.0.0.1:%d?tls=none", userinfo, ms.Port)
}

func (ms *mailServer) Received() []delivered {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]delivered(nil), ms.msgs...)
}

type session struct {
	srv  *mailServer
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.RcptTries.Add(1)
	if s.srv.RejectRcpt.Load() {
		// Like Postfix, echo the address: the client must not store or log it in clear.
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "<" + to + ">: try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, delivered{From: s.from, To: s.to, Data: b, User: s.user})
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// parsed is a delivered message decoded the way a mail client would.
type parsed struct {
	Header  netmail.Header
	From    *netmail.Address
	To      []*netmail.Address
	Subject string
	Body    string
}

func decode(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("parse delivered message: %v\n%s", err, raw)
	}
	var p parsed
	p.Header = m.Header
	if p.From, err = netmail.ParseAddress(m.Header.Get("From")); err != nil {
		t.Fatalf("From %q: %v", m.Header.Get("From"), err)
	}
	if p.To, err = m.Header.AddressList("To"); err != nil {
		t.Fatalf("To %q: %v", m.Header.Get("To"), err)
	}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject %q: %v", m.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Fatalf("Content-Type %q: want text/plain; charset=UTF-8 (%v)", m.Header.Get("Content-Type"), err)
	}
	var body io.Reader = m.Body
	switch cte := strings.ToLower(m.Header.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected Content-Transfer-Encoding %q", cte)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	p.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	return p
}

func sendCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

const zhBody = "您好：\n\n請於 24 小時內開啟下列連結，驗證您的電子郵件地址：\nhttps://privacy.example.gov.tw/verify?token=AbC123_xyz-0987654321abcdefghijklmnopqrstuvwxyz\n\n如果您沒有申請，請忽略本信。\n個人資料權利服務網"

func TestSMTPDeliversChineseMessage(t *testing.T) {
	srv := startMailServer(t, "", "")
	s, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	m := &mail.Message{ID: "m1", UserID: "u1", To: "citizen.wang@example.tw", Lang: "zh-TW", Kind: "verify",
		Subject: "請驗證您的電子郵件", Body: zhBody}
	if err := s.Send(sendCtx(t), m); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	d := got[0]
	if d.From != "portal@example.gov.tw" || len(d.To) != 1 || d.To[0] != "citizen.wang@example.tw" {
		t.Fatalf("envelope: from %q to %q", d.From, d.To)
	}
	p := decode(t, d.Data)
	if p.From.Address != "portal@example.gov.tw" {
		t.Errorf("From header: %v", p.From)
	}
	if len(p.To) != 1 || p.To[0].Address != "citizen.wang@example.tw" {
		t.Errorf("To header: %v", p.To)
	}
	if p.Subject != "請驗證您的電子郵件" {
		t.Errorf("Subject decoded to %q (raw %q)", p.Subject, p.Header.Get("Subject"))
	}
	if strings.Contains(p.Header.Get("Subject"), "驗證") {
		t.Errorf("Subject header is not MIME-encoded: %q", p.Header.Get("Subject"))
	}
	if strings.TrimRight(p.Body, "\n") != zhBody {
		t.Errorf("body decoded to\n%q\nwant\n%q", p.Body, zhBody)
	}
	if cl := p.Header.Get("Content-Language"); cl != "zh-TW" {
		t.Errorf("Content-Language %q, want zh-TW", cl)
	}
	if id := p.Header.Get("Message-Id"); id != "<m1@portal>" {
		t.Errorf("Message-ID %q, want <m1@portal>", id)
	}
	if p.Header.Get("Date") == "" {
		t.Error("no Date header")
	}
	for _, line := range strings.Split(string(d.Data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets exceeds RFC 5322's limit", len(line))
		}
	}
}

func TestSMTPEnglishMessageAndDisplayName(t *testing.T) {
	srv := startMailServer(t, "", "")
	s, err := mail.NewSMTP(srv.URL(""), "個人資料權利服務網 <portal@example.gov.tw>")
	if err != nil {
		t.Fatal(err)
	}
	m := &mail.Message{ID: "m2", To: "someone@example.com", Lang: "en", Subject: "Verify your e-mail address",
		Body: "Open https://privacy.example.gov.tw/verify?token=abc within 24 hours."}
	if err := s.Send(sendCtx(t), m); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	p := decode(t, got[0].Data)
	if p.From.Name != "個人資料權利服務網" || p.From.Address != "portal@example.gov.tw" || got[0].From != "portal@example.gov.tw" {
		t.Errorf("From with a display name: header %q, envelope %q", p.Header.Get("From"), got[0].From)
	}
	if cl := p.Header.Get("Content-Language"); cl != "en" {
		t.Errorf("Content-Language %q, want en", cl)
	}
	if p.Subject != m.Subject || strings.TrimRight(p.Body, "\n") != m.Body {
		t.Errorf("subject %q body %q", p.Subject, p.Body)
	}
}

func TestSMTPAuthenticatesWithURLCredentials(t *testing.T) {
	srv := startMailServer(t, "mailer", "s3cret:p@ss")
	m := &mail.Message{ID: "m3", To: "a@example.tw", Lang: "zh-TW", Subject: "測試", Body: "內文"}

	// Without credentials the server refuses the message.
	anon, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	if err := anon.Send(sendCtx(t), m); err == nil {
		t.Fatal("a server requiring auth accepted mail without it")
	}
	// A wrong password is an error, not a silent drop.
	wrong, err := mail.NewSMTP(srv.URL("mailer:nope"), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	if err := wrong.Send(sendCtx(t), m); err == nil {
		t.Fatal("wrong password accepted")
	}
	// The password is percent-encoded in the URL (":" and "@" in it).
	s, err := mail.NewSMTP(srv.URL("mailer:s3cret%3Ap%40ss"), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(sendCtx(t), m); err != nil {
		t.Fatalf("send with auth: %v", err)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].User != "mailer" || got[0].To[0] != "a@example.tw" {
		t.Fatalf("received %+v", got)
	}
}

// Without TLS, go-mail sends a PLAIN password only to a loopback name: to any other host
// it refuses rather than expose the password on the network.
func TestSMTPPlainPasswordNotSentUnencryptedToAnotherHost(t *testing.T) {
	srv := startMailServerOn(t, "127.0.0.2", "mailer", "pw") // a loopback address go-mail does not treat as local
	s, err := mail.NewSMTP(fmt.Sprintf("smtp://mailer:pw@127.0.0.2:%d?tls=none", srv.Port), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(sendCtx(t), &mail.Message{ID: "m8", To: "a@example.tw", Subject: "s", Body: "b"})
	if err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("want a refusal to authenticate unencrypted, got %v", err)
	}
	if n := len(srv.Received()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}

func TestSMTPRejectedRecipientIsAnError(t *testing.T) {
	srv := startMailServer(t, "", "")
	srv.RejectRcpt.Store(true)
	s, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(sendCtx(t), &mail.Message{ID: "m4", To: "a@example.tw", Subject: "s", Body: "b"})
	if err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("want an error carrying the 451, got %v", err)
	}
	if n := len(srv.Received()); n != 0 {
		t.Fatalf("%d messages delivered despite the rejection", n)
	}
}

func TestSMTPUnreachableServerIsAnError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	s, err := mail.NewSMTP(fmt.Sprintf("smtp://127.0.0.1:%d?tls=none", port), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(sendCtx(t), &mail.Message{ID: "m5", To: "a@example.tw", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
}

func TestSMTPBadRecipientAddressIsAnError(t *testing.T) {
	srv := startMailServer(t, "", "")
	s, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(sendCtx(t), &mail.Message{ID: "m6", To: "not an address", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("a malformed recipient was accepted")
	}
}

func TestNewSMTPRejectsMalformedURLs(t *testing.T) {
	for _, u := range []string{
		"",
		"localhost:25",
		"mail.example.gov.tw",
		"http://mail.example.gov.tw",
		"smtp://",
		"smtp:///nohost",
		"smtp://mail.example.gov.tw:abc",
		"smtp://mail.example.gov.tw:0",
		"smtp://mail.example.gov.tw:70000",
		"smtp://mail.example.gov.tw?tls=maybe",
		"smtps://mail.example.gov.tw?tls=none",
		"smtp://user:pa ss@mail.example.gov.tw",
		"smtp://%zz@mail.example.gov.tw",
	} {
		if _, err := mail.NewSMTP(u, "portal@example.gov.tw"); err == nil {
			t.Errorf("NewSMTP(%q) accepted a malformed URL", u)
		}
	}
	// The password never appears in the error (config prints it).
	_, err := mail.NewSMTP("smtp://user:hunter2@mail.example.gov.tw:99999", "portal@example.gov.tw")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v: want one without the password", err)
	}
	for _, u := range []string{
		"smtp://mail.example.gov.tw",
		"smtp://mail.example.gov.tw:587",
		"smtps://user:pass@mail.example.gov.tw",
		"smtps://user:pass@mail.example.gov.tw:465",
		"smtp://127.0.0.1:25?tls=none",
		"smtp://user:p%40ss@[::1]:2525?tls=none",
	} {
		if _, err := mail.NewSMTP(u, "portal@example.gov.tw"); err != nil {
			t.Errorf("NewSMTP(%q): %v", u, err)
		}
	}
}

// Without tls=none the default is STARTTLS mandatory, so credentials never cross the network in clear.
func TestSMTPDefaultRequiresSTARTTLS(t *testing.T) {
	srv := startMailServer(t, "", "")
	s, err := mail.NewSMTP(fmt.Sprintf("smtp://127.0.0.1:%d", srv.Port), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(sendCtx(t), &mail.Message{ID: "m7", To: "a@example.tw", Subject: "s", Body: "b"})
	if err == nil {
		t.Fatal("sent over plaintext although STARTTLS is mandatory by default")
	}
	if n := len(srv.Received()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}

// Attachments travel as MIME parts with their names and types, the text first; a
// Chinese name arrives as the recipient reads it, with an ASCII name for older programs.
func TestSMTPSendsAttachments(t *testing.T) {
	srv := startMailServer(t, "", "")
	s, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	letter := "<!DOCTYPE html><title>決定通知</title><p>2026-000001</p>"
	m := &mail.Message{ID: "m2", UserID: "u1", To: "a@example.tw", Lang: "en", Kind: "request_erased", Subject: "Deleted", Body: "Your letters are attached.",
		Attachments: []mail.File{{Name: "2026-000001-decision.html", Type: "text/html; charset=utf-8", Data: []byte(letter)},
			{Name: "個人資料-2026-000001.zip", ASCIIName: "personal-data-2026-000001.zip", Type: "application/zip", Data: []byte("PK\x03\x04")}}}
	if err := s.Send(sendCtx(t), m); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var names, fallbacks []string
	var html string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(decodePart(p))
		if p.FileName() != "" {
			names = append(names, p.FileName())
			if strings.HasSuffix(p.FileName(), ".html") {
				html = string(b)
			}
			if d := p.Header.Get("Content-Disposition"); strings.Contains(d, "filename=personal-data-") {
				fallbacks = append(fallbacks, d)
			}
		} else if !strings.Contains(string(b), "Your letters are attached.") {
			t.Errorf("text part %q", b)
		}
	}
	if len(names) != 2 || names[0] != "2026-000001-decision.html" || html != letter || names[1] != "個人資料-2026-000001.zip" {
		t.Fatalf("attachments %v, content %q", names, html)
	}
	if len(fallbacks) != 1 {
		t.Errorf("the Chinese name has no ASCII fallback: %v", fallbacks)
	}
}

// decodePart undoes a part's transfer encoding.
func decodePart(p *multipart.Part) io.Reader {
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
		return base64.NewDecoder(base64.StdEncoding, p)
	}
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		return quotedprintable.NewReader(p)
	}
	return p
}
