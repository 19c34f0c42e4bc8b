package rights

import "context"

// DigestWorkingDays is how far ahead the daily digest warns: requests whose clock runs
// out within this many working days.
const DigestWorkingDays = 3

// WorkingDaysAhead is the n-th working day after today under cal (nil: plain weekends).
func WorkingDaysAhead(today Date, n int, cal Calendar) Date {
	d := today
	for i := 0; n > 0 && i <= maxShift; i++ {
		d = d.AddDays(1)
		if !mustMove(d, cal) {
			n--
		}
	}
	return d
}

// Digest is what one officer is reminded of: the requests assigned to them whose clock
// has run out, runs out soon, or that carry replies no officer has opened. A request may
// be in more than one list.
type Digest struct {
	Overdue []*Request
	DueSoon []*Request // from today to the last of the working days ahead
	Unread  []*Request
}

// Empty reports whether there is nothing to remind of.
func (d *Digest) Empty() bool {
	return d == nil || len(d.Overdue)+len(d.DueSoon)+len(d.Unread) == 0
}

// Digests sorts the open requests (in the order given) by their assignee, with the clock
// each runs against (clocks, by reference) and today's date; soon is the last day
// counted as due soon (WorkingDaysAhead). Unassigned requests are listed apart, for
// whoever assigns the work.
func Digests(open []*Request, clocks map[string]Clock, today, soon Date) (byOfficer map[string]*Digest, unassigned []*Request) {
	byOfficer = map[string]*Digest{}
	for _, r := range open {
		if r.Assignee == "" {
			unassigned = append(unassigned, r)
			continue
		}
		d := byOfficer[r.Assignee]
		if d == nil {
			d = &Digest{}
			byOfficer[r.Assignee] = d
		}
		switch due := clocks[r.Ref].Due; {
		case due.IsZero():
		case due.Before(today):
			d.Overdue = append(d.Overdue, r)
		case !due.After(soon):
			d.DueSoon = append(d.DueSoon, r)
		}
		if r.Unread > 0 {
			d.Unread = append(d.Unread, r)
		}
	}
	for id, d := range byOfficer {
		if d.Empty() {
			delete(byOfficer, id)
		}
	}
	return byOfficer, unassigned
}

// DigestLog remembers the last day the daily digest was sent in full, so the hourly runs
// after it cost one look-up. It is not the claim: each digest mail has an id of its own
// for the day, and storing it twice fails, so two instances never both send one.
type DigestLog interface {
	LastDigest(ctx context.Context) (Date, error)
	SetLastDigest(ctx context.Context, day Date) error
}
