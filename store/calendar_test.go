package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

const calendarCSV = "\ufeff西元日期,星期,是否放假,備註\r\n" +
	"20251231,三,0,\r\n" +
	"20260101,四,2,開國紀念日\r\n" +
	"20260102,五,0,\r\n" +
	"20260103,六,2,\r\n" +
	"20260131,六,0,補行上班\r\n" +
	"20260216,一,2,除夕\r\n" +
	"20260227,五,2,和平紀念日補假\r\n" +
	"20261225,五,2,行憲紀念日\r\n" +
	"20270101,五,2,開國紀念日\r\n"

func TestCalendarImportDaysList(t *testing.T) {
	db := storetest.New(t)
	cal := store.NewCalendar(db.DB)
	c := ctx(t)
	entries, err := rights.ParseCalendarCSV(strings.NewReader(calendarCSV))
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := cal.Import(c, entries)
	if err != nil || n != len(entries) {
		t.Fatalf("import: %d %v", n, err)
	}

	days, err := cal.Days(c, rights.NewDate(2026, 1, 1), rights.NewDate(2026, 2, 28))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range days.Entries() {
		got = append(got, e.Date.String())
	}
	if want := []string{"2026-01-01", "2026-01-02", "2026-01-03", "2026-01-31", "2026-02-16", "2026-02-27"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("range: %v, want %v", got, want)
	}
	if !days.DayOff(rights.NewDate(2026, 1, 1)) || days.DayOff(rights.NewDate(2026, 1, 31)) || !days.DayOff(rights.NewDate(2026, 2, 27)) {
		t.Fatal("flags")
	}
	if e, _ := days.Entry(rights.NewDate(2026, 2, 16)); e.Note != "除夕" {
		t.Fatalf("note: %+v", e)
	}
	if _, ok := days.Entry(rights.NewDate(2025, 12, 31)); ok {
		t.Fatal("a date before the range")
	}
	// The calendar from the store drives the deadline.
	if due := rights.DueDate(rights.View, rights.NewDate(2026, 2, 12), days); due != rights.NewDate(2026, 3, 2) {
		t.Fatalf("due %s", due)
	}

	list, err := cal.List(c, 2026)
	if err != nil || len(list) != 7 || list[0].Date != rights.NewDate(2026, 1, 1) || list[6].Date != rights.NewDate(2026, 12, 25) {
		t.Fatalf("list 2026: %+v %v", list, err)
	}
	if list, err := cal.List(c, 2027); err != nil || len(list) != 1 || list[0].Note != "開國紀念日" {
		t.Fatalf("list 2027: %+v %v", list, err)
	}
	if list, err := cal.List(c, 2030); err != nil || len(list) != 0 {
		t.Fatalf("list 2030: %+v %v", list, err)
	}
	if days, err := cal.Days(c, rights.NewDate(2026, 3, 1), rights.NewDate(2026, 1, 1)); err != nil || days.Len() != 0 {
		t.Fatalf("empty range: %v", err)
	}
	if _, err := cal.Days(c, rights.Date{}, rights.NewDate(2026, 1, 1)); err == nil {
		t.Fatal("no from date")
	}
	if _, _, err := cal.Import(c, []rights.DayEntry{{Date: rights.Date{Year: 2026, Month: 2, Day: 30}}}); err == nil {
		t.Fatal("an impossible date imported")
	}
}

func TestCalendarReimportUpdates(t *testing.T) {
	db := storetest.New(t)
	cal := store.NewCalendar(db.DB)
	c := ctx(t)
	if _, _, err := cal.Import(c, []rights.DayEntry{
		{Date: rights.NewDate(2026, 7, 29), DayOff: false},
		{Date: rights.NewDate(2026, 9, 25), DayOff: true, Note: "中秋節"},
	}); err != nil {
		t.Fatal(err)
	}
	// A typhoon closes the offices; the import is repeated with the change and a
	// corrected note, and one date twice (the later wins).
	n, _, err := cal.Import(c, []rights.DayEntry{
		{Date: rights.NewDate(2026, 7, 29), DayOff: true, Note: "颱風停止上班"},
		{Date: rights.NewDate(2026, 9, 25), DayOff: true, Note: "中秋節（星期五）"},
		{Date: rights.NewDate(2026, 10, 9), DayOff: false, Note: "first"},
		{Date: rights.NewDate(2026, 10, 9), DayOff: true, Note: "國慶日補假"},
	})
	if err != nil || n != 3 {
		t.Fatalf("re-import: %d dates, %v", n, err)
	}
	list, err := cal.List(c, 2026)
	want := []rights.DayEntry{
		{Date: rights.NewDate(2026, 7, 29), DayOff: true, Note: "颱風停止上班"},
		{Date: rights.NewDate(2026, 9, 25), DayOff: true, Note: "中秋節（星期五）"},
		{Date: rights.NewDate(2026, 10, 9), DayOff: true, Note: "國慶日補假"},
	}
	if err != nil || !reflect.DeepEqual(list, want) {
		t.Fatalf("after re-import:\n%+v\n%+v %v", list, want, err)
	}
	if n, _, err := cal.Import(c, nil); err != nil || n != 0 {
		t.Fatalf("empty import: %d %v", n, err)
	}

	dump := storetest.Dump(t, db)
	for _, id := range []string{"2026-07-29", "2026-09-25", "2026-10-09"} {
		if k := strings.Count(dump, `"_id": "`+id+`"`); k != 1 {
			t.Fatalf("%s stored %d times:\n%s", id, k, dump)
		}
	}
}

// A large file imports quickly (one upsert per date took half a minute for 5000 dates on
// the embedded engine), and two portals importing at once on a shared database (each
// with its own process lock) leave one document per date, as the file says.
func TestCalendarImportLargeAndConcurrent(t *testing.T) {
	db := storetest.New(t)
	c := ctx(t)
	entries := make([]rights.DayEntry, rights.MaxCalendarRows)
	for i := range entries {
		day := rights.NewDate(2020, 1, 1).AddDays(i)
		entries[i] = rights.DayEntry{Date: day, DayOff: day.Weekday() == time.Saturday || day.Weekday() == time.Sunday}
	}
	start := time.Now()
	if n, _, err := store.NewCalendar(db.DB).Import(c, entries[:4000]); err != nil || n != 4000 {
		t.Fatalf("import: %d %v", n, err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("importing 4000 dates took %v", took)
	}

	other, err := store.Connect(c, db.URI, db.Name, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(c)
	for i := 0; i < len(entries); i += 100 {
		entries[i].Note = "second import"
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, h := range []*store.DB{db.DB, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, _, err := store.NewCalendar(h).Import(c, entries)
			if err == nil && n != len(entries) {
				err = fmt.Errorf("imported %d", n)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	days, err := store.NewCalendar(db.DB).Days(c, rights.NewDate(2020, 1, 1), rights.NewDate(2040, 1, 1))
	if err != nil || days.Len() != len(entries) {
		t.Fatalf("after concurrent imports: %d %v", days.Len(), err)
	}
	for i, e := range days.Entries() {
		if e != entries[i] {
			t.Fatalf("%+v, want %+v", e, entries[i])
		}
	}
	n, err := store.NewCalendar(db.DB).List(c, 2026)
	if err != nil || len(n) != 365 {
		t.Fatalf("2026: %d %v", len(n), err)
	}
}

// An import reports the dates whose day off or working day changed, so only the due
// dates those touch are re-computed: an ordinary weekday or weekend listed as it already
// was, or a new note, changes none. A removed date is a plain weekday or weekend again.
func TestCalendarImportReportsChangedDatesAndRemoves(t *testing.T) {
	db := storetest.New(t)
	cal := store.NewCalendar(db.DB)
	c := ctx(t)
	entries, err := rights.ParseCalendarCSV(strings.NewReader(calendarCSV))
	if err != nil {
		t.Fatal(err)
	}
	_, changed, err := cal.Import(c, entries)
	if err != nil {
		t.Fatal(err)
	}
	want := []rights.Date{rights.NewDate(2026, 1, 1), rights.NewDate(2026, 1, 31), rights.NewDate(2026, 2, 16), rights.NewDate(2026, 2, 27), rights.NewDate(2026, 12, 25), rights.NewDate(2027, 1, 1)}
	if !reflect.DeepEqual(changed, want) {
		t.Fatalf("changed %v, want %v", changed, want)
	}
	_, changed, err = cal.Import(c, []rights.DayEntry{{Date: rights.NewDate(2026, 1, 1), DayOff: true, Note: "元旦"}, {Date: rights.NewDate(2026, 7, 29), DayOff: true, Note: "颱風"}})
	if err != nil || !reflect.DeepEqual(changed, []rights.Date{rights.NewDate(2026, 7, 29)}) {
		t.Fatalf("a new note and a typhoon day: %v %v", changed, err)
	}
	if ok, err := cal.Remove(c, rights.NewDate(2026, 7, 29)); !ok || err != nil {
		t.Fatalf("remove: %v %v", ok, err)
	}
	if ok, err := cal.Remove(c, rights.NewDate(2026, 7, 29)); ok || err != nil {
		t.Fatalf("remove again: %v %v", ok, err)
	}
	days, err := cal.Days(c, rights.NewDate(2026, 7, 1), rights.NewDate(2026, 7, 31))
	if err != nil || days.DayOff(rights.NewDate(2026, 7, 29)) {
		t.Fatalf("the removed typhoon day is still off: %v", err)
	}
}

// A staged import is kept per administrator, replaced by their next upload, and claimed
// once, by its own token only.
func TestCalendarImportsStageAndClaim(t *testing.T) {
	db := storetest.New(t)
	st := store.NewCalendarImports(db.DB)
	c := ctx(t)
	entries, err := rights.ParseCalendarCSV(strings.NewReader(calendarCSV))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	first := rights.StagedImport{By: "admin-1", Token: "t1", Entries: entries[:2], Expires: at}
	second := rights.StagedImport{By: "admin-1", Token: "t2", Entries: entries, Expires: at}
	if err := st.Stage(c, first); err != nil {
		t.Fatal(err)
	}
	if err := st.Stage(c, second); err != nil {
		t.Fatal(err)
	}
	got, err := st.Staged(c, "admin-1")
	if err != nil || got.Token != "t2" || !reflect.DeepEqual(got.Entries, entries) || !got.Expires.Equal(at) {
		t.Fatalf("staged: %+v %v", got, err)
	}
	if _, err := st.Claim(c, "admin-1", "t1"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("a replaced upload claimed: %v", err)
	}
	if _, err := st.Staged(c, "admin-2"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("another administrator's: %v", err)
	}
	if got, err := st.Claim(c, "admin-1", "t2"); err != nil || len(got.Entries) != len(entries) {
		t.Fatalf("claim: %d %v", len(got.Entries), err)
	}
	if _, err := st.Claim(c, "admin-1", "t2"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("claimed twice: %v", err)
	}
}

// An upload nobody confirms is deleted by the retention run once its hour is over; one
// still waiting is kept.
func TestCalendarImportsExpiredAreDropped(t *testing.T) {
	db := storetest.New(t)
	st := store.NewCalendarImports(db.DB)
	c := ctx(t)
	entries, err := rights.ParseCalendarCSV(strings.NewReader(calendarCSV))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, si := range []rights.StagedImport{
		{By: "left", Token: "t1", Entries: entries, Expires: now.Add(-time.Minute)},
		{By: "waiting", Token: "t2", Entries: entries, Expires: now.Add(time.Minute)},
	} {
		if err := st.Stage(c, si); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.DropExpired(c, now); err != nil || n != 1 {
		t.Fatalf("dropped %d: %v", n, err)
	}
	if _, err := st.Staged(c, "left"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("an expired upload kept: %v", err)
	}
	if _, err := st.Staged(c, "waiting"); err != nil {
		t.Fatalf("an upload still waiting dropped: %v", err)
	}
}
