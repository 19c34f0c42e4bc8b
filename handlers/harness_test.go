//lint:file-ignore U1000 this harness is compiled into every test package of handlers (through symbolic links in browser, stafftest and securitytest); each uses part of it

package handlers_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
	"github.com/example/pdpa-portal/store/storetest"
)

// Cheap password hashes: most of these tests' time went to argon2id otherwise. A test
// whose assertion rests on the hash's real cost turns it back on for itself.
func init() { account.CheapHashesInTests(true) }

// testSigner signs the consent receipts of every test server.
var testSigner = receipt.NewSigner(ed25519.NewKeyFromSeed(make32(7)))

// clock is an injected, settable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t        *testing.T
	db       *storetest.DB
	srv      *handlers.Server
	h        http.Handler
	clock    *clock
	users    *store.Users
	sessions *store.Sessions
	setup    *account.Setup
	accounts *account.Service
	mail     *store.Outbox
	words    *mail.Mailer // words stored mail as the delivery worker does
	notices  *store.Notices
	jobs     wire.Jobs // the background jobs, run by hand in tests
	portal   *wire.Portal
	logs     *strings.Builder
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, nil) }

func newHarnessWith(t *testing.T, adjust func(*handlers.Options)) *harness {
	t.Helper()
	return newHarnessOn(t, storetest.New(t), nil, adjust)
}

// newHarnessIn is newHarnessWith on a database in the given mode.
func newHarnessIn(t *testing.T, mode store.Mode, adjust func(*handlers.Options)) *harness {
	t.Helper()
	return newHarnessOn(t, storetest.NewIn(t, mode), nil, adjust)
}

// newHarnessOn is newHarnessWith on a given database, with deps adjusting the
// dependencies too.
func newHarnessOn(t *testing.T, db *storetest.DB, deps func(*handlers.Deps), adjust func(*handlers.Options)) *harness {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	n, err := consent.DefaultNotice(clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.NewNotices(db.DB).Publish(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	seedCatalogue(t, db.DB)
	return harnessOver(t, db, clk, deps, adjust)
}

// twin is a second complete portal instance on h's database, as another process on
// the same MongoDB would be: its own connection, stores, caches and server, sharing only
// the database (and, on the embedded engine, the document locks, standing in for
// MongoDB's atomic update of one document) and the clock. h must be in Shared mode.
func (h *harness) twin() *harness {
	h.t.Helper()
	if h.db.SingleWriter() {
		h.t.Fatal("two instances need a database in Shared mode")
	}
	other, err := store.Connect(context.Background(), h.db.URI, h.db.Name, store.Options{Mode: store.Shared, Locks: h.db.DB})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = other.Close(context.Background()) })
	return harnessOver(h.t, &storetest.DB{DB: other, Engine: h.db.Engine, URI: h.db.URI, Name: h.db.Name, Dir: h.db.Dir}, h.clock, nil, nil)
}

// harnessOver builds the portal's stores and server over db (with a notice published).
func harnessOver(t *testing.T, db *storetest.DB, clk *clock, deps func(*handlers.Deps), adjust func(*handlers.Options)) *harness {
	t.Helper()
	logs := &strings.Builder{}
	opts := handlers.Options{HashKey: make64(1), BlockKey: make32(2), MaxBody: 64 << 10,
		Sessions: account.DefaultSessionPolicy, RateLimit: 1000, SignUpFloor: time.Nanosecond, ResetFloor: time.Nanosecond}
	if adjust != nil {
		adjust(&opts)
	}
	p, err := wire.New(db.DB, wire.Config{
		Log: slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil)), Now: clk.Now,
		MasterKey: storetest.TestMasterKey, EmailKey: storetest.EmailKey, AuditKey: []byte("test audit checkpoint key"), SketchKey: []byte("test sketch key"),
		Signer: testSigner, BaseURL: "https://portal.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	d := p.Deps
	if deps != nil {
		deps(&d)
	}
	srv, err := p.Server(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, db: db, srv: srv, h: srv.Handler(), clock: clk, users: p.Users, sessions: p.Sessions, setup: p.Setup,
		accounts: p.Accounts, mail: p.Mail, words: p.Deps.MailWords, notices: p.Notices, jobs: p.Jobs, portal: p, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func make64(b byte) []byte { return []byte(strings.Repeat(string(rune('a'+b)), 64)) }
func make32(b byte) []byte { return []byte(strings.Repeat(string(rune('a'+b)), 32)) }

// response is a served response with its parsed document.
type response struct {
	*httptest.ResponseRecorder
	doc *goquery.Document
}

func (r *response) text(sel string) string { return strings.TrimSpace(r.doc.Find(sel).First().Text()) }

// do serves one request; opts adjust it (headers, cookies).
func (h *harness) do(method, target string, body io.Reader, opts ...func(*http.Request)) *response {
	h.t.Helper()
	req := httptest.NewRequest(method, target, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		h.t.Fatal(err)
	}
	return &response{ResponseRecorder: rec, doc: doc}
}

func (h *harness) get(target string, opts ...func(*http.Request)) *response {
	return h.do(http.MethodGet, target, nil, opts...)
}

func (h *harness) post(target string, form url.Values, opts ...func(*http.Request)) *response {
	return h.do(http.MethodPost, target, strings.NewReader(form.Encode()), opts...)
}

func header(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }

func english(r *http.Request) { r.Header.Set("Accept-Language", "en-US,en;q=0.9") }

// withCookies sends the cookies a previous response set.
func withCookies(rs ...*response) func(*http.Request) {
	return func(r *http.Request) {
		for _, res := range rs {
			for _, c := range res.Result().Cookies() {
				if c.MaxAge >= 0 {
					r.AddCookie(c)
				}
			}
		}
	}
}

func cookieNamed(r *response, name string) *http.Cookie {
	for _, c := range r.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func tlsState() *tls.ConnectionState { return &tls.ConnectionState{HandshakeComplete: true} }

// restartEngine starts the embedded engine again on the same directory.
func (h *harness) restartEngine(dir string) {
	eng, err := embedded.Start(dir, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(eng.Close)
	h.db.Engine = eng
}

// browser keeps cookies between requests, as a real one does.
type browser struct {
	h    *harness
	jar  map[string]*http.Cookie
	opts []func(*http.Request)
}

func (h *harness) browser(opts ...func(*http.Request)) *browser {
	return &browser{h: h, jar: map[string]*http.Cookie{}, opts: opts}
}

func (b *browser) send(method, target string, form url.Values) *response {
	b.h.t.Helper()
	opts := append([]func(*http.Request){func(r *http.Request) {
		for _, c := range b.jar {
			r.AddCookie(c)
		}
	}}, b.opts...)
	var r *response
	if form != nil {
		r = b.h.do(method, target, strings.NewReader(form.Encode()), opts...)
	} else {
		r = b.h.do(method, target, nil, opts...)
	}
	b.keep(r)
	return r
}

// keep stores the cookies a response sets, as a browser does.
func (b *browser) keep(r *response) {
	for _, c := range r.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
}

func (b *browser) get(target string) *response { return b.send(http.MethodGet, target, nil) }
func (b *browser) post(target string, form url.Values) *response {
	return b.send(http.MethodPost, target, form)
}

// follow GETs the Location of a redirect.
func (b *browser) follow(r *response) *response {
	b.h.t.Helper()
	loc := r.Header().Get("Location")
	if loc == "" {
		b.h.t.Fatalf("no redirect: status %d", r.Code)
	}
	return b.get(loc)
}

// makeUser stores an account directly, verified, with the given roles.
func (h *harness) makeUser(email, name, password string, roles ...account.Role) *account.User {
	h.t.Helper()
	hash, err := account.HashPassword(password)
	if err != nil {
		h.t.Fatal(err)
	}
	now := h.clock.Now()
	u := &account.User{ID: ids.New("u"), Email: email, Name: name, Roles: roles, PasswordHash: hash,
		PasswordHistory: []string{hash}, PasswordChanged: now, Created: now, EmailVerified: true}
	if err := h.users.Create(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
	return u
}

// signIn returns a browser signed in as email.
func (h *harness) signIn(email, password string, opts ...func(*http.Request)) *browser {
	h.t.Helper()
	b := h.browser(opts...)
	r := b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if r.Code != http.StatusSeeOther {
		h.t.Fatalf("sign in %s: status %d: %s", email, r.Code, r.text(".error-summary"))
	}
	return b
}

// mails returns the pending messages to an address, oldest first, each worded as it
// would be sent now.
func (h *harness) mails(to string) []*mail.Message {
	h.t.Helper()
	all, err := h.mail.Pending(context.Background(), h.clock.Now().Add(1000*time.Hour), 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []*mail.Message
	for _, m := range all {
		if m.To == to {
			if err := h.words.Fill(context.Background(), m); err != nil {
				h.t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

// lastLink returns the portal path in the newest message to an address.
func (h *harness) lastLink(to string) (string, *mail.Message) {
	h.t.Helper()
	ms := h.mails(to)
	if len(ms) == 0 {
		h.t.Fatalf("no mail to %s", to)
	}
	m := ms[len(ms)-1]
	i := strings.Index(m.Body, "https://portal.example/")
	if i < 0 {
		h.t.Fatalf("no link in %q", m.Body)
	}
	rest := m.Body[i+len("https://portal.example"):]
	if j := strings.IndexAny(rest, " \n"); j >= 0 {
		rest = rest[:j]
	}
	return rest, m
}

// seedCatalogue fills the purpose catalogue from the default notice, as start-up does.
func seedCatalogue(t *testing.T, db *store.DB) *store.Purposes {
	t.Helper()
	cat := store.NewPurposes(db)
	n, err := consent.DefaultNotice(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.Purposes {
		if err := cat.SavePurpose(context.Background(), &n.Purposes[i]); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}
