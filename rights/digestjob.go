package rights

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/mail"
)

// DigestHour is when, Taiwan time, the daily digest may go out: the start of the
// working day, so the hourly run sends it with the first hour after it.
const DigestHour = 8

// OpenReader reads the open requests, a bounded set, for readers that only read them:
// the slice is the caller's, the requests are shared and not to be changed.
type OpenReader interface {
	OpenShared(ctx context.Context) ([]*Request, error)
}

// OpenWithClocks reads the open requests and the clock each runs against.
func OpenWithClocks(ctx context.Context, requests OpenReader, fulfil FulfilSetting) ([]*Request, map[string]Clock, error) {
	open, err := requests.OpenShared(ctx)
	if err != nil {
		return nil, nil, err
	}
	days, err := fulfil.FulfilDays(ctx)
	if err != nil {
		return nil, nil, err
	}
	clocks := make(map[string]Clock, len(open))
	for _, r := range open {
		clocks[r.Ref] = ClockOf(r, days)
	}
	return open, clocks, nil
}

// DigestJob queues the day's reminder to each officer (their requests overdue, due
// within three working days, or with unread replies) and to each administrator, who
// assigns the work (the requests nobody is assigned).
type DigestJob struct {
	Log      DigestLog
	Calendar interface {
		Days(ctx context.Context, from, to Date) (*Days, error)
	}
	Requests OpenReader
	Fulfil   FulfilSetting
	Staff    interface {
		Staff(ctx context.Context) ([]*account.User, error)
	}
	// Sent finds a digest already stored, pending or sent.
	Sent interface {
		Message(ctx context.Context, userID, id string) (*mail.Message, error)
	}
	Mailer account.Mailer
	Now    func() time.Time
}

// Send runs hourly on every instance and sends on working days from DigestHour. Each
// mail's id names the day and the person, so storing it is the claim: an instance that
// finds it taken leaves it to the one that stored it, and nobody is reminded twice a day.
// It returns how many it queued.
func (j *DigestJob) Send(ctx context.Context) (int, error) {
	ctx = background.Job(ctx, "digest")
	now := j.Now()
	today := DateOf(now)
	if now.In(twtime.Zone).Hour() < DigestHour {
		return 0, nil
	}
	if last, err := j.Log.LastDigest(ctx); err != nil || last == today {
		return 0, err
	}
	cal, err := j.Calendar.Days(ctx, today, today.AddDays(60))
	if err != nil {
		return 0, err
	}
	if cal.DayOff(today) {
		return 0, nil // nobody reads it on a day off; the next working day's covers it
	}
	open, clocks, err := OpenWithClocks(ctx, j.Requests, j.Fulfil)
	if err != nil {
		return 0, err
	}
	byOfficer, unassigned := Digests(open, clocks, today, WorkingDaysAhead(today, DigestWorkingDays, cal))
	staff, err := j.Staff.Staff(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range staff {
		if u.Disabled || u.Expired(now) {
			continue
		}
		var mine *Digest
		if u.Has(account.RoleOfficer) {
			mine = byOfficer[u.ID]
		}
		var lead []*Request
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
		switch _, err := j.Sent.Message(ctx, u.ID, id); {
		case err == nil:
			continue
		case !errors.Is(err, apperr.ErrNotFound):
			return sent, fmt.Errorf("digest to %s: %w", u.ID, err)
		}
		m := mail.Mail{ID: id, UserID: u.ID, To: u.Email, Lang: lang, Kind: "digest",
			Link: "/officer/queue", Args: []mail.Arg{mail.Date(today.String()), digestList(mine, lead, clocks)}}
		switch err := j.Mailer.Send(ctx, m); {
		case errors.Is(err, apperr.ErrConflict):
			// Another instance stored this one first.
		case err != nil:
			return sent, fmt.Errorf("digest to %s: %w", u.ID, err)
		default:
			sent++
		}
	}
	return sent, j.Log.SetLastDigest(ctx, today)
}

// digestList lists the requests of a digest, a section a list, as codes worded in the
// reader's language when the mail is sent or read.
func digestList(mine *Digest, unassigned []*Request, clocks map[string]Clock) mail.Arg {
	var parts []mail.Arg
	section := func(key string, rs []*Request) {
		if len(rs) == 0 {
			return
		}
		parts = append(parts, mail.Text("\n"), mail.Key(key, mail.Num(len(rs))), mail.Text("\n"))
		for _, r := range rs {
			ck, kind := clocks[r.Ref], mail.Key("right."+string(r.Kind)+".name")
			line := mail.Key("digest.line_nodate", mail.Text(r.Ref), kind, mail.Key("clock."+ck.Kind))
			if !ck.Due.IsZero() {
				line = mail.Key("digest.line", mail.Text(r.Ref), kind, mail.Key("clock."+ck.Kind), mail.Date(ck.Due.String()))
			}
			parts = append(parts, mail.Text("- "), line, mail.Text("\n"))
		}
	}
	if mine != nil {
		section("digest.overdue", mine.Overdue)
		section("digest.due_soon", mine.DueSoon)
		section("digest.unread", mine.Unread)
	}
	section("digest.unassigned", unassigned)
	return mail.Seq(parts...)
}
