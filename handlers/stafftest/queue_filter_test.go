package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
)

// Every choice the queue offers is one its address and its CSV export accept, and a
// value it does not offer is refused with a message, never served as an empty list.
func TestQueueAcceptsEveryFilterItOffers(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "申請人", citizenPassword)
	h.makeUser("o@agency.example", "承辦甲", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword)
	if r := c.post("/requests", url.Values{"kind": {"view"}, "scope": {"everything"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d", r.Code)
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	page := o.get("/officer/queue")
	offered := 0
	for _, name := range []string{"kind", "state", "clock", "due"} {
		page.doc.Find(`select[name="` + name + `"] option`).Each(func(_ int, opt *goquery.Selection) {
			value, _ := opt.Attr("value")
			if value == "" {
				return
			}
			offered++
			q := url.Values{name: {value}}.Encode()
			r := o.get("/officer/queue?" + q)
			if _, selected := r.doc.Find(`select[name="` + name + `"] option[value="` + value + `"]`).Attr("selected"); r.Code != http.StatusOK || !selected {
				t.Errorf("%s: %d, chosen %v", q, r.Code, selected)
			}
			if r := o.get("/officer/queue.csv?" + q); r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") {
				t.Errorf("CSV of %s: %d %q", q, r.Code, r.Header().Get("Content-Type"))
			}
		})
	}
	// Five kinds, five states, four clocks, five due dates.
	if offered != 19 {
		t.Fatalf("the queue offers %d filter values", offered)
	}
	for _, q := range []string{"kind=erase", "state=closed", "clock=later", "due=30"} {
		if r := o.get("/officer/queue.csv?" + q); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "This value is not valid") {
			t.Errorf("CSV of %s: %d %.200q", q, r.Code, r.Body.String())
		}
		if r := o.get("/officer/queue?" + q); r.Code != http.StatusOK || r.doc.Find("tbody tr").Length() != 1 {
			t.Errorf("queue of %s: %d, %d rows (the whole queue expected)", q, r.Code, r.doc.Find("tbody tr").Length())
		}
	}
}
