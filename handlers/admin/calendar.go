package admin

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/handlers/web"
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

// CalendarAdmin shows a year of the office calendar, the CSV import, and the due dates
// a request received today would get.
func (h *Handlers) CalendarAdmin(c *gin.Context) error {
	return h.renderCalendar(c, http.StatusOK, nil)
}

func (h *Handlers) renderCalendar(c *gin.Context, status int, importErr *rights.ImportError) error {
	return h.renderCalendarPage(c, status, importErr, nil, "", "")
}

func (h *Handlers) renderCalendarPage(c *gin.Context, status int, importErr *rights.ImportError, inv *apperr.Invalid, date, reason string) error {
	ctx := c.Request.Context()
	today := rights.DateOf(h.Now())
	year := today.Year
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 2000 && y <= 2100 {
		year = y
	}
	entries, err := h.calendar.List(ctx, year)
	if err != nil {
		return err
	}
	cal, err := h.calendar.Days(ctx, today, today.AddDays(120))
	if err != nil {
		return err
	}
	p := calendarPage{Year: year, Prev: year - 1, Next: year + 1, Today: today,
		Due15: rights.DueDate(rights.View, today, cal), Due30: rights.DueDate(rights.Delete, today, cal), ImportError: importErr,
		DayOffDate: date, DayOffReason: reason}
	if days, ok := c.Get(keyFulfilTyped); ok {
		p.FulfilDays, _ = days.(string)
	} else {
		n, err := h.fulfil.FulfilDays(ctx)
		if err != nil {
			return err
		}
		p.FulfilDays = strconv.Itoa(n)
	}
	for _, e := range entries {
		p.Entries = append(p.Entries, calendarRowOf(e))
	}
	h.RenderForm(c, status, "calendar", "calendar.title", p, inv)
	return nil
}

// ImportCalendar reads an uploaded CSV (the government office calendar, or
// date,day_off,note) and stages its dates for confirmation; a bad line names its number
// and nothing is stored.
func (h *Handlers) ImportCalendar(c *gin.Context) error {
	f, _, err := c.Request.FormFile("csv")
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, http.ErrMissingFile):
			return h.renderCalendar(c, http.StatusBadRequest, &rights.ImportError{Problem: "no file", Key: "no_file"})
		default:
			return forms.ErrMalformed
		}
	}
	defer f.Close()
	entries, err := rights.ParseCalendarCSV(f)
	var ie *rights.ImportError
	if errors.As(err, &ie) {
		return h.renderCalendar(c, http.StatusBadRequest, ie)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return h.renderCalendar(c, http.StatusBadRequest, &rights.ImportError{Problem: "no dates", Key: "no_dates"})
	}
	// Nothing moves until the administrator has seen what would: the file waits.
	token, plan, err := h.calendarDays.Stage(c.Request.Context(), entries, web.CurrentUser(c).ID)
	if err != nil {
		return err
	}
	c.Request.PostForm = url.Values{"staged": {token}}
	h.Confirmed(c, h.importConfirmation(c, plan))
	return nil
}

// maxMovesListed bounds the requests a confirmation names; the count covers them all.
const maxMovesListed = 20

// importConfirmation says what a staged import would do.
func (h *Handlers) importConfirmation(c *gin.Context, plan rights.ImportPlan) web.ConfirmPage {
	v := h.ViewIn(c.GetString(web.KeyLang))
	p := web.ConfirmPage{TitleKey: "confirm.import_title", TextKey: "confirm.import_text", TextArgs: []any{plan.Dates, plan.Changed, len(plan.Moves)},
		Action: "/admin/calendar/import", Back: "/admin/calendar?year=" + strconv.Itoa(plan.Year)}
	for i, m := range plan.Moves {
		if i == maxMovesListed {
			p.Lines = append(p.Lines, v.T("confirm.import_more", len(plan.Moves)-i))
			break
		}
		p.Lines = append(p.Lines, v.T("confirm.import_move", m.Ref, v.Date(m.From.Start()), v.Date(m.To.Start())))
	}
	return p
}

type stagedForm struct {
	Staged string `form:"staged"` // compared with the staged import's token, never stored
}

// ConfirmImport applies a staged import once confirmed, moving due dates and telling
// the requesters; without confirm=yes it shows the confirmation again.
func (h *Handlers) ConfirmImport(c *gin.Context) error {
	var f stagedForm
	if _, err := h.Decode(c, &f); err != nil {
		return err
	}
	by := web.CurrentUser(c).ID
	if c.PostForm("confirm") != "yes" {
		plan, err := h.calendarDays.StagedPlan(c.Request.Context(), by, f.Staged)
		if err != nil {
			return err
		}
		h.Confirmed(c, h.importConfirmation(c, plan))
		return nil
	}
	plan, moved, err := h.calendarDays.ApplyStaged(c.Request.Context(), by, f.Staged)
	if err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			err = apperr.ErrStale
		}
		return err
	}
	h.flashMoved(c, web.Flash{Kind: web.FlashSuccess, Key: "flash.calendar_imported", Args: []any{plan.Dates}}, moved)
	c.Redirect(http.StatusSeeOther, "/admin/calendar?year="+strconv.Itoa(plan.Year))
	return nil
}

type dayOffForm struct {
	Date   string `form:"date" validate:"max=10" label:"calendar.dayoff.date"`
	Reason string `form:"reason" validate:"max=400" label:"calendar.dayoff.reason"`
}

// dayChange is a change of one date by hand: made a day off with its reason (a typhoon
// day), or taken off the calendar (a day off that did not happen) with its reason, which
// the removal's confirmation asks since its first form is a button in the list.
type dayChange struct {
	off                        bool
	action                     string // the form's address
	titleKey, textKey, doneKey string
	ask                        *web.ConfirmField
}

var (
	addDayOff = dayChange{off: true, action: "/admin/calendar/day-off",
		titleKey: "confirm.day_off_title", textKey: "confirm.day_off_text", doneKey: "flash.calendar_day_off"}
	removeDay = dayChange{off: false, action: "/admin/calendar/remove",
		titleKey: "confirm.day_remove_title", textKey: "confirm.day_remove_text", doneKey: "flash.calendar_removed",
		ask: &web.ConfirmField{Prefix: "calendar.remove", Name: "reason", Hint: "calendar.remove.reason_hint"}}
)

// changeDay makes the change ch to the date sent, once confirmed: the page first says
// how many due dates move, since each requester is mailed.
func (h *Handlers) changeDay(c *gin.Context, ch dayChange) error {
	var f dayOffForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	// Only the day-off form is shown again as typed; the removal is a button.
	refused := func(inv *apperr.Invalid) error {
		if ch.off {
			return h.renderCalendarPage(c, http.StatusBadRequest, nil, inv, f.Date, f.Reason)
		}
		return h.renderCalendarPage(c, http.StatusBadRequest, nil, inv, "", "")
	}
	if len(inv.Problems) > 0 {
		return refused(inv)
	}
	ctx := c.Request.Context()
	n, err := h.calendarDays.Preview(ctx, f.Date, f.Reason, ch.off)
	if errors.As(err, &inv) {
		return refused(inv)
	}
	if err != nil {
		return err
	}
	back := "/admin/calendar?year=" + yearOf(f.Date)
	confirm := web.ConfirmPage{TitleKey: ch.titleKey, TextKey: ch.textKey, TextArgs: []any{strings.TrimSpace(f.Date), n}, Action: ch.action, Back: back, Ask: ch.ask}
	if !h.Confirmed(c, confirm) {
		return nil
	}
	moved, err := h.calendarDays.Change(ctx, f.Date, f.Reason, ch.off, web.CurrentUser(c).ID)
	if errors.As(err, &inv) {
		if ch.ask != nil && slices.ContainsFunc(inv.Problems, func(p apperr.Problem) bool { return p.Field == ch.ask.Name }) {
			h.ConfirmAgain(c, confirm, inv)
			return nil
		}
		return refused(inv)
	}
	if err != nil {
		return err
	}
	h.flashMoved(c, web.Flash{Kind: web.FlashSuccess, Key: ch.doneKey, Args: []any{strings.TrimSpace(f.Date)}}, moved)
	c.Redirect(http.StatusSeeOther, back)
	return nil
}

// AddDayOff adds a day off to the calendar, once confirmed.
func (h *Handlers) AddDayOff(c *gin.Context) error { return h.changeDay(c, addDayOff) }

// RemoveDay removes a day from the calendar, once confirmed.
func (h *Handlers) RemoveDay(c *gin.Context) error { return h.changeDay(c, removeDay) }

// flashMoved confirms a calendar change and says how many due dates it moved.
func (h *Handlers) flashMoved(c *gin.Context, done web.Flash, moved []rights.Moved) {
	fl := []web.Flash{done}
	if len(moved) > 0 {
		fl = append(fl, web.Flash{Kind: web.FlashSuccess, Key: "flash.calendar_moved", Args: []any{len(moved)}})
	}
	h.AddFlashes(c, fl...)
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

// SetFulfilDays sets how many days after the decision (or the payment of a fee) a
// decided request should be carried out: the queue's second clock.
func (h *Handlers) SetFulfilDays(c *gin.Context) error {
	var f fulfilForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
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
		return h.renderCalendarPage(c, http.StatusBadRequest, nil, inv, "", "")
	}
	if err := h.fulfil.SetFulfilDays(c.Request.Context(), n); err != nil {
		return err
	}
	h.AddFlashArgs(c, web.FlashSuccess, "flash.fulfil_days", n)
	c.Redirect(http.StatusSeeOther, "/admin/calendar")
	return nil
}
