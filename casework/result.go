package casework

import "github.com/example/pdpa-portal/rights"

// Result is the request after an action, and what the page says about it.
type Result struct {
	Request *rights.Request
	Flash   Flash
}

// Flash is the message shown on the next page: a catalogue key with its arguments.
type Flash struct {
	Key  string
	Args []any
	// Error: the action was done but something after it failed (an erasure half done).
	Error bool
}

// ConfirmFirst is the answer to an irreversible action not yet confirmed: nothing was
// done. Trial is the request as the action would leave it, for the confirmation to say
// what changes (the new due date, the fee, the request it duplicates).
type ConfirmFirst struct {
	Trial *rights.Request
}

func (e *ConfirmFirst) Error() string { return "the action waits for its confirmation" }

// stepTaken is the result of a step whose page says only that the request was updated.
func stepTaken(r *rights.Request) Result {
	return Result{Request: r, Flash: Flash{Key: "flash.request_updated"}}
}

// Failed is an error to be shown through the error pages as it is, rather than as the
// problems of the form that was sent: the store failed, or a later step refused.
type Failed struct{ Err error }

func (e *Failed) Error() string { return e.Err.Error() }
func (e *Failed) Unwrap() error { return e.Err }

func failed(err error) error { return &Failed{Err: err} }
