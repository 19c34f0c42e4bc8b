package handlers_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// xssPayload is typed into every free-text field of the security suite's world. It starts
// with "=" so the same text also tests the CSV formula guard.
const xssPayload = `=1+1<script>alert(1)</script>"'><img src=x onerror=alert(1)>`

// world is a portal with one of everything a user can create, each text field filled
// with mark+xssPayload: citizen A's requests (with files, messages, letters, a package),
// receipts and disclosures, a guest's request, and the administrators' records. Paths
// maps every route pattern with a parameter to a concrete path naming one of those
// objects (A's, where the object has an owner).
type world struct {
	h                 *harness
	mark, text        string
	a, b              *account.User
	citizenA, citizen *browser // A and B (B also follows a guest request of their own)
	boss              *browser // administrator, officer and webmaster at once
	guest             *browser // follows the guest request R3
	token             string   // a bearer token with every scope
	paths             map[string]string
	r1, r2, r3, r4    string // the references of worldR1..worldR4 (those numbers on a new portal)
}

const (
	worldR1 = "2026-000001" // A's copy request: files, messages, both letters, package
	worldR2 = "2026-000002" // A's correction request
	worldR3 = "2026-000003" // a guest's copy request: file, letters, package
	worldR4 = "2026-000004" // B's own guest request (gives B a guest cookie)
)

var locationID = regexp.MustCompile(`/([^/?]+)$`)

func mustStatus(t *testing.T, what string, r *response, want int) *response {
	t.Helper()
	if r.Code != want {
		t.Fatalf("%s: status %d, want %d: %q", what, r.Code, want, r.text(".error-summary"))
	}
	return r
}

func newWorld(t *testing.T, mark string) *world {
	t.Helper()
	w := newWorldOn(t, newHarness(t), mark)
	if w.r1 != worldR1 || w.r2 != worldR2 || w.r3 != worldR3 || w.r4 != worldR4 {
		t.Fatalf("a new portal numbered the world's requests %s %s %s %s", w.r1, w.r2, w.r3, w.r4)
	}
	return w
}

// refOf is the reference a filing redirected to (/requests/<ref>, /guest/requests/<ref>/confirm).
var refOf = regexp.MustCompile(`/(\d{4}-\d{6})([/?#]|$)`)

func redirectRef(t *testing.T, r *response) string {
	t.Helper()
	m := refOf.FindStringSubmatch(r.Header().Get("Location"))
	if m == nil {
		t.Fatalf("no reference in the redirect to %q", r.Header().Get("Location"))
	}
	return m[1]
}

// newWorldOn builds the world on a portal that may already hold other people and
// requests (the benchmarks at an agency's size).
func newWorldOn(t *testing.T, h *harness, mark string) *world {
	t.Helper()
	text := mark + xssPayload
	w := &world{h: h, mark: mark, text: text}
	h.makeUser("boss@agency.example", "主管", staffPassword, account.RoleAdmin, account.RoleOfficer, account.RoleWebmaster)
	w.a = h.makeUser("a@example.tw", "甲", citizenPassword)
	w.b = h.makeUser("b@example.tw", "乙", citizenPassword)
	w.boss = h.signIn("boss@agency.example", staffPassword)
	w.citizenA = h.signIn("a@example.tw", citizenPassword)
	w.citizen = h.signIn("b@example.tw", citizenPassword)
	A, boss := w.citizenA, w.boss

	// Citizen A: profile, two requests, a message, a consent with its receipt.
	mustStatus(t, "profile", A.post("/account/profile", url.Values{"name": {text}, "address": {text}, "phone": {"02-1234-5678"}}), http.StatusSeeOther)
	w.r1 = redirectRef(t, mustStatus(t, "file R1", A.multipart("/requests", url.Values{"kind": {"copy"}, "scope": {text}}, upload{text + ".pdf", pdfFile}), http.StatusSeeOther))
	w.r2 = redirectRef(t, mustStatus(t, "file R2", A.post("/requests", url.Values{"kind": {"correct"}, "field": {"address"}, "proposed": {text}, "explanation": {text}}), http.StatusSeeOther))
	mustStatus(t, "A's message", A.multipart("/requests/"+w.r1+"/messages", url.Values{"body": {text}}, upload{"m.png", pngFile}), http.StatusSeeOther)
	mustStatus(t, "consent", A.post("/account/consents", url.Values{"purpose": {"newsletter"}, "grant": {"on"}, "version": {"1"}}), http.StatusSeeOther)
	receiptLink, ok := A.get("/account/consents").doc.Find(`a[href^="/account/consents/receipts/"]`).Attr("href")
	if !ok {
		t.Fatal("no receipt link")
	}
	receiptID := strings.TrimPrefix(receiptLink, "/account/consents/receipts/")
	fileLink, ok := A.get("/requests/" + w.r1).doc.Find(`.files a[href^="/requests/` + w.r1 + `/files/"]`).Attr("href")
	if !ok {
		t.Fatal("no file link on R1")
	}
	fileID := locationID.FindStringSubmatch(fileLink)[1]

	// A guest's request, followed with the mailed code; B follows one of their own.
	w.guest = h.browser()
	w.r3 = redirectRef(t, mustStatus(t, "guest R3", w.guest.multipart("/guest/requests", url.Values{"kind": {"copy"}, "scope": {text}, "email": {"g@example.tw"}, "name": {text}},
		upload{"g.pdf", pdfFile}), http.StatusSeeOther))
	mustStatus(t, "guest confirm", w.guest.post("/guest/requests/"+w.r3+"/confirm", url.Values{"code": {lastCode(t, h, "g@example.tw")}}), http.StatusSeeOther)
	w.r4 = redirectRef(t, mustStatus(t, "guest R4", w.citizen.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"B's own"}, "email": {"bguest@example.tw"}}), http.StatusSeeOther))
	mustStatus(t, "guest R4 confirm", w.citizen.post("/guest/requests/"+w.r4+"/confirm", url.Values{"code": {lastCode(t, h, "bguest@example.tw")}}), http.StatusSeeOther)
	guestFile, ok := w.guest.get("/guest/requests/" + w.r3).doc.Find(`.files a[href*="/files/"]`).Attr("href")
	if !ok {
		t.Fatal("no file link on the guest's request")
	}
	guestFileID := locationID.FindStringSubmatch(guestFile)[1]

	// The officer works R1 and R3 to the end: notes, an extension with its reason, a
	// message, a decision with a refused item and its reason, the package.
	for _, ref := range []string{w.r1, w.r3} {
		mustStatus(t, "review "+ref, act(t, boss, ref, "review", nil), http.StatusSeeOther)
		mustStatus(t, "note "+ref, act(t, boss, ref, "note", url.Values{"note": {text}}), http.StatusSeeOther)
		mustStatus(t, "extend "+ref, act(t, boss, ref, "extend", url.Values{"reason": {text}, "confirm": {"yes"}}), http.StatusSeeOther)
		mustStatus(t, "message "+ref, boss.multipart("/officer/requests/"+ref+"/message", url.Values{"body": {text}}), http.StatusSeeOther)
		mustStatus(t, "identity "+ref, act(t, boss, ref, "identity", url.Values{"level": {"in_person"}, "identity_note": {text}}), http.StatusSeeOther)
		d := boss.get("/officer/requests/" + ref + "/decide")
		n := d.doc.Find(`select[name=outcome]`).Length()
		form := url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}}
		for i := 0; i < n; i++ {
			idx := string(rune('0' + i))
			if i == 1 {
				form.Add("outcome", idx+":refuse")
				form.Add("grounds", idx+":art10-2")
				form.Add("reason", text)
			} else {
				form.Add("outcome", idx+":grant")
				form.Add("reason", "")
			}
		}
		mustStatus(t, "decide "+ref, boss.post("/officer/requests/"+ref+"/decide", form), http.StatusSeeOther)
		mustStatus(t, "fulfil "+ref, act(t, boss, ref, "fulfil", url.Values{"fulfil_note": {text}}), http.StatusSeeOther)
	}
	h.srv.Wait()

	// Records: a disclosure naming A (with a document), an inventory file, an incident
	// affecting A, a paper consent, a paper request, a token, a staff member, a review.
	r := mustStatus(t, "disclosure", boss.multipart("/officer/disclosures", url.Values{"first": {"2026-11-20"}, "recipient_name": {text},
		"recipient_address": {text}, "recipient_kind": {"judicial"}, "categories": {"C001"}, "description": {text}, "ground": {"notice-1"},
		"reference": {text}, "frequency": {text}, "subjects": {"a@example.tw"}}, upload{"court.pdf", pdfFile}), http.StatusSeeOther)
	disclosureID := locationID.FindStringSubmatch(r.Header().Get("Location"))[1]
	docLink, ok := boss.get("/officer/disclosures/" + disclosureID).doc.Find(`a[href*="/files/"]`).Attr("href")
	if !ok {
		t.Fatal("no document link on the disclosure")
	}
	mustStatus(t, "inventory", boss.post("/admin/files", url.Values{"name_zh": {text}, "name_en": {text}, "unit": {text}, "contact": {"javascript:alert(1)"},
		"legal_basis": {text}, "purposes": {"069"}, "categories": {"C001"}, "systems": {text}, "retention_zh": {text}, "retention_en": {text}}), http.StatusSeeOther)
	inventoryLink, ok := boss.get("/admin/files").doc.Find(`a[href^="/admin/files/"]:not([href$="/new"])`).Attr("href")
	if !ok {
		t.Fatal("no inventory file in the list")
	}
	inventoryID := strings.TrimPrefix(inventoryLink, "/admin/files/")
	r = mustStatus(t, "incident", boss.post("/admin/incidents", url.Values{"title": {text}, "discovered": {"2026-11-23T10:00"}, "what": {text},
		"data": {text}, "people": {"1"}, "measures": {text}, "what_en": {text}, "measures_en": {text}, "affected": {"a@example.tw"},
		"emails": {"reader@example.org"}, "letters": {text + " | " + text}}), http.StatusSeeOther)
	incidentID := locationID.FindStringSubmatch(r.Header().Get("Location"))[1]
	incidentVersion := func() string {
		v, _ := boss.get("/admin/incidents/" + incidentID).doc.Find(`form[action$="/reported"] input[name=version]`).Attr("value")
		return v
	}
	mustStatus(t, "incident notice", boss.post("/admin/incidents/"+incidentID+"/notify", url.Values{"version": {incidentVersion()}, "confirm": {"yes"}}), http.StatusSeeOther)
	mustStatus(t, "incident announcement", boss.post("/admin/incidents/"+incidentID+"/announce", url.Values{"version": {incidentVersion()},
		"impracticable": {text}, "confirm": {"yes"}}), http.StatusSeeOther)
	r = mustStatus(t, "paper consent", boss.multipart("/officer/consents", url.Values{"email": {"a@example.tw"}, "purpose": {"newsletter"}, "action": {"withdraw"},
		"form_lang": {"zh-TW"}, "reference": {text}, "version": {"1"}}, upload{text + ".pdf", pdfFile}), http.StatusSeeOther)
	scanLink, ok := boss.get(r.Header().Get("Location")).doc.Find(`a[href^="/officer/consents/"]`).Attr("href")
	if !ok {
		t.Fatal("no scan link after the paper consent")
	}
	mustStatus(t, "intake", boss.post("/officer/intake", url.Values{"email": {"paper@example.tw"}, "name": {text}, "channel": {"paper"},
		"received": {"2026-11-20"}, "kind": {"view"}, "scope": {text}}), http.StatusSeeOther)
	r = mustStatus(t, "token", boss.post("/admin/tokens", url.Values{"name": {text}, "scopes": {"consent:read", "requests:read", "records:read"}}), http.StatusCreated)
	w.token, _ = r.doc.Find("#new-token").Attr("value")
	revoke, ok := boss.get("/admin/tokens").doc.Find(`form[action$="/revoke"]`).Attr("action")
	if !ok || w.token == "" {
		t.Fatal("no token or no revoke form")
	}
	mustStatus(t, "staff", boss.post("/admin/staff", url.Values{"email": {"staff2@agency.example"}, "name": {text}, "roles": {"officer"}}), http.StatusCreated)
	mustStatus(t, "review", boss.post("/admin/staff/review", url.Values{"note": {text}}), http.StatusSeeOther)

	// The administrators' texts: fees, the calendar, a purpose and a published notice.
	mustStatus(t, "fees", boss.post("/admin/fees", url.Values{"id": {""}, "name_zh": {text}, "name_en": {text}, "unit": {"2"}}), http.StatusSeeOther)
	pay := url.Values{"account_no": {"0123-456789"}, "epay_url": {"https://pay.example.gov.tw/?q=%3Cscript%3E"}, "due_days": {"30"}}
	for _, f := range []string{"bank", "branch", "account_name", "counter", "hours"} {
		pay.Set(f+"_zh", text)
		pay.Set(f+"_en", text)
	}
	mustStatus(t, "payment instructions", boss.post("/admin/fees/payment", pay), http.StatusSeeOther)
	letterSettings := url.Values{"prefix_zh": {"府個資字"}, "prefix_en": {"DSO-PD"}}
	for _, f := range []string{"agency", "address", "head_title", "head_name", "appeal"} {
		letterSettings.Set(f+"_zh", text)
		letterSettings.Set(f+"_en", text)
	}
	mustStatus(t, "letter settings", boss.post("/admin/letters", letterSettings), http.StatusSeeOther)
	var cal bytes.Buffer
	cw := csv.NewWriter(&cal)
	_ = cw.WriteAll([][]string{{"date", "day_off", "note"}, {"2026-12-08", "true", text}})
	mustStatus(t, "calendar", boss.importConfirmed("cal.csv", cal.Bytes()), http.StatusSeeOther)
	p := url.Values{"new": {"1"}, "id": {"xss"}, "code": {"040"}, "categories": {"C001"}}
	for _, f := range []string{"name", "description", "basis", "retention", "decline"} {
		p.Set(f+"-zh-TW", text)
		p.Set(f+"-en", text)
	}
	mustStatus(t, "purpose", boss.post("/admin/purposes", p), http.StatusSeeOther)
	mustStatus(t, "draft", boss.post("/admin/notices/draft/start", url.Values{}), http.StatusSeeOther)
	form := formValues(boss.get("/admin/notices/draft").doc, `main form[action="/admin/notices/draft"]`)
	form.Set("summary-zh-TW", text)
	form.Set("summary-en", text)
	form.Set("section-agency-zh-TW", text)
	form.Set("section-agency-en", text)
	form.Add("purposes", "xss")
	mustStatus(t, "save draft", boss.post("/admin/notices/draft", form), http.StatusSeeOther)
	mustStatus(t, "publish", boss.post("/admin/notices/draft/publish", url.Values{"confirm": {"yes"}}), http.StatusSeeOther)

	css, _ := h.get("/").doc.Find(`link[rel="stylesheet"]`).Attr("href")
	mailLink, ok := w.citizenA.get("/account/inbox").doc.Find("ul.inbox a").First().Attr("href")
	if !ok {
		t.Fatal("no mail in A's inbox")
	}
	w.paths = map[string]string{
		"/account/inbox/:id":                      mailLink,
		"/static/:hash/*path":                     css,
		"/guest/requests/:ref/confirm":            "/guest/requests/" + w.r3 + "/confirm",
		"/guest/requests/:ref":                    "/guest/requests/" + w.r3,
		"/guest/requests/:ref/withdraw":           "/guest/requests/" + w.r3 + "/withdraw",
		"/guest/requests/:ref/messages":           "/guest/requests/" + w.r3 + "/messages",
		"/guest/requests/:ref/letters/:letter":    "/guest/requests/" + w.r3 + "/letters/extension",
		"/guest/requests/:ref/files/:id":          "/guest/requests/" + w.r3 + "/files/" + guestFileID,
		"/guest/requests/:ref/package":            "/guest/requests/" + w.r3 + "/package",
		"/privacy/versions/:n":                    "/privacy/versions/2",
		"/account/consents/receipts/:id":          "/account/consents/receipts/" + receiptID,
		"/account/consents/receipts/:id/download": "/account/consents/receipts/" + receiptID + "/download",
		"/requests/:ref":                          "/requests/" + w.r1,
		"/requests/:ref/withdraw":                 "/requests/" + w.r2 + "/withdraw",
		"/requests/:ref/letters/:letter":          "/requests/" + w.r1 + "/letters/decision",
		"/requests/:ref/messages":                 "/requests/" + w.r1 + "/messages",
		"/requests/:ref/files/:id":                "/requests/" + w.r1 + "/files/" + fileID,
		"/requests/:ref/package":                  "/requests/" + w.r1 + "/package",
		"/officer/disclosures/:id":                "/officer/disclosures/" + disclosureID,
		"/officer/disclosures/:id/files/:fid":     docLink,
		"/officer/consents/:id/files/:fid":        scanLink,
		"/officer/requests/:ref":                  "/officer/requests/" + w.r1,
		"/officer/requests/:ref/decide":           "/officer/requests/" + w.r2 + "/decide",
		"/officer/requests/:ref/:action":          "/officer/requests/" + w.r2 + "/note",
		"/officer/requests/:ref/letters/:letter":  "/officer/requests/" + w.r1 + "/letters/extension",
		"/officer/requests/:ref/files/:id":        "/officer/requests/" + w.r1 + "/files/" + fileID,
		"/admin/users/:id":                        "/admin/users/" + w.a.ID,
		"/admin/users/:id/unlock":                 "/admin/users/" + w.a.ID + "/unlock",
		"/admin/users/:id/unlock-code":            "/admin/users/" + w.a.ID + "/unlock-code",
		"/admin/users/:id/password":               "/admin/users/" + w.a.ID + "/password",
		"/admin/users/:id/sessions":               "/admin/users/" + w.a.ID + "/sessions",
		"/admin/tokens/:id/revoke":                revoke,
		"/admin/files/:id":                        "/admin/files/" + inventoryID,
		"/admin/purposes/:id":                     "/admin/purposes/xss",
		"/admin/incidents/:id":                    "/admin/incidents/" + incidentID,
		"/admin/incidents/:id/reported":           "/admin/incidents/" + incidentID + "/reported",
		"/admin/incidents/:id/notify":             "/admin/incidents/" + incidentID + "/notify",
		"/admin/incidents/:id/announce":           "/admin/incidents/" + incidentID + "/announce",
		"/admin/incidents/:id/letters":            "/admin/incidents/" + incidentID + "/letters",
		"/announcements/:id":                      "/announcements/" + incidentID,
		"/api/v1/consents/:subject/:purpose":      "/api/v1/consents/" + w.a.ID + "/newsletter",
		"/api/v1/me/consents/:purpose":            "/api/v1/me/consents/newsletter",
		"/api/v1/me/receipts/:id":                 "/api/v1/me/receipts/" + receiptID,
		"/api/v1/me/requests/:ref":                "/api/v1/me/requests/" + w.r1,
		"/api/v1/me/requests/:ref/messages":       "/api/v1/me/requests/" + w.r1 + "/messages",
		"/api/v1/requests/:ref":                   "/api/v1/requests/" + w.r1,
		"/api/v1/disclosures/:id":                 "/api/v1/disclosures/" + disclosureID,
		"/api/v1/files/:id":                       "/api/v1/files/" + inventoryID,
	}
	return w
}

// path is the concrete path of a route pattern: itself without parameters, the world's
// object otherwise ("" when the world has none).
func (w *world) path(pattern string) string {
	if !strings.ContainsAny(pattern, ":*") {
		return pattern
	}
	return w.paths[pattern]
}

// owner is the browser that may use a path: A for their account, requests and API, the
// guest for the guest's request, the administrator for staff areas, else anyone.
func (w *world) owner(path string) *browser {
	switch {
	case strings.HasPrefix(path, "/account"), strings.HasPrefix(path, "/requests"), strings.HasPrefix(path, "/api/v1/me"):
		return w.citizenA
	case strings.HasPrefix(path, "/guest/requests/"):
		return w.guest
	case strings.HasPrefix(path, "/officer"), strings.HasPrefix(path, "/admin"), strings.HasPrefix(path, "/staff"), strings.HasPrefix(path, "/webmaster"):
		return w.boss
	case strings.HasPrefix(path, "/api/v1/"):
		return w.h.browser(bearer(w.token))
	}
	return w.h.browser()
}
