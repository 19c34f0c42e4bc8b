package casework_test

import (
	"context"
	"errors"
	"testing"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/rights"
)

// filingWorld is the casework world with the agency's notice published, as filing
// checks purposes against it.
func filingWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	n, err := consent.DefaultNotice(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.p.Notices.Publish(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return w
}

// problemsOf returns the fields and keys of err's problems, failing unless err is one.
func problemsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var inv *apperr.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("want the form's problems, got %v", err)
	}
	out := map[string]string{}
	for _, p := range inv.Problems {
		if _, ok := out[p.Field]; !ok {
			out[p.Field] = p.Key
		}
	}
	return out
}

// A filing answers with every problem at once — the web layer's and the rules' — and
// stores nothing: no new request, no confirmation mail.
func TestFilingWithProblemsStoresNothing(t *testing.T) {
	w := filingWorld(t)
	ctx := context.Background()
	r := &rights.Request{Kind: rights.Correct, Channel: rights.ChannelWeb, Field: "phone", ScopeFiles: []string{"no-such-file"}}
	_, err := w.cw.File(ctx, casework.Filing{Request: r, OnBehalf: true,
		Citizen:  &casework.Citizen{ID: "u_requester", Email: "r@example.tw", Lang: "en"},
		Problems: (&apperr.Invalid{}).Add("files", "files.type", "x.exe")})
	got := problemsOf(t, err)
	for field, key := range map[string]string{"files": "files.type", "scope_files": "request.scope_file_unknown",
		"principal": "field.required", "proposed": "field.required", "explanation": "field.required"} {
		if got[field] != key {
			t.Errorf("problem of %q: %q, want %q (all: %v)", field, got[field], key, got)
		}
	}
	if rs, err := w.p.Requests.ForSubject(ctx, "u_requester"); err != nil || len(rs) != 1 {
		t.Fatalf("the refused filing was stored: %d requests (%v)", len(rs), err)
	}
	if n := w.mails("request_received"); n != 0 {
		t.Fatalf("%d confirmations of a refused filing", n)
	}
}

// A paper request is the verified account's whose address the letter gives, and a
// guest's otherwise; the officer's check goes on its timeline.
func TestPaperFilingFindsTheAccount(t *testing.T) {
	w := filingWorld(t)
	ctx := context.Background()
	today := rights.DateOf(now)
	paper := func(email string) casework.PaperFiling {
		return casework.PaperFiling{Request: &rights.Request{Kind: rights.View, Scope: "my file"}, Name: "陳大文", Email: email,
			Address: "台北市中正區重慶南路一段 122 號", Channel: rights.ChannelPaper, Received: today.AddDays(-3), Postmark: true,
			Identity: rights.IntakeSignature, Officer: "u_officer"}
	}
	filed, err := w.cw.FilePaper(ctx, paper("R@example.tw"))
	if err != nil {
		t.Fatal(err)
	}
	r := filed.Request
	if r.Subject != "u_requester" || r.Received != today.AddDays(-3) || !r.Postmarked || r.EnteredBy != "u_officer" || filed.CheckUnrecorded {
		t.Fatalf("paper request of an account: subject %s, received %v, postmarked %v, entered by %s", r.Subject, r.Received, r.Postmarked, r.EnteredBy)
	}
	if n := w.mails("request_received"); n != 1 {
		t.Fatalf("%d confirmations to the account", n)
	}
	u := &account.User{ID: "u_unverified", Email: "new@example.tw", Name: "New", Lang: "zh-TW", Created: now}
	if err := w.p.Users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	filed, err = w.cw.FilePaper(ctx, paper("new@example.tw"))
	if err != nil {
		t.Fatal(err)
	}
	if !rights.IsGuest(filed.Request.Subject) {
		t.Fatalf("a letter giving an unverified sign-up's address was filed for %s, want a guest", filed.Request.Subject)
	}
	g, err := w.p.Guests.Guest(ctx, filed.Request.Subject)
	if err != nil || g.Email != "new@example.tw" || g.Name != "陳大文" {
		t.Fatalf("the guest of a paper request: %+v (%v)", g, err)
	}
}

// The date and channel rules of a paper request, and a staff address, come back as the
// form's problems, with nothing stored.
func TestPaperFilingRules(t *testing.T) {
	w := filingWorld(t)
	ctx := context.Background()
	staff := &account.User{ID: "u_staff", Email: "officer@agency.tw", Name: "Officer", Lang: "zh-TW", Created: now, EmailVerified: true,
		Roles: []account.Role{account.RoleOfficer}}
	if err := w.p.Users.Create(ctx, staff); err != nil {
		t.Fatal(err)
	}
	_, err := w.cw.FilePaper(ctx, casework.PaperFiling{Request: &rights.Request{Kind: rights.View, Scope: "my file"},
		Email: "officer@agency.tw", Channel: rights.ChannelCounter, Received: rights.DateOf(now).AddDays(1), Postmark: true,
		Identity: rights.IntakeIDCard, Officer: "u_officer"})
	got := problemsOf(t, err)
	for field, key := range map[string]string{"email": "intake.staff_email", "received": "intake.received_future", "basis": "intake.postmark_counter"} {
		if got[field] != key {
			t.Errorf("problem of %q: %q, want %q (all: %v)", field, got[field], key, got)
		}
	}
	if _, ok := got["identity"]; ok {
		t.Errorf("an identity card seen at the counter was refused: %v", got)
	}
	_, err = w.cw.FilePaper(ctx, casework.PaperFiling{Request: &rights.Request{Kind: rights.View, Scope: "my file"},
		Channel: rights.ChannelPaper, Received: rights.DateOf(now).AddDays(-400), Identity: rights.IntakeIDCard, Officer: "u_officer"})
	got = problemsOf(t, err)
	for field, key := range map[string]string{"address": "intake.no_contact", "name": "intake.name_required",
		"received": "intake.received_range", "identity": "intake.id_card_counter"} {
		if got[field] != key {
			t.Errorf("problem of %q: %q, want %q (all: %v)", field, got[field], key, got)
		}
	}
	if n := w.mails("request_received"); n != 0 {
		t.Fatalf("%d confirmations of refused paper requests", n)
	}
}
