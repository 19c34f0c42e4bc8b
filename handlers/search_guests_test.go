package handlers_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
)

// People without an account are found by name and phone like account holders: a paper
// request from 王小明 who gave only a phone number and an address, by his name and by
// his number however it is said (+886 too), and a guest by the name they filed under.
// The test databases fail on any query that scans, so each search is _id look-ups.
func TestQueueSearchFindsPaperRequestersAndGuests(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("n@example.tw", "王小華", citizenPassword)
	o := h.signIn("o@agency.example", staffPassword, english)
	h.signIn("n@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	paper := url.Values{"name": {"王小明"}, "phone": {"0912-345-678"}, "address": {"臺北市中正區範例路 2 號"}, "channel": {"paper"},
		"received": {rightsToday(h)}, "basis": {"received"}, "identity": {"none"}, "kind": {"view"}, "scope": {"all you hold on me"}, "lang": {"zh-TW"}}
	if r := o.multipart("/officer/intake", paper); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/officer/requests/2026-000002" {
		t.Fatalf("paper request: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := h.browser().post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"everything"}, "email": {"guest@example.tw"}, "name": {"Mary Guest"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("guest request: %d %q", r.Code, r.text(".error-summary"))
	}
	found := func(q string) (*response, []string) {
		r := o.get("/officer/queue?q=" + url.QueryEscape(q))
		refs := r.doc.Find(`.found .table-wrap tbody a`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
		sort.Strings(refs)
		return r, refs
	}
	for _, q := range []string{"王小明", "王 小明", "0912345678", "+886 912 345 678", "+886-912-345-678"} {
		r, refs := found(q)
		if r.Code != 200 || strings.Join(refs, ",") != "2026-000002" || !strings.Contains(r.text(".found h3"), "王小明") ||
			!strings.Contains(r.text(".found h3"), "no account") || strings.Contains(r.text(".found h3"), "<>") {
			t.Errorf("%q found %v (%d) %q", q, refs, r.Code, r.text(".found"))
		}
		checkWording(t, "search "+q, r.doc)
	}
	for _, q := range []string{"Mary Guest", "guest"} {
		if _, refs := found(q); strings.Join(refs, ",") != "2026-000003" {
			t.Errorf("%q found %v", q, refs)
		}
	}
	// The account holder with a like name is found by their own name only.
	if _, refs := found("王小華"); strings.Join(refs, ",") != "2026-000001" {
		t.Errorf("王小華 found %v", refs)
	}
	if r, refs := found("0912345679"); len(refs) != 0 || !strings.Contains(r.text(".notice"), "No request matches") {
		t.Errorf("another number found %v", refs)
	}
}
