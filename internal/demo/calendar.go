package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/example/pdpa-portal/rights"
)

// CalendarNote ends the note of every day off the demo lists: the dates are worked out, not
// the government's office calendar, which an agency imports in their place.
const CalendarNote = "（示範資料：依紀念日及節日實施條例推算；demo data: worked out from the holiday rules）"

// lunar holds, per year, the dates that follow the lunar calendar (and 清明, which
// follows the sun), for the years a demo may be run in; a year not listed gets no demo
// holidays rather than a calendar without 春節.
var lunar = map[int]struct{ newYear, qingming, dragonBoat, midAutumn rights.Date }{
	2026: {rights.NewDate(2026, 2, 17), rights.NewDate(2026, 4, 5), rights.NewDate(2026, 6, 19), rights.NewDate(2026, 9, 25)},
	2027: {rights.NewDate(2027, 2, 6), rights.NewDate(2027, 4, 5), rights.NewDate(2027, 6, 9), rights.NewDate(2027, 9, 15)},
	2028: {rights.NewDate(2028, 1, 26), rights.NewDate(2028, 4, 4), rights.NewDate(2028, 5, 28), rights.NewDate(2028, 10, 3)},
	2029: {rights.NewDate(2029, 2, 13), rights.NewDate(2029, 4, 4), rights.NewDate(2029, 6, 16), rights.NewDate(2029, 9, 22)},
	2030: {rights.NewDate(2030, 2, 3), rights.NewDate(2030, 4, 5), rights.NewDate(2030, 6, 5), rights.NewDate(2030, 9, 12)},
}

type holiday struct {
	date rights.Date
	name string
}

// Holidays are a year's national days off for civil servants under the 紀念日及節日實施
// 條例 (2025), each with its note, in date order; none for a year without lunar dates.
// A holiday on a Saturday gives the nearest weekday before it off, one on a Sunday the
// nearest weekday after (past days already off); 春節's weekend days are made up on the
// weekdays right after it.
func Holidays(year int) []rights.DayEntry {
	l, ok := lunar[year]
	if !ok {
		return nil
	}
	day := func(m time.Month, d int) rights.Date { return rights.NewDate(year, m, d) }
	spring := []holiday{
		{l.newYear.AddDays(-2), "除夕前一日 Day before Lunar New Year's Eve"},
		{l.newYear.AddDays(-1), "除夕 Lunar New Year's Eve"},
		{l.newYear, "春節 Lunar New Year"},
		{l.newYear.AddDays(1), "春節 Lunar New Year"},
		{l.newYear.AddDays(2), "春節 Lunar New Year"},
	}
	children := day(time.April, 4)
	if children == l.qingming {
		children = children.AddDays(-1) // the same day: the day before is off
	}
	others := []holiday{
		{day(time.January, 1), "開國紀念日 Founding Day"},
		{day(time.February, 28), "和平紀念日 Peace Memorial Day"},
		{children, "兒童節 Children's Day"},
		{l.qingming, "清明節 Tomb Sweeping Day"},
		{day(time.May, 1), "勞動節 Labour Day"},
		{l.dragonBoat, "端午節 Dragon Boat Festival"},
		{l.midAutumn, "中秋節 Mid-Autumn Festival"},
		{day(time.September, 28), "孔子誕辰紀念日 Teachers' Day"},
		{day(time.October, 10), "國慶日 National Day"},
		{day(time.October, 25), "臺灣光復暨金門古寧頭大捷紀念日 Retrocession Day"},
		{day(time.December, 25), "行憲紀念日 Constitution Day"},
	}
	off := map[rights.Date]string{}
	for _, h := range append(slices.Clone(spring), others...) {
		off[h.date] = h.name
	}
	weekday := func(d rights.Date) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }
	// free is the first weekday from d, stepping by step, that is not already off.
	free := func(d rights.Date, step int) rights.Date {
		for !weekday(d) || off[d] != "" {
			d = d.AddDays(step)
		}
		return d
	}
	for _, h := range spring {
		if !weekday(h.date) {
			off[free(l.newYear.AddDays(3), 1)] = h.name + " 補假 (substitute)"
		}
	}
	slices.SortFunc(others, func(a, b holiday) int { return a.date.Compare(b.date) })
	for _, h := range others {
		switch h.date.Weekday() {
		case time.Saturday:
			off[free(h.date.AddDays(-1), -1)] = h.name + " 補假 (substitute)"
		case time.Sunday:
			off[free(h.date.AddDays(1), 1)] = h.name + " 補假 (substitute)"
		}
	}
	out := make([]rights.DayEntry, 0, len(off))
	for d, name := range off {
		out = append(out, rights.DayEntry{Date: d, DayOff: true, Note: name + CalendarNote})
	}
	slices.SortFunc(out, func(a, b rights.DayEntry) int { return a.Date.Compare(b.Date) })
	return out
}

// calendar lists the holidays of the demo's year and the next as days off, through the
// store call a CSV import makes, before any request is filed, so due dates count them.
// A year whose calendar already lists dates (an imported official file) is left alone.
func (d *demo) calendar(ctx context.Context) error {
	cal := d.deps.Portal.Calendar
	year := rights.DateOf(d.now).Year
	var entries []rights.DayEntry
	for _, y := range []int{year, year + 1} {
		listed, err := cal.List(ctx, y)
		if err != nil {
			return fmt.Errorf("demo calendar: %w", err)
		}
		if h := Holidays(y); len(listed) == 0 && len(h) > 0 {
			entries = append(entries, h...)
			d.holidayYears = append(d.holidayYears, y)
		}
	}
	if _, _, err := cal.Import(ctx, entries); err != nil {
		return fmt.Errorf("demo calendar: %w", err)
	}
	return nil
}
