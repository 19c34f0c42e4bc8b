package admin

import "github.com/example/pdpa-portal/handlers/web"

// ImportProblem words the calendar import's problem in the page's language.
func (p calendarPage) ImportProblem(v *web.View) string {
	e := p.ImportError
	msg := v.T("calendar.err."+e.Key, e.Args...)
	if e.Line > 0 {
		return v.T("calendar.import_line", e.Line, msg)
	}
	return msg
}
