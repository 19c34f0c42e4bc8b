package casework

import (
	"context"
	"errors"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// FulfilCommand fulfils a decided request.
type FulfilCommand struct {
	Ref     string
	Version int64 // the version the officer's page showed
	Officer string
	Note    string
	// Lang is the officer's page language: problems are worded in it, and it stands in
	// for the requester's where theirs is unknown.
	Lang string
	// Confirmed: the officer confirmed an erasure.
	Confirmed bool
}

// Fulfil carries out a decided request, then records that it did. The effects come
// from the decision (rights.EffectsOf) and reach exactly the granted scope: a correction
// is applied to the person's data; a stop withdraws the granted purposes and restricts
// processing for them (for everything only when the whole account was asked); a
// deletion of purposes withdraws them, and only a deletion of the whole account erases
// the person, after a confirmation (ConfirmFirst). Corrections, withdrawals and the restriction are idempotent and happen first,
// so a failure leaves the request decided and the officer tries again; an erasure comes
// after the request is recorded as fulfilled, because afterwards there is nobody left
// to record it for, and it too can be run again (EraseAgain).
func (s *Service) Fulfil(ctx context.Context, cmd FulfilCommand) (Result, error) {
	r, err := s.Requests.ByRef(ctx, cmd.Ref)
	if err != nil {
		return Result{}, failed(err)
	}
	me := cmd.Officer
	now := s.Now()
	act := rights.Fulfil(me, cmd.Note)
	// Nothing is done for a page that is out of date, or for a request that cannot be
	// fulfilled: the checks run on a copy before any effect.
	if cmd.Version != r.Version {
		return Result{}, rights.ErrChanged
	}
	// Every file of the agency is searched before the answer is final.
	steps, err := s.Timeline.Steps(ctx, r.Ref, true)
	if err != nil {
		return Result{}, failed(err)
	}
	tasks, err := s.Tasks(ctx, r, steps)
	if err != nil {
		return Result{}, failed(err)
	}
	for _, t := range tasks {
		if t.Done == "" && r.Decision != nil && r.Decision.Outcome != rights.Refused {
			return Result{}, (&apperr.Invalid{}).Add("", "officer.tasks_open", t.File.Name(cmd.Lang))
		}
	}
	probe := *r
	if _, err := act(&probe, now); err != nil {
		return Result{}, err
	}
	eff := rights.EffectsOf(r)
	if eff.Erase {
		// What the person is owed must be deliverable before the confirmation is asked.
		if _, err := s.owedFiles(ctx, r.Subject, "", false); err != nil {
			return Result{}, err
		}
		if !cmd.Confirmed {
			return Result{}, &ConfirmFirst{Trial: &probe}
		}
	}
	// What was done is recorded as catalogue keys and parameters, worded for each reader.
	var done []rights.Said
	if eff.Correct != nil && !rights.IsGuest(r.Subject) {
		// Checked again here: a request filed before the rule, or a rule since changed,
		// must not write to the profile what the profile itself would refuse.
		if bad := account.ValidateProfileField(eff.Correct.Field, eff.Correct.Value); len(bad.Problems) > 0 {
			p := bad.Problems[0]
			return Result{}, (&apperr.Invalid{}).Add("", "fulfil.correction_invalid", s.Cat.T(cmd.Lang, "request.field."+eff.Correct.Field), s.Cat.T(cmd.Lang, p.Key, p.Args...))
		}
	}
	if eff.Correct != nil && !rights.IsGuest(r.Subject) {
		before, err := s.applyCorrection(ctx, r.Subject, eff.Correct)
		if err != nil {
			return Result{}, failed(err)
		}
		done = append(done, rights.Say("fulfil.corrected", rights.Keyed("request.field."+eff.Correct.Field), rights.Typed(before), rights.Typed(eff.Correct.Value)))
	}
	for _, p := range eff.Withdraw {
		if rights.IsGuest(r.Subject) {
			break
		}
		e, err := s.Consents.WithdrawOnRequest(ctx, r.Subject, p, me, r.Ref, cmd.Lang)
		if err != nil && !errors.Is(err, consent.ErrRequired) {
			return Result{}, failed(err)
		}
		if e != nil {
			done = append(done, rights.Say("fulfil.withdrawn", rights.PurposeWord(p)))
		}
	}
	if len(eff.Stop) > 0 && !rights.IsGuest(r.Subject) {
		if err := s.SetStopped(ctx, r.Subject, eff.Stop, true); err != nil {
			return Result{}, failed(err)
		}
		for _, p := range eff.Stop {
			done = append(done, rights.Say("fulfil.stopped", rights.PurposeWord(p)))
		}
	}
	if eff.ByHand {
		done = append(done, rights.Say("fulfil.by_hand"))
	}
	if eff.Restrict && !rights.IsGuest(r.Subject) {
		// A stop of everything withdraws every optional purpose the person still grants.
		n, err := s.Notices.Current(ctx)
		if err != nil {
			return Result{}, failed(err)
		}
		for _, p := range n.Purposes {
			if p.Required {
				continue
			}
			e, err := s.Consents.WithdrawOnRequest(ctx, r.Subject, p.ID, me, r.Ref, cmd.Lang)
			if err != nil {
				return Result{}, failed(err)
			}
			if e != nil {
				done = append(done, rights.Say("fulfil.withdrawn", rights.PurposeWord(p.ID)))
			}
		}
		if err := s.SetRestriction(ctx, r.Subject, true); err != nil {
			return Result{}, failed(err)
		}
		done = append(done, rights.Say("fulfil.restricted"))
	}
	if eff.Erase {
		done = append(done, rights.Say("fulfil.erased"))
	}
	// The letters and any copy package not yet downloaded go with the farewell: they are
	// gathered before anything is recorded, while the person's data can still be read,
	// and named in the language the person reads their mail in.
	var files []mail.File
	var to, lang string
	if eff.Erase {
		to, lang = s.requesterAddress(ctx, r)
		var err error
		if files, err = s.owedFiles(ctx, r.Subject, lang, true); err != nil {
			return Result{}, err
		}
	}
	updated, err := s.Timeline.Update(ctx, r.Ref, cmd.Version, now, rights.Saying(act, done...))
	if err != nil {
		return Result{}, err
	}
	if eff.Erase {
		// The confirmation goes under a key of its own: the person's key and their queued
		// mail go with the erasure. What they are owed — the list of their requests and
		// decisions, and where a letter still open to appeal stays — is gathered first.
		owed, keep, err := s.owedBeforeErasure(ctx, r.Subject)
		if err != nil {
			return Result{}, failed(err)
		}
		if len(files) > 0 {
			owed = mail.Seq(owed, mail.Text("\n\n"), mail.Key("erase.owed_attached", mail.Num(len(files))))
		}
		res := Result{Request: updated}
		if rep, err := s.Eraser.Erase(ctx, r.Subject, keep); err != nil {
			s.Log.Error("erasure incomplete", "ref", r.Ref, "err", err)
			res.Flash = Flash{Key: "flash.erasure_incomplete", Error: true}
			if to != "" && rep.Requests > 0 {
				// Requests were made anonymous (their letters and packages gone with them),
				// and the key may be too: a later run could neither gather what the person
				// is owed nor read their address, so they get it now, as gathered.
				s.farewell(ctx, updated, to, lang, owed, files)
			}
		} else {
			s.Log.Info("person erased", "ref", r.Ref, "requests", rep.Requests, "consent_events", rep.ConsentEvents, "mail", rep.Mail, "sessions", rep.Sessions, "files", rep.Files)
			res.Flash = Flash{Key: "flash.erased", Args: []any{rep.Requests, rep.ConsentEvents, rep.Files}}
			if to != "" {
				s.farewell(ctx, updated, to, lang, owed, files)
			}
		}
		return res, nil
	}
	s.SetDisputed(ctx, r, false)
	if updated.Kind == rights.Copy && updated.Principal == "" {
		s.Builder.Start(updated, s.RequesterLang(ctx, updated, cmd.Lang))
	}
	s.Tell(ctx, updated, "request_fulfilled")
	return Result{Request: updated, Flash: Flash{Key: "flash.request_updated"}}, nil
}

// requesterAddress is where and in which language the requester reads mail.
func (s *Service) requesterAddress(ctx context.Context, r *rights.Request) (to, lang string) {
	if rights.IsGuest(r.Subject) {
		if g, err := s.Guests.Guest(ctx, r.Subject); err == nil {
			return g.Email, g.Lang
		}
	} else if u, err := s.Users.ByID(ctx, r.Subject); err == nil {
		return u.Email, u.Lang
	}
	return "", ""
}

// owedBeforeErasure lists each of the person's requests with its decision — what they
// are owed before their account goes — as codes worded in the reader's language, and
// names the requests whose decision is still open to appeal, which keep their letter
// without the name.
func (s *Service) owedBeforeErasure(ctx context.Context, subject string) (mail.Arg, []string, error) {
	rs, err := s.Requests.ForSubject(ctx, subject)
	if err != nil {
		return mail.Arg{}, nil, err
	}
	var lines []mail.Arg
	var keep []string
	for i, r := range rs {
		if i > 0 {
			lines = append(lines, mail.Text("\n"))
		}
		lines = append(lines, mail.Text("- "), mail.Key("erase.owed_request", mail.Text(r.Ref), mail.Key("right."+string(r.Kind)+".name"), mail.Key("state."+string(r.State))))
		if d := r.Decision; d != nil {
			lines = append(lines, mail.Text(" "), mail.Key("erase.owed_decision", mail.Key("outcome."+string(d.Outcome)), mail.Date(rights.DateOf(d.At).String())))
		}
		if rights.AppealOpen(r, s.Now()) {
			keep = append(keep, r.Ref)
			lines = append(lines, mail.Text(" "), mail.Key("erase.owed_appeal", mail.Date(rights.DateOf(r.Decision.At).AddDays(rights.AppealDays+rights.AppealServiceDays).String())))
		}
	}
	return mail.Seq(lines...), keep, nil
}

// farewell confirms an erasure to the address the person had, under a fresh key of its
// own (theirs is destroyed): the reference, and each of their requests with its decision.
func (s *Service) farewell(ctx context.Context, r *rights.Request, to, lang string, owed mail.Arg, files []mail.File) {
	id, err := s.Eraser.Farewell(ctx)
	if err == nil {
		// One farewell per erasure: a run finishing one that failed part-way, or two
		// runs at once, find it queued already.
		err = s.Mailer.Send(ctx, mail.Mail{ID: "farewell-" + r.Ref, UserID: id, To: to, Lang: lang, Kind: "request_erased", Args: []mail.Arg{mail.Text(r.Ref), owed}, Files: files})
	}
	if err != nil && !errors.Is(err, apperr.ErrConflict) {
		s.Log.Error("erasure done but its confirmation was not queued", "ref", r.Ref, "err", err)
	}
}

// RequesterLang is the language the requester reads: their account's or guest's choice,
// else fallback (the page's).
func (s *Service) RequesterLang(ctx context.Context, r *rights.Request, fallback string) string {
	if _, lang := s.requesterAddress(ctx, r); lang != "" {
		return lang
	}
	return fallback
}

// EraseCommand finishes an erasure that failed half-way.
type EraseCommand struct {
	Ref       string
	Confirmed bool
}

// EraseAgain finishes an erasure that failed half-way (it is safe to repeat).
func (s *Service) EraseAgain(ctx context.Context, cmd EraseCommand) (Result, error) {
	r, err := s.Requests.ByRef(ctx, cmd.Ref)
	if err != nil {
		return Result{}, failed(err)
	}
	if r.Kind != rights.Delete || r.ErasureDone() || (r.State != rights.Fulfilled && r.State != rights.Closed) || !rights.EffectsOf(r).Erase {
		return Result{}, rights.ErrChanged
	}
	if !cmd.Confirmed {
		return Result{}, &ConfirmFirst{Trial: r}
	}
	// A repeated run: the letters open to appeal were kept by the first, or are kept now.
	// The first run mailed no farewell; while the person's address can still be read
	// (their key not yet destroyed), this one does, with what they are owed.
	to, lang := s.requesterAddress(ctx, r)
	owed, keep, err := s.owedBeforeErasure(ctx, r.Subject)
	if err != nil && !errors.Is(err, vault.ErrKeyDestroyed) {
		return Result{}, failed(err)
	}
	var files []mail.File
	if to != "" {
		if files, err = s.owedFiles(ctx, r.Subject, lang, true); err != nil {
			return Result{}, failed(err)
		}
		if len(files) > 0 {
			owed = mail.Seq(owed, mail.Text("\n\n"), mail.Key("erase.owed_attached", mail.Num(len(files))))
		}
	}
	rep, err := s.Eraser.Erase(ctx, r.Subject, keep)
	if err != nil {
		return Result{}, failed(err)
	}
	if to != "" {
		s.farewell(ctx, r, to, lang, owed, files)
	}
	return Result{Request: r, Flash: Flash{Key: "flash.erased", Args: []any{rep.Requests, rep.ConsentEvents, rep.Files}}}, nil
}

// RebuildPackage builds a fulfilled copy request's package again (one that failed,
// expired, or was never built), in the requester's language, else lang.
func (s *Service) RebuildPackage(ctx context.Context, cmd Command, lang string) (Result, error) {
	r, err := s.request(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	p, err := s.packageOf(ctx, r)
	if err != nil {
		return Result{}, failed(err)
	}
	if r.Kind != rights.Copy || r.Erased || r.Principal != "" || (r.State != rights.Fulfilled && r.State != rights.Closed) || r.Decision == nil ||
		r.Decision.Outcome == rights.Refused || (p != nil && p.State == export.PackageBuilding) {
		return Result{}, rights.ErrChanged
	}
	// Two officers, or an officer and the fulfilment's own build, may start at once: the
	// package is claimed, and the one that finds it claimed is told the request changed.
	if err := s.Builder.Begin(ctx, r, s.RequesterLang(ctx, r, lang)); errors.Is(err, export.ErrBuilding) {
		return Result{}, rights.ErrChanged
	} else if err != nil {
		return Result{}, failed(err)
	}
	return Result{Request: r, Flash: Flash{Key: "flash.package_started"}}, nil
}
