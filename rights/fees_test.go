package rights

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/example/pdpa-portal/apperr"
)

func fields(v *apperr.Invalid) []string {
	var out []string
	for _, p := range v.Problems {
		out = append(out, p.Field)
	}
	return out
}

// A way of paying is given whole in both languages or not at all; the link is https;
// at least one way is offered; the period is 1 to 90 days.
func TestValidatePayment(t *testing.T) {
	counter := PaymentInfo{Counter: Text{"示範路1號", "No. 1, Shifan Rd"}, Hours: Text{"週一至週五", "Mon–Fri"}, DueDays: 30}
	cases := []struct {
		name   string
		p      PaymentInfo
		fields []string
	}{
		{"the counter alone", counter, nil},
		{"an e-payment page alone", PaymentInfo{EPayURL: "https://pay.example.gov.tw/x", DueDays: 1}, nil},
		{"nothing offered", PaymentInfo{DueDays: 30}, []string{""}},
		{"half a counter", PaymentInfo{Counter: Text{ZH: "示範路1號"}, DueDays: 30}, []string{"counter_en", "hours_zh", "hours_en"}},
		{"a bank without its account", func() PaymentInfo { p := counter; p.Bank = Text{"臺灣銀行", "Bank of Taiwan"}; return p }(), []string{"branch_zh", "branch_en", "account_name_zh", "account_name_en", "account_no"}},
		{"plain http", func() PaymentInfo { p := counter; p.EPayURL = "http://pay.example.gov.tw"; return p }(), []string{"epay_url"}},
		{"a host-less link", func() PaymentInfo { p := counter; p.EPayURL = "https:///x"; return p }(), []string{"epay_url"}},
		{"credentials in the link", func() PaymentInfo { p := counter; p.EPayURL = "https://u:p@pay.example"; return p }(), []string{"epay_url"}},
		{"no period", func() PaymentInfo { p := counter; p.DueDays = 0; return p }(), []string{"due_days"}},
		{"a period too long", func() PaymentInfo { p := counter; p.DueDays = 91; return p }(), []string{"due_days"}},
	}
	for _, tc := range cases {
		if got := fields(ValidatePayment(tc.p)); !slices.Equal(got, tc.fields) {
			t.Errorf("%s: problems on %q, want %q", tc.name, got, tc.fields)
		}
	}
	bank := PaymentInfo{Bank: Text{"臺灣銀行", "Bank of Taiwan"}, Branch: Text{"城中分行", "Chengchung"}, AccountName: Text{"數位服務處", "DSO"}, DueDays: 30}
	for no, ok := range map[string]bool{"012-345678901": true, "0123456": true, "12345": false, "12-ab-34": false, "-123456": false, "123456-": false} {
		bank.AccountNo = no
		if got := len(ValidatePayment(bank).Problems) == 0; got != ok {
			t.Errorf("account number %q accepted: %v", no, got)
		}
	}
}

// The last day to pay is counted like any period: a Saturday moves to Monday.
func TestPayBy(t *testing.T) {
	if got := PayBy(d(2026, 11, 23), 30, nil); got != d(2026, 12, 23) {
		t.Errorf("30 days from Monday 23 November: %s", got)
	}
	if got := PayBy(d(2026, 11, 23), 5, nil); got != d(2026, 11, 30) {
		t.Errorf("5 days from Monday 23 November, a Saturday: %s", got)
	}
}

// A payment is recorded only in full, on a day between the decision and today, with its
// way and receipt; it settles the fee so fulfilment may go on.
func TestRecordPayment(t *testing.T) {
	decided := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	now := decided.Add(72 * time.Hour)
	fresh := func() *Request {
		return &Request{Kind: Copy, State: Decided, Decision: &Decision{Outcome: Granted, At: decided}, IdentityLevel: IdentityDocument,
			Fee: &Fee{Total: 20, Status: FeeDue}}
	}
	good := Payment{On: d(2026, 11, 25), Amount: 20, Method: PayCounter, Receipt: "R-1"}
	for _, tc := range []struct {
		name  string
		p     Payment
		field string
	}{
		{"part of the fee", Payment{On: good.On, Amount: 19, Method: PayCounter, Receipt: "R-1"}, "pay_amount"},
		{"no day", Payment{Amount: 20, Method: PayCounter, Receipt: "R-1"}, "pay_on"},
		{"after today", Payment{On: d(2026, 11, 27), Amount: 20, Method: PayCounter, Receipt: "R-1"}, "pay_on"},
		{"before the decision", Payment{On: d(2026, 11, 22), Amount: 20, Method: PayCounter, Receipt: "R-1"}, "pay_on"},
		{"an unknown way", Payment{On: good.On, Amount: 20, Method: "cheque", Receipt: "R-1"}, "pay_method"},
		{"no receipt", Payment{On: good.On, Amount: 20, Method: PayCounter, Receipt: " "}, "pay_receipt"},
	} {
		r := fresh()
		_, err := RecordPayment("o", tc.p)(r, now)
		var inv *apperr.Invalid
		if !errors.As(err, &inv) || !slices.Equal(fields(inv), []string{tc.field}) || r.Fee.Status != FeeDue {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	r := fresh()
	if _, err := Fulfil("o", "")(r, now); err == nil {
		t.Fatal("fulfilled with the fee due")
	}
	st, err := RecordPayment("o", good)(r, now)
	if err != nil || st.Action != "fee_paid" || r.Fee.Status != FeePaid || !r.Fee.Settled.Equal(now) || *r.Fee.Payment != good {
		t.Fatalf("record: %v %+v %+v", err, st, r.Fee)
	}
	if _, err := RecordPayment("o", good)(r, now); !errors.Is(err, ErrChanged) {
		t.Fatalf("recorded twice: %v", err)
	}
	if _, err := Fulfil("o", "")(r, now); err != nil {
		t.Fatalf("fulfil after payment: %v", err)
	}
}
