package rights

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/example/pdpa-portal/internal/twtime"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Date is a civil (calendar) date in Taiwan, without a time or a zone: statutory periods
// are counted in whole days, so a date never drifts with the zone of a server or a
// browser. Build one with NewDate, DateOf or ParseDate; the zero Date means "no date".
//
// Dates are of Taiwan's time, twtime.Zone: Taiwan has kept UTC+8 without daylight saving
// since 1980, so a fixed zone gives the same dates as the tz database for every date the
// portal handles, and does not depend on the host having tzdata installed.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d, normalised as time.Date does (2026-02-30 is 2026-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return dateFromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the date in twtime.Zone at the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(twtime.Zone).Date()
	return Date{y, m, d}
}

func dateFromTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads an ISO date (2026-01-02). Anything else, including impossible dates
// such as 2026-02-30, is an error.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date written as YYYY-MM-DD", s)
	}
	return dateFromTime(t), nil
}

// utc is midnight UTC of the date: day arithmetic in UTC has no daylight saving or
// zone offsets, so adding 24 hours is always one day.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Start is the instant the date begins in twtime.Zone.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, twtime.Zone) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real date (normalised and not zero).
func (d Date) Valid() bool { return !d.IsZero() && NewDate(d.Year, d.Month, d.Day) == d }

// AddDays returns the date n calendar days later (earlier when n is negative).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// Sub returns the number of calendar days from e to d (d - e).
func (d Date) Sub(e Date) int {
	return int((d.utc().Unix() - e.utc().Unix()) / (24 * 60 * 60))
}

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// String is the ISO form, 2026-01-02 (empty for the zero Date). For years 1000-9999 the
// strings sort as the dates do, which the calendar store relies on.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText writes the ISO form.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the ISO form; empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Calendar tells whether the agency is closed on a date.
type Calendar interface {
	// DayOff reports whether d is a day off (放假): a weekend day not made a working
	// day, a national holiday, a typhoon day, ...
	DayOff(d Date) bool
}

// DayEntry is one date of the agency's office calendar.
type DayEntry struct {
	Date   Date
	DayOff bool
	Note   string // e.g. 開國紀念日, 補行上班, 颱風停止上班
}

// Days is an in-memory Calendar. A listed date is a day off or a working day as its
// entry says — a Saturday may be a make-up working day (補行上班), a weekday a holiday.
// An unlisted date is a day off when it is a Saturday or Sunday. The nil *Days is the
// calendar of plain weekends. Days may be read concurrently once built.
type Days struct {
	m map[Date]DayEntry
}

var _ Calendar = (*Days)(nil)

// NewDays builds a calendar from entries; of two entries for one date the later wins.
func NewDays(entries []DayEntry) *Days {
	d := &Days{m: make(map[Date]DayEntry, len(entries))}
	for _, e := range entries {
		d.Set(e)
	}
	return d
}

// Set adds or replaces the entry for e.Date.
func (c *Days) Set(e DayEntry) {
	if c.m == nil {
		c.m = make(map[Date]DayEntry)
	}
	c.m[e.Date] = e
}

// Entry returns the entry for a date, if the calendar lists it.
func (c *Days) Entry(d Date) (DayEntry, bool) {
	if c == nil {
		return DayEntry{}, false
	}
	e, ok := c.m[d]
	return e, ok
}

// DayOff implements Calendar.
func (c *Days) DayOff(d Date) bool {
	if e, ok := c.Entry(d); ok {
		return e.DayOff
	}
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Len is the number of listed dates.
func (c *Days) Len() int {
	if c == nil {
		return 0
	}
	return len(c.m)
}

// Entries lists the listed dates in date order.
func (c *Days) Entries() []DayEntry {
	if c == nil {
		return nil
	}
	out := make([]DayEntry, 0, len(c.m))
	for _, e := range c.m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b DayEntry) int { return a.Date.Compare(b.Date) })
	return out
}

// Limits of a calendar file.
const (
	MaxCalendarRows       = 5000    // dates in one file
	MaxCalendarFieldBytes = 200     // bytes in one field (after decoding to UTF-8)
	MaxCalendarFileBytes  = 4 << 20 // bytes in one file
	minCalendarYear       = 1912    // 民國元年
	maxCalendarYear       = 9999
)

// ImportError is a problem in a calendar file. Line is the 1-based line of the file (0
// when the problem is the file as a whole); Problem says what is wrong, in English (for
// logs); Key and Args say it again for the message catalogue (calendar.err.<Key>).
type ImportError struct {
	Line    int
	Problem string
	Key     string
	Args    []any
}

func (e *ImportError) Error() string {
	if e.Line == 0 {
		return "calendar file: " + e.Problem
	}
	return fmt.Sprintf("calendar file, line %d: %s", e.Line, e.Problem)
}

func importErr(line int, key, format string, args ...any) *ImportError {
	return &ImportError{Line: line, Problem: fmt.Sprintf(format, args...), Key: key, Args: args}
}

// calendar file layouts
const (
	layoutSimple = iota // date,day_off,note
	layoutGov           // 西元日期,星期,是否放假,備註
)

type columns struct {
	layout                      int
	date, dayOff, weekday, note int // -1 when absent
	n                           int // fields in the header
}

// ParseCalendarCSV reads an office calendar in one of two layouts:
//
//   - the government's open data 政府行政機關辦公日曆表: a header 西元日期,星期,是否放假,備註
//     (in any order), dates as 20260101, 是否放假 2 for a day off and 0 for a working day,
//     星期 (checked against the date when present) and 備註 a note;
//   - a simple layout: a header date,day_off,note (note optional; the header may be left
//     out), ISO dates, day_off true/false/1/0.
//
// Either date form is accepted in either layout. The text is UTF-8, with or without a
// byte-order mark; text that is not valid UTF-8 is read as Big5, in which older years of
// the government data are published. Columns not named above are ignored. A file holds
// at most MaxCalendarRows dates, each field at most MaxCalendarFieldBytes bytes, no date
// twice. Every error is an *ImportError naming the line and the problem.
func ParseCalendarCSV(r io.Reader) ([]DayEntry, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxCalendarFileBytes+1))
	if err != nil {
		return nil, importErr(0, "read", "cannot read the file: %v", err)
	}
	if len(raw) > MaxCalendarFileBytes {
		return nil, importErr(0, "too_large", "the file is larger than %d MiB", MaxCalendarFileBytes>>20)
	}
	text, err := decodeCalendarText(raw)
	if err != nil {
		return nil, err
	}

	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	var (
		cols   *columns
		out    []DayEntry
		seen   = map[Date]int{}
		header = true
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, importErr(pe.Line, "csv", "%v", pe.Err)
			}
			return nil, importErr(0, "csv", "%v", err)
		}
		line, _ := cr.FieldPos(0)
		for i, f := range rec {
			if len(f) > MaxCalendarFieldBytes {
				return nil, importErr(line, "field_long", "field %d is longer than %d bytes", i+1, MaxCalendarFieldBytes)
			}
			if strings.IndexFunc(f, unicode.IsControl) >= 0 {
				return nil, importErr(line, "field_control", "field %d contains a control character", i+1)
			}
			rec[i] = strings.TrimSpace(f)
		}
		if !slices.ContainsFunc(rec, func(f string) bool { return f != "" }) {
			continue // a row of empty fields, as spreadsheets leave at the end
		}
		if header {
			header = false
			c, isHeader, err := readHeader(rec, line)
			if err != nil {
				return nil, err
			}
			cols = c
			if isHeader {
				continue
			}
		}
		if len(out) == MaxCalendarRows {
			return nil, importErr(line, "too_many", "more than %d dates in one file", MaxCalendarRows)
		}
		e, err := cols.entry(rec, line)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[e.Date]; dup {
			return nil, importErr(line, "duplicate", "date %s is already on line %d", e.Date, first)
		}
		seen[e.Date] = line
		out = append(out, e)
	}
	if cols == nil {
		return nil, importErr(0, "empty", "the file is empty")
	}
	if len(out) == 0 {
		return nil, importErr(0, "no_dates", "the file lists no dates")
	}
	return out, nil
}

// decodeCalendarText returns the file as UTF-8 without a byte-order mark.
func decodeCalendarText(raw []byte) ([]byte, error) {
	if bytes.HasPrefix(raw, []byte{0xFF, 0xFE}) || bytes.HasPrefix(raw, []byte{0xFE, 0xFF}) {
		return nil, importErr(0, "utf16", "the file is UTF-16; save it as UTF-8 (or Big5)")
	}
	if text, ok := bytes.CutPrefix(raw, []byte("\uFEFF")); ok {
		if !utf8.Valid(text) {
			return nil, importErr(lineOfInvalidUTF8(text), "bad_bom", "the file starts with a UTF-8 byte-order mark but is not valid UTF-8")
		}
		return text, nil
	}
	if utf8.Valid(raw) {
		return raw, nil
	}
	text, err := traditionalchinese.Big5.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, importErr(0, "encoding_err", "the file is neither UTF-8 nor Big5 text: %v", err)
	}
	if i := bytes.IndexRune(text, utf8.RuneError); i >= 0 {
		return nil, importErr(1+bytes.Count(text[:i], []byte("\n")), "encoding", "the file is neither UTF-8 nor Big5 text")
	}
	return text, nil
}

func lineOfInvalidUTF8(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}

// readHeader recognises the header row; a first row that starts with a date is data in
// the simple layout without a header.
func readHeader(rec []string, line int) (*columns, bool, error) {
	if _, ok := parseCalendarDate(rec[0]); ok {
		return &columns{layout: layoutSimple, date: 0, dayOff: 1, weekday: -1, note: 2, n: 3}, false, nil
	}
	c := &columns{date: -1, dayOff: -1, weekday: -1, note: -1, n: len(rec)}
	names := map[string]*int{
		"西元日期": &c.date, "是否放假": &c.dayOff, "星期": &c.weekday, "備註": &c.note,
		"date": &c.date, "day_off": &c.dayOff, "note": &c.note,
	}
	gov, simple := false, false
	for i, f := range rec {
		name := strings.ToLower(f)
		p, known := names[name]
		if !known {
			continue
		}
		if *p >= 0 {
			return nil, false, importErr(line, "column_twice", "column %q appears twice in the header", f)
		}
		*p = i
		if name == "date" || name == "day_off" || name == "note" {
			simple = true
		} else {
			gov = true
		}
	}
	switch {
	case gov && simple:
		return nil, false, importErr(line, "header_mixed", "the header mixes the government columns (西元日期, 是否放假) with date, day_off")
	case gov:
		c.layout = layoutGov
		if c.date < 0 || c.dayOff < 0 {
			return nil, false, importErr(line, "header_gov", "the header needs the columns 西元日期 and 是否放假")
		}
	case simple:
		c.layout = layoutSimple
		if c.date < 0 || c.dayOff < 0 {
			return nil, false, importErr(line, "header_simple", "the header needs the columns date and day_off")
		}
	default:
		return nil, false, importErr(line, "no_header", "no header: expected 西元日期,星期,是否放假,備註 or date,day_off,note")
	}
	return c, true, nil
}

func (c *columns) entry(rec []string, line int) (DayEntry, error) {
	if len(rec) > c.n {
		return DayEntry{}, importErr(line, "field_count", "%d fields but the header has %d", len(rec), c.n)
	}
	field := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return rec[i]
	}
	dateName, offName := "date", "day_off"
	if c.layout == layoutGov {
		dateName, offName = "西元日期", "是否放假"
	}
	var e DayEntry
	ds := field(c.date)
	if ds == "" {
		return e, importErr(line, "date_empty", "%s is empty", dateName)
	}
	d, ok := parseCalendarDate(ds)
	if !ok {
		return e, importErr(line, "date_bad", "%s %q is not a date (write 20260101 or 2026-01-01, years %d-%d)", dateName, ds, minCalendarYear, maxCalendarYear)
	}
	e.Date = d
	off := field(c.dayOff)
	switch c.layout {
	case layoutGov:
		switch off {
		case "2":
			e.DayOff = true
		case "0":
		default:
			return e, importErr(line, "gov_flag", "是否放假 %q must be 2 (day off) or 0 (working day)", off)
		}
		if w := field(c.weekday); w != "" {
			if err := checkWeekday(w, d, line); err != nil {
				return e, err
			}
		}
	default:
		switch strings.ToLower(off) {
		case "true", "1":
			e.DayOff = true
		case "false", "0":
		default:
			return e, importErr(line, "flag", "%s %q must be true, false, 1 or 0", offName, off)
		}
	}
	e.Note = field(c.note)
	return e, nil
}

// parseCalendarDate reads 20260101 or 2026-01-01.
func parseCalendarDate(s string) (Date, bool) {
	var t time.Time
	var err error
	switch len(s) {
	case 8:
		for _, r := range s {
			if r < '0' || r > '9' {
				return Date{}, false
			}
		}
		t, err = time.Parse("20060102", s)
	case 10:
		t, err = time.Parse(time.DateOnly, s)
	default:
		return Date{}, false
	}
	if err != nil || t.Year() < minCalendarYear || t.Year() > maxCalendarYear {
		return Date{}, false
	}
	return dateFromTime(t), true
}

var weekdayNames = [...]string{"日", "一", "二", "三", "四", "五", "六"}

// checkWeekday compares the 星期 column (四, 星期四, 週四, 周四) with the date: a mismatch
// means shifted columns or a wrong year.
func checkWeekday(w string, d Date, line int) error {
	r, _ := utf8.DecodeLastRuneInString(w)
	name := string(r)
	if name == "天" {
		name = "日"
	}
	if !slices.Contains(weekdayNames[:], name) {
		return importErr(line, "weekday_bad", "星期 %q is not a day of the week (一 to 日)", w)
	}
	if want := weekdayNames[d.Weekday()]; name != want {
		return importErr(line, "weekday_mismatch", "星期 %q does not match %s, which is a %s (星期%s)", w, d, d.Weekday(), want)
	}
	return nil
}

// WriteCalendarCSV writes entries in the simple layout (date,day_off,note, UTF-8, ISO
// dates), which ParseCalendarCSV reads back.
func WriteCalendarCSV(w io.Writer, entries []DayEntry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"date", "day_off", "note"}); err != nil {
		return err
	}
	for _, e := range entries {
		if err := cw.Write([]string{e.Date.String(), strconv.FormatBool(e.DayOff), e.Note}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CalendarStore keeps the agency's office calendar.
type CalendarStore interface {
	// Import adds or replaces the entries and returns how many dates it stored and the
	// dates whose day off or working day changed (an unlisted date counts as a weekend
	// day off or a working weekday).
	Import(ctx context.Context, entries []DayEntry) (int, []Date, error)
	// Remove deletes a listed date (false: it was not listed).
	Remove(ctx context.Context, d Date) (bool, error)
	// Days returns the calendar between two dates (inclusive) for the deadline rules.
	Days(ctx context.Context, from, to Date) (*Days, error)
	// List returns one year's listed dates in order.
	List(ctx context.Context, year int) ([]DayEntry, error)
}
