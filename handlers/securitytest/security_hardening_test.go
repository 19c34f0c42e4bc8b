package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Someone who signs up with another person's address and never verifies it receives
// none of that person's records: a disclosure, an incident notice or a paper consent
// naming the address is refused, with a message saying why, and the forms say so.
func TestSecurityUnverifiedAccountReceivesNoRecords(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	if r := h.browser().post("/signup", signUpForm("victim@example.tw", "冒名", citizenPassword)); r.Code != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", r.Code)
	}
	o := h.signIn("o@agency.example", staffPassword)
	if hint := o.get("/officer/disclosures/new").text("#h-subjects"); !strings.Contains(hint, "已驗證") {
		t.Fatalf("the disclosure form does not say the people must be verified: %q", hint)
	}
	d := url.Values{"first": {"2026-11-20"}, "recipient_name": {"Police"}, "recipient_address": {"Taipei"}, "recipient_kind": {"judicial"},
		"categories": {"C001"}, "description": {"records"}, "ground": {"notice-1"}, "reference": {"A-1"}, "subjects": {"victim@example.tw"}}
	if r := o.post("/officer/disclosures", d); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "尚未驗證") {
		t.Fatalf("a disclosure reached an unverified account: %d %q", r.Code, r.text(".error-summary"))
	}
	if hint := o.get("/officer/consents").text("#h-email"); !strings.Contains(hint, "已驗證") {
		t.Fatalf("the paper form does not say the account must be verified: %q", hint)
	}
	p := url.Values{"email": {"victim@example.tw"}, "purpose": {"newsletter"}, "action": {"grant"}, "form_lang": {"zh-TW"}, "reference": {"1150012345"}, "version": {"1"}}
	if r := o.post("/officer/consents", p); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "尚未驗證") {
		t.Fatalf("a paper consent reached an unverified account: %d %q", r.Code, r.text(".error-summary"))
	}
	a := h.signIn("adm@agency.example", staffPassword, english)
	if hint := a.get("/admin/incidents/new").text("#h-affected"); !strings.Contains(hint, "verified") {
		t.Fatalf("the incident form does not say the people must be verified: %q", hint)
	}
	discovered := h.clock.Now().Add(-2 * time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	i := url.Values{"title": {"Misdirected list"}, "discovered": {discovered}, "what": {"A list was sent to the wrong office."},
		"data": {"names"}, "people": {"1"}, "measures": {"Recalled."}, "affected": {"victim@example.tw"}}
	if r := a.post("/admin/incidents", i); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "victim@example.tw") ||
		!strings.Contains(r.text(".error-summary"), "not verified") {
		t.Fatalf("an incident named an unverified account: %d %q", r.Code, r.text(".error-summary"))
	}
	squatter := h.signIn("victim@example.tw", citizenPassword)
	if page := squatter.get("/account/data"); strings.Contains(page.Body.String(), "Police") {
		t.Fatal("the unverified account sees the disclosure")
	}
}

// A contractor administrator cannot lift their own expiry, drop the contractor flag or
// grant themselves roles: another administrator must. The name stays theirs to change.
func TestSecurityStaffCannotChangeTheirOwnAccess(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.makeUser("boss@agency.example", "主管", staffPassword, account.RoleAdmin)
	c := h.makeUser("temp@agency.example", "約聘", staffPassword, account.RoleAdmin)
	c.Contractor, c.Expires = true, time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC) // the end of 2026-12-31, Taiwan time
	if err := h.users.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	version := func(b *browser) string {
		v, _ := b.get("/admin/users/" + c.ID).doc.Find(`input[name=version]`).Attr("value")
		return v
	}
	self := h.signIn("temp@agency.example", staffPassword)
	if hint := self.get("/admin/users/" + c.ID).text("main .hint"); !strings.Contains(hint, "另一位系統管理者") {
		t.Fatalf("the own account's page does not say who changes its access: %q", hint)
	}
	for name, form := range map[string]url.Values{
		"every role":         {"name": {"約聘"}, "roles": {"administrator", "officer", "webmaster"}, "contractor": {"on"}, "expires": {"2026-12-31"}},
		"no contractor flag": {"name": {"約聘"}, "roles": {"administrator"}, "expires": {"2026-12-31"}},
		"a later expiry":     {"name": {"約聘"}, "roles": {"administrator"}, "contractor": {"on"}, "expires": {"2027-06-30"}},
	} {
		form.Set("version", version(self))
		r := self.post("/admin/users/"+c.ID, form)
		if r.Code != http.StatusForbidden || !strings.Contains(r.text("main"), "另一位系統管理者") {
			t.Fatalf("%s: %d %q", name, r.Code, r.text("main"))
		}
	}
	if u, _ := h.users.ByID(ctx, c.ID); len(u.Roles) != 1 || !u.Contractor || !u.Expires.Equal(c.Expires) {
		t.Fatalf("the contractor changed their own access: %+v", u)
	}
	same := url.Values{"name": {"約聘 王"}, "roles": {"administrator"}, "contractor": {"on"}, "expires": {"2026-12-31"}, "version": {version(self)}}
	if r := self.post("/admin/users/"+c.ID, same); r.Code != http.StatusSeeOther {
		t.Fatalf("their own name: %d %q", r.Code, r.text(".error-summary"))
	}
	boss := h.signIn("boss@agency.example", staffPassword)
	other := url.Values{"name": {"約聘 王"}, "roles": {"administrator", "officer"}, "contractor": {"on"}, "expires": {"2027-06-30"}, "version": {version(boss)}}
	if r := boss.post("/admin/users/"+c.ID, other); r.Code != http.StatusSeeOther {
		t.Fatalf("another administrator: %d %q", r.Code, r.text(".error-summary"))
	}
}

// HEAD answers wherever GET does — the health checks, public pages, a signed-in page,
// a static file — with the same status and headers and no body.
func TestSecurityHeadWorksWhereGetDoes(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "民眾", citizenPassword)
	cit := h.signIn("c@example.tw", citizenPassword)
	paths := []string{"/account", "/account/data.json"}
	for _, rt := range h.srv.Routes() {
		if rt.Method == http.MethodGet && !strings.ContainsAny(rt.Path, ":*") {
			paths = append(paths, rt.Path)
		}
	}
	paths = append(paths, cssHref(t, h))
	for _, p := range paths {
		g := cit.get(p)
		hd := cit.send(http.MethodHead, p, nil)
		if hd.Code != g.Code || hd.Body.Len() != 0 || hd.Header().Get("Content-Type") != g.Header().Get("Content-Type") {
			t.Errorf("HEAD %s: %d with %d bytes (%q); GET: %d (%q)", p, hd.Code, hd.Body.Len(), hd.Header().Get("Content-Type"), g.Code, g.Header().Get("Content-Type"))
		}
	}
	if r := h.do(http.MethodHead, "/healthz", nil); r.Code != http.StatusOK || r.Body.Len() != 0 {
		t.Fatalf("HEAD /healthz: %d %q", r.Code, r.Body.String())
	}
}

// cssHref is the content-hashed address of the style sheet.
func cssHref(t *testing.T, h *harness) string {
	t.Helper()
	href, ok := h.get("/").doc.Find(`link[rel=stylesheet]`).Attr("href")
	if !ok {
		t.Fatal("no style sheet")
	}
	return href
}

// Every date field of every form, given year 0001 or 9999, is refused with 400 and a
// message in the visitor's language — never a 500, never stored, never silently
// replaced by another period.
func TestSecurityDatesOutOfRangeAreRefused(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.makeUser("boss@agency.example", "主管", staffPassword, account.RoleAdmin, account.RoleOfficer, account.RoleWebmaster)
	h.makeUser("c@example.tw", "民眾", citizenPassword)
	staff := h.makeUser("staff@agency.example", "職員", staffPassword, account.RoleOfficer)
	b := h.signIn("boss@agency.example", staffPassword)
	if r := b.post("/admin/requests/stats/publish", url.Values{"publish": {"on"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Code)
	}
	discovered := h.clock.Now().Add(-2 * time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	inc := url.Values{"title": {"Misdirected list"}, "discovered": {discovered}, "what": {"A list went astray."}, "data": {"names"}, "people": {"1"}, "measures": {"Recalled."}}
	r := b.post("/admin/incidents", inc)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("incident: %d %q", r.Code, r.text(".error-summary"))
	}
	incPath := r.Header().Get("Location")
	incVersion := func() string {
		v, _ := b.get(incPath).doc.Find(`form[action$="/reported"] input[name=version]`).Attr("value")
		return v
	}
	staffVersion := func() string {
		v, _ := b.get("/admin/users/" + staff.ID).doc.Find(`input[name=version]`).Attr("value")
		return v
	}
	disclosure := func(field, date string) url.Values {
		f := url.Values{"first": {"2026-11-20"}, "recipient_name": {"Court"}, "recipient_address": {"Taipei"}, "recipient_kind": {"judicial"},
			"categories": {"C001"}, "description": {"records"}, "ground": {"notice-1"}, "reference": {"A-1"}, "subjects": {"c@example.tw"}}
		if field == "last" {
			f.Set("frequency", "monthly")
		}
		f.Set(field, date)
		return f
	}
	type dates struct{ early, late string }
	day, month, minute := dates{"0001-01-01", "9999-12-31"}, dates{"0001-01", "9999-12"}, dates{"0001-01-01T00:00", "9999-12-31T23:59"}
	cases := []struct {
		name   string
		kind   dates
		post   func(date string) *response
		stored func() bool
	}{
		{"staff expiry (new)", day, func(d string) *response {
			return b.post("/admin/staff", url.Values{"email": {"new@agency.example"}, "name": {"新人"}, "roles": {"officer"}, "contractor": {"on"}, "expires": {d}})
		}, func() bool { _, err := h.users.ByEmail(ctx, "new@agency.example"); return err == nil }},
		{"staff expiry (edit)", day, func(d string) *response {
			return b.post("/admin/users/"+staff.ID, url.Values{"name": {"職員"}, "roles": {"officer"}, "contractor": {"on"}, "expires": {d}, "version": {staffVersion()}})
		}, func() bool { u, _ := h.users.ByID(ctx, staff.ID); return u.Contractor }},
		{"incident discovered", minute, func(d string) *response {
			f := url.Values{}
			for k, v := range inc {
				f[k] = v
			}
			f.Set("discovered", d)
			f.Set("title", "Year "+d)
			return b.post("/admin/incidents", f)
		}, func() bool { return strings.Contains(b.get("/admin/incidents").text("main"), "Year ") }},
		{"incident reported", minute, func(d string) *response {
			return b.post(incPath+"/reported", url.Values{"reported_at": {d}, "report_ref": {"R-1"}, "version": {incVersion()}})
		}, func() bool { return strings.Contains(b.get(incPath).text("main"), "R-1") }},
		{"intake received", day, func(d string) *response {
			return b.post("/officer/intake", url.Values{"email": {"c@example.tw"}, "channel": {"paper"}, "received": {d}, "kind": {"view"}, "scope": {"all"}})
		}, func() bool { return b.get("/officer/queue").doc.Find("tbody tr").Length() > 0 }},
		{"disclosure first", day, func(d string) *response { return b.post("/officer/disclosures", disclosure("first", d)) },
			func() bool { return b.get("/officer/disclosures?from=1970-01-01").doc.Find("tbody tr").Length() > 0 }},
		{"disclosure last", day, func(d string) *response { return b.post("/officer/disclosures", disclosure("last", d)) },
			func() bool { return b.get("/officer/disclosures?from=1970-01-01").doc.Find("tbody tr").Length() > 0 }},
		{"disclosure withheld until", day, func(d string) *response { return b.post("/officer/disclosures", disclosure("withheld_until", d)) },
			func() bool { return b.get("/officer/disclosures?from=1970-01-01").doc.Find("tbody tr").Length() > 0 }},
		{"disclosures from", day, func(d string) *response { return b.get("/officer/disclosures?from=" + d) }, nil},
		{"disclosures to", day, func(d string) *response { return b.get("/officer/disclosures?to=" + d) }, nil},
		{"disclosures CSV", day, func(d string) *response { return b.get("/officer/disclosures.csv?from=" + d) }, nil},
		{"disclosures report", day, func(d string) *response { return b.get("/officer/disclosures/report?to=" + d) }, nil},
		{"audit from", day, func(d string) *response { return b.get("/admin/audit?from=" + d) }, nil},
		{"audit to", day, func(d string) *response { return b.get("/admin/audit?to=" + d) }, nil},
		{"audit CSV", day, func(d string) *response { return b.get("/admin/audit.csv?from=" + d) }, nil},
		{"traffic from", day, func(d string) *response { return b.get("/webmaster/traffic?to=2026-11-01&from=" + d) }, nil},
		{"traffic to", day, func(d string) *response { return b.get("/webmaster/traffic?from=2026-11-01&to=" + d) }, nil},
		{"traffic CSV", day, func(d string) *response { return b.get("/webmaster/traffic.csv?to=2026-11-01&from=" + d) }, nil},
		{"request statistics from", month, func(d string) *response { return b.get("/admin/requests/stats?from=" + d) }, nil},
		{"request statistics to", month, func(d string) *response { return b.get("/admin/requests/stats?to=" + d) }, nil},
		{"request statistics CSV", month, func(d string) *response { return b.get("/admin/requests/stats.csv?from=" + d) }, nil},
		{"transparency", month, func(d string) *response { return h.browser(b.opts...).get("/transparency?from=" + d) }, nil},
	}
	han := regexp.MustCompile(`\p{Han}`)
	for _, tc := range cases {
		for _, d := range []string{tc.kind.early, tc.kind.late} {
			for _, lang := range []string{"zh-TW", "en"} {
				b.opts = nil
				if lang == "en" {
					b.opts = []func(*http.Request){english}
				}
				r := tc.post(d)
				msg := strings.TrimSpace(r.doc.Find(".error-summary li, .error-list li").Text())
				if r.Code != http.StatusBadRequest || msg == "" || han.MatchString(msg) != (lang == "zh-TW") {
					t.Errorf("%s %s (%s): %d %q", tc.name, d, lang, r.Code, msg)
				}
				if tc.stored != nil && tc.stored() {
					t.Fatalf("%s %s was stored", tc.name, d)
				}
			}
		}
	}
	b.opts = nil
	if page := b.get(incPath); strings.Contains(page.text("main"), "-2562046") {
		t.Fatalf("the clocks overflowed: %q", page.text("main"))
	}
}

// The public statistics hide small figures as the traffic report does: one request of
// a kind in a month shows as "< k", and neither its kind's total nor the total of all
// gives it away; the administrators' own page keeps the exact figures.
func TestSecurityTransparencySuppressesSmallCells(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("lone@example.tw", "單一", citizenPassword)
	for i := range 13 {
		email := "many" + strconv.Itoa(i) + "@example.tw"
		h.makeUser(email, "多數", citizenPassword)
		kind := "copy"
		if i >= 7 {
			kind = "delete"
		}
		if r := h.signIn(email, citizenPassword).post("/requests", url.Values{"kind": {kind}, "scope": {"all"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("file %s: %d %q", kind, r.Code, r.text(".error-summary"))
		}
	}
	if r := h.signIn("lone@example.tw", citizenPassword).post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d", r.Code)
	}
	admin := h.signIn("adm@agency.example", staffPassword)
	if r := admin.post("/admin/requests/stats/publish", url.Values{"publish": {"on"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Code)
	}
	received := func(r *response, sel string) []string {
		var out []string
		r.doc.Find(sel).Each(func(_ int, tr *goquery.Selection) {
			out = append(out, strings.TrimSpace(tr.Find("td.num").First().Text()))
		})
		return out
	}
	if got := received(admin.get("/admin/requests/stats"), "tbody tr"); !slices.Contains(got, "1") || !slices.Contains(got, "7") {
		t.Fatalf("the administrators' figures: %q", got)
	}
	pub := h.browser(english).get("/transparency")
	rows, totals := received(pub, "tbody tr"), received(pub, "tfoot tr")
	// 7 copies, 6 deletions and 1 view: the view's 1 is "< 5", so the 7 and the 6 are
	// withheld, or the total of 14 would give the 1 away.
	if slices.Contains(rows, "1") || slices.Contains(rows, "7") || slices.Contains(rows, "6") || !slices.Contains(rows, "< 5") ||
		slices.Contains(totals, "1") || slices.Contains(totals, "7") || slices.Contains(totals, "6") || !slices.Contains(totals, "14") {
		t.Fatalf("a lone request can be read off the public page: rows %q, totals %q", rows, totals)
	}
	if title, _ := pub.doc.Find(`tbody abbr[title^="fewer"]`).First().Attr("title"); !strings.Contains(title, "fewer than 5") {
		t.Fatalf("a hidden figure without its explanation: %q", title)
	}
	if !strings.Contains(pub.text("main"), "< 5") || !strings.Contains(pub.text("main"), "worked out") {
		t.Fatalf("the page does not explain the hidden figures: %q", pub.text("main"))
	}
}

// The current password cannot be guessed without limit from a session: like sign-in,
// more than the allowed attempts in the window answer 429 with Retry-After — the right
// password too — whatever address they come from, until the window has passed.
func TestSecurityCurrentPasswordCheckIsRateLimited(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.RateLimit = 10; o.RateWindow = 15 * time.Minute })
	h.makeUser("c@example.tw", "民眾", citizenPassword)
	b := h.signIn("c@example.tw", citizenPassword)
	change := func(current string, addr int) *response {
		b.opts = []func(*http.Request){func(r *http.Request) { r.RemoteAddr = "198.51.100." + strconv.Itoa(addr) + ":1234" }}
		return b.post("/account/password", url.Values{"current_password": {current}, "password": {"New-Kettle-2027!"}, "password_confirm": {"New-Kettle-2027!"}})
	}
	for i := range 10 {
		if r := change("Wrong-Guess-"+strconv.Itoa(i), i); r.Code != http.StatusBadRequest {
			t.Fatalf("guess %d: %d", i, r.Code)
		}
	}
	r := change(citizenPassword, 99)
	if r.Code != http.StatusTooManyRequests || r.Header().Get("Retry-After") == "" {
		t.Fatalf("the 11th attempt, from a new address: %d, Retry-After %q", r.Code, r.Header().Get("Retry-After"))
	}
	h.clock.Advance(16 * time.Minute)
	b = h.signIn("c@example.tw", citizenPassword)
	if r := change(citizenPassword, 100); r.Code != http.StatusSeeOther {
		t.Fatalf("after the window: %d %q", r.Code, r.text(".error-summary"))
	}
}

// Files sent with an officer's action that is refused (the request changed meanwhile,
// or is over) are not kept: neither the requester nor the officer sees them, and they
// take none of the request's room. A message with files on a withdrawn request is
// refused with a message, its text kept; without files it still goes.
func TestSecurityRefusedActionsLeaveNoFiles(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.makeUser("c@example.tw", "陳", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer, account.RoleAdmin)
	o := h.signIn("o@agency.example", staffPassword, english)
	o.post("/admin/files", url.Values{"name_zh": {"人事檔"}, "name_en": {"HR records"}, "unit": {"人事室"}, "contact": {"分機 1"}, "legal_basis": {"法"},
		"purposes": {"002"}, "categories": {"C001"}, "retention_zh": {"十年"}, "retention_en": {"ten years"}})
	c := h.signIn("c@example.tw", citizenPassword, english)
	if r := c.post("/requests", url.Values{"kind": {"view"}, "scope": {"everything"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d", r.Code)
	}
	const ref = "2026-000001"
	stalePage := o.get("/officer/requests/" + ref)
	fileID, _ := stalePage.doc.Find(`form[action$="/task"] input[name=task_file]`).Attr("value")
	task := url.Values{"version": {version(t, stalePage, "/task")}, "task_file": {fileID}, "task_note": {"Found one record."}}
	act(t, o, ref, "review", nil) // someone else moves the request on
	if r := o.multipart("/officer/requests/"+ref+"/task", task, upload{"stale.pdf", pdfFile}); r.Code != http.StatusConflict {
		t.Fatalf("a task on a stale page: %d", r.Code)
	}
	page := c.get("/requests/" + ref)
	wv := version(t, page, "/withdraw")
	if r := c.post("/requests/"+ref+"/withdraw", url.Values{"confirm": {"yes"}, "version": {wv}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Code)
	}
	// The page offers no task on a withdrawn request; a form kept open from before, with
	// the request's current version, is refused all the same.
	task.Set("version", strconv.Itoa(mustAtoi(t, wv)+1))
	if r := o.multipart("/officer/requests/"+ref+"/task", task, upload{"late.pdf", pdfFile}); r.Code != http.StatusConflict {
		t.Fatalf("a task on a withdrawn request: %d", r.Code)
	}
	r := c.multipart("/requests/"+ref+"/messages", url.Values{"body": {"Here is the form after all."}}, upload{"form.pdf", pdfFile})
	if r.Code != http.StatusConflict || !strings.Contains(r.text(".error-summary"), "no longer be attached") || !strings.Contains(r.text("textarea"), "after all") {
		t.Fatalf("a message with files on a withdrawn request: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := o.multipart("/officer/requests/"+ref+"/message", url.Values{"body": {"Noted."}}, upload{"officer.pdf", pdfFile}); r.Code != http.StatusConflict {
		t.Fatalf("an officer's message with files on a withdrawn request: %d", r.Code)
	}
	if r := c.post("/requests/"+ref+"/messages", url.Values{"body": {"Thank you."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("a message without files: %d %q", r.Code, r.text(".error-summary"))
	}
	for who, p := range map[string]*response{"requester": c.get("/requests/" + ref), "officer": o.get("/officer/requests/" + ref)} {
		for _, name := range []string{"stale.pdf", "late.pdf", "form.pdf", "officer.pdf"} {
			if strings.Contains(p.Body.String(), name) {
				t.Errorf("the %s sees %s", who, name)
			}
		}
	}
	if used, err := store.NewFiles(h.db.DB, nil).Used(ctx, ref); err != nil || used != 0 {
		t.Fatalf("the refused files take %d bytes (%v)", used, err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A correction proposes a name or phone the profile itself would accept, at filing (on
// the web, through the API and at the counter) and again at fulfilment: a request
// filed before the rule cannot write "call me maybe" into the phone.
func TestSecurityCorrectionsFollowTheProfileRules(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	u := h.makeUser("c@example.tw", "陳", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword, english)
	for want, bad := range map[string]url.Values{
		"valid phone number": {"kind": {"correct"}, "field": {"phone"}, "proposed": {"call me maybe"}, "explanation": {"new number"}},
		"at most 100":        {"kind": {"correct"}, "field": {"name"}, "proposed": {strings.Repeat("名", 101)}, "explanation": {"my full name"}},
	} {
		r := c.post("/requests", bad)
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), want) {
			t.Fatalf("%s %q: %d %q", bad.Get("field"), bad.Get("proposed"), r.Code, r.text(".error-summary"))
		}
	}
	if r := c.api("POST", "/api/v1/me/requests", `{"kind":"correct","field":"phone","proposed":"call me maybe","explanation":"new number"}`); r.Code != http.StatusBadRequest {
		t.Fatalf("the API took a phone number of words: %d %s", r.Code, r.Body.String())
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	if r := o.post("/officer/intake", url.Values{"email": {"c@example.tw"}, "channel": {"paper"}, "received": {rightsToday(h)}, "kind": {"correct"},
		"field": {"phone"}, "proposed": {"call me maybe"}, "explanation": {"new number"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("the counter took a phone number of words: %d", r.Code)
	}
	if r := c.post("/requests", url.Values{"kind": {"correct"}, "field": {"phone"}, "proposed": {"02-2345-6789"}, "explanation": {"new number"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("a real number: %d %q", r.Code, r.text(".error-summary"))
	}
	// A request stored before the rule existed.
	reqs := store.NewRequests(h.db.DB, storetest.Vault(h.db.DB))
	today := rights.DateOf(h.clock.Now())
	old := &rights.Request{Kind: rights.Correct, Subject: u.ID, Channel: rights.ChannelWeb, State: rights.Submitted, Received: today, Filed: h.clock.Now(),
		Due: today.AddDays(30), Field: "phone", Proposed: "call me maybe", Explanation: "new number"}
	if err := reqs.Create(ctx, old); err != nil {
		t.Fatal(err)
	}
	act(t, o, old.Ref, "review", nil)
	decideAll(t, o, old.Ref, true, "")
	if r := act(t, o, old.Ref, "fulfil", nil); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "cannot be written") {
		t.Fatalf("fulfilling a phone number of words: %d %q", r.Code, r.text(".error-summary"))
	}
	if got, _ := h.users.ByID(ctx, u.ID); got.Phone != "" {
		t.Fatalf("the phone became %q", got.Phone)
	}
}

// A control character in an attachment's name no longer loses the whole filing: the
// form comes back with what was typed and names the file to rename; nothing is filed.
// A file whose name is fine, its content full of control bytes, still goes through.
func TestSecurityControlCharacterInFileNameKeepsTheForm(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳", citizenPassword)
	for _, lang := range []string{"zh-TW", "en"} {
		var opts []func(*http.Request)
		if lang == "en" {
			opts = append(opts, english)
		}
		c := h.signIn("c@example.tw", citizenPassword, opts...)
		r := c.multipart("/requests", url.Values{"kind": {"view"}, "scope": {"my typed scope text"}}, upload{"scan\x07of\x1bid.pdf", pdfFile})
		summary := r.text(".error-summary")
		if r.Code != http.StatusBadRequest || !strings.Contains(summary, "scan?of?id.pdf") || !strings.Contains(r.text("textarea"), "my typed scope text") ||
			regexp.MustCompile(`\p{Han}`).MatchString(summary) != (lang == "zh-TW") {
			t.Fatalf("%s: %d %q, typed text %q", lang, r.Code, summary, r.text("textarea"))
		}
	}
	c := h.signIn("c@example.tw", citizenPassword)
	if list := c.get("/requests"); strings.Contains(list.text("main"), "2026-000001") {
		t.Fatal("a request was filed with the refused file")
	}
	binary := append(append([]byte{}, pdfFile...), []byte("\x00\x07\r\n--not-a-boundary\r\nContent-Disposition: \x01\r\n\r\n")...)
	if r := c.multipart("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}, upload{"scan.pdf", binary}); r.Code != http.StatusSeeOther {
		t.Fatalf("a good name with control bytes in the content: %d %q", r.Code, r.text(".error-summary"))
	}
	page := c.get("/requests/2026-000001")
	href, ok := page.doc.Find(`.files a`).Attr("href")
	if !ok {
		t.Fatalf("the file is not listed: %q", page.text("main"))
	}
	if d := c.get(href); d.Body.String() != string(binary) {
		t.Fatalf("the content changed on the way: %q", d.Body.String())
	}
}

// One person cannot flood the queue: filings beyond the day's quota — on the web or
// through the API, even sent all at once — are refused with 429 and a message saying
// which limit was reached (the form keeps what was typed); the next day they go again.
// Requests an officer enters from paper do not count.
func TestSecurityFilingQuota(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.Quota = rights.Quota{Open: 6, PerDay: 4} })
	h.makeUser("c@example.tw", "陳", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword, english)
	var wg sync.WaitGroup
	codes := make(chan int, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- c.api("POST", "/api/v1/me/requests", `{"kind":"view","scope":"all"}`).Code
		}()
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for code := range codes {
		got[code]++
	}
	if got[http.StatusCreated] != 4 || got[http.StatusTooManyRequests] != 6 {
		t.Fatalf("ten filings at once: %v", got)
	}
	r := c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my typed scope"}})
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.text(".error-summary"), "4 requests in the last 24 hours") || !strings.Contains(r.text("textarea"), "my typed scope") {
		t.Fatalf("over the day's quota on the web: %d %q", r.Code, r.text(".error-summary"))
	}
	o := h.signIn("o@agency.example", staffPassword)
	if r := o.post("/officer/intake", url.Values{"email": {"c@example.tw"}, "channel": {"paper"}, "received": {rightsToday(h)}, "kind": {"view"}, "scope": {"paper"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("a paper request over the citizen's quota: %d", r.Code)
	}
	h.clock.Advance(25 * time.Hour)
	c = h.signIn("c@example.tw", citizenPassword, english)
	for i := range 3 {
		r := c.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
		if i < 2 && r.Code != http.StatusSeeOther {
			t.Fatalf("the next day, filing %d: %d %q", i, r.Code, r.text(".error-summary"))
		}
		if i == 2 && (r.Code != http.StatusTooManyRequests || !strings.Contains(r.text(".error-summary"), "6 requests the agency has not finished")) {
			t.Fatalf("over the open quota: %d %q", r.Code, r.text(".error-summary"))
		}
	}
}

// Anyone can lock a staff account with three wrong passwords (the seeds' rule stands),
// but not for free: a client that failed twice for an address waits before its third
// try (429 saying how long), the holder is mailed when the account locks, the
// administrators' home page says so, and an administrator's one-time unlock code lets
// the staff member unlock it with a password reset.
func TestSecurityStaffLockoutIsExpensiveToAbuse(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	off := h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	from := func(addr string) func(*http.Request) { return func(r *http.Request) { r.RemoteAddr = addr + ":4711" } }
	wrong := url.Values{"email": {"off@agency.example"}, "password": {"Wrong-Pass-1!"}}
	attacker := h.browser(from("203.0.113.9"))
	for i := range 2 {
		if r := attacker.post("/signin", wrong); r.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, r.Code)
		}
	}
	third := attacker.post("/signin", wrong)
	if third.Code != http.StatusTooManyRequests || third.Header().Get("Retry-After") == "" || !strings.Contains(third.text(".error-summary"), "1 分鐘") {
		t.Fatalf("the third try from the same address came at once: %d %q %q", third.Code, third.Header().Get("Retry-After"), third.text(".error-summary"))
	}
	if r := attacker.post("/signin", url.Values{"email": {"off@agency.example"}, "password": {staffPassword}}); r.Code != http.StatusTooManyRequests {
		t.Fatalf("a right password during the wait: %d", r.Code)
	}
	if len(h.mails("off@agency.example")) != 0 {
		t.Fatal("mail before the account locked")
	}
	if r := h.browser(from("198.51.100.7")).post("/signin", wrong); r.Code != http.StatusUnauthorized || r.doc.Find("#error-summary h2").Length() == 0 {
		t.Fatalf("the third failure did not lock: %d", r.Code)
	}
	ms := h.mails("off@agency.example")
	if len(ms) != 1 || !strings.Contains(ms[0].Subject, "鎖定") || !strings.Contains(ms[0].Body, "/forgot") {
		t.Fatalf("the holder was not told of the lock: %+v", ms)
	}
	admin := h.signIn("adm@agency.example", staffPassword, from("192.0.2.50"))
	if line := admin.get("/staff").text("#locked-staff"); !strings.Contains(line, "off@agency.example") {
		t.Fatalf("the administrators' home page does not show the lock: %q", line)
	}
	issued := admin.post("/admin/users/"+off.ID+"/unlock-code", url.Values{})
	code := issued.text(".unlock-code code")
	if issued.Code != http.StatusOK || len(code) != 19 {
		t.Fatalf("unlock code: %d %q", issued.Code, code)
	}

	staff := h.browser(from("192.0.2.77"))
	staff.post("/forgot", url.Values{"email": {"off@agency.example"}})
	link, _ := h.lastLink("off@agency.example")
	page := staff.get(link)
	token, _ := page.doc.Find("input[name=token]").Attr("value")
	if page.doc.Find("input[name=unlock_code]").Length() != 1 {
		t.Fatal("the staff member's reset form asks for no unlock code")
	}
	reset := url.Values{"token": {token}, "password": {"Other-Desk-2026#"}, "password_confirm": {"Other-Desk-2026#"}, "unlock_code": {"aaaa-bbbb-cccc-dddd"}}
	if r := staff.post("/reset", reset); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "解鎖碼不正確") {
		t.Fatalf("a wrong unlock code: %d %q", r.Code, r.text(".error-summary"))
	}
	reset.Set("unlock_code", strings.ToUpper(code))
	if r := staff.post("/reset", reset); r.Code != http.StatusSeeOther {
		t.Fatalf("reset with the unlock code: %d %q", r.Code, r.text(".error-summary"))
	}
	h.signIn("off@agency.example", "Other-Desk-2026#", from("192.0.2.77"))
	if line := admin.get("/staff").text("#locked-staff"); line != "" {
		t.Fatalf("the home page still shows the lock: %q", line)
	}
}

// The trail holds an API token's reads of one person's records (who read whose, with
// which token) and unsafe requests refused as cross-origin (outcome refused, naming the
// signed-in person, with no pending event: nothing was begun). An anonymous no-op
// refused as cross-origin adds nothing, as it would add nothing if allowed.
func TestSecurityAuditTokenReadsAndCrossOriginRefusals(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	cit := h.makeUser("c@example.tw", "民眾", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword)
	issued := admin.post("/admin/tokens", url.Values{"name": {"CRM"}, "scopes": {"consent:read", "requests:read"}})
	token, _ := issued.doc.Find("#new-token").Attr("value")
	if issued.Code != http.StatusCreated {
		t.Fatalf("issue a token: %d", issued.Code)
	}
	citizen := h.signIn("c@example.tw", citizenPassword)
	citizen.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	before := len(h.events())

	bearer := header("Authorization", "Bearer "+token)
	if r := h.get("/api/v1/consents/"+cit.ID+"/newsletter", bearer); r.Code != http.StatusOK {
		t.Fatalf("consent look-up: %d %s", r.Code, r.Body.String())
	}
	if r := h.get("/api/v1/requests/2026-000001", bearer); r.Code != http.StatusOK {
		t.Fatalf("request read: %d %s", r.Code, r.Body.String())
	}
	evil := header("Origin", "https://evil.example")
	citizen.opts = append(citizen.opts, evil)
	if r := citizen.post("/account/profile", url.Values{"name": {"x"}}); r.Code != http.StatusForbidden {
		t.Fatalf("cross-origin profile change: %d", r.Code)
	}
	for _, path := range []string{"/signout", "/cookies", "/notice/dismiss"} {
		if r := h.post(path, url.Values{}, evil); r.Code != http.StatusForbidden {
			t.Fatalf("anonymous cross-origin %s: %d", path, r.Code)
		}
	}

	events := h.events()[before:]
	actor := "token:" + account.TokenHash(token)[:12]
	consent := findEvent(events, func(e *audit.Event) bool { return e.Action == "GET /api/v1/consents/:subject/:purpose" })
	if consent == nil || consent.Actor != actor || consent.Target != cit.ID || consent.Outcome != audit.OK {
		t.Fatalf("the token's consent look-up: %+v", consent)
	}
	read := findEvent(events, func(e *audit.Event) bool { return e.Action == "GET /api/v1/requests/:ref" })
	if read == nil || read.Actor != actor || read.Target != "2026-000001" {
		t.Fatalf("the token's read of a request: %+v", read)
	}
	refused := findEvent(events, func(e *audit.Event) bool { return e.Action == "POST /account/profile" })
	if refused == nil || refused.Actor != cit.ID || refused.Outcome != audit.Refused || refused.Details["status"] != "403" || refused.Details["refused"] != "cross-origin" {
		t.Fatalf("the cross-origin refusal: %+v", refused)
	}
	if len(events) != 3 {
		for _, e := range events {
			t.Logf("%s %s %s", e.Action, e.Actor, e.Outcome)
		}
		t.Fatalf("%d events, want the two reads and the one refusal", len(events))
	}
}

// A referring domain is a string the visitor chooses: it is stored only once seen k
// times in the day (k the report's threshold), counted as "other" until then, so a
// one-off such as tracker0.evil.example never reaches the database (nor its backups).
// The referrer table still adds up to the views at every flush.
func TestSecurityRareReferrersNeverStored(t *testing.T) {
	h := newHarness(t)
	day := analytics.DayOf(h.clock.Now())
	from := func(ref string) *browser {
		return h.browser(withUA(chromeUA), withHeader("Referer", "https://"+ref+"/page"))
	}
	from("tracker0.evil.example").get("/")
	for range analytics.DefaultK - 1 {
		from("news.example").get("/privacy")
	}
	r := h.traffic(day)
	if refs := r.Sum.Tables[analytics.DimReferrer]; refs[analytics.Other] != analytics.DefaultK || len(refs) != 1 {
		t.Fatalf("referrers before any reached k: %v", refs)
	}
	if dump := storetest.Dump(t, h.db); strings.Contains(dump, "tracker0") || strings.Contains(dump, "news.example") {
		t.Fatal("a referrer seen fewer than k times was stored")
	}
	from("news.example").get("/privacy")
	refs := h.traffic(day).Sum.Tables[analytics.DimReferrer]
	if refs["news.example"] != analytics.DefaultK || refs[analytics.Other] != 1 || len(refs) != 2 {
		t.Fatalf("referrers once news.example reached k: %v", refs)
	}
	if strings.Contains(storetest.Dump(t, h.db), "tracker0") {
		t.Fatal("the one-off referrer was stored")
	}
}

// An upload over a slow line is not cut off by a fixed read timeout: its deadline moves
// on while bytes arrive at the minimum rate. One that stalls is cut off, and the form
// comes back with what was typed and a message saying why. (The server here stands in
// for cmd/portal's, with its timeouts scaled down: 1 s read, 2 s write.)
func TestSecuritySlowUploadsAreNotCutOff(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.UploadGrace = time.Second })
	h.makeUser("c@example.tw", "申請人", citizenPassword)
	c := h.signIn("c@example.tw", citizenPassword)
	srv := httptest.NewUnstartedServer(h.h)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = time.Second, 2*time.Second
	srv.Start()
	defer srv.Close()

	pdf := []byte("%PDF-1.4\n" + strings.Repeat("% padding to make the file larger\n", 3000) + "trailer<<>>\n%%EOF\n") // about 100 KB
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "view")
	_ = mw.WriteField("scope", "慢速上傳的說明文字")
	part, _ := mw.CreateFormFile("files", "id.pdf")
	_, _ = part.Write(pdf)
	_ = mw.Close()
	send := func(upTo int, pace time.Duration) *http.Response {
		t.Helper()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		head := "POST /requests HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() + "\r\nContent-Type: " + mw.FormDataContentType() +
			"\r\nContent-Length: " + strconv.Itoa(body.Len()) + "\r\n"
		for _, ck := range c.jar {
			head += "Cookie: " + ck.Name + "=" + ck.Value + "\r\n"
		}
		if _, err := conn.Write([]byte(head + "\r\n")); err != nil {
			t.Fatal(err)
		}
		b := body.Bytes()[:upTo]
		for len(b) > 0 { // about 64 KB/s: 8 KB every 125 ms
			n := min(len(b), 8<<10)
			if _, err := conn.Write(b[:n]); err != nil {
				t.Fatalf("the server stopped reading after %d bytes: %v", upTo-len(b), err)
			}
			b = b[n:]
			time.Sleep(pace)
		}
		_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body = io.NopCloser(bytes.NewReader(page))
		return res
	}
	if res := send(body.Len(), 125*time.Millisecond); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a 100 KB upload at 64 KB/s: %d", res.StatusCode)
	}
	// Stalled after the text and a little of the file.
	res := send(bytes.Index(body.Bytes(), []byte("% padding"))+4<<10, 0)
	page, _ := io.ReadAll(res.Body)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Find(".error-summary").Text(), "沒有傳完") ||
		!strings.Contains(doc.Find("#f-scope").Text(), "慢速上傳的說明文字") {
		t.Fatalf("a stalled upload: %d %q %q", res.StatusCode, doc.Find(".error-summary").Text(), doc.Find("#f-scope").Text())
	}
}
