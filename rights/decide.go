package rights

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
)

// IdentityLevel is how the requester's identity was established. A verified e-mail is
// the basic level; view and copy data are released only after a stronger check, or a
// recorded reason why none is needed.
type IdentityLevel string

const (
	IdentityBasic       IdentityLevel = "basic"       // signed in with a verified e-mail
	IdentityInPerson    IdentityLevel = "in_person"   // seen at the counter with an identity card
	IdentityCertificate IdentityLevel = "certificate" // citizen digital certificate (自然人憑證)
	IdentityDocument    IdentityLevel = "document"    // a copy of an identity document
	IdentitySignature   IdentityLevel = "signature"   // the letter's signature compared with one on file
	IdentityNotNeeded   IdentityLevel = "not_needed"  // with the reason in the note
)

// IdentityLevels lists the levels an officer may record.
var IdentityLevels = []IdentityLevel{IdentityInPerson, IdentityCertificate, IdentityDocument, IdentitySignature, IdentityNotNeeded}

// Outcome of a decision.
type Outcome string

const (
	Granted Outcome = "granted"
	Partly  Outcome = "partly"
	Refused Outcome = "refused"
)

// Item is one part of a request decided on its own: a refusal names grounds and says why
// (by analogy with the Freedom of Government Information Act §18, item by item).
type Item struct {
	Key     string // "profile", "purpose:<id>", "field:name", "scope", …: a catalogue key under item.
	Granted bool
	Grounds []string
	Reason  string
}

// Decision is the agency's answer to a request.
type Decision struct {
	Items   []Item
	Outcome Outcome
	At      time.Time
	By      string
}

// Extension is the one extension Art. 13 allows, with its written reason.
type Extension struct {
	Reason string
	At     time.Time
	By     string
	OldDue Date
}

// Fee is the charge for view or copy (Art. 14), shown to the requester before fulfilment.
type Fee struct {
	Lines  []FeeLine
	Total  int // New Taiwan dollars
	Status FeeStatus
	// Settled is when the fee was marked paid or waived: the fulfilment clock starts then.
	Settled time.Time
	// PayBy is the last day to pay, fixed with the decision so the letter never changes
	// (zero for fees decided before it was kept).
	PayBy Date
	// Payment is the payment recorded, once paid (nil for fees marked paid before
	// payments were recorded).
	Payment *Payment
}

// FeeLine is one item of the administrators' fee schedule times a quantity.
type FeeLine struct {
	Item     string
	Unit     int
	Quantity int
}

// FeeStatus says whether a fee still stands in the way of fulfilment.
type FeeStatus string

const (
	FeeDue    FeeStatus = "due"
	FeePaid   FeeStatus = "paid"
	FeeWaived FeeStatus = "waived"
)

// Grounds lists the refusal grounds the law allows for each kind. view/copy: Art. 10
// items 1–3; correct: Art. 11(1) with ER19 (no adequate explanation) or the data is
// accurate; stop/delete: Art. 11(3) — the purpose still exists, or the data is needed
// for the agency's duties (ER21 items 1–3), or the subject consented in writing. Data
// collected unlawfully must always be deleted or stopped (Art. 11(4)): no ground helps.
var Grounds = map[Kind][]string{
	View:    {"art10-1", "art10-2", "art10-3"},
	Copy:    {"art10-1", "art10-2", "art10-3"},
	Correct: {"art11-1-explanation", "art11-1-accurate"},
	Stop:    {"art11-3-purpose", "er21-1", "er21-2", "er21-3", "art11-3-consent"},
	Delete:  {"art11-3-purpose", "er21-1", "er21-2", "er21-3", "art11-3-consent"},
}

// ViewItems are the parts of a person's data a view or copy request is decided on.
var ViewItems = []string{"profile", "consents", "requests", "disclosures", "other"}

// Items lists what a request is decided on, item by item.
func Items(r *Request) []string {
	switch r.Kind {
	case View, Copy:
		return ViewItems
	case Correct:
		return []string{"field:" + r.Field}
	}
	if r.Whole {
		// Everything is one item: granting it in part would be one of the narrower
		// requests the person did not make.
		return []string{ItemWhole}
	}
	var out []string
	for _, p := range r.Purposes {
		out = append(out, "purpose:"+p)
	}
	if strings.TrimSpace(r.Scope) != "" || len(out) == 0 {
		out = append(out, "scope")
	}
	return out
}

// ItemWhole is the one item of a stop or delete request about everything.
const ItemWhole = "whole"

// Limits on what an officer types.
const (
	MaxReason = 2000
	MaxNote   = 4000
)

func groundAllowed(k Kind, g string) bool {
	for _, x := range Grounds[k] {
		if x == g {
			return true
		}
	}
	return false
}

func textProblem(v *apperr.Invalid, field, value string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(value) == "":
		v.Add(field, "field.required")
	case utf8.RuneCountInString(value) > max:
		v.Add(field, "field.too_long", max)
	}
}

// Action is an officer's (or the requester's) step on a request, applied under the
// store's conditional update: it checks the request as it is now and changes it, or
// returns ErrChanged (the state no longer allows it) or *apperr.Invalid.
type Action func(r *Request, now time.Time) (Step, error)

func move(r *Request, to State) error {
	if !CanMove(r.State, to) {
		return ErrChanged
	}
	r.State = to
	return nil
}

// StartReview takes a submitted request into review.
func StartReview(officer string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		if err := move(r, Review); err != nil {
			return Step{}, err
		}
		return Step{Action: "review", ActorID: officer, Role: "officer"}, nil
	}
}

// AskIdentity tells the requester a stronger identity check is needed and how; the
// note is shown to them.
func AskIdentity(officer, note string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		v := &apperr.Invalid{}
		textProblem(v, "note", note, MaxNote, true)
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		if err := move(r, Identity); err != nil {
			return Step{}, err
		}
		addNotice(r, LetterIdentity, now)
		return Step{Action: "identity_asked", ActorID: officer, Role: "officer", Note: note}, nil
	}
}

// RecordIdentity records the stronger check (or why none is needed) and, from submitted
// or identity, takes the request into review.
func RecordIdentity(officer string, level IdentityLevel, note string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		v := &apperr.Invalid{}
		ok := false
		for _, l := range IdentityLevels {
			ok = ok || l == level
		}
		if !ok {
			v.Add("level", "request.identity_level_invalid")
		}
		textProblem(v, "note", note, MaxNote, level == IdentityNotNeeded)
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		switch r.State {
		case Submitted, Identity:
			r.State = Review
		case Review, Extended, Decided:
		default:
			return Step{}, ErrChanged
		}
		r.IdentityLevel, r.IdentityNote = level, note
		return Step{Action: "identity_" + string(level), ActorID: officer, Role: "officer", Note: note, Internal: true}, nil
	}
}

// ExtendOnce takes the one extension with its written reason; the due date moves by at
// most the original period under the calendar.
func ExtendOnce(officer, reason string, cal Calendar) Action {
	return func(r *Request, now time.Time) (Step, error) {
		v := &apperr.Invalid{}
		textProblem(v, "reason", reason, MaxReason, true)
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		if r.Extension != nil {
			return Step{}, ErrChanged
		}
		// Art. 13: the extension is notified within the original period.
		if DateOf(now).After(r.Due) {
			v.Add("reason", "request.extend_late")
			return Step{}, v
		}
		if err := move(r, Extended); err != nil {
			return Step{}, err
		}
		r.Extension = &Extension{Reason: reason, At: now, By: officer, OldDue: r.Due}
		r.Due = Extend(r.Due, r.Kind, cal)
		return Step{Action: "extended", ActorID: officer, Role: "officer", Note: reason}, nil
	}
}

// Decide records the decision item by item. Every item must be decided; a refused item
// names at least one ground the law allows for the kind and explains it. fee is the
// charge for a granted view or copy (nil: none).
func Decide(officer string, items []Item, fee *Fee) Action {
	return func(r *Request, now time.Time) (Step, error) {
		v := &apperr.Invalid{}
		want := Items(r)
		if len(items) != len(want) {
			v.Add("items", "request.items_incomplete")
			return Step{}, v
		}
		granted := 0
		for i := range items {
			it := &items[i]
			if it.Key != want[i] {
				v.Add("items", "request.items_incomplete")
				return Step{}, v
			}
			field := fmt.Sprintf("item%d", i)
			if it.Granted {
				granted++
				it.Grounds, it.Reason = nil, ""
				continue
			}
			if len(it.Grounds) == 0 {
				v.Add(field+"_grounds", "request.ground_required")
			}
			for _, g := range it.Grounds {
				if !groundAllowed(r.Kind, g) {
					v.Add(field+"_grounds", "request.ground_invalid")
					break
				}
			}
			textProblem(v, field+"_reason", it.Reason, MaxReason, true)
		}
		outcome := Partly
		switch granted {
		case len(items):
			outcome = Granted
		case 0:
			outcome = Refused
		}
		if fee != nil {
			if r.Kind != View && r.Kind != Copy {
				v.Add("fee", "request.fee_not_allowed")
			}
			fee.Total = 0
			for _, l := range fee.Lines {
				if l.Quantity < 0 || l.Quantity > 10000 || l.Unit < 0 {
					v.Add("fee", "request.fee_invalid")
					break
				}
				fee.Total += l.Unit * l.Quantity
			}
			if outcome == Refused || fee.Total == 0 {
				fee = nil
			} else {
				fee.Status = FeeDue
			}
		}
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		if err := move(r, Decided); err != nil {
			return Step{}, err
		}
		r.Decision = &Decision{Items: items, Outcome: outcome, At: now, By: officer}
		r.Fee = fee
		return Step{Action: "decided_" + string(outcome), ActorID: officer, Role: "officer"}, nil
	}
}

// WaiveFee waives a fee still due (a payment is recorded with RecordPayment).
func WaiveFee(officer string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		if r.Fee == nil || r.Fee.Status != FeeDue || r.State != Decided {
			return Step{}, ErrChanged
		}
		r.Fee.Status, r.Fee.Settled = FeeWaived, now
		return Step{Action: "fee_waived", ActorID: officer, Role: "officer"}, nil
	}
}

// Fulfil records that what was granted has been carried out. View and copy data are
// released only after a stronger identity check and once any fee is settled.
func Fulfil(officer, note string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		v := &apperr.Invalid{}
		textProblem(v, "note", note, MaxNote, false)
		if r.State == Decided {
			if r.Decision == nil || r.Decision.Outcome == Refused {
				return Step{}, ErrChanged
			}
			if (r.Kind == View || r.Kind == Copy) && (r.IdentityLevel == "" || r.IdentityLevel == IdentityBasic) {
				v.Add("", "request.identity_needed")
			}
			if r.Fee != nil && r.Fee.Status == FeeDue {
				v.Add("", "request.fee_unsettled")
			}
		}
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		if err := move(r, Fulfilled); err != nil {
			return Step{}, err
		}
		return Step{Action: "fulfilled", ActorID: officer, Role: "officer", Note: note}, nil
	}
}

// Close closes a fulfilled request, or a decided one that granted nothing.
func Close(officer string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		if r.State == Decided && (r.Decision == nil || r.Decision.Outcome != Refused) {
			return Step{}, ErrChanged
		}
		if err := move(r, Closed); err != nil {
			return Step{}, err
		}
		return Step{Action: "closed", ActorID: officer, Role: "officer"}, nil
	}
}

// MarkDuplicate closes a request that repeats another one of the same requester.
func MarkDuplicate(officer, of, note string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		v := &apperr.Invalid{}
		if !ValidRef(of) || of == r.Ref {
			v.Add("of", "request.duplicate_of_invalid")
		}
		textProblem(v, "note", note, MaxNote, false)
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		if err := move(r, Duplicate); err != nil {
			return Step{}, err
		}
		r.DuplicateOf = of
		addNotice(r, LetterDuplicate, now)
		return Step{Action: "duplicate", ActorID: officer, Role: "officer", Note: note}, nil
	}
}

// Withdraw is the requester's withdrawal of an open request.
func Withdraw(requester string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		if err := move(r, Withdrawn); err != nil {
			return Step{}, err
		}
		return Step{Action: "withdrawn", ActorID: requester, Role: "requester"}, nil
	}
}

// Assign gives an open request to an officer ("" releases it).
func Assign(officer, to string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		if !r.State.Open() {
			return Step{}, ErrChanged
		}
		r.Assignee = to
		return Step{Action: "assigned", ActorID: officer, Role: "officer", Note: to, Internal: true}, nil
	}
}

// AddNote adds an internal note the requester does not see.
func AddNote(officer, note string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		v := &apperr.Invalid{}
		textProblem(v, "note", note, MaxNote, true)
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		return Step{Action: "note", ActorID: officer, Role: "officer", Note: note, Internal: true}, nil
	}
}
