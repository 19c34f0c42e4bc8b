package rights

// The officer's actions on a request, by the name of the route that takes them.
const (
	ActAssign      = "assign"
	ActReview      = "review"
	ActIdentityAsk = "identity-ask"
	ActIdentity    = "identity"
	ActExtend      = "extend"
	ActDecide      = "decide"
	ActFee         = "fee"
	ActTasks       = "task"
	ActFulfil      = "fulfil"
	ActErase       = "erase"
	ActClose       = "close"
	ActDuplicate   = "duplicate"
	ActNote        = "note"
)

// weakIdentity reports whether view or copy data could not yet be released: the
// stronger check Fulfil requires has not been recorded.
func weakIdentity(r *Request) bool {
	return (r.Kind == View || r.Kind == Copy) && (r.IdentityLevel == "" || r.IdentityLevel == IdentityBasic)
}

// Actions lists what the request's state allows an officer to do, in workflow order.
// The tasks and the erasure depend on more than the request, so the caller adds them.
func Actions(r *Request) []string {
	var out []string
	add := func(ok bool, a string) {
		if ok {
			out = append(out, a)
		}
	}
	st := r.State
	refused := r.Decision != nil && r.Decision.Outcome == Refused
	add(st.Open(), ActAssign)
	add(st == Submitted, ActReview)
	add(st == Submitted, ActIdentityAsk)
	add(st.Open(), ActIdentity)
	add(st == Review && r.Extension == nil, ActExtend)
	add(st == Review || st == Extended, ActDecide)
	add(st == Decided && r.Fee != nil && r.Fee.Status == FeeDue, ActFee)
	add(st == Decided && !refused, ActFulfil)
	add(st == Fulfilled || (st == Decided && refused), ActClose)
	add(st == Submitted || st == Identity || st == Review, ActDuplicate)
	return out
}

// NextStep is the one action that moves the request on from where it stands ("" when
// nothing is left to do), so the officer's page can put it first: the identity check
// before view or copy data can be released, the review, the decision, the fee, the
// search of every file (tasksOpen), fulfilment, closing.
func NextStep(r *Request, tasksOpen bool) string {
	switch r.State {
	case Submitted:
		if weakIdentity(r) {
			return ActIdentity
		}
		return ActReview
	case Identity:
		return ActIdentity
	case Review, Extended:
		return ActDecide
	case Decided:
		switch {
		case r.Decision == nil:
			return ""
		case r.Decision.Outcome == Refused:
			return ActClose
		case r.Fee != nil && r.Fee.Status == FeeDue:
			return ActFee
		case weakIdentity(r):
			return ActIdentity
		case tasksOpen:
			return ActTasks
		}
		return ActFulfil
	case Fulfilled:
		return ActClose
	}
	return ""
}
