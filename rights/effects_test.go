package rights

import (
	"slices"
	"testing"
	"time"
)

func decided(r Request, items ...Item) *Request {
	outcome := Granted
	for _, it := range items {
		if !it.Granted {
			outcome = Partly
		}
	}
	r.Decision = &Decision{Items: items, Outcome: outcome}
	return &r
}

// A stop or delete acts on exactly what was asked and granted: naming one purpose never
// reaches the whole person; only the explicit whole-account choice does.
func TestEffectsFollowTheGrantedScope(t *testing.T) {
	cases := []struct {
		name string
		r    *Request
		want Effects
	}{
		{"delete of one purpose, granted", decided(Request{Kind: Delete, Purposes: []string{"survey"}}, Item{Key: "purpose:survey", Granted: true}),
			Effects{Withdraw: []string{"survey"}}},
		{"delete of two purposes, one granted", decided(Request{Kind: Delete, Purposes: []string{"survey", "newsletter"}},
			Item{Key: "purpose:survey", Granted: true}, Item{Key: "purpose:newsletter", Grounds: []string{"er21-1"}, Reason: "x"}),
			Effects{Withdraw: []string{"survey"}}},
		{"delete of data items in words", decided(Request{Kind: Delete, Scope: "舊照片"}, Item{Key: "scope", Granted: true}),
			Effects{ByHand: true}},
		{"delete of the whole account, granted", decided(Request{Kind: Delete, Whole: true}, Item{Key: ItemWhole, Granted: true}),
			Effects{Erase: true}},
		{"delete of the whole account, refused", &Request{Kind: Delete, Whole: true,
			Decision: &Decision{Outcome: Refused, Items: []Item{{Key: ItemWhole, Grounds: []string{"er21-1"}, Reason: "x"}}}}, Effects{}},
		{"stop of the newsletter", decided(Request{Kind: Stop, Purposes: []string{"newsletter"}}, Item{Key: "purpose:newsletter", Granted: true}),
			Effects{Withdraw: []string{"newsletter"}, Stop: []string{"newsletter"}}},
		{"stop of everything", decided(Request{Kind: Stop, Whole: true}, Item{Key: ItemWhole, Granted: true}),
			Effects{Restrict: true}},
		{"filed by an agent", decided(Request{Kind: Delete, Whole: true, Principal: "林"}, Item{Key: ItemWhole, Granted: true}),
			Effects{Manual: true}},
	}
	for _, tc := range cases {
		got := EffectsOf(tc.r)
		if got.Erase != tc.want.Erase || got.Restrict != tc.want.Restrict || got.ByHand != tc.want.ByHand || got.Manual != tc.want.Manual ||
			!slices.Equal(got.Withdraw, tc.want.Withdraw) || !slices.Equal(got.Stop, tc.want.Stop) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// A request about everything is decided as one item, so it cannot be granted in part
// into a narrower request nobody made.
func TestWholeRequestIsOneItem(t *testing.T) {
	if got := Items(&Request{Kind: Delete, Whole: true, Scope: "全部"}); !slices.Equal(got, []string{ItemWhole}) {
		t.Fatalf("items %v", got)
	}
	if got := Items(&Request{Kind: Stop, Purposes: []string{"newsletter"}}); !slices.Equal(got, []string{"purpose:newsletter"}) {
		t.Fatalf("items %v", got)
	}
}

// A refusal keeps its letter for the appeal period and a margin for service by post; a
// grant is not appealed by the person who asked for it.
func TestAppealOpen(t *testing.T) {
	at := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
	refused := &Request{Decision: &Decision{Outcome: Partly, At: at}}
	last := at.AddDate(0, 0, AppealDays+AppealServiceDays)
	if !AppealOpen(refused, at) || !AppealOpen(refused, last) {
		t.Fatal("a partial refusal is not open to appeal within its period")
	}
	if AppealOpen(refused, last.AddDate(0, 0, 1)) {
		t.Fatal("a partial refusal is still open to appeal after its period")
	}
	if AppealOpen(&Request{Decision: &Decision{Outcome: Granted, At: at}}, at) || AppealOpen(&Request{}, at) {
		t.Fatal("a grant or an undecided request counts as open to appeal")
	}
}
