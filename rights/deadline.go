package rights

import (
	"fmt"
	"time"
)

// Counting the Art. 13 periods.
//
// PDPA Art. 13 gives the agency 15 days (view, copy: Art. 10) or 30 days (correct, stop,
// delete: Art. 11) to decide, extendable once by at most as many days, with written
// notice of the reason. The days are counted as the Administrative Procedure Act says:
//
//   - APA Art. 48(2): a period in days does not count its first day, so day 1 is the
//     calendar day after receipt and the last day is received + N (calendar days, not
//     working days).
//   - APA Art. 48(4): 「期間之末日為星期日、國定假日或其他休息日者，以該日之次日為期間之末日；
//     期間之末日為星期六者，以其次星期一上午為期間末日。」 A last day on a Sunday, a national
//     holiday or another rest day (Calendar.DayOff) moves to the next day; a last day on
//     a Saturday moves to the following Monday. The moved-to day is the period's last day
//     and the paragraph applies to it again (Monday a holiday: Tuesday, and so on).
//
// Which days are rest days is the office calendar's to say (Calendar.DayOff): a make-up
// working Saturday (補行上班) is a working day, so a period ending on it ends that
// Saturday. This is the reading DOMAIN.md decides on, after the Ministry of Justice
// letter 法律字第0990004718號 of 2010-02-03: whether a day is a rest day is judged for the
// agencies as a whole, and on a make-up Saturday they work. A Saturday the calendar
// leaves off moves to the following Monday, any other day off to the next day. A
// Sunday the calendar marks as a working day is, by the same reasoning, a working day.
//
// Art. 48(4) ends a Saturday-moved period on Monday morning (上午); dates here carry no
// time, so the due date is that Monday. Art. 48(5) (periods of penalties) does not apply
// to the agency's own decision period.

// maxShift bounds the search for a working day: a calendar without one in ten years is
// broken, not a long holiday.
const maxShift = 3660

// mustMove reports whether Art. 48(4) moves a period ending on d to a later day: d is a
// rest day in the office calendar (without one, a Saturday or a Sunday).
func mustMove(d Date, cal Calendar) bool {
	if cal == nil {
		wd := d.Weekday()
		return wd == time.Saturday || wd == time.Sunday
	}
	return cal.DayOff(d)
}

// lastDay applies APA Art. 48(4) to the unmoved last day of a period.
func lastDay(d Date, cal Calendar) Date {
	for i := 0; mustMove(d, cal); i++ {
		if i > maxShift {
			panic(fmt.Sprintf("rights: the calendar has no working day in the %d days after %s", maxShift, d.AddDays(-i)))
		}
		// A Saturday moves to Monday, unless the calendar makes the Sunday between a
		// working day: the period never ends after a day the agency works.
		if d.Weekday() == time.Saturday && mustMove(d.AddDays(1), cal) {
			d = d.AddDays(2) // 以其次星期一上午為期間末日
		} else {
			d = d.AddDays(1) // 以該日之次日為期間之末日
		}
	}
	return d
}

// DueDate is the last day to decide a request of kind received on received (for a paper
// request mailed by registered post, the postmark date: APA Art. 49). A nil cal means
// plain weekends and no holidays. See the rule above.
func DueDate(kind Kind, received Date, cal Calendar) Date {
	if received.IsZero() {
		return Date{}
	}
	return lastDay(received.AddDays(kind.DecisionDays()), cal)
}

// Extend is the last day after the one extension Art. 13 allows, at its longest (as many
// days as the original period). The extension is counted from the original due date as
// DueDate returned it — that day not counted — under the same rules.
func Extend(due Date, kind Kind, cal Calendar) Date {
	if due.IsZero() {
		return Date{}
	}
	return lastDay(due.AddDays(kind.DecisionDays()), cal)
}

// DaysLeft is the number of calendar days from today to due: 0 on the due date, negative
// once it has passed.
func DaysLeft(due, today Date) int { return due.Sub(today) }

// DueStatus says where a request stands against its due date.
type DueStatus string

// The due statuses.
const (
	StatusOpen     DueStatus = "open"
	StatusDueToday DueStatus = "due_today"
	StatusOverdue  DueStatus = "overdue"
)

// Status compares today (the date in twtime.Zone: DateOf(now)) with a due date.
func Status(due, today Date) DueStatus {
	switch n := DaysLeft(due, today); {
	case n < 0:
		return StatusOverdue
	case n == 0:
		return StatusDueToday
	default:
		return StatusOpen
	}
}
