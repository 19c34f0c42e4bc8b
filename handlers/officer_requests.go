package handlers

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/files"
	"github.com/example/pdpa-portal/forms"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/rights"
)

type officerRequestPage struct {
	Request   *rights.Request
	Today     rights.Date
	Names     map[string]consent.Text
	Steps     []rights.Step
	Requester *account.User
	Officers  []*account.User
	People    map[string]string // user id → name, for the timeline
	Levels    []rights.IdentityLevel
	Values    map[string]string
	Files     *attachmentList
	Guest     *rights.Guest
	Package   *export.Package
	CanErase  bool
	Effects   []string // what fulfilling the decision will do, in words
	// Recipients are the disclosures of the requester's data: after a correction each
	// must be told (PDPA Art. 11(5)); Notified holds the record ids already told.
	Recipients []*disclosure.Record
	Notified   map[string]bool
	// Tasks are the agency's personal data files to search for this request, and what
	// was recorded for each.
	Tasks []taskRow
	// Form names the action whose form had problems, so its fields show them.
	Form string
	// PayMethods are the ways a payment may be recorded.
	PayMethods []string
	// Letters are the request's letters with how each was delivered; Mailable: the
	// requester has an e-mail address (else everything goes by post).
	Letters  []letterRow
	Methods  []string
	Mailable bool
	// Next is the action that moves the request on, shown first; Others are the rest
	// the state allows, each folded under its name so the page stays short.
	Next   string
	Others []string
}

type letterRow struct {
	Letter   string
	Kind     string // what the letter is (letter.<kind>_title)
	Delivery *rights.Delivery
}

// requestByRef reads a request named in the URL; a malformed reference is not found.
func (s *Server) requestByRef(c *gin.Context) (*rights.Request, bool) {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		s.fail(c, apperr.ErrNotFound)
		return nil, false
	}
	r, err := s.Requests.ByRef(c.Request.Context(), ref)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return r, true
}

// purposeNames maps purpose ids to their names in the current notice.
func (s *Server) purposeNames(ctx context.Context) (map[string]consent.Text, error) {
	names := map[string]consent.Text{}
	n, err := s.Notices.Current(ctx)
	if errors.Is(err, apperr.ErrNotFound) {
		return names, nil
	}
	if err != nil {
		return nil, err
	}
	for _, p := range n.Purposes {
		names[p.ID] = p.Name
	}
	return names, nil
}

// officerRequest shows a request with everything the officer needs to act on it: the
// facts, the whole timeline with internal notes, and the actions its state allows.
func (s *Server) officerRequest(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	if r.Unread > 0 {
		// The officer now sees the replies: the queue's marker goes.
		if err := s.Messages.MarkRead(c.Request.Context(), r.Ref); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.renderOfficerRequest(c, http.StatusOK, r, "", nil, nil)
}

func (s *Server) renderOfficerRequest(c *gin.Context, status int, r *rights.Request, form string, vals map[string]string, inv *apperr.Invalid) {
	ctx := c.Request.Context()
	names, err := s.purposeNames(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	steps, err := s.Timeline.Steps(ctx, r.Ref, true)
	if err != nil {
		s.fail(c, err)
		return
	}
	officers, err := s.officers.list(ctx, s.Users, s.Now())
	if err != nil {
		s.fail(c, err)
		return
	}
	p := officerRequestPage{Request: r, Today: rights.DateOf(s.Now()), Names: names, Steps: steps, Officers: officers, PayMethods: rights.PayMethods,
		People: map[string]string{}, Levels: rights.IdentityLevels, Values: vals, Form: form}
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	switch {
	case r.Erased:
	case rights.IsGuest(r.Subject):
		if g, err := s.Guests.Guest(ctx, r.Subject); err == nil {
			p.Guest = g
			p.Mailable = g.Email != ""
		}
	default:
		if u, err := s.Users.ByID(ctx, r.Subject); err == nil {
			p.Requester = u
			p.Mailable = u.Email != ""
		} else if !errors.Is(err, apperr.ErrNotFound) {
			s.fail(c, err)
			return
		}
	}
	if !r.Erased {
		p.Methods = rights.DeliveryMethods
		for _, l := range r.Letters() {
			p.Letters = append(p.Letters, letterRow{Letter: l, Kind: rights.LetterKind(l), Delivery: r.DeliveryOf(l)})
		}
	}
	if p.Package, err = s.packageOf(ctx, r); err != nil {
		s.fail(c, err)
		return
	}
	if r.Kind == rights.Correct && !r.Erased && !rights.IsGuest(r.Subject) && r.Decision != nil && r.Decision.Outcome != rights.Refused {
		if p.Recipients, err = s.Disclosures.ForSubject(ctx, r.Subject); err != nil {
			s.fail(c, err)
			return
		}
		p.Notified = map[string]bool{}
		for _, st := range steps {
			if st.Action == "recipient_notified" {
				p.Notified[strings.SplitN(st.Note, " ", 2)[0]] = true
			}
		}
	}
	if p.Tasks, err = s.Casework.Tasks(ctx, r, steps); err != nil {
		s.fail(c, err)
		return
	}
	eff := rights.EffectsOf(r)
	p.CanErase = r.Kind == rights.Delete && !r.Erased && (r.State == rights.Fulfilled || r.State == rights.Closed) && eff.Erase
	p.Next, p.Others = nextAndOthers(r, p.Tasks, p.CanErase)
	v0 := &View{Lang: c.GetString(keyLang), s: s}
	if eff.Correct != nil {
		p.Effects = append(p.Effects, v0.T("fulfil.will_correct", v0.T("request.field."+eff.Correct.Field), eff.Correct.Value))
	}
	for _, id := range eff.Withdraw {
		p.Effects = append(p.Effects, v0.T("fulfil.will_withdraw", v0.ItemName("purpose:"+id, names)))
	}
	for _, id := range eff.Stop {
		// Each stop says what the portal itself will stop, or that it is done in the files.
		p.Effects = append(p.Effects, v0.T("fulfil.will_stop", v0.ItemName("purpose:"+id, names))+" "+v0.T("stop.reach."+string(rights.ReachOf(id))))
	}
	if eff.ByHand {
		p.Effects = append(p.Effects, v0.T("fulfil.will_by_hand"))
	}
	if eff.Restrict {
		p.Effects = append(p.Effects, v0.T("fulfil.will_restrict"))
	}
	if eff.Erase {
		p.Effects = append(p.Effects, v0.T("fulfil.will_erase"))
	}
	if eff.Manual {
		p.Effects = append(p.Effects, v0.T("fulfil.manual"))
	}
	for _, o := range officers {
		p.People[o.ID] = o.Name
	}
	if p.Files, err = s.loadAttachments(c, r.Ref); err != nil {
		s.fail(c, err)
		return
	}
	for _, st := range steps {
		if _, ok := p.People[st.ActorID]; !ok && st.ActorID != r.Subject {
			if u, err := s.Users.ByID(ctx, st.ActorID); err == nil {
				p.People[u.ID] = u.Name
			}
		}
	}
	v := s.view(c, "officer.request_title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "officer_request", v)
}

type officerActForm struct {
	Version      int64  `form:"version"`
	Note         string `form:"note" validate:"max=4000" label:"officer.note"`
	AskNote      string `form:"ask_note" validate:"max=4000" label:"officer.ask_note"`
	IdentityNote string `form:"identity_note" validate:"max=4000" label:"officer.identity_note"`
	FulfilNote   string `form:"fulfil_note" validate:"max=4000" label:"officer.fulfil_note"`
	DupNote      string `form:"dup_note" validate:"max=4000" label:"officer.dup_note"`
	TaskFile     string `form:"task_file" validate:"max=64" label:"officer.task_file"`
	TaskNote     string `form:"task_note" validate:"max=4000" label:"officer.task_note"`
	Reason       string `form:"reason" validate:"max=2000" label:"officer.extend_reason"`
	Level        string `form:"level" validate:"max=20" label:"officer.identity_level"`
	Of           string `form:"of" validate:"max=20" label:"officer.duplicate_of"`
	To           string `form:"to" validate:"max=64" label:"officer.assign_to"`
	Fee          string `form:"fee" validate:"omitempty,oneof=waived" label:"officer.fee"`
	// The payment of a fee, as the bank statement, the counter's receipt or the
	// e-payment confirmation shows it.
	PayOn      time.Time `form:"pay_on" label:"officer.pay_on"`
	PayAmount  int       `form:"pay_amount" label:"officer.pay_amount"`
	PayMethod  string    `form:"pay_method" validate:"max=20" label:"officer.pay_method"`
	PayReceipt string    `form:"pay_receipt" validate:"max=200" label:"officer.pay_receipt"`
	// How a letter was delivered.
	Letter string    `form:"letter" validate:"omitempty,max=40" label:"delivery.letter"`
	Method string    `form:"method" validate:"max=20" label:"delivery.method"`
	On     time.Time `form:"on" label:"delivery.on"`
}

// payment is the payment the form records.
func (f *officerActForm) payment() rights.Payment {
	p := rights.Payment{Amount: f.PayAmount, Method: f.PayMethod, Receipt: f.PayReceipt}
	if !f.PayOn.IsZero() {
		p.On = rights.NewDate(f.PayOn.Year(), f.PayOn.Month(), f.PayOn.Day())
	}
	return p
}

// officerAct applies one action to a request. Every action is a conditional update: if
// the request changed since the page was shown (another officer, or the requester
// withdrawing), nothing is done and the officer is told.
func (s *Server) officerAct(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	action := c.Param("action")
	switch action {
	case "decide":
		s.decideSubmit(c, r)
		return
	case "message":
		s.postMessage(c, r, "officer")
		return
	}
	var f officerActForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	vals := map[string]string{"note": f.Note, "ask_note": f.AskNote, "identity_note": f.IdentityNote, "fulfil_note": f.FulfilNote,
		"dup_note": f.DupNote, "reason": f.Reason, "level": f.Level, "of": f.Of, "to": f.To,
		"pay_method": f.PayMethod, "pay_receipt": f.PayReceipt, "letter": f.Letter, "method": f.Method}
	if !f.PayOn.IsZero() {
		vals["pay_on"] = f.PayOn.Format(forms.DateLayout)
	}
	if !f.On.IsZero() {
		vals["on"] = f.On.Format(forms.DateLayout)
	}
	if f.PayAmount != 0 {
		vals["pay_amount"] = strconv.Itoa(f.PayAmount)
	}
	ctx := c.Request.Context()
	me := currentUser(c).ID
	var act rights.Action
	var mail string     // the requester is told of this step by mail
	var stored []string // files stored with the action: removed again if it is refused
	switch action {
	case "review":
		act = rights.StartReview(me)
	case "identity-ask":
		act, mail = rights.AskIdentity(me, f.AskNote), "request_identity"
	case "identity":
		act = rights.RecordIdentity(me, rights.IdentityLevel(f.Level), f.IdentityNote)
	case "extend":
		today := rights.DateOf(s.Now())
		cal, err := s.Calendar.Days(ctx, today.AddDays(-60), r.Due.AddDays(120))
		if err != nil {
			s.fail(c, err)
			return
		}
		act, mail = rights.ExtendOnce(me, f.Reason, cal), "request_extended"
	case "fee":
		act = rights.WaiveFee(me)
	case "payment":
		act = rights.RecordPayment(me, f.payment())
	case "fulfil":
		if len(inv.Problems) == 0 {
			s.fulfil(c, r, &f, vals)
			return
		}
	case "erase":
		s.eraseAgain(c, r)
		return
	case "package":
		s.rebuildPackage(c, r)
		return
	case "close":
		act = rights.Close(me)
	case "duplicate":
		if rights.ValidRef(f.Of) && f.Of != r.Ref {
			o, err := s.Requests.ByRef(ctx, f.Of)
			if errors.Is(err, apperr.ErrNotFound) || (err == nil && o.Subject != r.Subject) {
				inv.Add("of", "officer.duplicate_not_theirs")
			} else if err != nil {
				s.fail(c, err)
				return
			}
		}
		act, mail = rights.MarkDuplicate(me, f.Of, f.DupNote), "request_duplicate"
	case "assign":
		if f.To != "" {
			u, err := s.Users.ByID(ctx, f.To)
			if errors.Is(err, apperr.ErrNotFound) || (err == nil && (!u.Has(account.RoleOfficer) || u.Disabled || u.Expired(s.Now()))) {
				inv.Add("to", "officer.assign_not_officer")
			} else if err != nil {
				s.fail(c, err)
				return
			}
		}
		act = rights.Assign(me, f.To)
	case "note":
		act = rights.AddNote(me, f.Note)
	case "delivery":
		mailable, err := s.Casework.Mailable(ctx, r)
		if err != nil {
			s.fail(c, err)
			return
		}
		var on rights.Date
		if !f.On.IsZero() {
			on = rights.NewDate(f.On.Year(), f.On.Month(), f.On.Day())
		}
		if !rights.ValidLetter(f.Letter) {
			inv.Add("letter", "delivery.letter_unknown")
		}
		act = rights.RecordDelivery(me, f.Letter, f.Method, on, mailable)
	case "task":
		// One task per personal data file of the agency: what was found or done there,
		// with any files, so the answer covers everything the agency holds.
		pf, err := s.Inventory.Get(ctx, f.TaskFile)
		if errors.Is(err, apperr.ErrNotFound) {
			s.fail(c, apperr.ErrNotFound)
			return
		} else if err != nil {
			s.fail(c, err)
			return
		}
		if strings.TrimSpace(f.TaskNote) == "" {
			inv.Add("", "officer.task_note_required", pf.Name(c.GetString(keyLang)))
		}
		var fhs []*multipart.FileHeader
		if f.Version != r.Version || !r.State.Open() {
			// Refused below anyway: nothing is stored for it.
			s.fail(c, &pageError{status: http.StatusConflict, key: "request.changed"})
			return
		}
		if len(inv.Problems) == 0 {
			used, err := s.Files.Used(ctx, r.Ref)
			if err != nil {
				s.fail(c, err)
				return
			}
			if fhs, err = uploads(c, used); err != nil && !uploadProblem(inv, err) {
				s.fail(c, err)
				return
			}
		}
		if len(inv.Problems) == 0 {
			var err error
			if stored, err = s.storeUploads(c, r, fhs, files.RoleOfficer, files.PurposeTask, ""); err != nil {
				s.dropUploads(c, r.Ref, stored)
				s.fail(c, err)
				return
			}
			// The file is named in both languages; the finding is the officer's text.
			task := rights.Say("timeline.task_file", rights.Typed(pf.ID), rights.Both(pf.Name(i18n.ZH), pf.Name(i18n.EN)))
			note := f.TaskNote
			act = func(req *rights.Request, now time.Time) (rights.Step, error) {
				if !req.State.Open() {
					return rights.Step{}, rights.ErrChanged
				}
				return rights.Step{Action: "file_task", ActorID: me, Role: "officer", Note: note, Said: []rights.Said{task}}, nil
			}
		}
	case "notified":
		// After a correction, each recipient of the person's data is told (Art. 11(5)).
		d, err := s.Disclosures.Get(ctx, f.To)
		if err != nil || !contains(d.Subjects, r.Subject) || r.Kind != rights.Correct {
			s.fail(c, apperr.ErrNotFound)
			return
		}
		note := d.ID + " " + d.RecipientName
		act = func(req *rights.Request, now time.Time) (rights.Step, error) {
			if req.Decision == nil || req.Decision.Outcome == rights.Refused {
				return rights.Step{}, rights.ErrChanged
			}
			// A disclosure still withheld from the person stays out of their timeline.
			return rights.Step{Action: "recipient_notified", ActorID: me, Role: "officer", Note: note, Internal: !d.Visible(rights.DateOf(now))}, nil
		}
	default:
		s.fail(c, apperr.ErrNotFound)
		return
	}
	if len(inv.Problems) > 0 {
		s.renderOfficerRequest(c, http.StatusBadRequest, r, action, vals, inv)
		return
	}
	if ask, ok := officerConfirms[action]; ok && !s.officerConfirmed(c, r, &f, act, action, vals, ask) {
		return
	}
	updated, err := s.Timeline.Update(ctx, r.Ref, f.Version, s.Now(), act)
	if err != nil {
		s.dropUploads(c, r.Ref, stored)
	}
	if s.actFailed(c, r, action, vals, err) {
		return
	}
	s.Casework.SetDisputed(c.Request.Context(), updated, updated.State.Open() && updated.Decision == nil)
	if action == "delivery" {
		s.Casework.Delivered(c.Request.Context(), updated, f.Letter)
	}
	if mail != "" {
		s.Casework.Tell(c.Request.Context(), updated, mail)
	}
	s.addFlash(c, flashSuccess, "flash.request_updated")
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
}

// actFailed shows what went wrong with an action: the form's problems on the page, a
// conflict when the request moved on, anything else through the error mapper.
func (s *Server) actFailed(c *gin.Context, r *rights.Request, form string, vals map[string]string, err error) bool {
	var inv *apperr.Invalid
	var failed *casework.Failed
	switch {
	case err == nil:
		return false
	case errors.As(err, &failed):
		s.fail(c, failed.Err)
	case errors.As(err, &inv):
		// Each form on the page has its own note field, so the domain's "note" is the
		// one of the form that was sent.
		if f, ok := noteFields[form]; ok {
			for i := range inv.Problems {
				if inv.Problems[i].Field == "note" {
					inv.Problems[i].Field = f
				}
			}
		}
		s.renderOfficerRequest(c, http.StatusBadRequest, r, form, vals, inv)
	case errors.Is(err, rights.ErrChanged):
		s.fail(c, &pageError{status: http.StatusConflict, key: "request.changed"})
	default:
		s.fail(c, err)
	}
	return true
}

// officerConfirms are the actions that cannot be taken back, each with what its
// confirmation says: the one extension sends its notice and is spent; marking a duplicate
// closes the request undecided and tells the requester; closing ends the work for good;
// a waived fee cannot be charged again.
var officerConfirms = map[string][2]string{
	"fee":       {"confirm.waive_title", "confirm.waive_text"},
	"extend":    {"confirm.extend_title", "confirm.extend_text"},
	"duplicate": {"confirm.duplicate_title", "confirm.duplicate_text"},
	"close":     {"confirm.close_title", "confirm.close_text"},
}

// officerConfirmed asks before an irreversible action. The action is first tried on a
// copy of the request, so a form the step would refuse (no reason, too late, moved on)
// is answered at once rather than after a confirmation it could never honour.
func (s *Server) officerConfirmed(c *gin.Context, r *rights.Request, f *officerActForm, act rights.Action, action string, vals map[string]string, ask [2]string) bool {
	if f.Version != r.Version {
		s.fail(c, &pageError{status: http.StatusConflict, key: "request.changed"})
		return false
	}
	trial := *r
	if _, err := act(&trial, s.Now()); s.actFailed(c, r, action, vals, err) {
		return false
	}
	v := &View{Lang: c.GetString(keyLang), s: s}
	args := []any{r.Ref}
	switch action {
	case "extend":
		args = append(args, v.Date(r.Due.Start()), v.Date(trial.Due.Start()))
	case "duplicate":
		args = append(args, trial.DuplicateOf)
	case "fee":
		args = append(args, v.T("request.fee_total", r.Fee.Total))
	}
	return s.confirmed(c, confirmPage{TitleKey: ask[0], TextKey: ask[1], TextArgs: args,
		Action: "/officer/requests/" + r.Ref + "/" + action, Back: "/officer/requests/" + r.Ref})
}

var noteFields = map[string]string{"identity-ask": "ask_note", "identity": "identity_note", "fulfil": "fulfil_note", "duplicate": "dup_note"}

// nextAndOthers splits the actions the request allows into the next step and the rest.
func nextAndOthers(r *rights.Request, tasks []taskRow, canErase bool) (string, []string) {
	open := false
	for _, t := range tasks {
		open = open || t.Done == ""
	}
	next := rights.NextStep(r, open)
	if canErase {
		// An erasure that did not finish is all that is left to do.
		next = rights.ActErase
	}
	acts := rights.Actions(r)
	if len(tasks) > 0 && (r.State.Open() || r.State == rights.Fulfilled) {
		acts = append(acts, rights.ActTasks)
	}
	acts = append(acts, rights.ActNote)
	var others []string
	for _, a := range acts {
		if a != next {
			others = append(others, a)
		}
	}
	return next, others
}

// requesterName names the requester of r for staff ("" once erased or gone).
func (s *Server) requesterName(ctx context.Context, r *rights.Request) string {
	switch {
	case r.Erased:
		return ""
	case rights.IsGuest(r.Subject):
		if g, err := s.Guests.Guest(ctx, r.Subject); err == nil {
			return g.Name
		}
	default:
		if u, err := s.Users.ByID(ctx, r.Subject); err == nil {
			return u.Name
		}
	}
	return ""
}

// taskRow is a file to search for the request, and what was recorded for it.
type taskRow = casework.Task

type decidePage struct {
	Request  *rights.Request
	Items    []string
	Grounds  []string
	Names    map[string]consent.Text
	Fees     []rights.FeeItem
	Chosen   map[string]string // item index → "grant" / "refuse"
	Ticked   map[string]bool   // "i:ground"
	Reasons  []string
	Quantity map[string]string // fee item id → quantity
	FeeAsked bool
	// What was asked, beside the form: the requester's name, the attachments and the
	// messages exchanged so far.
	Requester string
	Files     *attachmentList
}

// decideForm is the item-by-item decision. Outcome and grounds carry their item's index
// ("2:refuse", "2:art10-1"); the reasons are one text area per item, in order.
type decideForm struct {
	Version  int64    `form:"version"`
	Outcome  []string `form:"outcome" validate:"max=60,dive,max=20" label:"decide.outcome"`
	Grounds  []string `form:"grounds" validate:"max=300,dive,max=40" label:"decide.grounds"`
	Reason   []string `form:"reason,keepblank" validate:"max=60,dive,max=2000" label:"decide.reason"`
	Quantity []string `form:"quantity,keepblank" validate:"max=20,dive,max=6" label:"decide.quantity"`
}

func (s *Server) decidePage(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	if r.State != rights.Review && r.State != rights.Extended {
		c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
		return
	}
	s.renderDecide(c, http.StatusOK, r, decidePage{}, nil)
}

func (s *Server) renderDecide(c *gin.Context, status int, r *rights.Request, p decidePage, inv *apperr.Invalid) {
	ctx := c.Request.Context()
	names, err := s.purposeNames(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Request, p.Items, p.Grounds, p.Names = r, rights.Items(r), rights.Grounds[r.Kind], names
	if r.Kind == rights.View || r.Kind == rights.Copy {
		if p.Fees, err = s.Fees.Fees(ctx); err != nil {
			s.fail(c, err)
			return
		}
	}
	if p.Chosen == nil {
		p.Chosen, p.Ticked, p.Quantity = map[string]string{}, map[string]bool{}, map[string]string{}
	}
	if len(p.Reasons) < len(p.Items) {
		p.Reasons = append(p.Reasons, make([]string, len(p.Items)-len(p.Reasons))...)
	}
	if p.Files, err = s.loadAttachments(c, r.Ref); err != nil {
		s.fail(c, err)
		return
	}
	p.Requester = s.requesterName(ctx, r)
	v := s.view(c, "decide.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "decide", v)
}

// decideSubmit records the decision item by item, then tells the requester with the
// decision letter.
func (s *Server) decideSubmit(c *gin.Context, r *rights.Request) {
	var f decideForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	keys := rights.Items(r)
	p := decidePage{Chosen: map[string]string{}, Ticked: map[string]bool{}, Reasons: f.Reason, Quantity: map[string]string{}}
	items := make([]rights.Item, len(keys))
	for i, k := range keys {
		items[i].Key = k
	}
	for _, o := range f.Outcome {
		i, val, ok := indexed(o, len(keys))
		if !ok || (val != "grant" && val != "refuse") {
			continue
		}
		p.Chosen[strconv.Itoa(i)] = val
		items[i].Granted = val == "grant"
	}
	for i := range keys {
		if p.Chosen[strconv.Itoa(i)] == "" {
			addOnce(inv, "item"+strconv.Itoa(i)+"_outcome", "decide.choose")
		}
	}
	for _, g := range f.Grounds {
		if i, val, ok := indexed(g, len(keys)); ok {
			p.Ticked[g] = true
			items[i].Grounds = append(items[i].Grounds, val)
		}
	}
	for i := range keys {
		if i < len(f.Reason) {
			items[i].Reason = f.Reason[i]
		}
	}
	var fee *rights.Fee
	if r.Kind == rights.View || r.Kind == rights.Copy {
		schedule, err := s.Fees.Fees(c.Request.Context())
		if err != nil {
			s.fail(c, err)
			return
		}
		// The last day to pay is fixed now, so the letter says the same whenever it is read.
		pay, err := s.Fees.PaymentInfo(c.Request.Context())
		if err != nil {
			s.fail(c, err)
			return
		}
		today := rights.DateOf(s.Now())
		cal, err := s.Calendar.Days(c.Request.Context(), today, today.AddDays(pay.DueDays+60))
		if err != nil {
			s.fail(c, err)
			return
		}
		fee = &rights.Fee{PayBy: rights.PayBy(today, pay.DueDays, cal)}
		for i, it := range schedule {
			if i >= len(f.Quantity) || f.Quantity[i] == "" {
				continue
			}
			p.Quantity[it.ID] = f.Quantity[i]
			n, err := strconv.Atoi(f.Quantity[i])
			if err != nil || n < 0 || n > 10000 {
				addOnce(inv, "quantity"+strconv.Itoa(i), "decide.quantity_invalid")
				continue
			}
			if n > 0 {
				fee.Lines = append(fee.Lines, rights.FeeLine{Item: it.ID, Unit: it.Unit, Quantity: n})
			}
		}
	}
	if len(inv.Problems) > 0 {
		s.renderDecide(c, http.StatusBadRequest, r, p, s.nameItems(c, r, inv))
		return
	}
	decide := rights.Decide(currentUser(c).ID, items, fee)
	if !s.decideConfirmed(c, r, p, f.Version, decide, items, fee) {
		return
	}
	updated, err := s.Timeline.Update(c.Request.Context(), r.Ref, f.Version, s.Now(), decide)
	var more *apperr.Invalid
	if errors.As(err, &more) {
		s.renderDecide(c, http.StatusBadRequest, r, p, s.nameItems(c, r, more))
		return
	}
	if s.actFailed(c, r, "decide", nil, err) {
		return
	}
	s.Casework.Tell(c.Request.Context(), updated, "request_decided")
	s.addFlash(c, flashSuccess, "flash.request_decided")
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
}

// decideConfirmed asks before the decision letter goes out, summarising the decision
// item by item (and the fee). The decision is first tried on a copy of the request, so
// one it would refuse is answered at once rather than after the confirmation.
func (s *Server) decideConfirmed(c *gin.Context, r *rights.Request, p decidePage, version int64, decide rights.Action, items []rights.Item, fee *rights.Fee) bool {
	if version != r.Version {
		s.fail(c, &pageError{status: http.StatusConflict, key: "request.changed"})
		return false
	}
	trial := *r
	_, err := decide(&trial, s.Now())
	var more *apperr.Invalid
	if errors.As(err, &more) {
		s.renderDecide(c, http.StatusBadRequest, r, p, s.nameItems(c, r, more))
		return false
	}
	if s.actFailed(c, r, "decide", nil, err) {
		return false
	}
	if c.PostForm("confirm") == "yes" {
		return true
	}
	names, err := s.purposeNames(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return false
	}
	v := &View{Lang: c.GetString(keyLang), s: s}
	var lines []string
	for _, it := range items {
		line := v.ItemName(it.Key, names) + v.T("punct.colon")
		if it.Granted {
			line += v.T("decide.grant")
		} else {
			line += v.T("decide.refuse")
			for _, g := range it.Grounds {
				line += " · " + v.T("ground."+g)
			}
		}
		if strings.TrimSpace(it.Reason) != "" {
			line += " · " + strings.TrimSpace(it.Reason)
		}
		lines = append(lines, line)
	}
	if trial.Fee != nil && trial.Fee.Total > 0 {
		lines = append(lines, v.T("confirm.decide_fee", v.T("request.fee_total", trial.Fee.Total)))
	}
	return s.confirmed(c, confirmPage{TitleKey: "confirm.decide_title", TextKey: "confirm.decide_text", TextArgs: []any{r.Ref}, Lines: lines,
		Action: "/officer/requests/" + r.Ref + "/decide", Back: "/officer/requests/" + r.Ref + "/decide"})
}

// nameItems puts the item's name in front of each problem of an item ("item2_reason"),
// so the summary at the top says which item needs attention.
func (s *Server) nameItems(c *gin.Context, r *rights.Request, inv *apperr.Invalid) *apperr.Invalid {
	names, _ := s.purposeNames(c.Request.Context())
	v := &View{Lang: c.GetString(keyLang), s: s}
	keys := rights.Items(r)
	for i := range inv.Problems {
		p := &inv.Problems[i]
		rest, ok := strings.CutPrefix(p.Field, "item")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, "_")
		if k, err := strconv.Atoi(n); err == nil && k >= 0 && k < len(keys) {
			p.Args = []any{v.ItemName(keys[k], names), v.Problem(*p)}
			p.Key = "decide.item_problem"
		}
	}
	return inv
}

// indexed splits "3:value" into 3 and "value" when 0 ≤ 3 < n.
func indexed(s string, n int) (int, string, bool) {
	a, b, ok := strings.Cut(s, ":")
	i, err := strconv.Atoi(a)
	if !ok || err != nil || i < 0 || i >= n || b == "" {
		return 0, "", false
	}
	return i, b, true
}

// officerCache keeps the list of officers for a minute: finding staff scans the users
// collection, which the request pages must not do on every view.
type officerCache struct {
	mu    sync.Mutex
	at    time.Time
	items []*account.User
}

func (o *officerCache) list(ctx context.Context, users account.Users, now time.Time) ([]*account.User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.items != nil && now.Sub(o.at) < time.Minute && now.After(o.at) {
		return o.items, nil
	}
	staff, err := users.Staff(ctx)
	if err != nil {
		return nil, err
	}
	var out []*account.User
	for _, u := range staff {
		if u.Has(account.RoleOfficer) && !u.Disabled && !u.Expired(now) {
			out = append(out, u)
		}
	}
	o.items, o.at = out, now
	return out, nil
}

// PurposeName is a purpose's name in the page's language (its id if it is no longer in
// the catalogue).
func (v *View) PurposeName(id string, names map[string]consent.Text) string {
	if n, ok := names[id]; ok {
		return n.In(v.Lang)
	}
	return id
}

// ItemName names a decision item in the page's language.
func (v *View) ItemName(key string, names map[string]consent.Text) string {
	switch {
	case strings.HasPrefix(key, "purpose:"):
		id := strings.TrimPrefix(key, "purpose:")
		if n, ok := names[id]; ok {
			return v.T("item.purpose", n.In(v.Lang))
		}
		return v.T("item.purpose", id)
	case strings.HasPrefix(key, "field:"):
		return v.T("item.field", v.T("request.field."+strings.TrimPrefix(key, "field:")))
	}
	return v.T("item." + key)
}
