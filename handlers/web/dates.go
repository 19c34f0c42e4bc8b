package web

import "github.com/example/pdpa-portal/rights"

// DateOrBlank is a date in ISO form, "" for none.
func DateOrBlank(d rights.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
