package consent_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/internal/wire/wiretest"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// paperWorld is the consent service over a real database with the default notice
// published, a verified citizen, an unverified sign-up and an officer.
func paperWorld(t *testing.T) *wire.Portal {
	t.Helper()
	p := wiretest.New(t, now)
	ctx := context.Background()
	n, err := consent.DefaultNotice(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Notices.Publish(ctx, n); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*account.User{
		{ID: "u_citizen", Email: "citizen@example.tw", Name: "Citizen", Created: now, EmailVerified: true},
		{ID: "u_squatter", Email: "someone@example.tw", Name: "Squatter", Created: now},
		{ID: "u_officer", Email: "officer@agency.example", Name: "Officer", Created: now, EmailVerified: true, Roles: []account.Role{account.RoleOfficer}},
	} {
		if err := p.Users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func paper(email string, scans ...attachments.Upload) consent.PaperCommand {
	return consent.PaperCommand{Email: email, Purpose: "newsletter", Grant: true, Lang: "zh-TW", Reference: "收文 115-0001", Version: 1,
		Officer: "u_officer", Scans: scans}
}

func history(t *testing.T, p *wire.Portal, subject string) []*consent.Event {
	t.Helper()
	es, err := p.Consents.Store.History(context.Background(), subject, 10)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func problemOn(err error, field string) string {
	var inv *apperr.Invalid
	if errors.As(err, &inv) {
		for _, p := range inv.Problems {
			if p.Field == field {
				return p.Key
			}
		}
	}
	return ""
}

// A paper form naming a staff member's address, an unverified one or one without an
// account records nothing: the receipt would go to the wrong person.
func TestPaperConsentForAStaffOrUnprovenAddressIsRefused(t *testing.T) {
	p := paperWorld(t)
	for email, key := range map[string]string{"officer@agency.example": "paper.no_account", "nobody@example.tw": "paper.no_account",
		"someone@example.tw": "paper.unverified"} {
		_, err := p.Consents.RecordPaperFor(context.Background(), paper(email))
		if got := problemOn(err, "email"); got != key {
			t.Errorf("%s: got %v, want %s on email", email, err, key)
		}
	}
	for _, id := range []string{"u_officer", "u_squatter"} {
		if es := history(t, p, id); len(es) != 0 {
			t.Errorf("%s: %d events recorded", id, len(es))
		}
	}
	// A required purpose cannot be withdrawn on paper either, and a purpose the printed
	// version lacks is named as such.
	cmd := paper("citizen@example.tw")
	cmd.Purpose, cmd.Grant = "account", false
	if _, err := p.Consents.RecordPaperFor(context.Background(), cmd); problemOn(err, "action") != "consent.required_withdraw" {
		t.Errorf("withdrawing a required purpose: %v", err)
	}
	cmd.Purpose, cmd.Grant = "no-such-purpose", true
	if _, err := p.Consents.RecordPaperFor(context.Background(), cmd); problemOn(err, "purpose") != "paper.not_in_version" {
		t.Errorf("an unknown purpose: %v", err)
	}
	// The web layer's own problems come back as they are, nothing recorded.
	cmd = paper("citizen@example.tw")
	cmd.Problems = (&apperr.Invalid{}).Add("files", "files.type", "scan.txt")
	if _, err := p.Consents.RecordPaperFor(context.Background(), cmd); problemOn(err, "files") != "files.type" {
		t.Errorf("the form's problem: %v", err)
	}
	if es := history(t, p, "u_citizen"); len(es) != 0 {
		t.Errorf("refused forms recorded %d events", len(es))
	}
}

// A scan that cannot be stored leaves the decision recorded, and the outcome says the
// scan was not kept; one that can is kept with the event.
func TestPaperConsentRecordedWhenItsScanIsNotStored(t *testing.T) {
	p := paperWorld(t)
	ctx := context.Background()
	broken := attachments.Upload{Name: "scan.pdf", Size: 10, Open: func() (io.ReadCloser, error) { return nil, errors.New("the upload is gone") }}
	res, err := p.Consents.RecordPaperFor(ctx, paper("citizen@example.tw", broken))
	if err != nil {
		t.Fatal(err)
	}
	if res.Event == nil || res.ScanFailed == nil {
		t.Fatalf("event %v, scan failure %v", res.Event, res.ScanFailed)
	}
	es := history(t, p, "u_citizen")
	if len(es) != 1 || es[0].Action != consent.Grant || es[0].Channel != consent.ChannelPaper || es[0].RecordedBy != "u_officer" {
		t.Fatalf("history: %+v", es)
	}
	pdf := "%PDF-1.4 signed form"
	good := attachments.Upload{Name: "signed.pdf", Size: int64(len(pdf)), Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(pdf)), nil }}
	cmd := paper("citizen@example.tw", good)
	cmd.Grant = false
	res, err = p.Consents.RecordPaperFor(ctx, cmd)
	if err != nil || res.Event == nil || res.ScanFailed != nil {
		t.Fatalf("withdrawal: %+v %v", res, err)
	}
	scans, err := p.Files.List(ctx, attachments.ConsentRef(res.Event.ID))
	if err != nil || len(scans) != 1 || scans[0].Name != "signed.pdf" {
		t.Fatalf("scans: %v %v", scans, err)
	}
	// The same decision again changes nothing and keeps no scan.
	res, err = p.Consents.RecordPaperFor(ctx, cmd)
	if err != nil || res.Event != nil {
		t.Fatalf("repeated withdrawal: %+v %v", res, err)
	}
	if es := history(t, p, "u_citizen"); len(es) != 2 {
		t.Fatalf("history after a repeated withdrawal: %d events", len(es))
	}
}
