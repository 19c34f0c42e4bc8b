package cases

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/twtime"
)

// DisclosureFilter narrows the register's list: by recipient, ground and period.
type DisclosureFilter struct {
	Recipient string    `form:"recipient" validate:"max=100" label:"disclosure.recipient_name"`
	Ground    string    `form:"ground" validate:"max=20" label:"disclosure.ground"`
	From      time.Time `form:"from" label:"disclosure.from"`
	To        time.Time `form:"to" label:"disclosure.to"`
}

// ListDisclosures reads the register for a list (the officers' page, the API): the records
// matching the filter in the URL, the filter, and how many the period holds in all. A
// filter with problems comes back with them and no records.
func (s *Cases) ListDisclosures(c *gin.Context) ([]*disclosure.Record, DisclosureFilter, int, *apperr.Invalid, error) {
	var f DisclosureFilter
	inv, err := s.Decode(c, &f)
	if err != nil {
		return nil, f, 0, nil, err
	}
	if len(inv.Problems) > 0 {
		// A date out of range is the reader's to correct, not a reason to show another
		// period as if it were the one asked for.
		web.InFormOrder(inv, &f)
		return nil, f, 0, inv, nil
	}
	if f.From.IsZero() && f.To.IsZero() {
		// The register is read a period at a time: without dates, the last twelve months.
		f.From = s.Now().In(twtime.Zone).AddDate(-1, 0, 0)
	}
	all, err := s.disclosures.List(c.Request.Context(), web.DateOf(f.From), web.DateOf(f.To))
	if err != nil {
		return nil, f, 0, nil, err
	}
	flt := disclosure.Filter{Recipient: f.Recipient, Ground: f.Ground, From: web.DateOf(f.From), To: web.DateOf(f.To)}
	var out []*disclosure.Record
	for _, r := range all {
		if flt.Match(r) {
			out = append(out, r)
		}
	}
	return out, f, len(all), nil, nil
}
