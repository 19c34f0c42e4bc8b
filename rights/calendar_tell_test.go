package rights_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/wire/wiretest"
	"github.com/example/pdpa-portal/rights"
)

// A day off added by hand on the due date of an open request moves it, and the calendar
// service itself tells the requester, once.
func TestCalendarChangeTellsTheRequester(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
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
	moved, err := p.Deps.CalendarDays.Change(ctx, r.Due.String(), "颱風停班", true, "u_admin")
	if err != nil || len(moved) != 1 || !moved[0].Request.Due.After(r.Due) {
		t.Fatalf("a day off on the due date: %d moved (%v)", len(moved), err)
	}
	all, err := p.Mail.Pending(ctx, now.Add(1000*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, m := range all {
		if m.To == u.Email && m.Kind == "request_due_moved" {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("the requester was told %d times that the due date moved", told)
	}
}
