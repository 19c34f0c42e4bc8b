// Package twtime is Taiwan's time: the one zone in which the portal counts dates, days,
// months and deadlines, whatever the server's own zone.
package twtime

import "time"

// Zone is Asia/Taipei: UTC+8 all year (Taiwan has no daylight saving), fixed here so a
// server without the time zone database counts the same days.
var Zone = time.FixedZone("Asia/Taipei", 8*3600)
