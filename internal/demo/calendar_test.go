package demo

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// The weekdays off the rules give match the office calendars the government published
// for 2026 and announced for 2027: long weekends where a holiday falls on a Saturday or
// Sunday, 春節 made up after it.
func TestDemoHolidays(t *testing.T) {
	want := map[int][]string{
		2026: {"2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-27", "2026-04-03",
			"2026-04-06", "2026-05-01", "2026-06-19", "2026-09-25", "2026-09-28", "2026-10-09", "2026-10-26", "2026-12-25"},
		2027: {"2027-01-01", "2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-03-01", "2027-04-05",
			"2027-04-06", "2027-04-30", "2027-06-09", "2027-09-15", "2027-09-28", "2027-10-11", "2027-10-25", "2027-12-24"},
	}
	for year, days := range want {
		var got []string
		for _, e := range Holidays(year) {
			if !e.DayOff || !strings.HasSuffix(e.Note, CalendarNote) {
				t.Errorf("%s: %+v, want a day off with the demo note", e.Date, e)
			}
			if wd := e.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
				got = append(got, e.Date.String())
			}
		}
		if !slices.Equal(got, days) {
			t.Errorf("%d weekdays off:\n got %v\nwant %v", year, got, days)
		}
	}
	if h := Holidays(2099); h != nil {
		t.Errorf("a year without lunar dates: %v, want none rather than a calendar without 春節", h)
	}
}

// A demo run just before the Lunar New Year lists the holidays and gives the requests
// received before it due dates past the break, as the portal's own filing would.
func TestDemoDueDatesCountHolidays(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	now := time.Date(2026, 2, 12, 10, 0, 0, 0, twtime.Zone)
	notices := store.NewNotices(db.DB)
	n, err := consent.DefaultNotice(now.AddDate(-3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := notices.Publish(ctx, n); err != nil {
		t.Fatal(err)
	}
	p, err := wire.New(db.DB, wire.Config{Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
		MasterKey: storetest.TestMasterKey, EmailKey: storetest.EmailKey, AuditKey: []byte("test audit checkpoint key"),
		Signer: receipt.NewSigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))), BaseURL: "https://portal.example"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(ctx, Deps{Portal: p, Now: now, BaseURL: "https://portal.example"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := p.Calendar.List(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	eve := slices.IndexFunc(listed, func(e rights.DayEntry) bool { return e.Date == rights.NewDate(2026, 2, 16) })
	if eve < 0 || !listed[eve].DayOff || !strings.HasPrefix(listed[eve].Note, "除夕") {
		t.Fatalf("2026-02-16 not listed as 除夕: %v", listed)
	}
	if next, _ := p.Calendar.List(ctx, 2027); len(next) == 0 {
		t.Error("next year's calendar lists nothing")
	}
	// A request whose period would end in the break (14 to 22 February) if weekends were
	// the only days off is due on the first working day after it.
	var plain *rights.Days
	breakStart, after := rights.NewDate(2026, 2, 14), rights.NewDate(2026, 2, 23)
	reqs := p.Requests
	pushed := 0
	for _, ref := range res.Refs {
		r, err := reqs.ByRef(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if r.State == rights.Extended {
			continue
		}
		if weekends := rights.DueDate(r.Kind, r.Received, plain); !weekends.Before(breakStart) && weekends.Before(after) {
			if r.Due != after {
				t.Errorf("%s (%s) received %s: due %s, want %s, after 春節", r.Ref, r.Kind, r.Received, r.Due, after)
			}
			pushed++
		}
	}
	if pushed == 0 {
		t.Fatal("no demo request received before 春節 has a period ending in it")
	}
}
