package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/store"
)

// Every staff route, taken from the route table, refuses anonymous visitors (sign in),
// citizens and staff without the role (403). A new staff route is covered automatically;
// a route outside the known areas must be added to publicRoutes or the test fails.
func TestEveryStaffRouteChecksTheRole(t *testing.T) {
	h := newHarness(t)
	h.makeUser("cit@example.tw", "民眾", citizenPassword)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("web@agency.example", "網管", staffPassword, account.RoleWebmaster)
	admin := h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	browsers := map[string]*browser{
		"citizen":   h.signIn("cit@example.tw", citizenPassword),
		"officer":   h.signIn("off@agency.example", staffPassword),
		"webmaster": h.signIn("web@agency.example", staffPassword),
		"admin":     h.signIn("adm@agency.example", staffPassword),
	}
	// Which signed-in kinds may reach each area.
	areas := map[string][]string{
		"/staff":     {"officer", "webmaster", "admin"},
		"/admin":     {"admin"},
		"/officer":   {"officer"},
		"/account":   {"citizen", "officer", "webmaster", "admin"},
		"/requests":  {"citizen", "officer", "webmaster", "admin"},
		"/webmaster": {"webmaster"},
	}
	publicRoutes := map[string]bool{
		"/": true, "/privacy": true, "/setup": true, "/signup": true, "/mail-sent": true, "/verify": true, "/signin": true,
		"/signout": true, "/forgot": true, "/reset": true, "/healthz": true, "/readyz": true, "/.well-known/gpc.json": true,
		"/static/:hash/*path": true, "/lang": true, "/receipts/verify": true,
		"/privacy/changes": true, "/privacy/versions/:n": true, "/notice/dismiss": true, "/fees": true,
		// The API answers a JSON 401 rather than the sign-in redirect: api_test.go checks it.
		"/api/v1/openapi.json": true, "/api/v1/receipts/verify": true, "/api/v1/me/consents": true, "/api/v1/me/consents/history": true,
		"/api/v1/me/consents/:purpose": true, "/api/v1/me/receipts/:id": true, "/api/v1/consents/:subject/:purpose": true,
		"/api/v1/me/requests": true, "/api/v1/me/requests/:ref": true, "/api/v1/me/requests/:ref/messages": true,
		"/api/v1/requests": true, "/api/v1/requests/:ref": true, "/api/v1/disclosures": true, "/api/v1/disclosures/:id": true,
		"/api/v1/files": true, "/api/v1/files/:id": true,
		// Guests: public, the request pages behind a mailed code (guests_test.go checks it).
		"/guest/requests/new": true, "/guest/requests": true, "/guest/requests/:ref": true, "/guest/requests/:ref/confirm": true,
		"/guest/requests/:ref/letters/:letter": true, "/guest/requests/:ref/files/:id": true, "/guest/requests/:ref/withdraw": true,
		"/guest/requests/:ref/messages": true, "/guest/track": true, "/transparency": true, "/privacy/files": true, "/guest/requests/:ref/package": true,
		// The cookie choice: anyone, with or without cookies (analytics_test.go checks it).
		"/cookies": true,
		// Incident announcements are published for everyone (incident_channels_test.go).
		"/announcements": true, "/announcements/:id": true,
	}
	checked := 0
	for _, rt := range h.srv.Routes() {
		if publicRoutes[rt.Path] {
			continue
		}
		var allowed []string
		for prefix, kinds := range areas {
			if rt.Path == prefix || strings.HasPrefix(rt.Path, prefix+"/") || strings.HasPrefix(rt.Path, prefix+".") {
				allowed = kinds
			}
		}
		if allowed == nil {
			t.Errorf("route %s %s is in no known area: add it to the access table", rt.Method, rt.Path)
			continue
		}
		path := strings.ReplaceAll(rt.Path, ":id", admin.ID)
		anon := h.browser().send(rt.Method, path, url.Values{})
		if anon.Code != http.StatusSeeOther || !strings.HasPrefix(anon.Header().Get("Location"), "/signin") {
			t.Errorf("anonymous %s %s: %d %s, want a redirect to sign in", rt.Method, path, anon.Code, anon.Header().Get("Location"))
		}
		for kind, b := range browsers {
			may := false
			for _, k := range allowed {
				may = may || k == kind
			}
			if may || rt.Method != http.MethodGet && kind == "admin" {
				continue // allowed kinds are exercised by the feature tests; unsafe admin actions would change state here
			}
			r := b.send(rt.Method, path, url.Values{})
			if r.Code != http.StatusForbidden {
				t.Errorf("%s %s %s: %d, want 403", kind, rt.Method, path, r.Code)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d protected routes found", checked)
	}
	for kind, b := range browsers {
		if kind == "citizen" {
			continue
		}
		if r := b.get("/staff"); r.Code != 200 {
			t.Errorf("%s cannot open the staff area: %d", kind, r.Code)
		}
	}
}

// An administrator creates a contractor: the expiry is required; the temporary password
// must be changed at first sign-in; after the expiry, sign-in is refused.
func TestContractorLifecycle(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	if r := admin.get("/admin/staff/new"); r.Code != 200 || r.doc.Find(`input[name=roles]`).Length() != 3 {
		t.Fatalf("new staff form: %d", r.Code)
	}
	form := url.Values{"email": {"vendor@contractor.example"}, "name": {"Vendor Wu"}, "roles": {"officer"}, "contractor": {"on"}}
	r := admin.post("/admin/staff", form)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "needs an expiry date") {
		t.Fatalf("contractor without expiry: %d %q", r.Code, r.text(".error-summary"))
	}
	if v, _ := r.doc.Find("#f-email").Attr("value"); v != "vendor@contractor.example" {
		t.Fatal("the typed address was lost")
	}
	form.Set("expires", h.clock.Now().AddDate(2, 0, 0).Format("2006-01-02"))
	if r := admin.post("/admin/staff", form); r.Code != http.StatusBadRequest {
		t.Fatalf("a two-year contractor: %d", r.Code)
	}
	form.Set("expires", h.clock.Now().AddDate(0, 0, 10).Format("2006-01-02"))
	r = admin.post("/admin/staff", form)
	if r.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Code, r.text(".error-summary"))
	}
	temp := r.text(".temp-password code")
	if len(temp) != 16 {
		t.Fatalf("temporary password %q", temp)
	}
	// First sign-in: every page leads to the change-password page until it is changed.
	vendor := h.signIn("vendor@contractor.example", temp, english)
	if r := vendor.get("/staff"); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/account/password" {
		t.Fatalf("temporary password not forced to change: %d %s", r.Code, r.Header().Get("Location"))
	}
	page := vendor.get("/account/password")
	if !strings.Contains(page.text(".notice"), "temporary password") {
		t.Fatalf("the forced page does not explain why: %q", page.text(".notice"))
	}
	r = vendor.post("/account/password", url.Values{"current_password": {temp}, "password": {"Green-Tree-2026!"}, "password_confirm": {"Green-Tree-2026!"}})
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/staff" {
		t.Fatalf("change: %d %s", r.Code, r.text(".error-summary"))
	}
	if vendor.get("/staff").Code != 200 {
		t.Fatal("staff area closed after the change")
	}
	// The list shows the expiry; after it, the session ends and sign-in is refused.
	list := admin.get("/admin/staff")
	if !strings.Contains(list.text("tbody"), "Vendor Wu") {
		t.Fatal("the contractor is not listed")
	}
	h.clock.Advance(11 * 24 * time.Hour)
	if r := vendor.get("/staff"); r.Code != http.StatusSeeOther {
		t.Fatalf("an expired contractor's session still works: %d", r.Code)
	}
	r = h.browser(english).post("/signin", url.Values{"email": {"vendor@contractor.example"}, "password": {"Green-Tree-2026!"}})
	if r.Code != http.StatusForbidden || !strings.Contains(r.text(".error-summary"), "expiry date") {
		t.Fatalf("expired contractor sign-in: %d %q", r.Code, r.text(".error-summary"))
	}
}

// Staff passwords older than 90 days must be changed before anything else.
func TestStaffPasswordExpiresAfter90Days(t *testing.T) {
	h := newHarness(t)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("cit@example.tw", "民眾", citizenPassword)
	h.clock.Advance(91 * 24 * time.Hour)
	off := h.signIn("off@agency.example", staffPassword)
	if r := off.get("/staff"); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/account/password" {
		t.Fatalf("an old staff password was not forced to change: %d", r.Code)
	}
	cit := h.signIn("cit@example.tw", citizenPassword)
	if r := cit.get("/account"); r.Code != 200 {
		t.Fatalf("a citizen was forced to change: %d", r.Code)
	}
}

// An administrator unlocks a locked staff account; a staff member cannot unlock
// themselves by a reset.
func TestAdministratorUnlocksAndRevokes(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	off := h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	session := h.signIn("off@agency.example", staffPassword)
	for i := 0; i < 3; i++ {
		// From three addresses: one address waits between its tries.
		from := func(r *http.Request) { r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4711", i+1) }
		h.browser(from).post("/signin", url.Values{"email": {"off@agency.example"}, "password": {"nope"}})
	}
	h.browser().post("/forgot", url.Values{"email": {"off@agency.example"}})
	link, _ := h.lastLink("off@agency.example")
	b := h.browser()
	token, _ := b.get(link).doc.Find("input[name=token]").Attr("value")
	b.post("/reset", url.Values{"token": {token}, "password": {"Other-Desk-2026#"}, "password_confirm": {"Other-Desk-2026#"}})
	if r := h.browser().post("/signin", url.Values{"email": {"off@agency.example"}, "password": {"Other-Desk-2026#"}}); r.Code != http.StatusUnauthorized {
		t.Fatalf("staff unlocked themselves by a reset: %d", r.Code)
	}
	if session.get("/staff").Code == 200 {
		t.Fatal("the reset did not end the staff member's sessions")
	}
	admin := h.signIn("adm@agency.example", staffPassword)
	find := admin.get("/admin/users?email=OFF@agency.example")
	if find.Code != http.StatusSeeOther || find.Header().Get("Location") != "/admin/users/"+off.ID {
		t.Fatalf("find by e-mail: %d %s", find.Code, find.Header().Get("Location"))
	}
	page := admin.get("/admin/users/" + off.ID)
	if page.doc.Find(`form[action$="/unlock"]`).Length() != 1 {
		t.Fatal("a locked account offers no unlock")
	}
	if r := admin.post("/admin/users/"+off.ID+"/unlock", url.Values{}); r.Code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", r.Code)
	}
	again := h.signIn("off@agency.example", "Other-Desk-2026#")
	// The administrator sees the session and ends it.
	page = admin.get("/admin/users/" + off.ID)
	ref, ok := page.doc.Find(`input[name=session]`).Attr("value")
	if !ok || page.doc.Find(`input[name=session]`).Length() != 1 {
		t.Fatalf("sessions listed: %d", page.doc.Find(`input[name=session]`).Length())
	}
	// Ending a session asks first; unconfirmed, the session goes on.
	if r := admin.post("/admin/users/"+off.ID+"/sessions", url.Values{"session": {ref}}); r.Code != http.StatusOK ||
		!strings.Contains(r.text(".notice"), "off@agency.example") || r.doc.Find(`main form input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("revoke unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if again.get("/staff").Code != 200 {
		t.Fatal("an unconfirmed revocation ended the session")
	}
	if r := admin.post("/admin/users/"+off.ID+"/sessions", url.Values{"session": {ref}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Code)
	}
	if again.get("/staff").Code == 200 {
		t.Fatal("a revoked session still works")
	}
	if r := admin.post("/admin/users/"+off.ID+"/sessions", url.Values{"session": {"0123456789abcdef"}}); r.Code != http.StatusNotFound {
		t.Fatalf("revoking a session of nobody: %d", r.Code)
	}
	// Every session at once, and a new temporary password: each asks first.
	third := h.signIn("off@agency.example", "Other-Desk-2026#")
	if r := admin.post("/admin/users/"+off.ID+"/sessions", url.Values{}); r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "所有裝置") {
		t.Fatalf("end all sessions unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if r := admin.post("/admin/users/"+off.ID+"/password", url.Values{}); r.Code != http.StatusOK || r.text(".temp-password") != "" ||
		!strings.Contains(r.text(".notice"), "密碼將立即失效") {
		t.Fatalf("reset unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if third.get("/staff").Code != 200 {
		t.Fatal("an unconfirmed action signed the staff member out")
	}
	if r := admin.post("/admin/users/"+off.ID+"/sessions", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther || third.get("/staff").Code == 200 {
		t.Fatalf("end all sessions: %d", r.Code)
	}
	if r := admin.post("/admin/users/"+off.ID+"/password", url.Values{"confirm": {"yes"}}); r.Code != http.StatusOK || r.text(".temp-password") == "" {
		t.Fatalf("reset: %d %q", r.Code, r.text("main"))
	}
	if r := admin.get("/admin/users/u_doesnotexist"); r.Code != http.StatusNotFound {
		t.Fatalf("unknown account: %d", r.Code)
	}
	if r := admin.get("/admin/users/" + strings.Repeat("x", 300)); r.Code != http.StatusNotFound {
		t.Fatalf("malformed id: %d", r.Code)
	}
}

// Roles change and accounts are disabled; the last administrator cannot be removed, and a
// concurrent edit is reported instead of overwritten.
func TestAdministratorChangesRolesSafely(t *testing.T) {
	h := newHarness(t)
	adm := h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	off := h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	admin := h.signIn("adm@agency.example", staffPassword)
	version := func(id string) string {
		v, _ := admin.get("/admin/users/" + id).doc.Find("input[name=version]").Attr("value")
		return v
	}
	// (Demoting oneself is refused anyway: another administrator changes one's roles.)
	r := admin.post("/admin/users/"+adm.ID, url.Values{"name": {"管理"}, "roles": {"administrator"}, "disabled": {"on"}, "version": {version(adm.ID)}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "系統管理者") {
		t.Fatalf("removing the last administrator: %d %q", r.Code, r.text(".error-summary"))
	}
	offSession := h.signIn("off@agency.example", staffPassword)
	v1 := version(off.ID)
	r = admin.post("/admin/users/"+off.ID, url.Values{"name": {"承辦"}, "roles": {"officer", "webmaster"}, "version": {v1}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("add a role: %d %s", r.Code, r.text(".error-summary"))
	}
	stale := admin.post("/admin/users/"+off.ID, url.Values{"name": {"承辦"}, "roles": {"officer"}, "version": {v1}})
	if stale.Code != http.StatusConflict {
		t.Fatalf("a stale edit: %d", stale.Code)
	}
	v2 := version(off.ID)
	if r := admin.post("/admin/users/"+off.ID, url.Values{"name": {"承辦"}, "roles": {"officer", "root"}, "version": {v2}}); r.Code != http.StatusBadRequest {
		t.Fatalf("an unknown role: %d", r.Code)
	}
	r = admin.post("/admin/users/"+off.ID, url.Values{"name": {"承辦"}, "roles": {"officer"}, "disabled": {"on"}, "version": {v2}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.Code, r.text(".error-summary"))
	}
	if offSession.get("/staff").Code == 200 {
		t.Fatal("a disabled account's session still works")
	}
	r = h.browser().post("/signin", url.Values{"email": {"off@agency.example"}, "password": {staffPassword}})
	if r.Code != http.StatusForbidden || !strings.Contains(r.text(".error-summary"), "停用") {
		t.Fatalf("disabled sign-in: %d %q", r.Code, r.text(".error-summary"))
	}
}

// While another instance is removing an administrator, a removal here waits a moment,
// then shows the account again with "changed meanwhile" (409) in the page's language,
// and the role stays.
func TestLastAdminRemovalBusyElsewhereAnswersConflict(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	other := h.makeUser("adm2@agency.example", "副管理", staffPassword, account.RoleAdmin)
	if ok, err := store.NewLeases(h.db.DB).Claim(t.Context(), "admin-removal", "another instance", time.Minute, h.clock.Now()); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	for _, tc := range []struct {
		opts []func(*http.Request)
		want string
	}{{nil, "剛剛被其他人修改過"}, {[]func(*http.Request){english}, "Someone else just changed this account"}} {
		admin := h.signIn("adm@agency.example", staffPassword, tc.opts...)
		v, _ := admin.get("/admin/users/" + other.ID).doc.Find("input[name=version]").Attr("value")
		r := admin.post("/admin/users/"+other.ID, url.Values{"name": {"副管理"}, "roles": {"officer"}, "version": {v}})
		if r.Code != http.StatusConflict || !strings.Contains(r.text(".error-summary"), tc.want) {
			t.Fatalf("removal while another is under way: %d %q", r.Code, r.text(".error-summary"))
		}
		if !admin.get("/admin/users/" + other.ID).doc.Find("input[name=roles][value=administrator]").Is("[checked]") {
			t.Fatal("the refused removal took the administrator role")
		}
	}
}

// The six-monthly review: next due date, overdue flag, recording, CSV export.
func TestStaffAccountReview(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("=cmd@agency.example", "=HYPERLINK(\"x\")", staffPassword, account.RoleWebmaster)
	h.clock.Advance(200 * 24 * time.Hour)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	admin.post("/account/password", url.Values{"current_password": {staffPassword}, "password": {"Review-Day-2026#"}, "password_confirm": {"Review-Day-2026#"}})
	list := admin.get("/admin/staff")
	if list.Code != 200 || !strings.Contains(list.text("#review-h + p"), "overdue") {
		t.Fatalf("an overdue review is not flagged: %d %q", list.Code, list.text("#review-h + p"))
	}
	if n := list.doc.Find("tbody tr").Length(); n != 2 {
		t.Fatalf("%d staff rows", n)
	}
	if r := admin.post("/admin/staff/review", url.Values{"note": {"disabled nobody"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("record review: %d", r.Code)
	}
	list = admin.get("/admin/staff")
	want := "Next review due: " + h.clock.Now().AddDate(0, 6, 0).In(twtime.Zone).Format("2 January 2006")
	if !strings.Contains(list.text("#review-h + p"), want) || !strings.Contains(list.text(".notice"), "管理") {
		t.Fatalf("after the review: %q", list.text(".notice"))
	}
	csv := admin.get("/admin/staff.csv")
	body := csv.Body.String()
	if csv.Code != 200 || !strings.HasPrefix(csv.Header().Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("csv: %d %s", csv.Code, csv.Header().Get("Content-Type"))
	}
	if !strings.Contains(body, "adm@agency.example") || !strings.Contains(body, "Administrator") || strings.Count(body, "\n") != 3 {
		t.Fatalf("csv body %q", body)
	}
	if strings.Contains(body, "\n=") || strings.Contains(body, ",=") || !strings.Contains(body, "'=cmd@agency.example") {
		t.Fatalf("a formula cell was not neutralised: %q", body)
	}
}
