package web

import (
	"slices"
	"time"

	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/receipt"
)

// FormDate is a date as a form field holds it ("" for none).

func FormDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// PrivacyPage is the notice as the privacy page shows it: in force, an earlier version,
// or an administrator's preview of the draft.
type PrivacyPage struct {
	Notice  *consent.Notice
	Preview bool // an administrator's preview of the draft
	// Current is the version in force when an earlier one is read at
	// /privacy/versions/{n}; 0 on /privacy itself.
	Current int
}

// Art8Item returns the number (1–6) of the PDPA Art. 8 item a section answers, or 0.
func (p PrivacyPage) Art8Item(key string) int {
	return slices.Index(consent.Art8Sections, key) + 1
}

// AgencyOf is the letterhead (the agency a letter or an export names): the configured
// controller, or the demo agency.
func AgencyOf(a receipt.Controller) receipt.Controller {
	if a.PIIController == "" {
		return consent.DefaultController("")
	}
	return a
}
