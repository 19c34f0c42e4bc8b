package officer

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/handlers/web"
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
	Files     *cases.AttachmentList
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

// OfficerRequest shows a request with everything the officer needs to act on it: the
// facts, the whole timeline with internal notes, and the actions its state allows.
func (h *Handlers) OfficerRequest(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	if r.Unread > 0 {
		// The officer now sees the replies: the queue's marker goes.
		if err := h.messages.MarkRead(c.Request.Context(), r.Ref); err != nil {
			return err
		}
	}
	return h.renderOfficerRequest(c, http.StatusOK, r, "", nil, nil)
}

func (h *Handlers) renderOfficerRequest(c *gin.Context, status int, r *rights.Request, form string, vals map[string]string, inv *apperr.Invalid) error {
	ctx := c.Request.Context()
	names, err := h.PurposeNames(ctx)
	if err != nil {
		return err
	}
	steps, err := h.timeline.Steps(ctx, r.Ref, true)
	if err != nil {
		return err
	}
	officers, err := h.officers.list(ctx, h.Users, h.Now())
	if err != nil {
		return err
	}
	p := officerRequestPage{Request: r, Today: rights.DateOf(h.Now()), Names: names, Steps: steps, Officers: officers, PayMethods: rights.PayMethods,
		People: map[string]string{}, Levels: rights.IdentityLevels, Values: vals, Form: form}
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	switch {
	case r.Erased:
	case rights.IsGuest(r.Subject):
		if g, err := h.guests.Guest(ctx, r.Subject); err == nil {
			p.Guest = g
			p.Mailable = g.Email != ""
		}
	default:
		if u, err := h.Users.ByID(ctx, r.Subject); err == nil {
			p.Requester = u
			p.Mailable = u.Email != ""
		} else if !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
	}
	if !r.Erased {
		p.Methods = rights.DeliveryMethods
		for _, l := range r.Letters() {
			p.Letters = append(p.Letters, letterRow{Letter: l, Kind: rights.LetterKind(l), Delivery: r.DeliveryOf(l)})
		}
	}
	if p.Package, err = h.PackageOf(ctx, r); err != nil {
		return err
	}
	if r.Kind == rights.Correct && !r.Erased && !rights.IsGuest(r.Subject) && r.Decision != nil && r.Decision.Outcome != rights.Refused {
		if p.Recipients, err = h.disclosures.ForSubject(ctx, r.Subject); err != nil {
			return err
		}
		p.Notified = map[string]bool{}
		for _, st := range steps {
			if st.Action == "recipient_notified" {
				p.Notified[strings.SplitN(st.Note, " ", 2)[0]] = true
			}
		}
	}
	if p.Tasks, err = h.casework.Tasks(ctx, r, steps); err != nil {
		return err
	}
	eff := rights.EffectsOf(r)
	p.CanErase = r.Kind == rights.Delete && !r.ErasureDone() && (r.State == rights.Fulfilled || r.State == rights.Closed) && eff.Erase
	p.Next, p.Others = nextAndOthers(r, p.Tasks, p.CanErase)
	v0 := h.ViewIn(c.GetString(web.KeyLang))
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
	if p.Files, err = h.LoadAttachments(c, r.Ref); err != nil {
		return err
	}
	for _, st := range steps {
		if _, ok := p.People[st.ActorID]; !ok && st.ActorID != r.Subject {
			if u, err := h.Users.ByID(ctx, st.ActorID); err == nil {
				p.People[u.ID] = u.Name
			}
		}
	}
	h.RenderForm(c, status, "officer_request", "officer.request_title", p, inv)
	return nil
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

// Values are the form's fields as the page shows them again.
func (f *officerActForm) Values() map[string]string {
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
	return vals
}

// payment is the payment the form records.
func (f *officerActForm) payment() rights.Payment {
	p := rights.Payment{Amount: f.PayAmount, Method: f.PayMethod, Receipt: f.PayReceipt}
	if !f.PayOn.IsZero() {
		p.On = rights.NewDate(f.PayOn.Year(), f.PayOn.Month(), f.PayOn.Day())
	}
	return p
}

// OfficerAct applies one action to a request: the form is decoded, the casework
// service takes the step (a conditional update: if the request changed since the page
// was shown, nothing is done and the officer is told), and the page says how it went.
func (h *Handlers) OfficerAct(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	action := c.Param("action")
	switch action {
	case "decide":
		return h.decideSubmit(c, r)
	case "message":
		return h.PostMessage(c, r, "officer", func(status int, vals map[string]string, inv *apperr.Invalid) error {
			return h.renderOfficerRequest(c, status, r, "message", vals, inv)
		})
	}
	var f officerActForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	vals := f.Values()
	ctx := c.Request.Context()
	cw := h.casework
	cmd := casework.Command{Ref: r.Ref, Version: f.Version, Officer: web.CurrentUser(c).ID, Confirmed: c.PostForm("confirm") == "yes", Problems: inv}
	var stored []string // files stored with the action: removed again if it is refused
	var res casework.Result
	switch action {
	case "review":
		res, err = cw.Review(ctx, cmd)
	case "identity-ask":
		res, err = cw.AskIdentity(ctx, cmd, f.AskNote)
	case "identity":
		res, err = cw.RecordIdentity(ctx, cmd, rights.IdentityLevel(f.Level), f.IdentityNote)
	case "extend":
		res, err = cw.Extend(ctx, cmd, f.Reason)
	case "fee":
		res, err = cw.WaiveFee(ctx, cmd)
	case "payment":
		res, err = cw.RecordPayment(ctx, cmd, f.payment())
	case "fulfil":
		if len(inv.Problems) == 0 {
			return h.fulfil(c, r, &f, vals)
		}
		err = inv
	case "erase":
		return h.eraseAgain(c, r)
	case "package":
		return h.rebuildPackage(c, r)
	case "close":
		res, err = cw.Close(ctx, cmd)
	case "duplicate":
		res, err = cw.MarkDuplicate(ctx, cmd, f.Of, f.DupNote)
	case "assign":
		res, err = cw.Assign(ctx, cmd, f.To)
	case "note":
		res, err = cw.AddNote(ctx, cmd, f.Note)
	case "delivery":
		var on rights.Date
		if !f.On.IsZero() {
			on = rights.NewDate(f.On.Year(), f.On.Month(), f.On.Day())
		}
		res, err = cw.RecordDelivery(ctx, cmd, f.Letter, f.Method, on)
	case "task":
		res, err = cw.RecordTask(ctx, cmd, f.TaskFile, f.TaskNote, c.GetString(web.KeyLang), func(r *rights.Request, inv *apperr.Invalid) error {
			used, err := h.files.Used(ctx, r.Ref)
			if err != nil {
				return err
			}
			fhs, err := cases.Uploads(c, used)
			if err != nil && !cases.UploadProblem(inv, err) {
				return err
			}
			if len(inv.Problems) > 0 {
				return nil
			}
			ids, err := h.StoreUploads(c, r, fhs, attachments.RoleOfficer, attachments.PurposeTask, "")
			if err != nil {
				h.DropUploads(c, r.Ref, ids)
				return err
			}
			stored = ids
			return nil
		})
	case "notified":
		res, err = cw.Notified(ctx, cmd, f.To)
	default:
		return apperr.ErrNotFound
	}
	if err != nil {
		h.DropUploads(c, r.Ref, stored)
	}
	var ask *casework.ConfirmFirst
	var problems *apperr.Invalid
	switch {
	case errors.As(err, &ask):
		h.officerConfirm(c, r, ask.Trial, action)
	case errors.As(err, &problems) && problems == inv:
		// The form's own problems: its fields show them.
		return h.renderOfficerRequest(c, http.StatusBadRequest, r, action, vals, inv)
	case err != nil:
		return h.actError(c, r, action, vals, err)
	default:
		h.actDone(c, r, res)
	}
	return nil
}

// actError answers an action that failed (err is not nil): the form's problems on the
// page; what the error mapper answers otherwise, a conflict when the request moved on.
func (h *Handlers) actError(c *gin.Context, r *rights.Request, form string, vals map[string]string, err error) error {
	var inv *apperr.Invalid
	var failed *casework.Failed
	switch {
	case errors.As(err, &failed):
		return failed.Err
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
		return h.renderOfficerRequest(c, http.StatusBadRequest, r, form, vals, inv)
	case errors.Is(err, rights.ErrChanged):
		return &web.PageError{Status: http.StatusConflict, Key: "request.changed"}
	default:
		return err
	}
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

// officerConfirm asks before an irreversible action, saying what it changes: trial is
// the request as the action would leave it.
func (h *Handlers) officerConfirm(c *gin.Context, r, trial *rights.Request, action string) {
	ask := officerConfirms[action]
	v := h.ViewIn(c.GetString(web.KeyLang))
	args := []any{r.Ref}
	switch action {
	case "extend":
		args = append(args, v.Date(r.Due.Start()), v.Date(trial.Due.Start()))
	case "duplicate":
		args = append(args, trial.DuplicateOf)
	case "fee":
		args = append(args, v.T("request.fee_total", r.Fee.Total))
	}
	h.AskConfirm(c, web.ConfirmPage{TitleKey: ask[0], TextKey: ask[1], TextArgs: args,
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
func (h *Handlers) requesterName(ctx context.Context, r *rights.Request) string {
	switch {
	case r.Erased:
		return ""
	case rights.IsGuest(r.Subject):
		if g, err := h.guests.Guest(ctx, r.Subject); err == nil {
			return g.Name
		}
	default:
		if u, err := h.Users.ByID(ctx, r.Subject); err == nil {
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
	// quantities are the quantities as sent, in the fee schedule's order.
	quantities []string
	FeeAsked   bool
	// What was asked, beside the form: the requester's name, the attachments and the
	// messages exchanged so far.
	Requester string
	Files     *cases.AttachmentList
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

func (h *Handlers) DecidePage(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	if r.State != rights.Review && r.State != rights.Extended {
		c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
		return nil
	}
	return h.renderDecide(c, http.StatusOK, r, decidePage{}, nil)
}

func (h *Handlers) renderDecide(c *gin.Context, status int, r *rights.Request, p decidePage, inv *apperr.Invalid) error {
	ctx := c.Request.Context()
	names, err := h.PurposeNames(ctx)
	if err != nil {
		return err
	}
	p.Request, p.Items, p.Grounds, p.Names = r, rights.Items(r), rights.Grounds[r.Kind], names
	if r.Kind == rights.View || r.Kind == rights.Copy {
		if p.Fees, err = h.fees.Fees(ctx); err != nil {
			return err
		}
	}
	if p.Chosen == nil {
		p.Chosen, p.Ticked, p.Quantity = map[string]string{}, map[string]bool{}, map[string]string{}
	}
	for i, it := range p.Fees {
		if i < len(p.quantities) && p.quantities[i] != "" {
			p.Quantity[it.ID] = p.quantities[i]
		}
	}
	if len(p.Reasons) < len(p.Items) {
		p.Reasons = append(p.Reasons, make([]string, len(p.Items)-len(p.Reasons))...)
	}
	if p.Files, err = h.LoadAttachments(c, r.Ref); err != nil {
		return err
	}
	p.Requester = h.requesterName(ctx, r)
	h.RenderForm(c, status, "decide", "decide.title", p, inv)
	return nil
}

// decideSubmit records the decision item by item (casework.Service.Decide), after a
// confirmation summarising it; the requester is told with the decision letter.
func (h *Handlers) decideSubmit(c *gin.Context, r *rights.Request) error {
	var f decideForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	// The form as sent, to show again with its problems.
	keys := rights.Items(r)
	p := decidePage{Chosen: map[string]string{}, Ticked: map[string]bool{}, Reasons: f.Reason, Quantity: map[string]string{}, quantities: f.Quantity}
	for _, o := range f.Outcome {
		if i, val, ok := casework.Indexed(o, len(keys)); ok && (val == "grant" || val == "refuse") {
			p.Chosen[strconv.Itoa(i)] = val
		}
	}
	for _, g := range f.Grounds {
		if _, _, ok := casework.Indexed(g, len(keys)); ok {
			p.Ticked[g] = true
		}
	}
	res, err := h.casework.Decide(c.Request.Context(), casework.DecideCommand{
		Command: casework.Command{Ref: r.Ref, Version: f.Version, Officer: web.CurrentUser(c).ID, Confirmed: c.PostForm("confirm") == "yes", Problems: inv},
		Outcome: f.Outcome, Grounds: f.Grounds, Reason: f.Reason, Quantity: f.Quantity})
	var ask *casework.ConfirmFirst
	var failed *casework.Failed
	var more *apperr.Invalid
	switch {
	case errors.As(err, &ask):
		return h.decideConfirm(c, r, ask.Trial)
	case !errors.As(err, &failed) && errors.As(err, &more):
		return h.renderDecide(c, http.StatusBadRequest, r, p, h.nameItems(c, r, more))
	case err != nil:
		return h.actError(c, r, "decide", nil, err)
	default:
		h.AddFlash(c, web.FlashSuccess, res.Flash.Key)
		c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
	}
	return nil
}

// decideConfirm asks before the decision letter goes out, summarising the decision
// item by item (and the fee) as trial, the request decided, holds it.
func (h *Handlers) decideConfirm(c *gin.Context, r, trial *rights.Request) error {
	names, err := h.PurposeNames(c.Request.Context())
	if err != nil {
		return err
	}
	v := h.ViewIn(c.GetString(web.KeyLang))
	var lines []string
	for _, it := range trial.Decision.Items {
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
	h.AskConfirm(c, web.ConfirmPage{TitleKey: "confirm.decide_title", TextKey: "confirm.decide_text", TextArgs: []any{r.Ref}, Lines: lines,
		Action: "/officer/requests/" + r.Ref + "/decide", Back: "/officer/requests/" + r.Ref + "/decide"})
	return nil
}

// nameItems puts the item's name in front of each problem of an item ("item2_reason"),
// so the summary at the top says which item needs attention.
func (h *Handlers) nameItems(c *gin.Context, r *rights.Request, inv *apperr.Invalid) *apperr.Invalid {
	names, _ := h.PurposeNames(c.Request.Context())
	v := h.ViewIn(c.GetString(web.KeyLang))
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
