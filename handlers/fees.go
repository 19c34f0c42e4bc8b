package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
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

type feesPage struct{ Rows []feeRow }

// feesPage shows the fee schedule for view and copy with room for two more items.
func (s *Server) feesPage(c *gin.Context) {
	items, err := s.Fees.Fees(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	var rows []feeRow
	for _, it := range items {
		rows = append(rows, feeRow{ID: it.ID, NameZH: it.NameZH, NameEN: it.NameEN, Unit: strconv.Itoa(it.Unit)})
	}
	s.renderFees(c, http.StatusOK, rows, nil)
}

func (s *Server) renderFees(c *gin.Context, status int, rows []feeRow, inv *apperr.Invalid) {
	rows = append(rows, feeRow{}, feeRow{})
	v := s.view(c, "fees.title", feesPage{Rows: rows})
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "fees", v)
}

// saveFees replaces the schedule; a row left blank is dropped, so clearing a row removes
// the item. Decisions already made keep the unit prices they were made with.
func (s *Server) saveFees(c *gin.Context) {
	var f feesForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	at := func(xs []string, i int) string {
		if i < len(xs) {
			return xs[i]
		}
		return ""
	}
	var rows []feeRow
	var items []rights.FeeItem
	for i := range max(len(f.NameZH), len(f.NameEN), len(f.Unit)) {
		row := feeRow{ID: at(f.ID, i), NameZH: at(f.NameZH, i), NameEN: at(f.NameEN, i), Unit: at(f.Unit, i)}
		if row.NameZH == "" && row.NameEN == "" && row.Unit == "" {
			continue
		}
		it := rights.FeeItem{ID: row.ID, NameZH: row.NameZH, NameEN: row.NameEN}
		if it.ID == "" {
			it.ID = account.NewID("fee")
		}
		n, err := strconv.Atoi(row.Unit)
		if err != nil {
			n = -1
		}
		it.Unit = n
		rows = append(rows, row)
		items = append(items, it)
	}
	if len(inv.Problems) == 0 {
		if more := rights.ValidateFees(items); more.OrNil() != nil {
			inv = more
		}
	}
	if len(inv.Problems) > 0 {
		s.renderFees(c, http.StatusBadRequest, rows, inv)
		return
	}
	if err := s.Fees.SaveFees(c.Request.Context(), items); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.fees_saved")
	c.Redirect(http.StatusSeeOther, "/admin/fees")
}
