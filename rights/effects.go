package rights

import (
	"context"
	"strings"
	"time"
)

// Effects are what fulfilling a decided request does to the person's data, derived from
// the decision item by item. A decision the portal records but does not carry out is
// worth nothing: fulfilment applies these, then records what it did. A stop or delete
// acts on exactly the granted items: only a granted "whole" item reaches the whole
// person.
type Effects struct {
	// Erase: an approved deletion of the whole account — everything the portal holds on
	// the person.
	Erase bool
	// Withdraw lists purposes whose consent the request withdraws (stop or delete items
	// granted); required purposes cannot be withdrawn one by one and are left to Stop.
	Withdraw []string
	// Restrict puts the person under a processing restriction for everything (an
	// approved stop of the whole account).
	Restrict bool
	// Stop lists the purposes whose processing an approved stop restricts, one by one;
	// the rest of the relationship goes on.
	Stop []string
	// ByHand: a granted item described in the requester's words (data items, not a
	// purpose) is carried out in the agency's files by hand, through the file tasks.
	ByHand bool
	// Correct applies an approved correction to the field the portal holds, when it is
	// one the portal can set (name, phone, address); others are done by hand.
	Correct *Correction
	// Manual: the request was filed by an agent for someone else; the portal's records
	// of the filer are not the data subject's, so nothing is done automatically and the
	// officer carries the decision out by hand.
	Manual bool
}

// Correction is one approved correction.
type Correction struct {
	Field string
	Value string
}

// AppliedFields are the correctable fields the portal itself can change.
var AppliedFields = []string{"name", "phone", "address"}

// EffectsOf derives the effects of fulfilling r; a request that granted nothing has none.
func EffectsOf(r *Request) Effects {
	var e Effects
	if r.Decision == nil || r.Decision.Outcome == Refused {
		return e
	}
	if r.Principal != "" {
		e.Manual = true
		return e
	}
	granted := func(key string) bool {
		for _, it := range r.Decision.Items {
			if it.Key == key {
				return it.Granted
			}
		}
		return false
	}
	switch r.Kind {
	case Delete, Stop:
		if r.Whole {
			if granted(ItemWhole) {
				e.Erase = r.Kind == Delete
				e.Restrict = r.Kind == Stop
			}
			return e
		}
		e.Withdraw = grantedPurposes(r)
		if r.Kind == Stop {
			e.Stop = e.Withdraw
		}
		e.ByHand = granted("scope")
	case Correct:
		if granted("field:"+r.Field) && r.Proposed != "" {
			for _, f := range AppliedFields {
				if f == r.Field {
					e.Correct = &Correction{Field: r.Field, Value: r.Proposed}
				}
			}
		}
	}
	return e
}

func grantedPurposes(r *Request) []string {
	var out []string
	for _, it := range r.Decision.Items {
		if id, ok := strings.CutPrefix(it.Key, "purpose:"); ok && it.Granted {
			out = append(out, id)
		}
	}
	return out
}

// Eraser erases a person's personal data from the portal: their requests become minimal
// anonymous records (reference, kind, dates, outcome), everything else goes, and the
// person's data key is destroyed, so no earlier backup can reveal them (crypto-shredding,
// Enforcement Rules Arts. 5 and 6).
type Eraser interface {
	// Erase erases subject; the requests named in keepLetters (decisions still open to
	// appeal) keep their decision's reasons in the anonymous record, so the letter can
	// still be printed without the person's name.
	Erase(ctx context.Context, subject string, keepLetters []string) (ErasureReport, error)
	// Farewell returns a fresh subject with a key of its own, to seal the mail that
	// confirms an erasure to the address the person had.
	Farewell(ctx context.Context) (string, error)
}

// ErasureReport counts what an erasure removed.
type ErasureReport struct {
	Requests, ConsentEvents, Mail, Sessions, Files int
	Account                                        bool
}

// AppealDays is the period for an appeal against a refusal (訴願法 Art. 14: 30 days from
// the day after service); AppealServiceDays allows for a letter served by post, whose
// service date the portal does not learn.
const (
	AppealDays        = 30
	AppealServiceDays = 10
)

// AppealOpen reports whether r's decision refused something and may still be appealed
// at now: before an erasure such a request keeps its decision letter in its anonymous
// record, so the appeal can still be heard.
func AppealOpen(r *Request, now time.Time) bool {
	if r.Decision == nil || r.Decision.Outcome == Granted || r.Decision.At.IsZero() {
		return false
	}
	return !DateOf(now).After(DateOf(r.Decision.At).AddDays(AppealDays + AppealServiceDays))
}
