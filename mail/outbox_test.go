package mail_test

// The worker runs against the real store (store imports outbox, so these tests live in
// the external package) and a real SMTP server (smtp_test.go).

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

func TestBackoffDoublesFromOneMinuteUpToSixHours(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		want     time.Duration
	}{
		{0, time.Minute},
		{1, time.Minute},
		{2, 2 * time.Minute},
		{3, 4 * time.Minute},
		{4, 8 * time.Minute},
		{5, 16 * time.Minute},
		{6, 32 * time.Minute},
		{7, 64 * time.Minute},
		{8, 128 * time.Minute},
		{9, 256 * time.Minute},
		{10, 6 * time.Hour}, // 512 min is over the cap
		{11, 6 * time.Hour},
		{100, 6 * time.Hour},
		{1 << 40, 6 * time.Hour}, // no overflow, no long loop
	} {
		if got := mail.Backoff(tc.attempts); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.attempts, got, tc.want)
		}
	}
}

// syncBuffer is a log destination safe for a worker goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// rig is a worker over the real store with a settable clock.
type rig struct {
	t      *testing.T
	ctx    context.Context
	vault  *vault.Vault
	store  *store.Outbox
	log    *syncBuffer
	now    time.Time
	worker *mail.Worker
}

func newRig(t *testing.T, sender mail.Sender) *rig {
	t.Helper()
	db := storetest.New(t)
	v, err := vault.New(storetest.TestMasterKey, store.NewKeys(db.DB))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	r := &rig{t: t, ctx: ctx, vault: v, store: store.NewOutbox(db.DB, v), log: &syncBuffer{},
		now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	r.worker = &mail.Worker{Store: r.store, Sender: sender, Log: slog.New(slog.NewTextHandler(r.log, nil)),
		Now: func() time.Time { return r.now }}
	return r
}

// enqueue stores a message for a new person (with a fresh data key), due now.
func (r *rig) enqueue(to, lang, subject, body string) *mail.Message {
	r.t.Helper()
	userID := ids.New("u")
	if _, err := r.vault.NewSubject(r.ctx, userID); err != nil {
		r.t.Fatal(err)
	}
	m := &mail.Message{ID: ids.New("m"), UserID: userID, To: to, Lang: lang, Kind: "verify",
		Subject: subject, Body: body, Created: r.now, NextAttempt: r.now}
	if err := r.store.Enqueue(r.ctx, m); err != nil {
		r.t.Fatal(err)
	}
	return m
}

func (r *rig) runOnce(wantSent int) {
	r.t.Helper()
	n, err := r.worker.RunOnce(r.ctx)
	if err != nil {
		r.t.Fatalf("RunOnce at %v: %v", r.now, err)
	}
	if n != wantSent {
		r.t.Fatalf("RunOnce at %v sent %d, want %d", r.now, n, wantSent)
	}
}

// state returns the one message of the person.
func (r *rig) state(m *mail.Message) *mail.Message {
	r.t.Helper()
	got, err := r.store.ForUser(r.ctx, m.UserID, 10)
	if err != nil {
		r.t.Fatal(err)
	}
	if len(got) != 1 {
		r.t.Fatalf("%d messages for the person, want 1", len(got))
	}
	return got[0]
}

func TestWorkerDeliversDueMail(t *testing.T) {
	srv := startMailServer(t, "", "")
	sender, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, sender)
	m := r.enqueue("citizen.lin@example.tw", "zh-TW", "請驗證您的電子郵件", zhBody)
	later := r.enqueue("later@example.tw", "en", "Later", "not yet")
	if err := r.store.Retry(r.ctx, &mail.Message{ID: later.ID, NextAttempt: r.now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	r.runOnce(1)
	got := srv.Received()
	if len(got) != 1 || got[0].To[0] != "citizen.lin@example.tw" {
		t.Fatalf("received %+v", got)
	}
	p := decode(t, got[0].Data)
	if p.Subject != "請驗證您的電子郵件" || strings.TrimRight(p.Body, "\n") != zhBody || p.Header.Get("Content-Language") != "zh-TW" {
		t.Fatalf("delivered subject %q, language %q, body %q", p.Subject, p.Header.Get("Content-Language"), p.Body)
	}
	if p.Header.Get("Message-Id") != "<"+m.ID+"@portal>" {
		t.Errorf("Message-ID %q", p.Header.Get("Message-Id"))
	}
	s := r.state(m)
	if !s.SentAt.Equal(r.now) || s.Attempts != 1 || s.LastError != "" || s.Subject != m.Subject {
		t.Fatalf("after delivery: %+v", s)
	}
	// Sent mail is not sent again.
	r.now = r.now.Add(30 * time.Minute)
	r.runOnce(0)
	if n := len(srv.Received()); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
	// The delayed one goes when its time comes.
	r.now = r.now.Add(30 * time.Minute)
	r.runOnce(1)
	if got := srv.Received(); len(got) != 2 || got[1].To[0] != "later@example.tw" {
		t.Fatalf("received %+v", got)
	}
}

func TestWorkerRetriesWithBackoffThenDelivers(t *testing.T) {
	srv := startMailServer(t, "", "")
	srv.RejectRcpt.Store(true)
	sender, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, sender)
	t0 := r.now
	m := r.enqueue("citizen.chen@example.tw", "zh-TW", "請驗證您的電子郵件", zhBody)

	r.runOnce(0)
	s := r.state(m)
	if s.Attempts != 1 || !s.NextAttempt.Equal(t0.Add(time.Minute)) || !s.SentAt.IsZero() {
		t.Fatalf("after the first refusal: attempts %d, next %v, sent %v", s.Attempts, s.NextAttempt, s.SentAt)
	}
	if !strings.Contains(s.LastError, "451") {
		t.Errorf("last error %q does not carry the server's 451", s.LastError)
	}
	// The server echoed the address and go-mail lists it: neither reaches the database or the log.
	if strings.Contains(s.LastError, "citizen.chen") {
		t.Errorf("last error holds the address in clear: %q", s.LastError)
	}
	if !strings.Contains(r.log.String(), "will retry") || strings.Contains(r.log.String(), "citizen.chen") {
		t.Errorf("log: %s", r.log.String())
	}

	// Not due before the backoff has passed: no attempt at all.
	r.now = t0.Add(59 * time.Second)
	r.runOnce(0)
	if n := srv.RcptTries.Load(); n != 1 {
		t.Fatalf("%d attempts before the backoff passed, want 1", n)
	}

	r.now = t0.Add(time.Minute)
	r.runOnce(0)
	s = r.state(m)
	if s.Attempts != 2 || !s.NextAttempt.Equal(r.now.Add(2*time.Minute)) || !s.SentAt.IsZero() {
		t.Fatalf("after the second refusal: attempts %d, next %v", s.Attempts, s.NextAttempt)
	}

	r.now = r.now.Add(2 * time.Minute)
	r.runOnce(0)
	s = r.state(m)
	if s.Attempts != 3 || !s.NextAttempt.Equal(r.now.Add(4*time.Minute)) {
		t.Fatalf("after the third refusal: attempts %d, next %v", s.Attempts, s.NextAttempt)
	}
	if n := srv.RcptTries.Load(); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}

	// The server recovers.
	srv.RejectRcpt.Store(false)
	r.now = r.now.Add(4 * time.Minute)
	r.runOnce(1)
	s = r.state(m)
	if !s.SentAt.Equal(r.now) || s.Attempts != 4 || s.LastError != "" || s.To != "citizen.chen@example.tw" {
		t.Fatalf("after delivery: %+v", s)
	}
	got := srv.Received()
	if len(got) != 1 || decode(t, got[0].Data).Subject != "請驗證您的電子郵件" {
		t.Fatalf("received %d messages", len(got))
	}
	if due, err := r.store.Due(r.ctx, r.now.Add(24*time.Hour), 50); err != nil || len(due) != 0 {
		t.Fatalf("sent mail still due: %v %v", due, err)
	}
}

func TestWorkerWithoutSenderLogsAndParksTheMessage(t *testing.T) {
	r := newRig(t, nil)
	r.worker.LogBodies = true // a developer's portal on this machine
	m := r.enqueue("citizen.huang@example.tw", "zh-TW", "請驗證您的電子郵件", zhBody)

	r.runOnce(0)
	log := r.log.String()
	for _, want := range []string{"no SMTP server configured", "https://privacy.example.gov.tw/verify?token=AbC123_xyz", m.UserID} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	// Parked, not lost: still in the outbox, with the reason.
	s := r.state(m)
	if !s.SentAt.IsZero() || s.Attempts != 1 || s.LastError != "no SMTP server configured" || s.Body != zhBody {
		t.Fatalf("parked message: %+v", s)
	}
	// Not retried in a loop: later runs neither log it again nor touch it.
	for _, d := range []time.Duration{0, time.Minute, 6 * time.Hour, 30 * 24 * time.Hour} {
		r.now = r.now.Add(d)
		r.runOnce(0)
	}
	if n := strings.Count(r.log.String(), "no SMTP server configured"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, r.log.String())
	}
	if s := r.state(m); s.Attempts != 1 {
		t.Fatalf("attempts %d after later runs, want 1", s.Attempts)
	}
}

// An erased person's pending mail (their key destroyed) is dropped, and does not keep the
// worker from delivering everyone else's.
func TestWorkerSkipsMailOfAnErasedPerson(t *testing.T) {
	srv := startMailServer(t, "", "")
	sender, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, sender)
	gone := r.enqueue("gone@example.tw", "zh-TW", "主旨", "內文")
	r.now = r.now.Add(time.Second)
	kept := r.enqueue("kept@example.tw", "en", "Subject", "Body")
	if err := r.vault.Destroy(r.ctx, gone.UserID); err != nil {
		t.Fatal(err)
	}
	r.runOnce(1)
	if got := srv.Received(); len(got) != 1 || got[0].To[0] != "kept@example.tw" {
		t.Fatalf("received %+v", got)
	}
	if s := r.state(kept); s.SentAt.IsZero() {
		t.Fatal("the other person's mail was not marked sent")
	}
}

func TestWorkerRunWakesOnKickAndStopsWithContext(t *testing.T) {
	srv := startMailServer(t, "", "")
	sender, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, sender)
	r.worker.Interval = time.Hour // only the kick can wake it within the test
	ctx, cancel := context.WithCancel(r.ctx)
	kick := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() { r.worker.Run(ctx, kick); close(done) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	}()

	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(srv.Received()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d messages delivered, want %d; log:\n%s", len(srv.Received()), n, r.log.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	r.enqueue("first@example.tw", "en", "First", "1")
	kick <- struct{}{}
	waitFor(1)
	r.enqueue("second@example.tw", "en", "Second", "2")
	kick <- struct{}{}
	waitFor(2)
}

// Mail queued while no server was configured goes out once the portal starts with one;
// the account rules' mail arrives worded in the recipient's language.
func TestParkedMailIsSentOnceAMailServerIsConfigured(t *testing.T) {
	r := newRig(t, nil)
	userID := ids.New("u")
	if _, err := r.vault.NewSubject(r.ctx, userID); err != nil {
		t.Fatal(err)
	}
	mailer := &mail.Mailer{Outbox: r.store, Cat: i18n.MustLoad(), BaseURL: "https://privacy.example.gov.tw", Now: func() time.Time { return r.now }}
	if err := mailer.Send(r.ctx, mail.Mail{UserID: userID, To: "amy@example.com", Lang: "en", Kind: account.MailReset,
		Link: "/reset?token=abc", Args: []mail.Arg{mail.Num(30)}}); err != nil {
		t.Fatal(err)
	}
	r.worker.Word = mailer.Fill
	r.runOnce(0) // parked: no server

	srv := startMailServer(t, "", "")
	sender, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(24 * time.Hour)
	r.worker.Sender = sender
	r.worker.Interval = time.Hour
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() { r.worker.Run(ctx, nil); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Received()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("%d delivered after the server appeared, want 1; log:\n%s", len(got), r.log.String())
	}
	p := decode(t, got[0].Data)
	if p.Subject != "Reset your password" || p.Header.Get("Content-Language") != "en" ||
		!strings.Contains(p.Body, "https://privacy.example.gov.tw/reset?token=abc") || !strings.Contains(p.Body, "30 minutes") {
		t.Fatalf("delivered %q / %q:\n%s", p.Subject, p.Header.Get("Content-Language"), p.Body)
	}
}

// A public portal without a mail server never writes a message's text (live links) to
// its log.
func TestWorkerKeepsBodiesOutOfAPublicPortalsLog(t *testing.T) {
	r := newRig(t, nil)
	r.enqueue("citizen.huang@example.tw", "zh-TW", "請驗證您的電子郵件", zhBody)
	r.runOnce(0)
	log := r.log.String()
	if strings.Contains(log, "verify?token=") || strings.Contains(log, "citizen.huang") || !strings.Contains(log, "PORTAL_SMTP_URL") {
		t.Fatalf("log of a public portal:\n%s", log)
	}
}

// Two instances on one database, each with its own worker and connection, deliver the
// same outbox at the same time through a real SMTP server: every message arrives
// exactly once. (On the embedded engine the two share the document locks, standing in
// for MongoDB's atomic update of one document; the claim itself is a compare-and-set.)
func TestTwoWorkersSendEachMessageOnce(t *testing.T) {
	srv := startMailServer(t, "", "")
	sender, err := mail.NewSMTP(srv.URL(""), "portal@example.gov.tw")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.NewIn(t, store.Shared)
	other, err := store.Connect(context.Background(), db.URI, db.Name, store.Options{Mode: store.Shared, Locks: db.DB})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close(context.Background()) })
	v, err := vault.New(storetest.TestMasterKey, store.NewKeys(db.DB))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := vault.New(storetest.TestMasterKey, store.NewKeys(other))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	first := store.NewOutbox(db.DB, v)
	const n = 40
	want := map[string]bool{}
	for i := range n {
		userID := ids.New("u")
		if _, err := v.NewSubject(ctx, userID); err != nil {
			t.Fatal(err)
		}
		to := ids.New("p") + "@example.tw"
		want[to] = true
		m := &mail.Message{ID: ids.New("m"), UserID: userID, To: to, Lang: "en", Kind: "verify",
			Subject: "Message " + to, Body: "body", Created: now.Add(time.Duration(i) * time.Millisecond), NextAttempt: now}
		if err := first.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(&syncBuffer{}, nil))
	workers := []*mail.Worker{
		{Store: first, Sender: sender, Log: log, Now: func() time.Time { return now }},
		{Store: store.NewOutbox(other, v2), Sender: sender, Log: log, Now: func() time.Time { return now }},
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	sentBy := make([]int, len(workers))
	for i, w := range workers {
		wg.Go(func() {
			for range 5 {
				k, err := w.RunOnce(ctx)
				if err != nil {
					t.Errorf("worker %d: %v", i, err)
					return
				}
				mu.Lock()
				sentBy[i] += k
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	got := map[string]int{}
	for _, d := range srv.Received() {
		for _, to := range d.To {
			got[to]++
		}
	}
	for to := range want {
		if got[to] != 1 {
			t.Errorf("%s received %d times, want once", to, got[to])
		}
	}
	if len(got) != n || sentBy[0]+sentBy[1] != n {
		t.Fatalf("%d addresses received mail, workers report %v sent; want %d in all", len(got), sentBy, n)
	}
	t.Logf("sent by each worker: %v", sentBy)
}
