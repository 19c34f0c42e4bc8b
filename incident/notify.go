package incident

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/vault"
)

// Service records incidents and the report to the authority, and gives the notices of
// an incident (PDPA Art. 12, ER Art. 22): mail to portal accounts and to addresses
// without one, letters for post, and the public announcement when individual notice
// would cost too much.
type Service struct {
	Store Store
	Users interface {
		ByID(ctx context.Context, id string) (*account.User, error)
		ByEmail(ctx context.Context, email string) (*account.User, error)
	}
	Mailer account.Mailer
	// Vault holds the incident's own data key, which seals the mail to addresses
	// without an account (there is no person's key to use).
	Vault *vault.Vault
	Now   func() time.Time
}

// Pending counts who a notice sent now would reach, per channel.
type Pending struct{ Accounts, Emails, Letters int }

// Total is everyone a notice sent now would reach.
func (p Pending) Total() int { return p.Accounts + p.Emails + p.Letters }

// Pending is who has not been told yet.
func (i *Incident) Pending() Pending {
	return Pending{Accounts: len(i.Untold()), Emails: len(Untold(i.Emails)), Letters: len(Untold(i.Letters))}
}

// Recipients is everyone entered, told or not.
func (i *Incident) Recipients() int { return len(i.Affected) + len(i.Emails) + len(i.Letters) }

// CheckNotify says what must be entered before people are told: the measures (the
// notice states them) and someone to tell.
func (i *Incident) CheckNotify() error {
	inv := &apperr.Invalid{}
	if strings.TrimSpace(i.Measures) == "" {
		inv.Add("measures", "incident.measures_first")
	}
	if i.Recipients() == 0 {
		inv.Add("affected", "incident.nobody")
	}
	return inv.OrNil()
}

// Result is what one notice did.
type Result struct {
	Accounts, Emails, Letters int // newly queued mail and letters produced
	Failed                    int // mail that could not be queued: sending again retries it
}

// NotifyCommand tells everyone of record ID, as read at Version, not told yet. Until
// Confirmed nothing is sent: ConfirmFirst says to how many it would go, as mail once sent
// cannot be recalled.
type NotifyCommand struct {
	ID        string
	Version   int64
	By        string
	Confirmed bool
}

// ConfirmFirst is a notice or an announcement waiting for its confirmation; Pending is
// who a notice would reach.
type ConfirmFirst struct{ Pending Pending }

func (e *ConfirmFirst) Error() string { return "incident: the action waits for its confirmation" }

// ErrAllTold refuses a notice that would reach nobody: everyone entered was told.
var ErrAllTold = errors.New("incident: everyone was told already")

// Notify tells everyone not told yet. Each mail is named after the incident and the
// person, so sending again — after a send cut off part-way, or for people added since —
// queues only what was not queued, and two presses at once send nobody two. Letters are
// produced for the print run (LettersDue). The record says who was told, how and when.
// A version someone else saved meanwhile is apperr.ErrStale; what must be entered first
// comes back as *apperr.Invalid with the record.
func (s *Service) Notify(ctx context.Context, cmd NotifyCommand) (*Incident, Result, error) {
	var res Result
	i, err := s.Store.Get(ctx, cmd.ID)
	if err != nil {
		return nil, res, err
	}
	if i.Version != cmd.Version {
		return nil, res, fmt.Errorf("incident %s: %w", cmd.ID, apperr.ErrStale)
	}
	pending := i.Pending()
	if !i.NotifiedAt.IsZero() && pending.Total() == 0 {
		return i, res, ErrAllTold
	}
	if err := i.CheckNotify(); err != nil {
		return i, res, err
	}
	if !cmd.Confirmed {
		return i, res, &ConfirmFirst{Pending: pending}
	}
	by, version := cmd.By, cmd.Version
	now := s.Now()
	queued := 0 // accounts queued now or by an earlier press
	for _, uid := range i.Untold() {
		u, err := s.Users.ByID(ctx, uid)
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
				i.Told = append(i.Told, uid) // erased since: nobody left to tell
			} else {
				res.Failed++
			}
			continue
		}
		lang := langOr(u.Lang)
		err = s.Mailer.Send(ctx, mail.Mail{ID: "incident-" + i.ID + "-" + u.ID, UserID: u.ID, To: u.Email, Lang: lang, Kind: "incident", Link: "/account",
			Args: mailArgs(i)})
		switch {
		case err == nil:
			res.Accounts++
		case errors.Is(err, apperr.ErrConflict): // queued by an earlier press
		default:
			res.Failed++
			continue
		}
		queued++
		i.Told = append(i.Told, u.ID)
	}
	if untold := Untold(i.Emails); len(untold) > 0 {
		if err := s.incidentKey(ctx, i.ID); err != nil {
			return nil, res, err
		}
		for _, k := range untold {
			c := &i.Emails[k]
			lang := langOr(c.Lang)
			err := s.Mailer.Send(ctx, mail.Mail{ID: "incident-" + i.ID + "-e" + addressID(c.Email), UserID: i.ID, To: c.Email, Lang: lang, Kind: "incident_email", Link: "/",
				Args: mailArgs(i)})
			switch {
			case err == nil:
				res.Emails++
			case errors.Is(err, apperr.ErrConflict):
			default:
				res.Failed++
				continue
			}
			queued++
			c.ToldAt = now
		}
	}
	for n, k := range Untold(i.Letters) {
		i.Letters[k].ToldAt = now
		i.Letters[k].Letter = LetterName(version, n)
		res.Letters++
		queued++
	}
	if queued > 0 && i.NotifiedAt.IsZero() { // the clock stops at the first notice given, not at a press that reached nobody
		i.NotifiedAt = now
	}
	i.Notified += queued // people erased since are in Told but were not told
	for _, r := range []Round{{ByAccount, res.Accounts, now, by}, {ByEmail, res.Emails, now, by}, {ByPost, res.Letters, now, by}} {
		if r.Count > 0 {
			i.Rounds = append(i.Rounds, r)
		}
	}
	i.Updated, i.UpdatedBy = now, by
	if err := s.Store.Save(ctx, i); err != nil {
		return nil, res, err
	}
	return i, res, nil
}

// AnnounceCommand publishes record ID, as read at Version, with the reason individual
// notice will not do. Until Confirmed nothing is published (ConfirmFirst).
type AnnounceCommand struct {
	ID        string
	Version   int64
	Reason    string
	By        string
	Confirmed bool
}

// Announce publishes the incident's facts and measures on the portal's public
// announcements, for when telling each person would cost too much (ER Art. 22). It
// cannot be withdrawn: the announcement is itself the notice given, so it waits for its
// confirmation. A version someone else saved meanwhile is apperr.ErrStale; what stops it
// comes back as *apperr.Invalid with the record.
func (s *Service) Announce(ctx context.Context, cmd AnnounceCommand) (*Incident, error) {
	i, err := s.Store.Get(ctx, cmd.ID)
	if err != nil {
		return nil, err
	}
	if i.Version != cmd.Version {
		return nil, fmt.Errorf("incident %s: %w", cmd.ID, apperr.ErrStale)
	}
	if err := i.CheckAnnounce(cmd.Reason); err != nil {
		return i, err
	}
	if !cmd.Confirmed {
		return i, &ConfirmFirst{}
	}
	reason, by := cmd.Reason, cmd.By
	now := s.Now()
	i.AnnouncedAt, i.Impracticable = now, strings.TrimSpace(reason)
	if i.NotifiedAt.IsZero() {
		i.NotifiedAt = now
	}
	i.Rounds = append(i.Rounds, Round{Channel: ByAnnouncement, Count: i.People, At: now, By: by})
	i.Updated, i.UpdatedBy = now, by
	if err := s.Store.Save(ctx, i); err != nil {
		return nil, err
	}
	return i, nil
}

// CheckAnnounce says what stops the announcement: the measures and the reason
// individual notice will not do are required, and it is published once.
func (i *Incident) CheckAnnounce(reason string) error {
	inv := &apperr.Invalid{}
	if !i.AnnouncedAt.IsZero() {
		inv.Add("impracticable", "incident.already_announced")
		return inv
	}
	if strings.TrimSpace(i.Measures) == "" {
		inv.Add("measures", "incident.measures_first")
	}
	switch n := len([]rune(strings.TrimSpace(reason))); {
	case n == 0:
		inv.Add("impracticable", "incident.required")
	case n > MaxText:
		inv.Add("impracticable", "incident.too_long", MaxText)
	}
	return inv.OrNil()
}

// Announced reports whether the incident is on the public announcements.
func (i *Incident) Announced() bool { return !i.AnnouncedAt.IsZero() }

// RecentFor is how long an announcement is linked from the home page.
const RecentFor = 90 * 24 * time.Hour

// Announcements are the published announcements, newest first, and whether one is
// recent enough to be linked from the home page.
func Announcements(all []*Incident, now time.Time) (list []*Incident, recent bool) {
	for _, i := range all {
		if i.Announced() {
			list = append(list, i)
			recent = recent || now.Sub(i.AnnouncedAt) < RecentFor
		}
	}
	sort.SliceStable(list, func(a, b int) bool { return list[a].AnnouncedAt.After(list[b].AnnouncedAt) })
	return list, recent
}

// LetterName names the nth letter produced by the notice given on the record's version:
// each notice is given on a version of its own (Notify), so names are never reused,
// and they hold nothing of the person (they are part of the number's record).
func LetterName(version int64, n int) string {
	return fmt.Sprintf("v%d-%d", version, n+1)
}

// LetterOf is the name of c's letter; a letter produced before letters were named is
// named by when it was produced and its place among the letters produced then.
func (i *Incident) LetterOf(c Contact) string {
	if c.Letter != "" {
		return c.Letter
	}
	n := 0
	for _, x := range i.Letters {
		if x.key() == c.key() {
			break
		}
		if x.ToldAt.Equal(c.ToldAt) {
			n++
		}
	}
	return legacyLetter(c.ToldAt, n)
}

// legacyLetter names the letter produced at told after n others produced then.
func legacyLetter(told time.Time, n int) string {
	return fmt.Sprintf("told-%d-%d", told.UnixMilli(), n+1)
}

// LettersDue are the letters produced for post, oldest first as entered.
func (i *Incident) LettersDue() []Contact {
	var out []Contact
	for _, c := range i.Letters {
		if !c.ToldAt.IsZero() {
			out = append(out, c)
		}
	}
	return out
}

// incidentKey makes sure the incident has its data key (made at its first e-mail).
func (s *Service) incidentKey(ctx context.Context, id string) error {
	_, err := s.Vault.For(ctx, id)
	if !errors.Is(err, vault.ErrKeyDestroyed) {
		return err
	}
	if _, err := s.Vault.NewSubject(ctx, id); err != nil && !errors.Is(err, apperr.ErrConflict) {
		return err
	}
	return nil
}

// addressID names an address in a mail id without writing it in clear.
func addressID(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return hex.EncodeToString(sum[:12])
}

func langOr(lang string) string {
	if lang == "" {
		return i18n.ZH
	}
	return lang
}

// mailArgs are what a notice mail says of the incident: its account in both languages
// as written (each reader gets theirs, as Texts chooses), and when it was discovered.
func mailArgs(i *Incident) []mail.Arg {
	both := func(zh, en string) mail.Arg {
		if strings.TrimSpace(en) == "" {
			en = ""
		}
		return mail.Both(zh, en)
	}
	return []mail.Arg{both(i.What, i.WhatEN), both(i.Measures, i.MeasuresEN), mail.Time(i.Discovered.UTC().Format(time.RFC3339))}
}
