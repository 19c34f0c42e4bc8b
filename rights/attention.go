package rights

import "context"

// Attention counts the open requests needing attention, as the staff home shows them:
// all of them, and those assigned to the person looking.
type Attention struct {
	Overdue, Today, Unread             int
	MineOverdue, MineToday, MineUnread int
}

// CountAttention counts the open requests overdue, due today and with unread replies
// on today, each against the clock it runs on now; the Mine counts are those assigned
// to me.
func CountAttention(ctx context.Context, requests OpenReader, fulfil FulfilSetting, today Date, me string) (Attention, error) {
	open, clocks, err := OpenWithClocks(ctx, requests, fulfil)
	if err != nil {
		return Attention{}, err
	}
	var n Attention
	add := func(all, mine *int, yes bool, r *Request) {
		if yes {
			*all++
			if r.Assignee == me {
				*mine++
			}
		}
	}
	for _, r := range open {
		due := clocks[r.Ref].Due
		add(&n.Overdue, &n.MineOverdue, !due.IsZero() && due.Before(today), r)
		add(&n.Today, &n.MineToday, due == today, r)
		add(&n.Unread, &n.MineUnread, r.Unread > 0, r)
	}
	return n, nil
}
