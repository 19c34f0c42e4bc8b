package handlers_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

type apiState struct {
	Purpose       string     `json:"purpose"`
	Name          string     `json:"name"`
	Required      bool       `json:"required"`
	Granted       bool       `json:"granted"`
	Action        *string    `json:"action"`
	NoticeVersion *int       `json:"noticeVersion"`
	Since         *time.Time `json:"since"`
	EventID       *string    `json:"eventId"`
	Pending       bool       `json:"pending"`
}

type apiEvent struct {
	ID      string  `json:"id"`
	Purpose string  `json:"purpose"`
	Action  string  `json:"action"`
	Channel string  `json:"channel"`
	Receipt *string `json:"receipt"`
}

// A citizen reads and changes their consents through the API with the session cookie,
// gets the receipts of their own events only, and anyone verifies a receipt.
func TestAPIMyConsentsChangeHistoryAndReceipts(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("m@example.tw", "Mei", citizenPassword, "newsletter"))
	h.browser().post("/signup", signUpForm("o@example.tw", "Other", citizenPassword))
	b := h.signIn("m@example.tw", citizenPassword, english)
	other := h.signIn("o@example.tw", citizenPassword)
	anon := h.browser()

	apiError(t, anon.api("GET", "/api/v1/me/consents", ""), 401, "unauthenticated")
	apiError(t, anon.api("POST", "/api/v1/me/consents/newsletter", `{"granted":true,"noticeVersion":1}`), 401, "unauthenticated")

	mine := decodeAs[struct {
		NoticeVersion int        `json:"noticeVersion"`
		Purposes      []apiState `json:"purposes"`
	}](t, b.api("GET", "/api/v1/me/consents", ""), 200)
	if mine.NoticeVersion != 1 || len(mine.Purposes) != 7 {
		t.Fatalf("my consents: %+v", mine)
	}
	byID := map[string]apiState{}
	for _, p := range mine.Purposes {
		byID[p.Purpose] = p
	}
	if nl := byID["newsletter"]; !nl.Granted || nl.Required || *nl.Action != "grant" || *nl.NoticeVersion != 1 || nl.Since == nil || nl.EventID == nil || !strings.Contains(nl.Name, "Newsletter") && !strings.Contains(nl.Name, "newsletter") {
		t.Fatalf("newsletter %+v", nl)
	}
	if acc := byID["account"]; !acc.Granted || !acc.Required || acc.Pending {
		t.Fatalf("account %+v", acc)
	}

	type change struct {
		Changed bool     `json:"changed"`
		Consent apiState `json:"consent"`
	}
	c := decodeAs[change](t, b.api("POST", "/api/v1/me/consents/newsletter", `{"granted": false, "noticeVersion": 1}`), 200)
	if !c.Changed || c.Consent.Granted || *c.Consent.Action != "withdraw" {
		t.Fatalf("withdraw: %+v", c)
	}
	if c := decodeAs[change](t, b.api("POST", "/api/v1/me/consents/newsletter", `{"granted": false, "noticeVersion": 1}`), 200); c.Changed {
		t.Fatal("withdrawing twice recorded a second event")
	}
	apiError(t, b.api("POST", "/api/v1/me/consents/account", `{"granted": false, "noticeVersion": 1}`), 409, "required_purpose")
	apiError(t, b.api("POST", "/api/v1/me/consents/$where", `{"granted": true, "noticeVersion": 1}`), 404, "unknown_purpose")
	// The cross-origin guard still stands in front of the API's cookie requests.
	apiError(t, b.api("POST", "/api/v1/me/consents/newsletter", `{"granted": true, "noticeVersion": 1}`, header("Sec-Fetch-Site", "cross-site")), 403, "cross_origin")

	// Granting six times at once records one grant.
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.api("POST", "/api/v1/me/consents/newsletter", `{"granted": true, "noticeVersion": 1}`)
		}()
	}
	wg.Wait()
	history := decodeAs[struct {
		Events []apiEvent `json:"events"`
	}](t, b.api("GET", "/api/v1/me/consents/history", ""), 200).Events
	apiGrants := 0
	for _, e := range history {
		if e.Channel == "api" && e.Action == "grant" {
			apiGrants++
		}
	}
	if apiGrants != 1 || len(history) != 9 || history[0].Action != "grant" || history[0].Purpose != "newsletter" {
		t.Fatalf("%d API grants after six concurrent grants (want 1), %d events, newest %+v", apiGrants, len(history), history[0])
	}
	if history[0].Receipt == nil || *history[0].Receipt != "/api/v1/me/receipts/"+history[0].ID {
		t.Fatalf("receipt link %v", history[0].Receipt)
	}

	// The receipt: its owner's only.
	link := *history[0].Receipt
	rc := decodeAs[struct {
		Receipt map[string]any `json:"receipt"`
		JWS     string         `json:"jws"`
	}](t, b.api("GET", link, ""), 200)
	if xp, _ := rc.Receipt["x-portal"].(map[string]any); xp["channel"] != "api" || xp["action"] != "grant" || rc.JWS == "" {
		t.Fatalf("receipt %v", rc.Receipt)
	}
	apiError(t, other.api("GET", link, ""), 404, "not_found")
	apiError(t, b.api("GET", "/api/v1/me/receipts/ce_nothing", ""), 404, "not_found")
	apiError(t, anon.api("GET", link, ""), 401, "unauthenticated")

	// Anyone verifies.
	type verified struct {
		Genuine bool           `json:"genuine"`
		Receipt map[string]any `json:"receipt"`
	}
	jwsBody := func(jws string) string { b, _ := json.Marshal(map[string]string{"jws": jws}); return string(b) }
	if v := decodeAs[verified](t, anon.api("POST", "/api/v1/receipts/verify", jwsBody(rc.JWS)), 200); !v.Genuine || v.Receipt["consentReceiptID"] != history[0].ID {
		t.Fatalf("verify: %+v", v)
	}
	parts := strings.Split(rc.JWS, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), `"action":"grant"`, `"action":"withdraw"`, 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	apiError(t, anon.api("POST", "/api/v1/receipts/verify", jwsBody(tampered)), 422, "receipt_altered")
	r, err := receipt.Verify(rc.JWS, receipt.Trusted(testSigner.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := receipt.NewSigner(ed25519.NewKeyFromSeed(make32(9))).Sign(r)
	if err != nil {
		t.Fatal(err)
	}
	apiError(t, anon.api("POST", "/api/v1/receipts/verify", jwsBody(foreign)), 422, "receipt_unknown_key")
	apiError(t, anon.api("POST", "/api/v1/receipts/verify", jwsBody("a.b.c")), 422, "receipt_malformed")
}

// Bodies the API cannot read are 400 (or 413, 415) with a message in the caller's
// language, and change nothing; operators in JSON are refused by typed decoding.
func TestAPIRefusesBadBodies(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("b@example.tw", "某甲", citizenPassword))
	b := h.signIn("b@example.tw", citizenPassword)
	anon := h.browser()
	const change = "/api/v1/me/consents/newsletter"
	for body, code := range map[string]string{
		`{"granted": tru`:                       "malformed_json",
		``:                                      "malformed_json",
		`{"granted": true} {"granted": true}`:   "malformed_json",
		`{"granted": true, "purpose": "stats"}`: "unknown_field",
		`{"granted": {"$ne": 1}}`:               "invalid_field",
		`{"granted": "true"}`:                   "invalid_field",
		`[true]`:                                "invalid_field",
		`{}`:                                    "missing_field",
		`{"granted":false}`:                     "missing_field",
		`null`:                                  "missing_field",
	} {
		apiError(t, b.api("POST", change, body), 400, code)
	}
	apiError(t, anon.api("POST", "/api/v1/receipts/verify", `{"jws": {"$gt": ""}}`), 400, "invalid_field")
	apiError(t, anon.api("POST", "/api/v1/receipts/verify", `{"jws": "x", "$where": "1"}`), 400, "unknown_field")
	apiError(t, b.api("POST", change, "granted=on", header("Content-Type", "application/x-www-form-urlencoded")), 415, "unsupported_media_type")
	big := `{"jws": "` + strings.Repeat("x", 70<<10) + `"}`
	apiError(t, anon.api("POST", "/api/v1/receipts/verify", big), 413, "body_too_large")
	// Without a declared length the decoder's own limit stops it.
	apiError(t, anon.api("POST", "/api/v1/receipts/verify", big, func(r *http.Request) { r.ContentLength = -1 }), 413, "body_too_large")
	history, err := store.NewConsents(h.db.DB).History(context.Background(), mustUser(t, h, "b@example.tw").ID, 100)
	if err != nil || len(history) != 7 {
		t.Fatalf("refused requests recorded events: %d %v", len(history), err)
	}

	// Messages follow Accept-Language, and the lang cookie wins over it.
	cat := i18n.MustLoad()
	if m := apiError(t, b.api("POST", change, `{"x":1}`), 400, "unknown_field"); m != cat.T(i18n.ZH, "api.error.unknown_field") {
		t.Fatalf("default message %q", m)
	}
	en := apiError(t, b.api("POST", change, `{"x":1}`, english), 400, "unknown_field")
	if en != cat.T(i18n.EN, "api.error.unknown_field") || en == cat.T(i18n.ZH, "api.error.unknown_field") {
		t.Fatalf("English message %q", en)
	}
	langEN := func(r *http.Request) {
		r.Header.Set("Accept-Language", "zh-TW")
		r.AddCookie(&http.Cookie{Name: "lang", Value: "en"})
	}
	if m := apiError(t, anon.api("GET", "/api/v1/me/consents", "", langEN), 401, "unauthenticated"); m != cat.T(i18n.EN, "api.error.unauthenticated") {
		t.Fatalf("lang cookie: %q", m)
	}
}

func mustUser(t *testing.T, h *harness, email string) *account.User {
	t.Helper()
	u, err := h.users.ByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var tokenPattern = regexp.MustCompile(`^pdpa_[a-z2-7]{52}$`)

// An administrator issues a token (shown once, stored only hashed) and revokes it; the
// agency's systems look consents up with it; a token needs the scope and must be live.
func TestAPITokensAndConsentLookup(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("cit@example.tw", "民眾", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	citizen := h.signIn("cit@example.tw", citizenPassword)
	h.browser().post("/signup", signUpForm("s@example.tw", "某乙", citizenPassword, "newsletter"))
	subject := mustUser(t, h, "s@example.tw").ID

	// Only administrators reach the page.
	if r := citizen.get("/admin/tokens"); r.Code != http.StatusForbidden {
		t.Fatalf("a citizen opened the tokens page: %d", r.Code)
	}
	if r := citizen.post("/admin/tokens", url.Values{"name": {"x"}, "scopes": {"consent:read"}}); r.Code != http.StatusForbidden {
		t.Fatalf("a citizen issued a token: %d", r.Code)
	}
	page := admin.get("/admin/tokens")
	if page.Code != 200 || page.doc.Find(`input[name=scopes][value="consent:read"]`).Length() != 1 || page.doc.Find("#new-token").Length() != 0 {
		t.Fatalf("tokens page: %d", page.Code)
	}
	// Problems are named.
	for _, f := range []url.Values{{"scopes": {"consent:read"}}, {"name": {"CRM"}}, {"name": {"CRM"}, "scopes": {"admin:all"}}} {
		if r := admin.post("/admin/tokens", f); r.Code != http.StatusBadRequest || r.text(".error-summary") == "" {
			t.Fatalf("issue %v: %d %q", f, r.Code, r.text(".error-summary"))
		}
	}
	if rows, _ := store.NewAPITokens(h.db.DB).List(context.Background()); len(rows) != 0 {
		t.Fatalf("refused forms stored %d tokens", len(rows))
	}

	issued := admin.post("/admin/tokens", url.Values{"name": {"Newsletter system"}, "scopes": {"consent:read"}})
	token, _ := issued.doc.Find("#new-token").Attr("value")
	if issued.Code != http.StatusCreated || !tokenPattern.MatchString(token) {
		t.Fatalf("issue: %d %q %s", issued.Code, token, issued.text(".error-summary"))
	}
	if list := admin.get("/admin/tokens"); strings.Contains(list.Body.String(), token) || !strings.Contains(list.text("tbody"), "Newsletter system") {
		t.Fatal("the token is shown again, or not listed")
	}
	dump := storetest.Dump(t, h.db)
	if strings.Contains(dump, token) || strings.Contains(dump, strings.TrimPrefix(token, "pdpa_")) || !strings.Contains(dump, account.TokenHash(token)) {
		t.Fatal("the database holds the token itself, or not its hash")
	}

	// Look-ups.
	type lookup struct {
		Subject       string     `json:"subject"`
		Purpose       string     `json:"purpose"`
		Granted       bool       `json:"granted"`
		NoticeVersion *int       `json:"noticeVersion"`
		Since         *time.Time `json:"since"`
	}
	anon := h.browser()
	l := decodeAs[lookup](t, anon.api("GET", "/api/v1/consents/"+subject+"/newsletter", "", bearer(token)), 200)
	if l.Subject != subject || l.Purpose != "newsletter" || !l.Granted || l.NoticeVersion == nil || *l.NoticeVersion != 1 || l.Since == nil || !l.Since.Equal(h.clock.Now()) {
		t.Fatalf("newsletter: %+v", l)
	}
	if l := decodeAs[lookup](t, anon.api("GET", "/api/v1/consents/"+subject+"/survey", "", bearer(token)), 200); l.Granted || l.NoticeVersion == nil {
		t.Fatalf("declined survey: %+v", l)
	}
	noDecision := mustUser(t, h, "cit@example.tw").ID // made directly: no decisions at all
	if l := decodeAs[lookup](t, anon.api("GET", "/api/v1/consents/"+noDecision+"/newsletter", "", bearer(token)), 200); l.Granted || l.NoticeVersion != nil || l.Since != nil {
		t.Fatalf("no decision: %+v", l)
	}
	apiError(t, anon.api("GET", "/api/v1/consents/"+subject+"/marketing", "", bearer(token)), 404, "unknown_purpose")
	apiError(t, anon.api("GET", "/api/v1/consents/u_nobody/newsletter", "", bearer(token)), 404, "unknown_subject")
	apiError(t, anon.api("GET", "/api/v1/consents/$where/newsletter", "", bearer(token)), 404, "unknown_subject")
	// An erased person (their data key destroyed) is unknown too, never a 500.
	gone := h.makeUser("gone@example.tw", "已刪除", citizenPassword)
	if err := storetest.Vault(h.db.DB).Destroy(context.Background(), gone.ID); err != nil {
		t.Fatal(err)
	}
	apiError(t, anon.api("GET", "/api/v1/consents/"+gone.ID+"/newsletter", "", bearer(token)), 404, "unknown_subject")

	// Last use is recorded, at most once a minute.
	tokens := store.NewAPITokens(h.db.DB)
	stored, err := tokens.Get(context.Background(), account.TokenHash(token))
	if err != nil || !stored.LastUsed.Equal(h.clock.Now()) || stored.CreatedBy == "" || stored.Name != "Newsletter system" {
		t.Fatalf("stored %+v %v", stored, err)
	}
	h.clock.Advance(30 * time.Second)
	anon.api("GET", "/api/v1/consents/"+subject+"/newsletter", "", bearer(token))
	if s, _ := tokens.Get(context.Background(), account.TokenHash(token)); !s.LastUsed.Equal(stored.LastUsed) {
		t.Fatal("last use written twice within a minute")
	}
	h.clock.Advance(time.Minute)
	anon.api("GET", "/api/v1/consents/"+subject+"/newsletter", "", bearer(token))
	if s, _ := tokens.Get(context.Background(), account.TokenHash(token)); !s.LastUsed.Equal(h.clock.Now()) {
		t.Fatal("last use not recorded after a minute")
	}
	if list := admin.get("/admin/tokens"); strings.Contains(list.text("tbody"), "Never") {
		t.Fatal("the list does not show the last use")
	}

	// Credentials that do not do.
	path := "/api/v1/consents/" + subject + "/newsletter"
	if r := anon.api("GET", path, ""); r.Header().Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	apiError(t, anon.api("GET", path, ""), 401, "token_missing")
	apiError(t, anon.api("GET", path, "", header("Authorization", "Basic "+token)), 401, "token_missing")
	apiError(t, anon.api("GET", path, "", bearer("pdpa_"+strings.Repeat("a", 52))), 401, "token_invalid")
	apiError(t, anon.api("GET", path, "", bearer(account.TokenHash(token))), 401, "token_invalid")
	apiError(t, admin.api("GET", path, ""), 401, "token_missing") // a session is not a token
	apiError(t, anon.api("GET", "/api/v1/me/consents", "", bearer(token)), 401, "unauthenticated")
	noScope := apitoken.Generate()
	if err := tokens.Create(context.Background(), &apitoken.Token{Hash: account.TokenHash(noScope), Name: "other", Created: h.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	apiError(t, anon.api("GET", path, "", bearer(noScope)), 403, "insufficient_scope")

	// Revoked: refused at once.
	ref := stored.Ref()
	// Revoking asks first; unconfirmed, the token still works.
	if r := admin.post("/admin/tokens/"+ref+"/revoke", url.Values{}); r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "cannot be restored") ||
		r.doc.Find(`main form[action="/admin/tokens/`+ref+`/revoke"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("revoke unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if r := anon.api("GET", path, "", bearer(token)); r.Code != http.StatusOK {
		t.Fatalf("the token stopped working without confirmation: %d", r.Code)
	}
	if r := admin.post("/admin/tokens/"+ref+"/revoke", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Code)
	}
	apiError(t, anon.api("GET", path, "", bearer(token)), 403, "token_revoked")
	list := admin.get("/admin/tokens")
	if list.doc.Find("#token-"+ref+" form").Length() != 0 || !strings.Contains(list.text("#token-"+ref), "Revoked") || !strings.Contains(list.text(".flash"), "revoked") {
		t.Fatalf("after revoking: %q", list.text("#token-"+ref))
	}
	if r := admin.post("/admin/tokens/0000000000000000/revoke", url.Values{}); r.Code != http.StatusNotFound {
		t.Fatalf("revoking an unknown token: %d", r.Code)
	}
}

// The OpenAPI document is valid JSON, OpenAPI 3.x, and describes exactly the routes
// under /api/v1: an undocumented route (or a documented one that is gone) fails here.
func TestOpenAPIDocumentsEveryAPIRoute(t *testing.T) {
	h := newHarness(t)
	r := h.get("/api/v1/openapi.json")
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if r.Code != 200 || json.Unmarshal(r.Body.Bytes(), &doc) != nil {
		t.Fatalf("openapi.json: %d %.200s", r.Code, r.Body.String())
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	var routes, documented []string
	for _, rt := range h.srv.Routes() {
		if strings.HasPrefix(rt.Path, "/api/") {
			routes = append(routes, rt.Method+" "+param.ReplaceAllString(rt.Path, "{$1}"))
		}
	}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
			if op["responses"] == nil || op["operationId"] == nil {
				t.Errorf("%s %s: no responses or operationId", m, p)
			}
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	if !slices.Equal(routes, documented) || len(routes) < 7 {
		t.Fatalf("routes and OpenAPI paths differ:\nroutes     %v\ndocumented %v", routes, documented)
	}
	// Every reference resolves.
	var all map[string]any
	_ = json.Unmarshal(r.Body.Bytes(), &all)
	for _, ref := range regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(r.Body.String(), -1) {
		var node any = all
		for _, part := range strings.Split(ref[1], "/") {
			m, _ := node.(map[string]any)
			node = m[part]
		}
		if node == nil {
			t.Errorf("unresolved $ref %s", ref[1])
		}
	}
}

// Every API route but the public ones refuses an anonymous caller with a JSON 401 (never
// the sign-in redirect), and unknown API paths and methods are JSON too.
func TestEveryAPIRouteAnswersJSONWithoutCredentials(t *testing.T) {
	h := newHarness(t)
	public := map[string]bool{"/api/v1/openapi.json": true, "/api/v1/receipts/verify": true}
	param := regexp.MustCompile(`:[A-Za-z_]+`)
	anon := h.browser()
	checked := 0
	for _, rt := range h.srv.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/") || public[rt.Path] {
			continue
		}
		r := anon.api(rt.Method, param.ReplaceAllString(rt.Path, "x"), `{}`)
		if e := decodeAs[apiErrorJSON](t, r, 401); e.Error.Code == "" {
			t.Errorf("%s %s: %s", rt.Method, rt.Path, r.Body.String())
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d protected API routes", checked)
	}
	apiError(t, anon.api("GET", "/api/v1/nothing", ""), 404, "not_found")
	apiError(t, anon.api("GET", "/api/v1/receipts/verify", ""), 405, "method_not_allowed")
}

// With the database down the API answers 503 in JSON, with Retry-After.
func TestAPIDatabaseOutageIs503(t *testing.T) {
	h := newHarness(t)
	if h.db.Engine == nil {
		t.Skip("outage is simulated by stopping the embedded engine; PORTAL_TEST_MONGODB_URI is set")
	}
	token := apitoken.Generate()
	if err := store.NewAPITokens(h.db.DB).Create(context.Background(), &apitoken.Token{Hash: account.TokenHash(token), Name: "x",
		Scopes: []apitoken.Scope{apitoken.ScopeConsentRead}, Created: h.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	h.db.Engine.Close()
	r := h.browser(english).api("GET", "/api/v1/consents/u_x/newsletter", "", bearer(token))
	if m := apiError(t, r, 503, "unavailable"); !strings.Contains(m, "unavailable") && !strings.Contains(m, "again") {
		t.Fatalf("message %q", m)
	}
	if r.Header().Get("Retry-After") == "" || strings.Contains(r.Body.String(), "mongo") {
		t.Fatalf("503: %v %s", r.Header(), r.Body.String())
	}
}

// A purpose reworded after the person consented is reported pending, not granted, until
// they decide on the new wording.
func TestAPILookupReportsChangedPurposeAsPending(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	admin := h.signIn("adm@agency.example", staffPassword)
	h.browser().post("/signup", signUpForm("s@example.tw", "某", citizenPassword, "newsletter"))
	subject := mustUser(t, h, "s@example.tw").ID
	token, _ := admin.post("/admin/tokens", url.Values{"name": {"CRM"}, "scopes": {"consent:read"}}).doc.Find("#new-token").Attr("value")
	type lookup struct {
		Granted bool `json:"granted"`
		Pending bool `json:"pending"`
	}
	path := "/api/v1/consents/" + subject + "/newsletter"
	if l := decodeAs[lookup](t, h.browser().api("GET", path, "", bearer(token)), 200); !l.Granted || l.Pending {
		t.Fatalf("before the change: %+v", l)
	}
	n, _ := consent.DefaultNotice(h.clock.Now())
	n.Version = 2
	n.Purpose("newsletter").Description = consent.Text{"zh-TW": "每週寄送。", "en": "Weekly."}
	n.Purpose("newsletter").Since = 2
	if err := h.notices.Publish(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if l := decodeAs[lookup](t, h.browser().api("GET", path, "", bearer(token)), 200); l.Granted || !l.Pending {
		t.Fatalf("after rewording: %+v, want pending and not granted", l)
	}
}
