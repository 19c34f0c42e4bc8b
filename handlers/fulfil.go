package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/outbox"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// fulfil carries out a decided request, then records that it did. The effects come
// from the decision (rights.EffectsOf) and reach exactly the granted scope: a correction
// is applied to the person's data; a stop withdraws the granted purposes and restricts
// processing for them (for everything only when the whole account was asked); a
// deletion of purposes withdraws them, and only a deletion of the whole account erases
// the person, after a confirmation page. Corrections, withdrawals and the restriction are idempotent and happen first,
// so a failure leaves the request decided and the officer tries again; an erasure comes
// after the request is recorded as fulfilled, because afterwards there is nobody left
// to record it for, and it too can be run again (the "erase" action).
func (s *Server) fulfil(c *gin.Context, r *rights.Request, f *officerActForm, vals map[string]string) {
	ctx := c.Request.Context()
	me := currentUser(c).ID
	now := s.Now()
	act := rights.Fulfil(me, f.FulfilNote)
	// Nothing is done for a page that is out of date, or for a request that cannot be
	// fulfilled: the checks run on a copy before any effect.
	if f.Version != r.Version {
		s.actFailed(c, r, "fulfil", vals, rights.ErrChanged)
		return
	}
	// Every file of the agency is searched before the answer is final.
	steps, err := s.Timeline.Steps(ctx, r.Ref, true)
	if err != nil {
		s.fail(c, err)
		return
	}
	tasks, err := s.tasksOf(ctx, r, steps)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, t := range tasks {
		if t.Done == "" && r.Decision != nil && r.Decision.Outcome != rights.Refused {
			inv := &apperr.Invalid{}
			inv.Add("", "officer.tasks_open", t.File.Name(c.GetString(keyLang)))
			s.actFailed(c, r, "fulfil", vals, inv)
			return
		}
	}
	probe := *r
	if _, err := act(&probe, now); err != nil {
		s.actFailed(c, r, "fulfil", vals, err)
		return
	}
	eff := rights.EffectsOf(r)
	if eff.Erase {
		// What the person is owed must be deliverable before the confirmation is asked.
		if _, err := s.owedFiles(ctx, r.Subject, "", false); err != nil {
			s.actFailed(c, r, "fulfil", vals, err)
			return
		}
	}
	if eff.Erase && !s.confirmed(c, confirmPage{TitleKey: "confirm.erase_title", TextKey: "confirm.erase_text", TextArgs: []any{r.Ref},
		Action: "/officer/requests/" + r.Ref + "/fulfil", Back: "/officer/requests/" + r.Ref}) {
		return
	}
	// What was done is recorded as catalogue keys and parameters, worded for each reader.
	var done []rights.Said
	v := &View{Lang: c.GetString(keyLang), s: s}
	if eff.Correct != nil && !rights.IsGuest(r.Subject) {
		// Checked again here: a request filed before the rule, or a rule since changed,
		// must not write to the profile what the profile itself would refuse.
		if bad := account.ValidateProfileField(eff.Correct.Field, eff.Correct.Value); len(bad.Problems) > 0 {
			inv := (&apperr.Invalid{}).Add("", "fulfil.correction_invalid", v.T("request.field."+eff.Correct.Field), v.Problem(bad.Problems[0]))
			s.actFailed(c, r, "fulfil", vals, inv)
			return
		}
	}
	if eff.Correct != nil && !rights.IsGuest(r.Subject) {
		before, err := s.Casework.ApplyCorrection(c.Request.Context(), r.Subject, eff.Correct)
		if err != nil {
			s.fail(c, err)
			return
		}
		done = append(done, rights.Say("fulfil.corrected", rights.Keyed("request.field."+eff.Correct.Field), rights.Typed(before), rights.Typed(eff.Correct.Value)))
	}
	for _, p := range eff.Withdraw {
		if rights.IsGuest(r.Subject) {
			break
		}
		e, err := s.Consents.WithdrawOnRequest(ctx, r.Subject, p, me, r.Ref, c.GetString(keyLang))
		if err != nil && !errors.Is(err, consent.ErrRequired) {
			s.fail(c, err)
			return
		}
		if e != nil {
			done = append(done, rights.Say("fulfil.withdrawn", rights.PurposeWord(p)))
		}
	}
	if len(eff.Stop) > 0 && !rights.IsGuest(r.Subject) {
		if err := s.Casework.SetStopped(c.Request.Context(), r.Subject, eff.Stop, true); err != nil {
			s.fail(c, err)
			return
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
			s.fail(c, err)
			return
		}
		for _, p := range n.Purposes {
			if p.Required {
				continue
			}
			e, err := s.Consents.WithdrawOnRequest(ctx, r.Subject, p.ID, me, r.Ref, c.GetString(keyLang))
			if err != nil {
				s.fail(c, err)
				return
			}
			if e != nil {
				done = append(done, rights.Say("fulfil.withdrawn", rights.PurposeWord(p.ID)))
			}
		}
		if err := s.Casework.SetRestriction(c.Request.Context(), r.Subject, true); err != nil {
			s.fail(c, err)
			return
		}
		done = append(done, rights.Say("fulfil.restricted"))
	}
	if eff.Erase {
		done = append(done, rights.Say("fulfil.erased"))
	}
	// The letters and any copy package not yet downloaded go with the farewell: they are
	// gathered before anything is recorded, while the person's data can still be read,
	// and named in the language the person reads their mail in.
	var files []account.MailFile
	var to, lang string
	if eff.Erase {
		to, lang = s.requesterAddress(c, r)
		var err error
		if files, err = s.owedFiles(ctx, r.Subject, lang, true); err != nil {
			s.actFailed(c, r, "fulfil", vals, err)
			return
		}
	}
	updated, err := s.Timeline.Update(ctx, r.Ref, f.Version, now, rights.Saying(act, done...))
	if s.actFailed(c, r, "fulfil", vals, err) {
		return
	}
	if eff.Erase {
		// The confirmation goes under a key of its own: the person's key and their queued
		// mail go with the erasure. What they are owed — the list of their requests and
		// decisions, and where a letter still open to appeal stays — is gathered first.
		owed, keep, err := s.owedBeforeErasure(c, r.Subject)
		if err != nil {
			s.fail(c, err)
			return
		}
		if len(files) > 0 {
			owed = outbox.Seq(owed, outbox.Text("\n\n"), outbox.Key("erase.owed_attached", outbox.Num(len(files))))
		}
		if rep, err := s.Eraser.Erase(ctx, r.Subject, keep); err != nil {
			s.Log.Error("erasure incomplete", "ref", r.Ref, "err", err)
			s.addFlash(c, flashError, "flash.erasure_incomplete")
		} else {
			s.Log.Info("person erased", "ref", r.Ref, "requests", rep.Requests, "consent_events", rep.ConsentEvents, "mail", rep.Mail, "sessions", rep.Sessions, "files", rep.Files)
			s.addFlashArgs(c, flashSuccess, "flash.erased", rep.Requests, rep.ConsentEvents, rep.Files)
			if to != "" {
				s.farewell(c, updated, to, lang, owed, files)
			}
		}
		c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
		return
	}
	s.Casework.SetDisputed(c.Request.Context(), r, false)
	if updated.Kind == rights.Copy && updated.Principal == "" {
		s.startPackage(updated, s.requesterLang(c, updated))
	}
	s.Casework.Tell(c.Request.Context(), updated, "request_fulfilled")
	s.addFlash(c, flashSuccess, "flash.request_updated")
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
}

// requesterAddress is where and in which language the requester reads mail.
func (s *Server) requesterAddress(c *gin.Context, r *rights.Request) (to, lang string) {
	ctx := c.Request.Context()
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
func (s *Server) owedBeforeErasure(c *gin.Context, subject string) (outbox.Arg, []string, error) {
	rs, err := s.Requests.ForSubject(c.Request.Context(), subject)
	if err != nil {
		return outbox.Arg{}, nil, err
	}
	var lines []outbox.Arg
	var keep []string
	for i, r := range rs {
		if i > 0 {
			lines = append(lines, outbox.Text("\n"))
		}
		lines = append(lines, outbox.Text("- "), outbox.Key("erase.owed_request", outbox.Text(r.Ref), outbox.Key("right."+string(r.Kind)+".name"), outbox.Key("state."+string(r.State))))
		if d := r.Decision; d != nil {
			lines = append(lines, outbox.Text(" "), outbox.Key("erase.owed_decision", outbox.Key("outcome."+string(d.Outcome)), outbox.Date(rights.DateOf(d.At).String())))
		}
		if rights.AppealOpen(r, s.Now()) {
			keep = append(keep, r.Ref)
			lines = append(lines, outbox.Text(" "), outbox.Key("erase.owed_appeal", outbox.Date(rights.DateOf(r.Decision.At).AddDays(rights.AppealDays+rights.AppealServiceDays).String())))
		}
	}
	return outbox.Seq(lines...), keep, nil
}

// farewell confirms an erasure to the address the person had, under a fresh key of its
// own (theirs is destroyed): the reference, and each of their requests with its decision.
func (s *Server) farewell(c *gin.Context, r *rights.Request, to, lang string, owed outbox.Arg, files []account.MailFile) {
	ctx := c.Request.Context()
	id, err := s.Eraser.Farewell(ctx)
	if err == nil {
		err = s.Accounts.Mailer.Send(ctx, account.Mail{UserID: id, To: to, Lang: lang, Kind: "request_erased", Args: []outbox.Arg{outbox.Text(r.Ref), owed}, Files: files})
	}
	if err != nil {
		s.Log.Error("erasure done but its confirmation was not queued", "ref", r.Ref, "err", err)
	}
}

// requesterLang is the language the requester reads: their account's or guest's choice,
// else the page's.
func (s *Server) requesterLang(c *gin.Context, r *rights.Request) string {
	if _, lang := s.requesterAddress(c, r); lang != "" {
		return lang
	}
	return c.GetString(keyLang)
}

// eraseAgain finishes an erasure that failed half-way (it is safe to repeat).
func (s *Server) eraseAgain(c *gin.Context, r *rights.Request) {
	if r.Kind != rights.Delete || r.Erased || (r.State != rights.Fulfilled && r.State != rights.Closed) || !rights.EffectsOf(r).Erase {
		s.fail(c, &pageError{status: http.StatusConflict, key: "request.changed"})
		return
	}
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.erase_title", TextKey: "confirm.erase_text", TextArgs: []any{r.Ref},
		Action: "/officer/requests/" + r.Ref + "/erase", Back: "/officer/requests/" + r.Ref}) {
		return
	}
	// A repeated run: the letters open to appeal were kept by the first, or are kept now.
	// The first run mailed no farewell; while the person's address can still be read
	// (their key not yet destroyed), this one does, with what they are owed.
	to, lang := s.requesterAddress(c, r)
	owed, keep, err := s.owedBeforeErasure(c, r.Subject)
	if err != nil && !errors.Is(err, vault.ErrKeyDestroyed) {
		s.fail(c, err)
		return
	}
	var files []account.MailFile
	if to != "" {
		if files, err = s.owedFiles(c.Request.Context(), r.Subject, lang, true); err != nil {
			s.fail(c, err)
			return
		}
		if len(files) > 0 {
			owed = outbox.Seq(owed, outbox.Text("\n\n"), outbox.Key("erase.owed_attached", outbox.Num(len(files))))
		}
	}
	rep, err := s.Eraser.Erase(c.Request.Context(), r.Subject, keep)
	if err != nil {
		s.fail(c, err)
		return
	}
	if to != "" {
		s.farewell(c, r, to, lang, owed, files)
	}
	s.addFlashArgs(c, flashSuccess, "flash.erased", rep.Requests, rep.ConsentEvents, rep.Files)
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
}

type liftForm struct {
	// Purpose names one stopped purpose to lift; empty lifts the restriction of
	// everything.
	Purpose string `form:"purpose" validate:"max=40" label:"request.purposes"`
}

// liftRestriction lets the person lift their own processing restriction, of everything
// or of one purpose; nobody else can.
func (s *Server) liftRestriction(c *gin.Context) {
	var f liftForm
	if inv, ok := s.bind(c, &f); !ok {
		return
	} else if err := inv.OrNil(); err != nil {
		s.fail(c, err)
		return
	}
	u := currentUser(c)
	if f.Purpose == "" && u.Restricted.IsZero() {
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	// Stopping again takes a new stop request and its period: ask first.
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.lift_title", TextKey: "confirm.lift_text",
		Action: "/account/restriction/lift", Back: "/account"}) {
		return
	}
	if f.Purpose != "" {
		if err := s.Casework.SetStopped(c.Request.Context(), u.ID, []string{f.Purpose}, false); err != nil {
			s.fail(c, err)
			return
		}
		s.addFlash(c, flashSuccess, "flash.restriction_lifted")
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	if err := s.Casework.SetRestriction(c.Request.Context(), u.ID, false); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.restriction_lifted")
	c.Redirect(http.StatusSeeOther, "/account")
}
