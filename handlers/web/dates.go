package web

import (
	"time"

	"github.com/example/pdpa-portal/rights"
)

// DateOrBlank is a date in ISO form, "" for none.
func DateOrBlank(d rights.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// DateOf is the date a form's day holds (the zero Date for none).
func DateOf(t time.Time) rights.Date {
	if t.IsZero() {
		return rights.Date{}
	}
	return rights.NewDate(t.Year(), t.Month(), t.Day())
}

// DueInWords is what the "due" partial shows: the status (the class), and the date with
// how many days are left or past.
func DueInWords(v *View, due, today rights.Date) (status, text string) {
	var words string
	status = v.DueStatus(due, today)
	switch left := v.DaysLeft(due, today); status {
	case "overdue":
		words = v.T("due.overdue", -left)
	case "due_today":
		words = v.T("due.today")
	default:
		words = v.T("due.left", left)
	}
	return status, v.Date(due.Start()) + " · " + words
}
