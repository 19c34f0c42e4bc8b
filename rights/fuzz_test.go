package rights

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// FuzzDueDate: for any received date (2000-2099), kind and calendar around the due
// date, DueDate and Extend do not panic and their results have the properties of
// checkDue (at least the statutory days after filing, a working weekday, the first such
// day), also without a calendar; a later filing or a longer period never gives an
// earlier due date; the zero date has no due date. Seeds are in
// testdata/fuzz/FuzzDueDate.
func FuzzDueDate(f *testing.F) {
	f.Add(9497, uint8(0), 10, []byte{1, 1, 1, 1, 2, 0, 1})
	f.Fuzz(func(t *testing.T, day int, kind uint8, calStart int, flags []byte) {
		const span = 100 * 365
		day %= span
		if day < 0 {
			day += span
		}
		received := NewDate(2000, 1, 1).AddDays(day)
		if len(flags) > 800 {
			flags = flags[:800]
		}
		calStart %= 60
		k := Kinds[int(kind)%len(Kinds)]
		// The calendar starts up to 60 days either side of the unmoved last day.
		cal := randomDays(received.AddDays(k.DecisionDays()+calStart), flags)
		due := DueDate(k, received, cal)
		checkDue(t, k, received, cal, due)
		ext := Extend(due, k, cal)
		checkDue(t, k, due, cal, ext)

		// Monotonic: filing a day later, or under the 30-day period, is never due earlier.
		if later := DueDate(k, received.AddDays(1), cal); later.Before(due) {
			t.Fatalf("%s: received %s due %s, received a day later due %s", k, received, due, later)
		}
		if long := DueDate(Delete, received, cal); long.Before(DueDate(View, received, cal)) {
			t.Fatalf("received %s: the 30-day period ends before the 15-day one", received)
		}
		// No calendar is plain weekends, the same as an empty one.
		plain := DueDate(k, received, nil)
		checkDue(t, k, received, nil, plain)
		if plain != DueDate(k, received, NewDays(nil)) {
			t.Fatalf("%s received %s: nil and empty calendars disagree", k, received)
		}
		if !DueDate(k, Date{}, cal).IsZero() || !Extend(Date{}, k, cal).IsZero() {
			t.Fatal("the zero date has a due date")
		}
	})
}

// FuzzParseCalendarCSV: any input is accepted or refused with an *ImportError, never a
// panic; what is accepted respects the limits and reads back the same after
// WriteCalendarCSV. Seeds are in testdata/fuzz/FuzzParseCalendarCSV.
func FuzzParseCalendarCSV(f *testing.F) {
	f.Add([]byte("date,day_off,note\n2026-01-01,true,開國紀念日\n"))
	f.Add([]byte("\ufeff西元日期,星期,是否放假,備註\r\n20260101,四,2,開國紀念日\r\n20260102,五,0,\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseCalendarCSV(bytes.NewReader(data))
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || ie.Line < 0 || ie.Problem == "" {
				t.Fatalf("error %v (%T) is not an *ImportError with a problem", err, err)
			}
			if entries != nil {
				t.Fatal("entries returned with an error")
			}
			return
		}
		if len(entries) == 0 || len(entries) > MaxCalendarRows {
			t.Fatalf("%d entries accepted", len(entries))
		}
		seen := map[Date]bool{}
		for _, e := range entries {
			if !e.Date.Valid() || seen[e.Date] {
				t.Fatalf("bad or duplicate date %+v", e)
			}
			seen[e.Date] = true
			if len(e.Note) > MaxCalendarFieldBytes || strings.IndexFunc(e.Note, unicode.IsControl) >= 0 || strings.TrimSpace(e.Note) != e.Note {
				t.Fatalf("note %q accepted", e.Note)
			}
		}
		var buf bytes.Buffer
		if err := WriteCalendarCSV(&buf, entries); err != nil {
			t.Fatal(err)
		}
		again, err := ParseCalendarCSV(&buf)
		if err != nil {
			t.Fatalf("written entries refused: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(entries, again) {
			t.Fatalf("round trip changed the entries:\n%+v\n%+v", entries, again)
		}
	})
}
