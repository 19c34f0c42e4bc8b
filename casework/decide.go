package casework

import (
	"context"
	"strconv"
	"strings"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// DecideCommand is the item-by-item decision as the form sends it. Outcome and grounds
// carry their item's index ("2:refuse", "2:art10-1"); the reasons are one per item, in
// order; the quantities one per item of the fee schedule, in its order.
type DecideCommand struct {
	Command
	Outcome, Grounds, Reason, Quantity []string
}

// Decide records the decision item by item, then tells the requester with the decision
// letter. It is confirmed first (ConfirmFirst, whose Trial holds the decision and fee as
// they would be): the decision is tried on a copy of the request, so one it would refuse
// is answered at once rather than after the confirmation.
func (s *Service) Decide(ctx context.Context, cmd DecideCommand) (Result, error) {
	r, err := s.request(ctx, cmd.Command)
	if err != nil {
		return Result{}, err
	}
	inv := cmd.problems()
	keys := rights.Items(r)
	items := make([]rights.Item, len(keys))
	chosen := map[int]bool{}
	for i, k := range keys {
		items[i].Key = k
	}
	for _, o := range cmd.Outcome {
		i, val, ok := Indexed(o, len(keys))
		if !ok || (val != "grant" && val != "refuse") {
			continue
		}
		chosen[i] = true
		items[i].Granted = val == "grant"
	}
	for i := range keys {
		if !chosen[i] {
			addOnce(inv, "item"+strconv.Itoa(i)+"_outcome", "decide.choose")
		}
	}
	for _, g := range cmd.Grounds {
		if i, val, ok := Indexed(g, len(keys)); ok {
			items[i].Grounds = append(items[i].Grounds, val)
		}
	}
	for i := range keys {
		if i < len(cmd.Reason) {
			items[i].Reason = cmd.Reason[i]
		}
	}
	var fee *rights.Fee
	if r.Kind == rights.View || r.Kind == rights.Copy {
		schedule, err := s.Fees.Fees(ctx)
		if err != nil {
			return Result{}, failed(err)
		}
		// The last day to pay is fixed now, so the letter says the same whenever it is read.
		pay, err := s.Fees.PaymentInfo(ctx)
		if err != nil {
			return Result{}, failed(err)
		}
		today := rights.DateOf(s.Now())
		cal, err := s.Calendar.Days(ctx, today, today.AddDays(pay.DueDays+60))
		if err != nil {
			return Result{}, failed(err)
		}
		fee = &rights.Fee{PayBy: rights.PayBy(today, pay.DueDays, cal)}
		for i, it := range schedule {
			if i >= len(cmd.Quantity) || cmd.Quantity[i] == "" {
				continue
			}
			n, err := strconv.Atoi(cmd.Quantity[i])
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
		return Result{}, inv
	}
	decide := rights.Decide(cmd.Officer, items, fee)
	if cmd.Version != r.Version {
		return Result{}, rights.ErrChanged
	}
	trial := *r
	if _, err := decide(&trial, s.Now()); err != nil {
		return Result{}, err
	}
	if !cmd.Confirmed {
		return Result{}, &ConfirmFirst{Trial: &trial}
	}
	u, err := s.Timeline.Update(ctx, r.Ref, cmd.Version, s.Now(), decide)
	if err != nil {
		return Result{}, err
	}
	s.Tell(ctx, u, "request_decided")
	return Result{Request: u, Flash: Flash{Key: "flash.request_decided"}}, nil
}

// Indexed splits "3:value" into 3 and "value" when 0 ≤ 3 < n.
func Indexed(s string, n int) (int, string, bool) {
	a, b, ok := strings.Cut(s, ":")
	i, err := strconv.Atoi(a)
	if !ok || err != nil || i < 0 || i >= n || b == "" {
		return 0, "", false
	}
	return i, b, true
}

// addOnce adds a problem unless its field has one already.
func addOnce(inv *apperr.Invalid, field, key string, args ...any) {
	for _, p := range inv.Problems {
		if p.Field == field {
			return
		}
	}
	inv.Add(field, key, args...)
}
