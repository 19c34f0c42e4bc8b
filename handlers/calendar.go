package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/forms"
	"github.com/example/pdpa-portal/rights"
)

type calendarPage struct {
	Year, Prev, Next int
	Entries          []calendarRow
	Today            rights.Date
	// What a request received today is due on, by period, under this calendar.
	Due15, Due30 rights.Date
	ImportError  *rights.ImportError
	// The day-off form as sent, when it comes back with a problem.
	DayOffDate, DayOffReason string
	// FulfilDays is the fulfilment target (as typed, when it comes back with a problem).
	FulfilDays string
}

// calendarRow is a listed date and what kind of day it is: a day off, a make-up working
// day (a weekend day the calendar makes a working day) or an ordinary working day — the
// official file lists every day of the year, most of them ordinary.
type calendarRow struct {
	rights.DayEntry
	Kind string // day_off, makeup, working
	// Special: the entry differs from what the date would be unlisted, so removing it
	// changes the calendar.
	Special bool
}

func calendarRowOf(e rights.DayEntry) calendarRow {
	weekend := e.Date.Weekday() == time.Saturday || e.Date.Weekday() == time.Sunday
	r := calendarRow{DayEntry: e, Kind: "working", Special: e.DayOff != weekend}
	switch {
	case e.DayOff:
		r.Kind = "day_off"
	case weekend:
		r.Kind = "makeup"
	}
	return r
}

// calendarAdmin shows a year of the office calendar, the CSV import, and the due dates
// a request received today would get.
func (s *Server) calendarAdmin(c *gin.Context) {
	s.renderCalendar(c, http.StatusOK, nil)
}

func (s *Server) renderCalendar(c *gin.Context, status int, importErr *rights.ImportError) {
	s.renderCalendarPage(c, status, importErr, nil, "", "")
}

func (s *Server) renderCalendarPage(c *gin.Context, status int, importErr *rights.ImportError, inv *apperr.Invalid, date, reason string) {
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
	p := calendarPage{Year: year, Prev: year - 1, Next: year + 1, Today: today,
		Due15: rights.DueDate(rights.View, today, cal), Due30: rights.DueDate(rights.Delete, today, cal), ImportError: importErr,
		DayOffDate: date, DayOffReason: reason}
	if days, ok := c.Get(keyFulfilTyped); ok {
		p.FulfilDays, _ = days.(string)
	} else {
		n, err := s.Fulfil.FulfilDays(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		p.FulfilDays = strconv.Itoa(n)
	}
	for _, e := range entries {
		p.Entries = append(p.Entries, calendarRowOf(e))
	}
	v := s.view(c, "calendar.title", p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "calendar", v)
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
	n, moved, err := s.CalendarDays.Import(c.Request.Context(), entries, currentUser(c).ID)
	s.tellMoved(c, moved)
	if err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			err = apperr.ErrStale
		}
		s.fail(c, err)
		return
	}
	s.flashMoved(c, flash{Kind: flashSuccess, Key: "flash.calendar_imported", Args: []any{n}}, moved)
	c.Redirect(http.StatusSeeOther, "/admin/calendar?year="+strconv.Itoa(entries[0].Date.Year))
}

type dayOffForm struct {
	Date   string `form:"date" validate:"max=10" label:"calendar.dayoff.date"`
	Reason string `form:"reason" validate:"max=400" label:"calendar.dayoff.reason"`
}

// addDayOff marks one date as a day off by hand, with its reason (a typhoon day).
func (s *Server) addDayOff(c *gin.Context) {
	var f dayOffForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.renderCalendarPage(c, http.StatusBadRequest, nil, inv, f.Date, f.Reason)
		return
	}
	// The change moves due dates and mails requesters: say how many first.
	n, err := s.CalendarDays.Preview(c.Request.Context(), f.Date, f.Reason, true)
	if errors.As(err, &inv) {
		s.renderCalendarPage(c, http.StatusBadRequest, nil, inv, f.Date, f.Reason)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.day_off_title", TextKey: "confirm.day_off_text", TextArgs: []any{strings.TrimSpace(f.Date), n},
		Action: "/admin/calendar/day-off", Back: "/admin/calendar?year=" + yearOf(f.Date)}) {
		return
	}
	moved, err := s.CalendarDays.AddDayOff(c.Request.Context(), f.Date, f.Reason, currentUser(c).ID)
	s.tellMoved(c, moved)
	if errors.As(err, &inv) {
		s.renderCalendarPage(c, http.StatusBadRequest, nil, inv, f.Date, f.Reason)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flashMoved(c, flash{Kind: flashSuccess, Key: "flash.calendar_day_off", Args: []any{f.Date}}, moved)
	c.Redirect(http.StatusSeeOther, "/admin/calendar?year="+yearOf(f.Date))
}

// removeCalendarDay takes a listed date off the calendar (a day off that did not happen).
func (s *Server) removeCalendarDay(c *gin.Context) {
	var f dayOffForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.renderCalendarPage(c, http.StatusBadRequest, nil, inv, "", "")
		return
	}
	n, err := s.CalendarDays.Preview(c.Request.Context(), f.Date, "", false)
	if errors.As(err, &inv) {
		s.renderCalendarPage(c, http.StatusBadRequest, nil, inv, "", "")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.day_remove_title", TextKey: "confirm.day_remove_text", TextArgs: []any{strings.TrimSpace(f.Date), n},
		Action: "/admin/calendar/remove", Back: "/admin/calendar?year=" + yearOf(f.Date)}) {
		return
	}
	moved, err := s.CalendarDays.Remove(c.Request.Context(), f.Date, currentUser(c).ID)
	s.tellMoved(c, moved)
	if errors.As(err, &inv) {
		s.renderCalendarPage(c, http.StatusBadRequest, nil, inv, "", "")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flashMoved(c, flash{Kind: flashSuccess, Key: "flash.calendar_removed", Args: []any{f.Date}}, moved)
	c.Redirect(http.StatusSeeOther, "/admin/calendar?year="+yearOf(f.Date))
}

// tellMoved mails each requester whose due date a calendar change moved (the timeline
// entry is stored already). It runs even when the change stopped part-way, for the
// requests it did move.
func (s *Server) tellMoved(c *gin.Context, moved []rights.Moved) {
	for _, m := range moved {
		s.tellRequester(c, m.Request, "request_due_moved")
	}
}

// flashMoved confirms a calendar change and says how many due dates it moved.
func (s *Server) flashMoved(c *gin.Context, done flash, moved []rights.Moved) {
	fl := []flash{done}
	if len(moved) > 0 {
		fl = append(fl, flash{Kind: flashSuccess, Key: "flash.calendar_moved", Args: []any{len(moved)}})
	}
	s.addFlashes(c, fl...)
}

// ImportProblem words a calendar import problem in the page's language.
func (v *View) ImportProblem(e *rights.ImportError) string {
	msg := v.T("calendar.err."+e.Key, e.Args...)
	if e.Line > 0 {
		return v.T("calendar.import_line", e.Line, msg)
	}
	return msg
}

// yearOf is the year of a date the service accepted, for the page to return to.
func yearOf(date string) string {
	d, err := rights.ParseDate(strings.TrimSpace(date))
	if err != nil {
		return ""
	}
	return strconv.Itoa(d.Year)
}

// keyFulfilTyped carries the fulfilment target as typed back to the page that refused it.
const keyFulfilTyped = "fulfil_typed"

type fulfilForm struct {
	Days string `form:"fulfil_days" validate:"max=10" label:"calendar.fulfil_days"`
}

// setFulfilDays sets how many days after the decision (or the payment of a fee) a
// decided request should be carried out: the queue's second clock.
func (s *Server) setFulfilDays(c *gin.Context) {
	var f fulfilForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Days))
	if len(inv.Problems) == 0 {
		if err != nil {
			inv.Add("fulfil_days", "calendar.fulfil_range", rights.MinFulfilDays, rights.MaxFulfilDays)
		} else {
			inv = rights.ValidFulfilDays(n)
		}
	}
	if len(inv.Problems) > 0 {
		c.Set(keyFulfilTyped, f.Days)
		s.renderCalendarPage(c, http.StatusBadRequest, nil, inv, "", "")
		return
	}
	if err := s.Fulfil.SetFulfilDays(c.Request.Context(), n); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlashArgs(c, flashSuccess, "flash.fulfil_days", n)
	c.Redirect(http.StatusSeeOther, "/admin/calendar")
}
