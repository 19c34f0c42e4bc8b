package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/forms"
	"github.com/example/pdpa-portal/rights"
)

type calendarPage struct {
	Year, Prev, Next int
	Entries          []rights.DayEntry
	Today            rights.Date
	// What a request received today is due on, by period, under this calendar.
	Due15, Due30 rights.Date
	ImportError  *rights.ImportError
}

// calendarAdmin shows a year of the office calendar, the CSV import, and the due dates
// a request received today would get.
func (s *Server) calendarAdmin(c *gin.Context) {
	s.renderCalendar(c, http.StatusOK, nil)
}

func (s *Server) renderCalendar(c *gin.Context, status int, importErr *rights.ImportError) {
	ctx := c.Request.Context()
	today := rights.DateOf(s.Now())
	year := today.Year
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 2000 && y <= 2100 {
		year = y
	}
	entries, err := s.Calendar.List(ctx, year)
	if err != nil {
		s.fail(c, err)
		return
	}
	cal, err := s.Calendar.Days(ctx, today, today.AddDays(120))
	if err != nil {
		s.fail(c, err)
		return
	}
	p := calendarPage{Year: year, Prev: year - 1, Next: year + 1, Entries: entries, Today: today,
		Due15: rights.DueDate(rights.View, today, cal), Due30: rights.DueDate(rights.Delete, today, cal), ImportError: importErr}
	s.render(c, status, "calendar", s.view(c, "calendar.title", p))
}

// importCalendar reads an uploaded CSV (the government office calendar, or
// date,day_off,note) and stores its dates; a bad line names its number and nothing is
// stored.
func (s *Server) importCalendar(c *gin.Context) {
	f, _, err := c.Request.FormFile("csv")
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			s.fail(c, err)
		case errors.Is(err, http.ErrMissingFile):
			s.renderCalendar(c, http.StatusBadRequest, &rights.ImportError{Problem: "no file", Key: "no_file"})
		default:
			s.fail(c, forms.ErrMalformed)
		}
		return
	}
	defer f.Close()
	entries, err := rights.ParseCalendarCSV(f)
	var ie *rights.ImportError
	if errors.As(err, &ie) {
		s.renderCalendar(c, http.StatusBadRequest, ie)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(entries) == 0 {
		s.renderCalendar(c, http.StatusBadRequest, &rights.ImportError{Problem: "no dates", Key: "no_dates"})
		return
	}
	n, err := s.Calendar.Import(c.Request.Context(), entries)
	if err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			err = apperr.ErrStale
		}
		s.fail(c, err)
		return
	}
	s.addFlashArgs(c, flashSuccess, "flash.calendar_imported", n)
	c.Redirect(http.StatusSeeOther, "/admin/calendar?year="+strconv.Itoa(entries[0].Date.Year))
}

// ImportProblem words a calendar import problem in the page's language.
func (v *View) ImportProblem(e *rights.ImportError) string {
	msg := v.T("calendar.err."+e.Key, e.Args...)
	if e.Line > 0 {
		return v.T("calendar.import_line", e.Line, msg)
	}
	return msg
}
