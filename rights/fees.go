package rights

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
)

// FeeItem is one line of the fee schedule administrators set for view and copy (Art. 14:
// only the necessary cost), in New Taiwan dollars per unit.
type FeeItem struct {
	ID     string
	NameZH string
	NameEN string
	Unit   int
}

// Name is the item's name in lang.
func (f FeeItem) Name(lang string) string {
	if lang == "en" && f.NameEN != "" {
		return f.NameEN
	}
	return f.NameZH
}

// Limits of the fee schedule.
const (
	MaxFeeItems = 20
	MaxFeeUnit  = 100000
	maxFeeName  = 100
)

// ValidateFees checks a schedule; rows are numbered from 0 in the problems' fields.
func ValidateFees(items []FeeItem) *apperr.Invalid {
	v := &apperr.Invalid{}
	if len(items) > MaxFeeItems {
		v.Add("", "fees.too_many", MaxFeeItems)
	}
	for i, it := range items {
		textProblem(v, fmt.Sprintf("name_zh%d", i), it.NameZH, maxFeeName, true)
		textProblem(v, fmt.Sprintf("name_en%d", i), it.NameEN, maxFeeName, true)
		if it.Unit < 0 || it.Unit > MaxFeeUnit {
			v.Add(fmt.Sprintf("unit%d", i), "fees.unit_invalid", MaxFeeUnit)
		}
	}
	return v
}

// FeeSchedule stores the fee schedule and how fees are paid.
type FeeSchedule interface {
	Fees(ctx context.Context) ([]FeeItem, error)
	SaveFees(ctx context.Context, items []FeeItem) error
	PaymentStore
}

// Text is a setting written in both languages.
type Text struct {
	ZH string
	EN string
}

// In returns the text in lang ("en" or else Chinese).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.ZH
}

func (t Text) blank() bool { return strings.TrimSpace(t.ZH) == "" && strings.TrimSpace(t.EN) == "" }

// PaymentInfo says how and where a fee is paid and how long the requester has, as the
// administrators set it: the notice of the amount must say all three (Art. 14), and the
// public schedule repeats it before anyone files.
type PaymentInfo struct {
	// Bank transfer: the bank, its branch, the account's name and number.
	Bank, Branch, AccountName Text
	AccountNo                 string
	// Paying at the counter: where and when it is open.
	Counter, Hours Text
	// EPayURL is the agency's own e-payment page (https only), or "".
	EPayURL string
	// DueDays: the fee is to be paid within this many days after the decision (APA
	// Art. 48 moves a last day off work to the next working day).
	DueDays int
}

// HasTransfer and HasCounter report whether the way is offered.
func (p PaymentInfo) HasTransfer() bool { return p.AccountNo != "" }

// HasCounter reports whether paying at the counter is offered.
func (p PaymentInfo) HasCounter() bool { return !p.Counter.blank() }

// Offered reports whether any way of paying is set.
func (p PaymentInfo) Offered() bool { return p.HasTransfer() || p.HasCounter() || p.EPayURL != "" }

// Bounds and default of the payment period, in days.
const (
	DefaultPayDays = 30
	MinPayDays     = 1
	MaxPayDays     = 90
	maxPayText     = 100
	maxEPayURL     = 500
	MaxReceipt     = 60
)

var accountNoPattern = regexp.MustCompile(`^[0-9][0-9-]{4,28}[0-9]$`)

// ValidatePayment checks what an administrator typed. Each way of paying is given
// whole in both languages or not at all, so no letter names a bank without its account;
// at least one way is offered.
func ValidatePayment(p PaymentInfo) *apperr.Invalid {
	v := &apperr.Invalid{}
	group := func(key string, texts map[string]string, order []string) bool {
		any := false
		for _, f := range order {
			any = any || strings.TrimSpace(texts[f]) != ""
		}
		for _, f := range order {
			switch val := texts[f]; {
			case !any:
			case strings.TrimSpace(val) == "":
				v.Add(f, key)
			case utf8.RuneCountInString(val) > maxPayText:
				v.Add(f, "field.too_long", maxPayText)
			case strings.ContainsFunc(val, unicode.IsControl):
				v.Add(f, "payment.control")
			}
		}
		return any
	}
	transfer := group("payment.transfer_incomplete", map[string]string{
		"bank_zh": p.Bank.ZH, "bank_en": p.Bank.EN, "branch_zh": p.Branch.ZH, "branch_en": p.Branch.EN,
		"account_name_zh": p.AccountName.ZH, "account_name_en": p.AccountName.EN, "account_no": p.AccountNo,
	}, []string{"bank_zh", "bank_en", "branch_zh", "branch_en", "account_name_zh", "account_name_en", "account_no"})
	if transfer && p.AccountNo != "" && !accountNoPattern.MatchString(p.AccountNo) {
		v.Add("account_no", "payment.account_no_invalid")
	}
	counter := group("payment.counter_incomplete", map[string]string{
		"counter_zh": p.Counter.ZH, "counter_en": p.Counter.EN, "hours_zh": p.Hours.ZH, "hours_en": p.Hours.EN,
	}, []string{"counter_zh", "counter_en", "hours_zh", "hours_en"})
	if p.EPayURL != "" {
		u, err := url.Parse(p.EPayURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(p.EPayURL) > maxEPayURL ||
			strings.ContainsFunc(p.EPayURL, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			v.Add("epay_url", "payment.epay_https")
		}
	}
	if !transfer && !counter && p.EPayURL == "" {
		v.Add("", "payment.none")
	}
	if p.DueDays < MinPayDays || p.DueDays > MaxPayDays {
		v.Add("due_days", "payment.due_days_range", MinPayDays, MaxPayDays)
	}
	return v
}

// PayBy is the last day to pay a fee decided on decided: days later, moved off a day
// off as any period is (APA Art. 48). A nil cal means plain weekends.
func PayBy(decided Date, days int, cal Calendar) Date {
	return lastDay(decided.AddDays(days), cal)
}

// Ways a fee is paid.
const (
	PayTransfer = "transfer"
	PayCounter  = "counter"
	PayOnline   = "online"
)

// PayMethods lists the ways an officer may record.
var PayMethods = []string{PayTransfer, PayCounter, PayOnline}

// Payment is a fee's payment as the officer records it from the bank statement, the
// counter's receipt or the e-payment confirmation.
type Payment struct {
	On      Date
	Amount  int
	Method  string
	Receipt string // the receipt or transaction number
}

// RecordPayment records that the fee was paid in full: the amount is the fee, the day
// lies between the decision and today, and the receipt number is given. The fulfilment
// clock starts from the recording.
func RecordPayment(officer string, p Payment) Action {
	return func(r *Request, now time.Time) (Step, error) {
		if r.Fee == nil || r.Fee.Status != FeeDue || r.State != Decided || r.Decision == nil {
			return Step{}, ErrChanged
		}
		v := &apperr.Invalid{}
		switch {
		case p.On.IsZero():
			v.Add("pay_on", "field.required")
		case p.On.After(DateOf(now)):
			v.Add("pay_on", "payment.date_future")
		case p.On.Before(DateOf(r.Decision.At)):
			v.Add("pay_on", "payment.date_before_decision")
		}
		if p.Amount != r.Fee.Total {
			v.Add("pay_amount", "payment.amount_mismatch", r.Fee.Total)
		}
		if !slices.Contains(PayMethods, p.Method) {
			v.Add("pay_method", "payment.method_invalid")
		}
		switch {
		case strings.TrimSpace(p.Receipt) == "":
			v.Add("pay_receipt", "field.required")
		case utf8.RuneCountInString(p.Receipt) > MaxReceipt:
			v.Add("pay_receipt", "field.too_long", MaxReceipt)
		}
		if err := v.OrNil(); err != nil {
			return Step{}, err
		}
		pay := p
		r.Fee.Status, r.Fee.Settled, r.Fee.Payment = FeePaid, now, &pay
		return Step{Action: "fee_paid", ActorID: officer, Role: "officer"}, nil
	}
}

// PaymentStore keeps the administrators' payment instructions.
type PaymentStore interface {
	// PaymentInfo returns the instructions (none offered, DefaultPayDays, until set).
	PaymentInfo(ctx context.Context) (PaymentInfo, error)
	SavePaymentInfo(ctx context.Context, p PaymentInfo) error
}

// FeeRow is one row of the schedule's form as typed; the unit price is read by
// FeesService.
type FeeRow struct {
	ID, NameZH, NameEN, Unit string
}

// FeesCommand replaces the schedule with the form's rows. Problems are what the web
// layer found already: with any, the rows come back unchecked and nothing is saved.
type FeesCommand struct {
	Rows     []FeeRow
	Problems *apperr.Invalid
}

// FeesService keeps the fee schedule.
type FeesService struct {
	Store FeeSchedule
}

// SaveFees replaces the schedule; a row left blank is dropped, so clearing a row
// removes the item. Decisions already made keep the unit prices they were made with. It
// returns the rows kept, as typed, for the form; problems come back as *apperr.Invalid,
// rows numbered from 0 among those kept, with nothing saved.
func (s *FeesService) SaveFees(ctx context.Context, cmd FeesCommand) ([]FeeRow, error) {
	var rows []FeeRow
	var items []FeeItem
	for _, row := range cmd.Rows {
		if row.NameZH == "" && row.NameEN == "" && row.Unit == "" {
			continue
		}
		it := FeeItem{ID: row.ID, NameZH: row.NameZH, NameEN: row.NameEN, Unit: -1} // -1: not a number
		if it.ID == "" {
			it.ID = ids.New("fee")
		}
		if n, err := strconv.Atoi(row.Unit); err == nil {
			it.Unit = n
		}
		rows = append(rows, row)
		items = append(items, it)
	}
	if err := cmd.Problems.OrNil(); err != nil {
		return rows, err
	}
	if err := ValidateFees(items).OrNil(); err != nil {
		return rows, err
	}
	return rows, s.Store.SaveFees(ctx, items)
}
