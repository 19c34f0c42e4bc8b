package rights

import (
	"time"

	"github.com/example/pdpa-portal/apperr"
)

// How a letter reached the requester.
const (
	DeliveryEmail   = "email"   // the mail with its link was sent
	DeliveryPost    = "post"    // printed and posted, on the date recorded
	DeliveryCounter = "counter" // handed over at the counter
)

// DeliveryMethods lists the ways an officer may record.
var DeliveryMethods = []string{DeliveryPost, DeliveryCounter, DeliveryEmail}

// The letters a request can have (as the letters package names them).
const (
	LetterExtension = "extension"
	LetterDecision  = "decision"
)

// Delivery is how one letter was delivered: the appeal period of a refusal runs from
// the day after service, so the agency keeps how and when each letter went out.
type Delivery struct {
	Letter string
	Method string
	On     Date
	By     string
}

// LetterAt is when the request's letter was made (its date), zero when it has none.
func (r *Request) LetterAt(letter string) time.Time {
	switch {
	case letter == LetterExtension && r.Extension != nil:
		return r.Extension.At
	case letter == LetterDecision && r.Decision != nil:
		return r.Decision.At
	}
	if n := r.NoticeOf(letter); n != nil {
		return n.At
	}
	return time.Time{}
}

// DeliveryOf returns the recorded delivery of a letter, nil while none is recorded.
func (r *Request) DeliveryOf(letter string) *Delivery {
	for i := range r.Deliveries {
		if r.Deliveries[i].Letter == letter {
			return &r.Deliveries[i]
		}
	}
	return nil
}

// RecordDelivery records how a letter was delivered, on a day between the letter's date
// and today; a later record of the same letter replaces the earlier one (the timeline
// keeps both). mailable says whether the requester has an e-mail address at all.
func RecordDelivery(officer, letter, method string, on Date, mailable bool) Action {
	return func(r *Request, now time.Time) (Step, error) {
		at := r.LetterAt(letter)
		if at.IsZero() {
			return Step{}, ErrChanged
		}
		v := &apperr.Invalid{}
		ok := false
		for _, m := range DeliveryMethods {
			ok = ok || m == method
		}
		switch {
		case !ok:
			v.Add("method", "delivery.method_invalid")
		case method == DeliveryEmail && !mailable:
			v.Add("method", "delivery.no_email")
		}
		switch {
		case on.IsZero():
			v.Add("on", "field.required")
		case on.After(DateOf(now)):
			v.Add("on", "delivery.future")
		case on.Before(DateOf(at)):
			v.Add("on", "delivery.before_letter")
		}
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		d := Delivery{Letter: letter, Method: method, On: on, By: officer}
		if old := r.DeliveryOf(letter); old != nil {
			*old = d
		} else {
			r.Deliveries = append(r.Deliveries, d)
		}
		return Step{Action: "delivered_" + LetterKind(letter) + "_" + method, ActorID: officer, Role: "officer", Note: on.String()}, nil
	}
}

// The identity checks an officer may record as a paper or counter request is entered.
const (
	IntakeNone      = "none"      // nothing checked yet
	IntakeIDCard    = "id_card"   // an identity card seen at the counter
	IntakeSignature = "signature" // the signature compared with one on file
	IntakeDocument  = "document"  // a copy of an identity document enclosed
)

// IntakeChecks lists them in the order the form offers them.
var IntakeChecks = []string{IntakeNone, IntakeIDCard, IntakeSignature, IntakeDocument}

// IntakeLevel is the identity level a check at intake establishes ("" for none).
func IntakeLevel(check string) (IdentityLevel, bool) {
	switch check {
	case IntakeNone:
		return "", true
	case IntakeIDCard:
		return IdentityInPerson, true
	case IntakeSignature:
		return IdentitySignature, true
	case IntakeDocument:
		return IdentityDocument, true
	}
	return "", false
}

// RecordIntakeCheck records on the timeline the identity check done as the request was
// entered — "none yet" too, so nobody later reads a check into silence. The request
// stays where it is: starting the review is the officer's next step.
func RecordIntakeCheck(officer, check string) Action {
	return func(r *Request, now time.Time) (Step, error) {
		level, ok := IntakeLevel(check)
		if !ok {
			return Step{}, (&apperr.Invalid{}).Add("identity", "intake.identity_invalid")
		}
		if r.State != Submitted {
			return Step{}, ErrChanged
		}
		if level != "" {
			r.IdentityLevel = level
		}
		return Step{Action: "intake_" + check, ActorID: officer, Role: "officer"}, nil
	}
}
