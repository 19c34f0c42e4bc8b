package rights

import (
	"context"
	"fmt"

	"github.com/example/pdpa-portal/apperr"
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

// FeeSchedule stores the fee schedule.
type FeeSchedule interface {
	Fees(ctx context.Context) ([]FeeItem, error)
	SaveFees(ctx context.Context, items []FeeItem) error
}
