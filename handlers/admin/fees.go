package admin

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

type feesForm struct {
	ID     []string `form:"id,keepblank" validate:"max=25,dive,max=40" label:"fees.id"`
	NameZH []string `form:"name_zh,keepblank" validate:"max=25,dive,max=100" label:"fees.name_zh"`
	NameEN []string `form:"name_en,keepblank" validate:"max=25,dive,max=100" label:"fees.name_en"`
	Unit   []string `form:"unit,keepblank" validate:"max=25,dive,max=7" label:"fees.unit"`
}

type feeRow struct {
	ID, NameZH, NameEN, Unit string
}

type feesPage struct {
	Rows []feeRow
	Pay  rights.PaymentInfo
	// Form names the form whose problems are shown: "fees" or "payment".
	Form string
}

// FeesPage shows the fee schedule for view and copy with room for two more items.
func (h *Handlers) FeesPage(c *gin.Context) error {
	items, err := h.fees.Fees(c.Request.Context())
	if err != nil {
		return err
	}
	pay, err := h.fees.PaymentInfo(c.Request.Context())
	if err != nil {
		return err
	}
	h.renderFees(c, http.StatusOK, feesPage{Rows: rowsOf(items), Pay: pay}, nil)
	return nil
}

func rowsOf(items []rights.FeeItem) []feeRow {
	var rows []feeRow
	for _, it := range items {
		rows = append(rows, feeRow{ID: it.ID, NameZH: it.NameZH, NameEN: it.NameEN, Unit: strconv.Itoa(it.Unit)})
	}
	return rows
}

func (h *Handlers) renderFees(c *gin.Context, status int, p feesPage, inv *apperr.Invalid) {
	p.Rows = append(p.Rows, feeRow{}, feeRow{})
	if p.Form == "" {
		p.Form = "fees"
	}
	h.RenderForm(c, status, "fees", "fees.title", p, inv)
}

// rows are the form's rows, blank ones included.
func (f *feesForm) rows() []rights.FeeRow {
	at := func(xs []string, i int) string {
		if i < len(xs) {
			return xs[i]
		}
		return ""
	}
	var rows []rights.FeeRow
	for i := range max(len(f.NameZH), len(f.NameEN), len(f.Unit)) {
		rows = append(rows, rights.FeeRow{ID: at(f.ID, i), NameZH: at(f.NameZH, i), NameEN: at(f.NameEN, i), Unit: at(f.Unit, i)})
	}
	return rows
}

// SaveFees replaces the schedule (rights: FeesService.SaveFees).
func (h *Handlers) SaveFees(c *gin.Context) error {
	var f feesForm
	problems, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	kept, err := (&rights.FeesService{Store: h.fees}).SaveFees(c.Request.Context(), rights.FeesCommand{Rows: f.rows(), Problems: problems})
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &inv):
		pay, err := h.fees.PaymentInfo(c.Request.Context())
		if err != nil {
			return err
		}
		var rows []feeRow
		for _, r := range kept {
			rows = append(rows, feeRow(r))
		}
		h.renderFees(c, http.StatusBadRequest, feesPage{Rows: rows, Pay: pay}, inv)
		return nil
	case err != nil:
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.fees_saved")
	c.Redirect(http.StatusSeeOther, "/admin/fees")
	return nil
}

type paymentForm struct {
	BankZH        string `form:"bank_zh" validate:"max=400" label:"payment.bank_zh"`
	BankEN        string `form:"bank_en" validate:"max=400" label:"payment.bank_en"`
	BranchZH      string `form:"branch_zh" validate:"max=400" label:"payment.branch_zh"`
	BranchEN      string `form:"branch_en" validate:"max=400" label:"payment.branch_en"`
	AccountNameZH string `form:"account_name_zh" validate:"max=400" label:"payment.account_name_zh"`
	AccountNameEN string `form:"account_name_en" validate:"max=400" label:"payment.account_name_en"`
	AccountNo     string `form:"account_no" validate:"max=100" label:"payment.account_no"`
	CounterZH     string `form:"counter_zh" validate:"max=400" label:"payment.counter_zh"`
	CounterEN     string `form:"counter_en" validate:"max=400" label:"payment.counter_en"`
	HoursZH       string `form:"hours_zh" validate:"max=400" label:"payment.hours_zh"`
	HoursEN       string `form:"hours_en" validate:"max=400" label:"payment.hours_en"`
	EPayURL       string `form:"epay_url" validate:"max=1000" label:"payment.epay_url"`
	DueDays       int    `form:"due_days" label:"payment.due_days"`
}

// SavePayment replaces how fees are paid. Decisions already made keep the last day to
// pay they were given; the ways of paying show as they now are.
func (h *Handlers) SavePayment(c *gin.Context) error {
	var f paymentForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	pay := rights.PaymentInfo{Bank: rights.Text{ZH: f.BankZH, EN: f.BankEN}, Branch: rights.Text{ZH: f.BranchZH, EN: f.BranchEN},
		AccountName: rights.Text{ZH: f.AccountNameZH, EN: f.AccountNameEN}, AccountNo: f.AccountNo,
		Counter: rights.Text{ZH: f.CounterZH, EN: f.CounterEN}, Hours: rights.Text{ZH: f.HoursZH, EN: f.HoursEN}, EPayURL: f.EPayURL, DueDays: f.DueDays}
	if len(inv.Problems) == 0 {
		inv = rights.ValidatePayment(pay)
	}
	if len(inv.Problems) > 0 {
		items, err := h.fees.Fees(c.Request.Context())
		if err != nil {
			return err
		}
		h.renderFees(c, http.StatusBadRequest, feesPage{Rows: rowsOf(items), Pay: pay, Form: "payment"}, inv)
		return nil
	}
	if err := h.fees.SavePaymentInfo(c.Request.Context(), pay); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.payment_saved")
	c.Redirect(http.StatusSeeOther, "/admin/fees")
	return nil
}
