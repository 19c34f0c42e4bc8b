package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/i18n"
)

// cookieValue reads a cookie as r.Cookie does: the first valid one of its name, quotes
// removed, across several Cookie headers, none past the limit on their number.
func TestCookieValueReadsAsRequestCookie(t *testing.T) {
	for _, lines := range [][]string{
		nil,
		{""},
		{"portal_visit=v2.abc"},
		{"a=1; portal_visit=v2.abc; portal_cookies=analytics"},
		{"  portal_visit = \"quoted\" ;x=y"},
		{"portal_visit=bad\\value; portal_visit=good"},
		{"portal_visit"},
		{"portal_visits=no; xportal_visit=no"},
		{"a=1", "portal_visit=second-line"},
		{"portal_visit=\"", "portal_visit=\"\""},
		{strings.Repeat("a=1;", 3000) + "portal_visit=past-the-limit"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, l := range lines {
			r.Header.Add("Cookie", l)
		}
		want, err := r.Cookie("portal_visit")
		got, ok := cookieValue(r, "portal_visit")
		if ok != (err == nil) || ok && got != want.Value {
			t.Errorf("%q: cookieValue %q %v, r.Cookie %v %v", lines, got, ok, want, err)
		}
	}
}

// A Chinese date is written as fmt.Sprintf("%d年%d月%d日") wrote it, in Taipei's day.
func TestChineseDateAsFormatted(t *testing.T) {
	v := &View{Lang: i18n.ZH}
	for _, at := range []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC),
		time.Date(999, 9, 9, 9, 0, 0, 0, time.UTC), time.Date(10000, 10, 10, 0, 0, 0, 0, time.UTC),
	} {
		tw := at.In(Taipei)
		if got, want := v.Date(at), fmt.Sprintf("%d年%d月%d日", tw.Year(), int(tw.Month()), tw.Day()); got != want {
			t.Errorf("Date(%v) = %q, want %q", at, got, want)
		}
	}
}
