package incident_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/internal/wire/wiretest"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// world is the incident service over a real database, with a verified citizen and an
// unverified sign-up.
func world(t *testing.T) *wire.Portal {
	t.Helper()
	p := wiretest.New(t, now)
	for _, u := range []*account.User{
		{ID: "u_citizen", Email: "citizen@example.tw", Name: "Citizen", Created: now, EmailVerified: true},
		{ID: "u_squatter", Email: "someone@example.tw", Name: "Squatter", Created: now},
	} {
		if err := p.Users.Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func record(affected string) incident.SaveCommand {
	return incident.SaveCommand{Discovered: now.Add(-5 * time.Hour), Title: "Misdirected mail", What: "A list was mailed to the wrong office.",
		Data: "Names and addresses", People: 2, Affected: affected, Emails: "friend@example.tw | en", Letters: "王小明 | 臺北市中正區重慶南路一段122號",
		By: "u_admin"}
}

func keysOn(err error, field string) []string {
	var inv *apperr.Invalid
	var out []string
	if errors.As(err, &inv) {
		for _, p := range inv.Problems {
			if p.Field == field {
				out = append(out, p.Key)
			}
		}
	}
	return out
}

// A record naming an unknown or unverified account is refused on the people affected,
// each kind said once, and nothing is saved; a right one names each person once.
func TestIncidentNamingUnprovenPeopleIsRefused(t *testing.T) {
	p := world(t)
	svc := p.Deps.IncidentNotices
	ctx := context.Background()
	_, err := svc.Save(ctx, record("citizen@example.tw nobody@example.tw\nsomeone@example.tw"))
	if got := keysOn(err, "affected"); len(got) != 2 || got[0] != "incident.unknown_people" || got[1] != "incident.unverified_people" {
		t.Fatalf("problems on affected: %v (%v)", got, err)
	}
	cmd := record("citizen@example.tw")
	cmd.People, cmd.Discovered = -1, time.Time{}
	_, err = svc.Save(ctx, cmd)
	if len(keysOn(err, "people")) != 1 || len(keysOn(err, "discovered")) != 1 {
		t.Fatalf("an unreadable number and time: %v", err)
	}
	if list, err := p.Deps.Incidents.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("refused records were saved: %d %v", len(list), err)
	}
	i, err := svc.Save(ctx, record("citizen@example.tw CITIZEN@example.tw"))
	if err != nil {
		t.Fatal(err)
	}
	if len(i.Affected) != 1 || i.Affected[0] != "u_citizen" || len(i.Emails) != 1 || len(i.Letters) != 1 || i.RecordedBy != "u_admin" {
		t.Fatalf("saved: affected %v, %d e-mails, %d letters, recorded by %q", i.Affected, len(i.Emails), len(i.Letters), i.RecordedBy)
	}
}

// Two administrators saving the same version: one is saved, the other is told the
// record changed meanwhile; the report to the authority is checked against the clock.
func TestIncidentTwoAdministratorsAndTheReport(t *testing.T) {
	p := world(t)
	svc := p.Deps.IncidentNotices
	ctx := context.Background()
	i, err := svc.Save(ctx, record("citizen@example.tw"))
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for n := range errs {
		wg.Go(func() {
			cmd := record("citizen@example.tw")
			cmd.ID, cmd.Version, cmd.Measures = i.ID, i.Version, "Recalled, staff retrained."
			_, errs[n] = svc.Save(ctx, cmd)
		})
	}
	wg.Wait()
	saved := 0
	for _, err := range errs {
		switch {
		case err == nil:
			saved++
		case !errors.Is(err, apperr.ErrStale):
			t.Fatal(err)
		}
	}
	if saved != 1 {
		t.Fatalf("two saves of one version: %v", errs)
	}
	cur, err := p.Deps.Incidents.Get(ctx, i.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Reported(ctx, incident.ReportCommand{ID: i.ID, Version: i.Version, At: now, Ref: "個資 115-1", By: "u_admin"}); !errors.Is(err, apperr.ErrStale) {
		t.Fatalf("a report on an old version: %v", err)
	}
	_, err = svc.Reported(ctx, incident.ReportCommand{ID: i.ID, Version: cur.Version, At: now.Add(time.Hour), By: "u_admin"})
	if len(keysOn(err, "reported_at")) != 1 || len(keysOn(err, "report_ref")) != 1 {
		t.Fatalf("a report in the future without reference: %v", err)
	}
	done, err := svc.Reported(ctx, incident.ReportCommand{ID: i.ID, Version: cur.Version, At: now.Add(-time.Hour), Ref: " 個資 115-1 ", By: "u_admin"})
	if err != nil {
		t.Fatal(err)
	}
	if !done.ReportClock(now).Done || done.ReportRef != "個資 115-1" {
		t.Fatalf("report: %+v, reference %q", done.ReportClock(now), done.ReportRef)
	}
}
