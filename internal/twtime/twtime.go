// Package twtime is Taiwan's time: the one zone in which the portal counts dates, days,
// months and deadlines, whatever the server's own zone.
package twtime

import "time"

// Zone is Asia/Taipei: UTC+8 all year (Taiwan has no daylight saving), fixed here so a
// server without the time zone database counts the same days.
var Zone = time.FixedZone("Asia/Taipei", 8*3600)

// YearsBefore is the instant n calendar years before t, on Taiwan's calendar: a period
// in years runs by the calendar (APA Art. 48(3)), so three years back from 2026-12-06 is
// 2023-12-06, 1 096 days across a leap day — never a count of 365-day years. From 29
// February a year without one gives 1 March, so at least n years lie between the two.
func YearsBefore(t time.Time, n int) time.Time {
	return t.In(Zone).AddDate(-n, 0, 0)
}

// Day writes t's date in Taiwan as 2006-01-02 (file names, form values, CSV cells).
func Day(t time.Time) string { return t.In(Zone).Format("2006-01-02") }

// Minute writes t in Taiwan to the minute, 2006-01-02 15:04 (mail and notices that name
// a moment).
func Minute(t time.Time) string { return t.In(Zone).Format("2006-01-02 15:04") }

// ROCYear is the year of the Republic of China (民國) of a Gregorian year: 2026 is 115.
func ROCYear(year int) int { return year - 1911 }
