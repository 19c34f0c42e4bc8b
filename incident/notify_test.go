package incident_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/incident"
)

// A notice is checked and counted before anything is sent: a stale page is refused, an
// unconfirmed press only says how many it would reach, and once everyone is told another
// press reaches nobody and says so.
func TestNoticeWaitsForItsConfirmation(t *testing.T) {
	p := world(t)
	svc := p.Deps.IncidentNotices
	ctx := context.Background()
	cmd := record("citizen@example.tw")
	cmd.Measures = "The office called the recipients back."
	i, err := svc.Save(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	queued := func() int {
		t.Helper()
		all, err := p.Mail.Pending(ctx, now.Add(1000*time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	before := queued()
	if _, _, err := svc.Notify(ctx, incident.NotifyCommand{ID: i.ID, Version: i.Version - 1, By: "u_admin", Confirmed: true}); !errors.Is(err, apperr.ErrStale) {
		t.Fatalf("a notice from a stale page: %v", err)
	}
	_, _, err = svc.Notify(ctx, incident.NotifyCommand{ID: i.ID, Version: i.Version, By: "u_admin"})
	var ask *incident.ConfirmFirst
	if !errors.As(err, &ask) || ask.Pending != (incident.Pending{Accounts: 1, Emails: 1, Letters: 1}) {
		t.Fatalf("an unconfirmed notice: %v", err)
	}
	if n := queued() - before; n != 0 {
		t.Fatalf("an unconfirmed notice queued %d mails", n)
	}
	told, res, err := svc.Notify(ctx, incident.NotifyCommand{ID: i.ID, Version: i.Version, By: "u_admin", Confirmed: true})
	if err != nil || res.Accounts != 1 || res.Emails != 1 || res.Letters != 1 {
		t.Fatalf("the confirmed notice: %+v, %v", res, err)
	}
	if _, _, err := svc.Notify(ctx, incident.NotifyCommand{ID: told.ID, Version: told.Version, By: "u_admin"}); !errors.Is(err, incident.ErrAllTold) {
		t.Fatalf("a notice to people all told: %v", err)
	}
}

// An announcement cannot be withdrawn: its reason is checked first, then it waits for
// its confirmation.
func TestAnnouncementWaitsForItsConfirmation(t *testing.T) {
	p := world(t)
	svc := p.Deps.IncidentNotices
	ctx := context.Background()
	cmd := record("")
	cmd.Measures = "The office called the recipients back."
	i, err := svc.Save(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Announce(ctx, incident.AnnounceCommand{ID: i.ID, Version: i.Version, By: "u_admin", Confirmed: true})
	if keys := keysOn(err, "impracticable"); len(keys) != 1 || keys[0] != "incident.required" {
		t.Fatalf("an announcement without its reason: %v", err)
	}
	reason := "Thousands of addresses are unknown."
	var ask *incident.ConfirmFirst
	if _, err := svc.Announce(ctx, incident.AnnounceCommand{ID: i.ID, Version: i.Version, Reason: reason, By: "u_admin"}); !errors.As(err, &ask) {
		t.Fatalf("an unconfirmed announcement: %v", err)
	}
	if cur, err := p.Deps.Incidents.Get(ctx, i.ID); err != nil || cur.Announced() {
		t.Fatalf("an unconfirmed announcement was published (%v)", err)
	}
	done, err := svc.Announce(ctx, incident.AnnounceCommand{ID: i.ID, Version: i.Version, Reason: reason, By: "u_admin", Confirmed: true})
	if err != nil || !done.Announced() {
		t.Fatalf("the confirmed announcement: %v", err)
	}
}
