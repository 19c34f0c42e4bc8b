package rights_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// The schedule is saved from the form's rows: blank rows dropped, new items named, the
// unit price read; a price that is not a number is refused with its row, saving nothing.
func TestFeeScheduleFromTheFormsRows(t *testing.T) {
	db := storetest.New(t)
	fees := store.NewFees(db.DB)
	svc := &rights.FeesService{Store: fees}
	ctx := context.Background()
	rows := []rights.FeeRow{{NameZH: "影印", NameEN: "Photocopy", Unit: "2"}, {}, {NameZH: "光碟", NameEN: "Disc", Unit: "50"}}
	kept, err := svc.SaveFees(ctx, rights.FeesCommand{Rows: rows})
	if err != nil || len(kept) != 2 {
		t.Fatalf("saving two items: %d rows kept, %v", len(kept), err)
	}
	items, err := fees.Fees(ctx)
	if err != nil || len(items) != 2 || items[1].Unit != 50 || !strings.HasPrefix(items[0].ID, "fee") {
		t.Fatalf("saved schedule: %+v (%v)", items, err)
	}
	bad := []rights.FeeRow{{}, {ID: items[0].ID, NameZH: "影印", NameEN: "Photocopy", Unit: "two"}}
	kept, err = svc.SaveFees(ctx, rights.FeesCommand{Rows: bad})
	var inv *apperr.Invalid
	if !errors.As(err, &inv) || inv.Problems[0].Field != "unit0" || len(kept) != 1 || kept[0].Unit != "two" {
		t.Fatalf("a price that is not a number: %v, rows %+v", err, kept)
	}
	given := (&apperr.Invalid{}).Add("name_zh", "validation.invalid_text")
	if _, err := svc.SaveFees(ctx, rights.FeesCommand{Rows: rows[:1], Problems: given}); !errors.As(err, &inv) || inv.Problems[0].Key != "validation.invalid_text" {
		t.Fatalf("the form's own problem: %v", err)
	}
	if after, err := fees.Fees(ctx); err != nil || len(after) != 2 {
		t.Fatalf("a refused schedule changed the saved one: %+v (%v)", after, err)
	}
}
