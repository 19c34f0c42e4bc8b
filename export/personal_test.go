package export_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/wire/wiretest"
	"github.com/example/pdpa-portal/rights"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// A person's export holds their profile, their decision on every purpose of the
// notice, the history of their decisions, and each request with its messages — the
// purposes named in the reader's language, a purpose gone from the notice by its id.
func TestPersonalDataHoldsWhatThePortalKeeps(t *testing.T) {
	p := wiretest.New(t, now)
	ctx := context.Background()
	n, err := consent.DefaultNotice(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Notices.Publish(ctx, n); err != nil {
		t.Fatal(err)
	}
	optional := ""
	for _, x := range n.Purposes {
		if !x.Required {
			optional = x.ID
			break
		}
	}
	u := &account.User{ID: "u_citizen", Email: "citizen@example.tw", Name: "陳小華", Lang: "en", Created: now, EmailVerified: true,
		Stopped: map[string]time.Time{"retired_purpose": now, optional: now}}
	if err := p.Users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Consents.Change(ctx, u.ID, optional, true, n.Version, "en", "web"); err != nil {
		t.Fatal(err)
	}
	r := &rights.Request{Kind: rights.Stop, Subject: u.ID, Channel: rights.ChannelWeb, Purposes: []string{optional}}
	rights.File(r, now, nil)
	if err := p.Requests.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := p.Requests.AddMessage(ctx, r.Ref, &rights.Message{ID: "msg1", At: now, Role: rights.RoleRequester, AuthorID: u.ID, Body: "Please stop."}); err != nil {
		t.Fatal(err)
	}
	g := &export.Gatherer{Notices: p.Notices, Consents: p.Consents.Store, Disclosures: p.Disclosures, Requests: p.Requests, Timeline: p.Requests,
		Files: p.Files, Messages: p.Requests, Users: p.Users, Guests: p.Guests, Cat: i18n.MustLoad(), Agency: "The Agency",
		Said: func(st rights.Step) ([]rights.Said, string) { return st.Said, st.Note }, Now: func() time.Time { return now }}
	d, err := g.PersonalData(ctx, "en", u)
	if err != nil {
		t.Fatal(err)
	}
	if d.Agency != "The Agency" || d.Profile.Name != "陳小華" || len(d.Consents) != len(n.Purposes) || len(d.ConsentHistory) != 1 {
		t.Fatalf("export: agency %q, name %q, %d consents of %d purposes, %d events", d.Agency, d.Profile.Name, len(d.Consents), len(n.Purposes), len(d.ConsentHistory))
	}
	names := map[string]string{}
	for _, s := range d.Profile.Stopped {
		names[s.Purpose] = s.Name
	}
	if names["retired_purpose"] != "retired_purpose" || names[optional] != n.Purpose(optional).Name.In("en") {
		t.Fatalf("stopped purposes named %v", names)
	}
	if len(d.Requests) != 1 || d.Requests[0].Ref != r.Ref || len(d.Requests[0].Messages) != 1 || d.Requests[0].Messages[0].Body != "Please stop." ||
		len(d.Requests[0].PurposeNames) != 1 || d.Requests[0].PurposeNames[0] != n.Purpose(optional).Name.In("en") {
		t.Fatalf("requests in the export: %+v", d.Requests)
	}
}
