package rights

import "testing"

// Three working days ahead skip weekends and holidays, and count a make-up Saturday.
func TestWorkingDaysAhead(t *testing.T) {
	cal := cal2026()
	for _, c := range []struct{ from, want Date }{
		{d(2026, 11, 23), d(2026, 11, 26)}, // Monday → Thursday
		{d(2026, 11, 26), d(2026, 12, 1)},  // Thursday → Friday, Monday, Tuesday
		{d(2026, 2, 12), d(2026, 2, 24)},   // Thursday → Friday, over the Lunar New Year, Monday, Tuesday
		{d(2026, 1, 29), d(2026, 2, 2)},    // Thursday → Friday, make-up Saturday 31 January, Monday
	} {
		if got := WorkingDaysAhead(c.from, DigestWorkingDays, cal); got != c.want {
			t.Errorf("3 working days after %s: %s, want %s", c.from, got, c.want)
		}
	}
}

// Each officer's digest holds their own requests, by the clock each runs on; the
// unassigned ones are apart; a quiet officer gets none.
func TestDigestsSortRequestsByAssignee(t *testing.T) {
	today, soon := d(2026, 11, 23), d(2026, 11, 26)
	rs := []*Request{
		{Ref: "a", Assignee: "o1", State: Review},
		{Ref: "b", Assignee: "o1", State: Review},
		{Ref: "c", Assignee: "o1", State: Review, Unread: 2},
		{Ref: "d", State: Submitted},
		{Ref: "e", Assignee: "o2", State: Review},
		{Ref: "f", Assignee: "o1", State: Decided, Unread: 1}, // awaiting payment: no date
	}
	clocks := map[string]Clock{
		"a": {Kind: ClockDecision, Due: d(2026, 11, 20)},
		"b": {Kind: ClockDecision, Due: soon},
		"c": {Kind: ClockDecision, Due: d(2026, 12, 8)},
		"d": {Kind: ClockDecision, Due: today},
		"e": {Kind: ClockFulfil, Due: d(2026, 11, 27)},
		"f": {Kind: ClockPayment},
	}
	by, unassigned := Digests(rs, clocks, today, soon)
	refs := func(rs []*Request) (out []string) {
		for _, r := range rs {
			out = append(out, r.Ref)
		}
		return out
	}
	o1 := by["o1"]
	if o1 == nil || len(by) != 1 || len(unassigned) != 1 || unassigned[0].Ref != "d" {
		t.Fatalf("by officer %v, unassigned %v", by, refs(unassigned))
	}
	if got := refs(o1.Overdue); len(got) != 1 || got[0] != "a" {
		t.Errorf("overdue %v", got)
	}
	if got := refs(o1.DueSoon); len(got) != 1 || got[0] != "b" {
		t.Errorf("due soon %v", got)
	}
	if got := refs(o1.Unread); len(got) != 2 || got[0] != "c" || got[1] != "f" {
		t.Errorf("unread %v", got)
	}
}
