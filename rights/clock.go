package rights

import (
	"context"

	"github.com/example/pdpa-portal/apperr"
)

// The two clocks of an open request. Until it is decided, a request runs against its
// decision due date (Art. 13). Once decided, that date is history: what is left is to
// carry out what was granted, against a target the administrator sets — N calendar days
// after the decision, or after the fee is paid or waived when one is due. The target is
// the agency's own service promise, not a statutory period, so it is counted in plain
// calendar days.

// Bounds and default of the fulfilment target, in days.
const (
	DefaultFulfilDays = 15
	MinFulfilDays     = 1
	MaxFulfilDays     = 90
)

// FulfilSetting keeps the administrator's fulfilment target.
type FulfilSetting interface {
	// FulfilDays is the target in days (DefaultFulfilDays until set).
	FulfilDays(ctx context.Context) (int, error)
	SetFulfilDays(ctx context.Context, days int) error
}

// ValidFulfilDays checks a fulfilment target typed by an administrator.
func ValidFulfilDays(days int) *apperr.Invalid {
	v := &apperr.Invalid{}
	if days < MinFulfilDays || days > MaxFulfilDays {
		v.Add("fulfil_days", "calendar.fulfil_range", MinFulfilDays, MaxFulfilDays)
	}
	return v
}

// The clocks.
const (
	ClockDecision = "decision" // until decided: the decision due date
	ClockFulfil   = "fulfil"   // decided and granted in whole or part: the fulfilment target
	ClockPayment  = "payment"  // decided with a fee not yet paid: no target until it is
	ClockClose    = "close"    // refused: nothing to carry out, only to close
)

// Clock is the clock a request runs against now; Due is zero when it has no target.
type Clock struct {
	Kind string
	Due  Date
}

// ClockOf is the clock of r with a fulfilment target of days.
func ClockOf(r *Request, days int) Clock {
	switch {
	case r.State.Deciding() || r.State == Decided && r.Decision == nil:
		return Clock{Kind: ClockDecision, Due: r.Due}
	case r.State != Decided:
		return Clock{}
	case r.Decision.Outcome == Refused:
		return Clock{Kind: ClockClose}
	case r.Fee != nil && r.Fee.Status == FeeDue:
		return Clock{Kind: ClockPayment}
	case r.Fee != nil && !r.Fee.Settled.IsZero():
		return Clock{Kind: ClockFulfil, Due: DateOf(r.Fee.Settled).AddDays(days)}
	default:
		return Clock{Kind: ClockFulfil, Due: DateOf(r.Decision.At).AddDays(days)}
	}
}
