package rights

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/traditionalchinese"
)

func TestDate(t *testing.T) {
	if got := NewDate(2026, 2, 29); got != d(2026, 3, 1) {
		t.Fatalf("normalising: %v", got)
	}
	if got := d(2026, 12, 31).AddDays(1); got != d(2027, 1, 1) || got.String() != "2027-01-01" {
		t.Fatalf("across the year: %v", got)
	}
	if n := d(2027, 1, 1).Sub(d(2026, 1, 1)); n != 365 {
		t.Fatalf("days in 2026: %d", n)
	}
	if n := d(2100, 1, 1).Sub(d(1700, 1, 1)); n != 146097 {
		t.Fatalf("400 years: %d", n)
	}
	if d(2026, 1, 1).Weekday() != time.Thursday || d(2026, 2, 28).Weekday() != time.Saturday {
		t.Fatal("weekdays")
	}
	if !d(2026, 1, 1).Before(d(2026, 1, 2)) || !d(2027, 1, 1).After(d(2026, 12, 31)) || d(2026, 5, 1).Compare(d(2026, 5, 1)) != 0 {
		t.Fatal("comparisons")
	}
	if !d(2026, 1, 1).Valid() || (Date{2026, 2, 30}).Valid() || (Date{}).Valid() {
		t.Fatal("validity")
	}
	// The date in twtime.Zone, whatever the zone of the instant.
	for _, tc := range []struct {
		at   time.Time
		want Date
	}{
		{time.Date(2025, 12, 31, 15, 59, 59, 0, time.UTC), d(2025, 12, 31)},
		{time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC), d(2026, 1, 1)},
		{time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("PST", -8*3600)), d(2026, 1, 1)},
		{time.Date(2026, 1, 1, 17, 0, 0, 0, time.FixedZone("PST", -8*3600)), d(2026, 1, 2)},
	} {
		if got := DateOf(tc.at); got != tc.want {
			t.Errorf("DateOf(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if s := d(2026, 1, 2).Start(); !s.Equal(time.Date(2026, 1, 1, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("start of day in twtime.Zone: %v", s)
	}
	for _, bad := range []string{"2026-02-30", "2026-1-1", "20260101", "", "2026-01-01T00:00:00Z"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	var v struct{ Due Date }
	if err := json.Unmarshal([]byte(`{"Due":"2026-04-07"}`), &v); err != nil || v.Due != d(2026, 4, 7) {
		t.Fatalf("json: %v %v", v, err)
	}
	if b, _ := json.Marshal(v); string(b) != `{"Due":"2026-04-07"}` {
		t.Fatalf("json: %s", b)
	}
}

func TestDaysEntries(t *testing.T) {
	days := NewDays([]DayEntry{
		{Date: d(2026, 2, 27), DayOff: true, Note: "補假"},
		{Date: d(2026, 1, 1), DayOff: true, Note: "元旦"},
		{Date: d(2026, 2, 27), DayOff: false, Note: "later entry wins"},
	})
	if days.Len() != 2 || days.DayOff(d(2026, 2, 27)) {
		t.Fatalf("%+v", days.Entries())
	}
	if e := days.Entries(); e[0].Date != d(2026, 1, 1) || e[1].Note != "later entry wins" {
		t.Fatalf("order: %+v", e)
	}
	if e, ok := days.Entry(d(2026, 1, 1)); !ok || e.Note != "元旦" {
		t.Fatal("entry")
	}
	var zero Days
	zero.Set(DayEntry{Date: d(2026, 1, 5), DayOff: true})
	if !zero.DayOff(d(2026, 1, 5)) {
		t.Fatal("the zero Days takes entries")
	}
}

const govCSV = "西元日期,星期,是否放假,備註\r\n" +
	"20260101,四,2,開國紀念日\r\n" +
	"20260102,五,0,\r\n" +
	"20260103,六,2,\r\n" +
	"20260131,六,0,補行上班\r\n" +
	"20260227,五,2,和平紀念日補假\r\n"

var govEntries = []DayEntry{
	{Date: d(2026, 1, 1), DayOff: true, Note: "開國紀念日"},
	{Date: d(2026, 1, 2), DayOff: false},
	{Date: d(2026, 1, 3), DayOff: true},
	{Date: d(2026, 1, 31), DayOff: false, Note: "補行上班"},
	{Date: d(2026, 2, 27), DayOff: true, Note: "和平紀念日補假"},
}

func big5(t *testing.T, s string) []byte {
	t.Helper()
	b, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCalendarCSVAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []DayEntry
	}{
		{"government, UTF-8", []byte(govCSV), govEntries},
		{"government, UTF-8 with BOM", []byte("\ufeff" + govCSV), govEntries},
		{"government, Big5", big5(t, govCSV), govEntries},
		{"government, LF, columns reordered, 星期四 form, extra column, no trailing note",
			[]byte("是否放假,西元日期,備註,星期,來源\n2,20260101,開國紀念日,星期四,x\n0,20260102\n"),
			[]DayEntry{{Date: d(2026, 1, 1), DayOff: true, Note: "開國紀念日"}, {Date: d(2026, 1, 2)}}},
		{"simple",
			[]byte("date,day_off,note\n2026-01-01,true,New Year\n2026-01-31,FALSE,\"make-up day, Saturday\"\n2026-06-19,1,端午節\n2026-06-20,0\n"),
			[]DayEntry{{Date: d(2026, 1, 1), DayOff: true, Note: "New Year"}, {Date: d(2026, 1, 31), Note: "make-up day, Saturday"}, {Date: d(2026, 6, 19), DayOff: true, Note: "端午節"}, {Date: d(2026, 6, 20)}}},
		{"simple without a header, blank lines and spaces",
			[]byte("\n 2026-10-09 , true , 國慶日補假 \n\n,,\n2026-10-10,true,\n"),
			[]DayEntry{{Date: d(2026, 10, 9), DayOff: true, Note: "國慶日補假"}, {Date: d(2026, 10, 10), DayOff: true}}},
		{"simple header in capitals with government dates",
			[]byte("Date,Day_Off\n20270101,true\n"),
			[]DayEntry{{Date: d(2027, 1, 1), DayOff: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCalendarCSV(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			var buf bytes.Buffer
			if err := WriteCalendarCSV(&buf, got); err != nil {
				t.Fatal(err)
			}
			again, err := ParseCalendarCSV(&buf)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip: %+v %v", again, err)
			}
		})
	}
}

func TestParseCalendarCSVRefuses(t *testing.T) {
	rows := func(n int) string {
		var b strings.Builder
		b.WriteString("date,day_off\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%s,false\n", d(2020, 1, 1).AddDays(i))
		}
		return b.String()
	}
	tests := []struct {
		name    string
		in      []byte
		line    int
		problem string
	}{
		{"empty", nil, 0, "empty"},
		{"header only", []byte("date,day_off,note\n"), 0, "no dates"},
		{"no header", []byte("日期,放假\n20260101,2\n"), 1, "no header"},
		{"header without 是否放假", []byte("西元日期,星期,備註\n20260101,四,\n"), 1, "是否放假"},
		{"mixed header", []byte("西元日期,day_off\n"), 1, "mixes"},
		{"column twice", []byte("date,date,day_off\n"), 1, "twice"},
		{"duplicate date", []byte("date,day_off\n2026-01-01,true\n2026-01-02,false\n20260101,false\n"), 4, "already on line 2"},
		{"impossible date", []byte("date,day_off\n2026-02-30,true\n"), 2, `"2026-02-30" is not a date`},
		{"year out of range", []byte("date,day_off\n0099-01-01,true\n"), 2, "is not a date"},
		{"empty date", []byte("date,day_off\n2026-01-01,true\n,true\n"), 3, "date is empty"},
		{"government flag 1", []byte("西元日期,星期,是否放假,備註\n20260101,四,1,\n"), 2, "是否放假 \"1\" must be 2 (day off) or 0"},
		{"simple flag yes", []byte("date,day_off\n2026-01-01,yes\n"), 2, "must be true, false, 1 or 0"},
		{"weekday mismatch", []byte("西元日期,星期,是否放假,備註\n20260101,四,2,\n20260102,六,0,\n"), 3, "does not match 2026-01-02"},
		{"weekday nonsense", []byte("西元日期,星期,是否放假,備註\n20260101,X,2,\n"), 2, "not a day of the week"},
		{"too many fields", []byte("date,day_off\n2026-01-01,true,note\n"), 2, "3 fields but the header has 2"},
		{"field too long", []byte("date,day_off,note\n2026-01-01,true," + strings.Repeat("長", 67) + "\n"), 2, "longer than 200 bytes"},
		{"control character", []byte("date,day_off,note\n2026-01-01,true,\"a\x07b\"\n"), 2, "control character"},
		{"bad quote", []byte("date,day_off,note\n2026-01-01,true,ok\n2026-01-02,true,a\"b\n"), 3, `bare "`},
		{"UTF-16", []byte("\xff\xfed\x00a\x00"), 0, "UTF-16"},
		{"BOM then invalid UTF-8", []byte("\ufeffdate,day_off\n2026-01-01,true,\xff\n"), 2, "not valid UTF-8"},
		{"neither UTF-8 nor Big5", []byte("date,day_off,note\n2026-01-01,true,ok\n2026-01-02,true,\x80\x80\n"), 3, "neither UTF-8 nor Big5"},
		{"5001 rows", []byte(rows(MaxCalendarRows + 1)), MaxCalendarRows + 2, "more than 5000 dates"},
		{"file too large", bytes.Repeat([]byte("\n"), MaxCalendarFileBytes+1), 0, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCalendarCSV(bytes.NewReader(tc.in))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, %v; want an *ImportError", got, err)
			}
			if ie.Line != tc.line || !strings.Contains(ie.Problem, tc.problem) {
				t.Fatalf("got line %d %q, want line %d with %q", ie.Line, ie.Problem, tc.line, tc.problem)
			}
			if got != nil {
				t.Fatal("entries with an error")
			}
		})
	}
	if got, err := ParseCalendarCSV(strings.NewReader(rows(MaxCalendarRows))); err != nil || len(got) != MaxCalendarRows {
		t.Fatalf("5000 rows: %d %v", len(got), err)
	}
	if err := (&ImportError{Line: 3, Problem: "x"}).Error(); err != "calendar file, line 3: x" {
		t.Fatal(err)
	}
}

// A moved due date names the notes of the changed dates between its old and new date,
// each once and at most three, else the fallback.
func TestReasonsBetween(t *testing.T) {
	d := func(day int) Date { return NewDate(2027, 2, day) }
	why := reasons{notes: map[Date]string{d(5): "春節", d(6): "春節", d(8): "", d(9): "補假", d(10): "颱風停班", d(11): "另一天", d(20): "遠處"},
		fallback: Keyed("calendar.reason_official")}
	changed := []Date{d(11), d(10), d(9), d(8), d(6), d(5), d(20)}
	for _, tc := range []struct {
		from, to Date
		want     Word
	}{
		{d(5), d(7), Typed("春節")},
		{d(7), d(5), Typed("春節")},
		{d(8), d(8), Keyed("calendar.reason_official")},
		{d(5), d(12), Typed("春節、補假、颱風停班、…")},
		{d(12), d(19), Keyed("calendar.reason_official")},
	} {
		if got := why.between(tc.from, tc.to, changed); got != tc.want {
			t.Errorf("%s to %s: %+v, want %+v", tc.from, tc.to, got, tc.want)
		}
	}
	if got := (reasons{}).between(d(1), d(30), changed); got != (Word{}) {
		t.Errorf("no reasons: %+v", got)
	}
}
