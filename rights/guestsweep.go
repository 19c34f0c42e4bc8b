package rights

import (
	"context"
	"errors"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/mail"
)

// GuestSweep reminds guests who have not confirmed their address after the policy's
// first period (once, with a fresh code) and closes their requests after the second.
// The retention run calls it under its lease, so with several instances a reminder
// goes once.
type GuestSweep struct {
	Requests interface {
		Open(ctx context.Context) ([]*Request, error)
		ByRef(ctx context.Context, ref string) (*Request, error)
	}
	Timeline interface {
		Update(ctx context.Context, ref string, version int64, now time.Time, act Action) (*Request, error)
	}
	Guests interface {
		Guest(ctx context.Context, id string) (*Guest, error)
		IssueCode(ctx context.Context, ref, bind, code string, now time.Time) error
		SetFlags(ctx context.Context, id string, confirmed, reminded bool) error
	}
	Mailer account.Mailer
	Policy GuestPolicy
	Now    func() time.Time
}

// Sweep reads the open-request queue, so it costs a few hundred _id look-ups.
func (s *GuestSweep) Sweep(ctx context.Context) (reminded, closed int, err error) {
	open, err := s.Requests.Open(ctx)
	if err != nil {
		return 0, 0, err
	}
	now := s.Now()
	for _, o := range open {
		if !IsGuest(o.Subject) || o.State != Submitted || o.Channel == ChannelPaper || o.Channel == ChannelCounter {
			// An officer entered a paper or counter request: there is no address to
			// confirm (guests entered before their flag was stored are covered too).
			continue
		}
		g, err := s.Guests.Guest(ctx, o.Subject)
		if err != nil || g.Confirmed {
			continue
		}
		age := now.Sub(g.Created)
		switch {
		case age >= s.Policy.CloseAfter:
			r, err := s.Requests.ByRef(ctx, o.Ref)
			if err != nil {
				return reminded, closed, err
			}
			_, err = s.Timeline.Update(ctx, o.Ref, r.Version, now, ExpireUnconfirmed())
			switch {
			case err == nil:
				closed++
			case !errors.Is(err, ErrChanged):
				return reminded, closed, err
			}
		case age >= s.Policy.RemindAfter && !g.Reminded:
			// The reminder reaches whatever browser the guest reads mail in, so its code is
			// unbound; one a stranger used up is replaced by asking for a new one.
			code := NewCode()
			if err := s.Guests.IssueCode(ctx, o.Ref, "", code, now); err != nil {
				return reminded, closed, err
			}
			lang := g.Lang
			if lang == "" {
				lang = i18n.ZH
			}
			days := int((s.Policy.CloseAfter - age).Hours() / 24)
			if err := s.Mailer.Send(ctx, mail.Mail{UserID: g.ID, To: g.Email, Lang: lang, Kind: "guest_reminder",
				Link: "/guest/requests/" + o.Ref + "/confirm", Args: []mail.Arg{mail.Text(o.Ref), mail.Text(code), mail.Num(days)}}); err != nil {
				return reminded, closed, err
			}
			if err := s.Guests.SetFlags(ctx, g.ID, false, true); err != nil {
				return reminded, closed, err
			}
			reminded++
		}
	}
	return reminded, closed, nil
}
