package disclosure_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/internal/wire/wiretest"
	"github.com/example/pdpa-portal/rights"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// world is the register's service over a real database, with a verified citizen, an
// unverified sign-up and an officer.
func world(t *testing.T) *wire.Portal {
	t.Helper()
	p := wiretest.New(t, now)
	for _, u := range []*account.User{
		{ID: "u_citizen", Email: "citizen@example.tw", Name: "Citizen", Created: now, EmailVerified: true},
		{ID: "u_squatter", Email: "someone@example.tw", Name: "Squatter", Created: now},
		{ID: "u_officer", Email: "officer@agency.example", Name: "Officer", Created: now, EmailVerified: true, Roles: []account.Role{account.RoleOfficer}},
	} {
		if err := p.Users.Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func command(subjects string) disclosure.SaveCommand {
	return disclosure.SaveCommand{First: rights.DateOf(now), RecipientName: "臺北地方法院", RecipientAddress: "臺北市中正區博愛路131號",
		RecipientKind: "judicial", Categories: "C001、c003", Description: "Court order", Ground: "notice-1", Reference: "北院 115 年度 1 號",
		Subjects: subjects, By: "u_officer"}
}

func register(t *testing.T, p *wire.Portal) []*disclosure.Record {
	t.Helper()
	rs, err := p.Deps.Disclosures.List(context.Background(), rights.DateOf(now).AddDays(-30), rights.Date{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func problem(err error, field string) (apperr.Problem, bool) {
	var inv *apperr.Invalid
	if errors.As(err, &inv) {
		for _, p := range inv.Problems {
			if p.Field == field {
				return p, true
			}
		}
	}
	return apperr.Problem{}, false
}

// A record naming an address never verified (anyone can sign up with it) or a staff
// member's is refused on the people concerned, and nothing is saved.
func TestDisclosureNamingAnUnprovenAddressIsRefused(t *testing.T) {
	p := world(t)
	svc := p.Deps.DisclosureService
	for addr, key := range map[string]string{"someone@example.tw": "disclosure.subject_unverified",
		"officer@agency.example": "disclosure.subject_unknown", "nobody@example.tw": "disclosure.subject_unknown"} {
		_, err := svc.Save(context.Background(), command("citizen@example.tw\n"+addr))
		if pr, ok := problem(err, "subjects"); !ok || pr.Key != key {
			t.Errorf("%s: got %v, want %s on subjects", addr, err, key)
		}
	}
	if rs := register(t, p); len(rs) != 0 {
		t.Fatalf("refused records were saved: %d", len(rs))
	}
	// The web layer's own problems stop the save too, and come first.
	cmd := command("citizen@example.tw")
	cmd.Problems = (&apperr.Invalid{}).Add("last", "field.date")
	if _, err := svc.Save(context.Background(), cmd); err == nil {
		t.Fatal("saved despite the form's problem")
	} else if pr, ok := problem(err, "last"); !ok || pr.Key != "field.date" {
		t.Fatalf("the form's problem is lost: %v", err)
	}
	if rs := register(t, p); len(rs) != 0 {
		t.Fatalf("a record was saved despite the form's problem: %d", len(rs))
	}
}

// A record saved names the person by their account, the categories in capitals, and
// keeps its document; a new version keeps the officer who first recorded it.
func TestDisclosureSavedWithItsDocumentKeepsItsOfficer(t *testing.T) {
	p := world(t)
	svc := p.Deps.DisclosureService
	ctx := context.Background()
	cmd := command("citizen@example.tw, CITIZEN@example.tw")
	pdf := "%PDF-1.4 the court's order"
	cmd.Documents = []attachments.Upload{{Name: "order.pdf", Size: int64(len(pdf)), Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(pdf)), nil }}}
	r, err := svc.Save(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Subjects) != 1 || r.Subjects[0] != "u_citizen" || strings.Join(r.Categories, " ") != "C001 C003" {
		t.Fatalf("record: subjects %v, categories %v", r.Subjects, r.Categories)
	}
	docs, err := p.Files.List(ctx, r.ID)
	if err != nil || len(docs) != 1 || docs[0].Name != "order.pdf" {
		t.Fatalf("documents: %v %v", docs, err)
	}
	next := command("citizen@example.tw")
	next.ID, next.Version, next.By, next.Description = r.ID, r.Version, "u_other_officer", "Court order, corrected"
	r2, err := svc.Save(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Officer != "u_officer" || r2.ChangedBy != "u_other_officer" || r2.Version == r.Version {
		t.Fatalf("new version: officer %s, changed by %s, version %d after %d", r2.Officer, r2.ChangedBy, r2.Version, r.Version)
	}
}

// Two officers saving the same version at once: one version is written, the other
// officer is told the record changed meanwhile.
func TestDisclosureTwoOfficersSavingOneVersion(t *testing.T) {
	p := world(t)
	svc := p.Deps.DisclosureService
	ctx := context.Background()
	r, err := svc.Save(ctx, command("citizen@example.tw"))
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			cmd := command("citizen@example.tw")
			cmd.ID, cmd.Version, cmd.Description = r.ID, r.Version, "Correction "+string(rune('A'+i))
			_, errs[i] = svc.Save(ctx, cmd)
		})
	}
	wg.Wait()
	won, stale := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, apperr.ErrStale):
			stale++
		default:
			t.Fatal(err)
		}
	}
	if won != 1 || stale != 1 {
		t.Fatalf("%d saved, %d told of the change", won, stale)
	}
	versions, err := p.Deps.Disclosures.Versions(ctx, r.ID)
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions: %d %v", len(versions), err)
	}
}
