package casework_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/internal/wire/wiretest"
	"github.com/example/pdpa-portal/rights"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// world is the casework service over a real database, with one citizen's request just
// filed.
type world struct {
	t   *testing.T
	p   *wire.Portal
	cw  *casework.Service
	req *rights.Request
}

func newWorld(t *testing.T) *world {
	t.Helper()
	p := wiretest.New(t, now)
	ctx := context.Background()
	u := &account.User{ID: "u_requester", Email: "r@example.tw", Name: "Requester", Lang: "en", Created: now, EmailVerified: true}
	if err := p.Users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	r := &rights.Request{Kind: rights.View, Subject: u.ID, Channel: rights.ChannelWeb, Scope: "everything"}
	rights.File(r, now, nil)
	if err := p.Requests.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	return &world{t: t, p: p, cw: p.Deps.Casework, req: r}
}

// mails counts the mail of kind queued to the requester.
func (w *world) mails(kind string) int {
	w.t.Helper()
	all, err := w.p.Mail.Pending(context.Background(), now.Add(1000*time.Hour), 0)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, m := range all {
		if m.To == "r@example.tw" && m.Kind == kind {
			n++
		}
	}
	return n
}

// Two officers ask for proof of identity at once from the same page: one step is taken,
// the other is told the request changed, and the requester gets one letter, not two.
func TestTwoOfficersActingAtOnceTakeOneStep(t *testing.T) {
	w := newWorld(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = w.cw.AskIdentity(context.Background(), casework.Command{Ref: w.req.Ref, Version: w.req.Version, Officer: "u_officer"}, "Please send your ID card.")
		})
	}
	wg.Wait()
	changed := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, rights.ErrChanged):
			changed++
		case err != nil:
			t.Fatal(err)
		}
	}
	if changed != 1 {
		t.Fatalf("%d of the two officers were told the request changed, want 1 (%v)", changed, errs)
	}
	if n := w.mails("request_identity"); n != 1 {
		t.Fatalf("the requester was asked %d times", n)
	}
}

// The extension cannot be taken back: unconfirmed, nothing changes and the new due date
// is only shown; confirmed, it is taken and its notice goes out.
func TestExtensionWaitsForItsConfirmation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	res, err := w.cw.Review(ctx, casework.Command{Ref: w.req.Ref, Version: w.req.Version, Officer: "u_officer"})
	if err != nil {
		t.Fatal(err)
	}
	w.req = res.Request
	cmd := casework.Command{Ref: w.req.Ref, Version: w.req.Version, Officer: "u_officer"}
	_, err = w.cw.Extend(ctx, cmd, "Records are kept at three offices.")
	var ask *casework.ConfirmFirst
	if !errors.As(err, &ask) || !ask.Trial.Due.After(w.req.Due) {
		t.Fatalf("unconfirmed extension: %v", err)
	}
	if r, err := w.p.Requests.ByRef(ctx, w.req.Ref); err != nil || r.Version != w.req.Version || r.Extension != nil || w.mails("request_extended") != 0 {
		t.Fatalf("an unconfirmed extension changed the request or told the requester: %v", err)
	}
	cmd.Confirmed = true
	res, err = w.cw.Extend(ctx, cmd, "Records are kept at three offices.")
	if err != nil || res.Request.Due != ask.Trial.Due || res.Flash.Key != "flash.request_updated" {
		t.Fatalf("confirmed extension: %v, due %v (shown %v)", err, res.Request.Due, ask.Trial.Due)
	}
	if n := w.mails("request_extended"); n != 1 {
		t.Fatalf("%d extension notices", n)
	}
}
