package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/outbox"
	"github.com/example/pdpa-portal/rights"
)

// digestHour is when, Taiwan time, the daily digest may go out: the start of the
// working day, so the hourly run sends it with the first hour after it.
const digestHour = 8

// openWithClocks reads the open requests (a bounded set) and the clock each runs against.
func (s *Server) openWithClocks(ctx context.Context) ([]*rights.Request, map[string]rights.Clock, error) {
	open, err := s.Requests.Open(ctx)
	if err != nil {
		return nil, nil, err
	}
	days, err := s.Fulfil.FulfilDays(ctx)
	if err != nil {
		return nil, nil, err
	}
	clocks := make(map[string]rights.Clock, len(open))
	for _, r := range open {
		clocks[r.Ref] = rights.ClockOf(r, days)
	}
	return open, clocks, nil
}

// SendDigests queues the day's reminder to each officer (their requests overdue, due
// within three working days, or with unread replies) and to each administrator, who
// assigns the work (the requests nobody is assigned). It runs hourly on every instance
// and sends on working days from digestHour. Each mail's id names the day and the
// person, so storing it is the claim: an instance that finds it taken leaves it to the
// one that stored it, and nobody is reminded twice a day. It returns how many it queued.
func (s *Server) SendDigests(ctx context.Context) (int, error) {
	if s.Digests == nil {
		return 0, nil
	}
	ctx = background.Job(ctx, "digest")
	now := s.Now()
	today := rights.DateOf(now)
	if now.In(twtime.Zone).Hour() < digestHour {
		return 0, nil
	}
	if last, err := s.Digests.LastDigest(ctx); err != nil || last == today {
		return 0, err
	}
	cal, err := s.Calendar.Days(ctx, today, today.AddDays(60))
	if err != nil {
		return 0, err
	}
	if cal.DayOff(today) {
		return 0, nil // nobody reads it on a day off; the next working day's covers it
	}
	open, clocks, err := s.openWithClocks(ctx)
	if err != nil {
		return 0, err
	}
	byOfficer, unassigned := rights.Digests(open, clocks, today, rights.WorkingDaysAhead(today, rights.DigestWorkingDays, cal))
	staff, err := s.Users.Staff(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range staff {
		if u.Disabled || u.Expired(now) {
			continue
		}
		var mine *rights.Digest
		if u.Has(account.RoleOfficer) {
			mine = byOfficer[u.ID]
		}
		var lead []*rights.Request
		if u.Has(account.RoleAdmin) {
			lead = unassigned
		}
		if mine.Empty() && len(lead) == 0 {
			continue
		}
		lang := i18n.Normalize(u.Lang)
		if lang == "" {
			lang = i18n.ZH
		}
		id := "digest-" + today.String() + "-" + u.ID
		// Already stored, pending or sent (an instance that ran before the day was
		// recorded): the outbox's unique id only guards the pending mail.
		switch _, err := s.Mail.Message(ctx, u.ID, id); {
		case err == nil:
			continue
		case !errors.Is(err, apperr.ErrNotFound):
			return sent, fmt.Errorf("digest to %s: %w", u.ID, err)
		}
		m := account.Mail{ID: id, UserID: u.ID, To: u.Email, Lang: lang, Kind: "digest",
			Link: "/officer/queue", Args: []outbox.Arg{outbox.Date(today.String()), digestList(mine, lead, clocks)}}
		switch err := s.Accounts.Mailer.Send(ctx, m); {
		case errors.Is(err, apperr.ErrConflict):
			// Another instance stored this one first.
		case err != nil:
			return sent, fmt.Errorf("digest to %s: %w", u.ID, err)
		default:
			sent++
		}
	}
	return sent, s.Digests.SetLastDigest(ctx, today)
}

// digestList lists the requests of a digest, a section a list, as codes worded in the
// reader's language when the mail is sent or read.
func digestList(mine *rights.Digest, unassigned []*rights.Request, clocks map[string]rights.Clock) outbox.Arg {
	var parts []outbox.Arg
	section := func(key string, rs []*rights.Request) {
		if len(rs) == 0 {
			return
		}
		parts = append(parts, outbox.Text("\n"), outbox.Key(key, outbox.Num(len(rs))), outbox.Text("\n"))
		for _, r := range rs {
			ck, kind := clocks[r.Ref], outbox.Key("right."+string(r.Kind)+".name")
			line := outbox.Key("digest.line_nodate", outbox.Text(r.Ref), kind, outbox.Key("clock."+ck.Kind))
			if !ck.Due.IsZero() {
				line = outbox.Key("digest.line", outbox.Text(r.Ref), kind, outbox.Key("clock."+ck.Kind), outbox.Date(ck.Due.String()))
			}
			parts = append(parts, outbox.Text("- "), line, outbox.Text("\n"))
		}
	}
	if mine != nil {
		section("digest.overdue", mine.Overdue)
		section("digest.due_soon", mine.DueSoon)
		section("digest.unread", mine.Unread)
	}
	section("digest.unassigned", unassigned)
	return outbox.Seq(parts...)
}
