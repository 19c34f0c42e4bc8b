package handlers_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/store"
)

// The sign-up form asks consent only for the optional purposes, a box each, nothing
// pre-ticked; the purposes that rest on the law or the service are listed with their
// legal basis under one acknowledgement, which is not a consent; the out-of-purpose use
// has its own section; a missing acknowledgement is named.
func TestSignUpAsksConsentPerPurpose(t *testing.T) {
	h := newHarness(t)
	for _, lang := range []func(*http.Request){func(*http.Request) {}, english} {
		b := h.browser(lang)
		form := b.get("/signup")
		boxes := form.doc.Find(`input[name=purposes]`)
		if boxes.Length() != 2 || form.doc.Find(`input[name=purposes][value=account]`).Length() != 0 {
			t.Fatalf("%d purpose boxes, want the 2 optional ones", boxes.Length())
		}
		if form.doc.Find(`input[name=purposes][checked], #f-acknowledge[checked]`).Length() != 0 {
			t.Fatal("a box is pre-ticked")
		}
		required := form.doc.Find(`fieldset.required li.purpose`)
		if required.Length() != len(requiredPurposes) || form.doc.Find(`fieldset.required #f-acknowledge`).Length() != 1 {
			t.Fatalf("%d required purposes listed under the acknowledgement, want %d", required.Length(), len(requiredPurposes))
		}
		if basis := form.text(`#p-account .meta`); !strings.Contains(basis, map[bool]string{true: "PDPA Art. 15", false: "個資法第15條"}[form.doc.Find("html[lang=en]").Length() == 1]) {
			t.Fatalf("the required purpose does not show its legal basis: %q", basis)
		}
		if form.doc.Find(`fieldset.outside input[value=survey]`).Length() != 1 || form.doc.Find(`fieldset.outside > p`).Text() == "" {
			t.Fatal("the out-of-purpose use is not a separate section with its own statement")
		}
		if !strings.Contains(form.text(`#d-purpose-newsletter`), map[bool]string{true: "Nothing else changes", false: "不影響其他服務"}[form.doc.Find("html[lang=en]").Length() == 1]) {
			t.Fatalf("the newsletter's effect of declining is not shown: %q", form.text(`#d-purpose-newsletter`))
		}
		f := signUpForm("x@example.tw", "某甲", citizenPassword, "newsletter")
		f.Del("acknowledge")
		r := b.post("/signup", f)
		if r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-acknowledge"]`).Length() != 1 {
			t.Fatalf("missing acknowledgement: %d %q", r.Code, r.text(".error-summary"))
		}
		// Ticking one required purpose as if it were a consent is not the acknowledgement.
		f["purposes"] = []string{"account", "newsletter"}
		if r := b.post("/signup", f); r.Code != http.StatusBadRequest || len(h.mails("x@example.tw")) != 0 {
			t.Fatalf("one required purpose ticked instead of the acknowledgement: %d", r.Code)
		}
		if r.doc.Find(`#f-purpose-newsletter[checked]`).Length() != 1 || r.doc.Find(`#f-purpose-survey[checked]`).Length() != 0 {
			t.Fatal("the ticks the person made were not kept")
		}
	}
	// A forged purpose is refused, and nothing is created.
	f := signUpForm("forged@example.tw", "某乙", citizenPassword, "marketing-to-third-parties")
	if r := h.post("/signup", f); r.Code != http.StatusBadRequest {
		t.Fatalf("forged purpose: %d", r.Code)
	}
	if len(h.mails("forged@example.tw")) != 0 {
		t.Fatal("an account was created with a forged purpose")
	}
}

// Decisions at sign-up are recorded with the notice version and the wording's hash;
// GPC declines what the person did not tick, and never overrides a tick.
func TestSignUpRecordsConsentsAndHonoursGPC(t *testing.T) {
	h := newHarness(t)
	b := h.browser(header("Sec-GPC", "1"))
	if r := b.post("/signup", signUpForm("g@example.tw", "某丙", citizenPassword, "newsletter")); r.Code != http.StatusSeeOther {
		t.Fatalf("sign up: %d %s", r.Code, r.text(".error-summary"))
	}
	u, err := h.users.ByEmail(context.Background(), "g@example.tw")
	if err != nil {
		t.Fatal(err)
	}
	cs := store.NewConsents(h.db.DB)
	states, err := cs.States(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !states["newsletter"].Granted || states["newsletter"].Action != consent.Grant || states["survey"].Granted || states["survey"].Action != consent.Decline {
		t.Fatalf("states %+v", states)
	}
	// The required purposes are in effect, recorded as acknowledged, never as consents.
	for _, id := range requiredPurposes {
		if !states[id].Granted || states[id].Action != consent.Acknowledge {
			t.Fatalf("required purpose %s: %+v", id, states[id])
		}
	}
	history, _ := cs.History(context.Background(), u.ID, 100)
	methods := map[string]string{}
	for _, e := range history {
		methods[e.Purpose] = e.Method
		if e.NoticeVersion != 1 || !strings.HasPrefix(e.WordingHash, "sha256:") || e.Channel != consent.ChannelWeb {
			t.Fatalf("event %+v", e)
		}
	}
	if methods["newsletter"] != consent.MethodExplicit || methods["survey"] != consent.MethodGPC {
		t.Fatalf("methods %v: a tick must stay explicit, GPC must decline the rest", methods)
	}
}

// The "my consents" page: one action per purpose, withdrawal at once, the full history.
func TestMyConsentsGrantWithdrawAndHistory(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("m@example.tw", "Mei", citizenPassword, "newsletter"))
	b := h.signIn("m@example.tw", citizenPassword, english)
	page := b.get("/account/consents")
	if page.Code != 200 || !strings.Contains(page.text("#c-newsletter .state"), "agreed") {
		t.Fatalf("consents page: %d %q", page.Code, page.text("#c-newsletter .state"))
	}
	if page.doc.Find(`#c-account form`).Length() != 0 {
		t.Fatal("a required purpose offers a withdraw button")
	}
	if st, note := page.text("#c-account .state"), page.text("#c-account p.meta"); !strings.Contains(st, "not a consent") || strings.Contains(st, "agreed") ||
		!strings.Contains(note, "PDPA Art. 15") {
		t.Fatalf("a required purpose is shown as a consent or without its basis: %q / %q", st, note)
	}
	if r := b.post("/account/consents", url.Values{"purpose": {"newsletter"}, "version": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Code)
	}
	page = b.get("/account/consents")
	if !strings.Contains(page.text("#c-newsletter .state"), "withdrawn") || !strings.Contains(page.text(".flash"), "withdrawn") {
		t.Fatalf("after withdrawing: %q", page.text("#c-newsletter .state"))
	}
	rows := page.doc.Find("tbody tr")
	if rows.Length() != 8 || !strings.Contains(rows.First().Text(), "withdrew") {
		t.Fatalf("history: %d rows, newest %q", rows.Length(), rows.First().Text())
	}
	if r := b.post("/account/consents", url.Values{"purpose": {"account"}, "version": {"1"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("withdrawing a required purpose: %d", r.Code)
	}
	if r := b.post("/account/consents", url.Values{"purpose": {"$where"}, "grant": {"on"}, "version": {"1"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("a forged purpose: %d", r.Code)
	}
	// Granting twice at once records one grant.
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.post("/account/consents", url.Values{"purpose": {"newsletter"}, "grant": {"on"}, "version": {"1"}})
		}()
	}
	wg.Wait()
	page = b.get("/account/consents")
	// Sign-up acknowledged the 5 required purposes and gave 1 consent; one more now.
	if n, acks := strings.Count(page.text("tbody"), "gave consent"), strings.Count(page.text("tbody"), "acknowledged the notice"); n != 2 || acks != 5 {
		t.Fatalf("%d grants and %d acknowledgements in the history after six concurrent grants, want 2 (1 at sign-up + 1) and 5", n, acks)
	}
}

// The state kept on the person's document always agrees with the event log.
func TestConsentStateAgreesWithEvents(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("s@example.tw", "某丁", citizenPassword))
	u, _ := h.users.ByEmail(context.Background(), "s@example.tw")
	svc := &consent.Service{Store: store.NewConsents(h.db.DB), Notices: h.notices, NewID: func() string { return "ce_" + randomID() }, Now: time.Now}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := []string{"newsletter", "survey"}[i%2]
			_, _ = svc.Change(context.Background(), u.ID, p, i%3 != 0, 1, "zh-TW", consent.ChannelWeb)
		}()
	}
	wg.Wait()
	states, _ := svc.Store.States(context.Background(), u.ID)
	history, _ := svc.Store.History(context.Background(), u.ID, 1000)
	replayed := map[string]consent.Action{}
	for i := len(history) - 1; i >= 0; i-- {
		replayed[history[i].Purpose] = history[i].Action
	}
	for p, st := range states {
		if replayed[p] != st.Action {
			t.Fatalf("%s: state %s, events end with %s", p, st.Action, replayed[p])
		}
	}
	if len(states) != len(replayed) {
		t.Fatalf("%d states, %d purposes in the events", len(states), len(replayed))
	}
}

// A new notice version with a new purpose asks the person at their next sign-in.
func TestNewPurposeIsAskedAtNextSignIn(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("r@example.tw", "某戊", citizenPassword))
	h.signIn("r@example.tw", citizenPassword) // no decision owed yet
	n, _ := consent.DefaultNotice(h.clock.Now())
	n.Version = 2
	n.Purposes = append(n.Purposes, consent.Purpose{ID: "events", Code: "040", Since: 2,
		Name: consent.Text{"zh-TW": "〇四〇 行銷（活動邀請）", "en": "040 Marketing (event invitations)"}, Description: consent.Text{"zh-TW": "邀請您參加活動。", "en": "Inviting you to events."},
		DeclineEffect: consent.Text{"zh-TW": "不會收到邀請。", "en": "No invitations."}})
	if err := h.notices.Publish(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	r := b.post("/signin", url.Values{"email": {"r@example.tw"}, "password": {citizenPassword}})
	if r.Header().Get("Location") != "/account/consents" {
		t.Fatalf("after a new purpose, sign-in went to %q", r.Header().Get("Location"))
	}
	page := b.get("/account/consents")
	if page.doc.Find(`form[action="/account/consents/review"] input[name=purposes]`).Length() != 1 {
		t.Fatal("the review form does not ask exactly the new purpose")
	}
	stale := b.post("/account/consents/review", url.Values{"version": {"1"}, "purposes": {"events"}})
	if stale.Code != http.StatusSeeOther {
		t.Fatalf("a decision on an old version: %d", stale.Code)
	}
	if r := b.post("/account/consents/review", url.Values{"version": {"2"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("review: %d %s", r.Code, r.text(".error-summary"))
	}
	if r := h.browser().post("/signin", url.Values{"email": {"r@example.tw"}, "password": {citizenPassword}}); r.Header().Get("Location") != "/account" {
		t.Fatalf("asked again after deciding: %q", r.Header().Get("Location"))
	}
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Every consent event has a signed receipt: printable for its owner only, downloadable,
// and checked by the public verify page, which catches any alteration.
func TestConsentReceiptsAreSignedAndVerifiable(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("k@example.tw", "Kai", citizenPassword, "newsletter"))
	h.browser().post("/signup", signUpForm("other@example.tw", "Other", citizenPassword))
	b := h.signIn("k@example.tw", citizenPassword, english)
	other := h.signIn("other@example.tw", citizenPassword)
	page := b.get("/account/consents")
	link, ok := page.doc.Find(`a[href^="/account/consents/receipts/"]`).First().Attr("href")
	if !ok {
		t.Fatal("no receipt link in the history")
	}
	view := b.get(link)
	if view.Code != 200 || !strings.Contains(view.text(".facts"), "KI") && !strings.Contains(view.text(".facts"), "ce_") {
		t.Fatalf("receipt page: %d", view.Code)
	}
	if r := other.get(link); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen opened the receipt: %d", r.Code)
	}
	if r := other.get(link + "/download"); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen downloaded the receipt: %d", r.Code)
	}
	dl := b.get(link + "/download")
	if dl.Code != 200 || !strings.Contains(dl.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d", dl.Code)
	}
	var file struct {
		Receipt map[string]any `json:"receipt"`
		JWS     string         `json:"jws"`
	}
	if err := json.Unmarshal(dl.Body.Bytes(), &file); err != nil {
		t.Fatal(err)
	}
	if file.Receipt["version"] != "KI-CR-v1.1.0" || file.Receipt["jurisdiction"] != "TW" || file.Receipt["piiPrincipalId"] == "" {
		t.Fatalf("receipt fields %v", file.Receipt)
	}
	// Anyone may verify: the JWS alone or the whole file.
	anon := h.browser(english)
	for _, text := range []string{file.JWS, dl.Body.String()} {
		r := anon.post("/receipts/verify", url.Values{"receipt": {text}})
		if r.Code != 200 || !strings.Contains(r.text("#verify-result"), "genuine") {
			t.Fatalf("a genuine receipt: %d %q", r.Code, r.text("#verify-result"))
		}
	}
	parts := strings.Split(file.JWS, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), `"noticeVersion":1`, `"noticeVersion":2`, 1)
	if forged == string(payload) {
		t.Fatalf("payload has no notice version: %s", payload)
	}
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	r := anon.post("/receipts/verify", url.Values{"receipt": {tampered}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.text("#verify-result"), "changed") {
		t.Fatalf("a tampered receipt: %d %q", r.Code, r.text("#verify-result"))
	}
	foreign := receipt.NewSigner(ed25519.NewKeyFromSeed(make32(9)))
	rc, err := receipt.Verify(file.JWS, receipt.Trusted(testSigner.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := foreign.Sign(rc)
	if err != nil {
		t.Fatal(err)
	}
	if r := anon.post("/receipts/verify", url.Values{"receipt": {jws}}); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.text("#verify-result"), "key") {
		t.Fatalf("a receipt signed by someone else: %d %q", r.Code, r.text("#verify-result"))
	}
	for _, junk := range []string{"hello", "a.b.c", strings.Repeat("x", 25000)} {
		if r := anon.post("/receipts/verify", url.Values{"receipt": {junk}}); r.Code >= 500 || r.Code == 200 {
			t.Fatalf("junk %.20q: %d", junk, r.Code)
		}
	}
}

// An officer enters a consent given on paper; the person sees it with its channel and
// a receipt saying how it was collected.
func TestOfficerEntersPaperConsent(t *testing.T) {
	h := newHarness(t)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.browser().post("/signup", signUpForm("p@example.tw", "紙本", citizenPassword))
	if link, _ := h.lastLink("p@example.tw"); h.browser().get(link).Code >= 400 { // paper consents reach verified accounts only
		t.Fatal("verify")
	}
	off := h.signIn("off@agency.example", staffPassword, english)
	if r := off.get("/officer/consents"); r.Code != 200 || r.doc.Find("select[name=purpose] option").Length() != 7 {
		t.Fatalf("paper form: %d", r.Code)
	}
	form := url.Values{"email": {"p@example.tw"}, "purpose": {"newsletter"}, "action": {"grant"}, "form_lang": {"zh-TW"}, "reference": {"1150012345"}, "version": {"1"}}
	for _, bad := range []url.Values{
		{"email": {"nobody@example.tw"}, "purpose": {"newsletter"}, "action": {"grant"}, "form_lang": {"zh-TW"}, "reference": {"x"}, "version": {"1"}},
		{"email": {"off@agency.example"}, "purpose": {"newsletter"}, "action": {"grant"}, "form_lang": {"zh-TW"}, "reference": {"x"}, "version": {"1"}},
		{"email": {"p@example.tw"}, "purpose": {"account"}, "action": {"withdraw"}, "form_lang": {"zh-TW"}, "reference": {"x"}, "version": {"1"}},
		{"email": {"p@example.tw"}, "purpose": {"nope"}, "action": {"grant"}, "form_lang": {"zh-TW"}, "reference": {"x"}, "version": {"1"}},
		{"email": {"p@example.tw"}, "purpose": {"newsletter"}, "action": {"$set"}, "form_lang": {"zh-TW"}, "reference": {""}, "version": {"1"}},
	} {
		if r := off.post("/officer/consents", bad); r.Code != http.StatusBadRequest {
			t.Fatalf("%v: %d", bad, r.Code)
		}
	}
	if r := off.post("/officer/consents", form); r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d", r.Code)
	}
	cit := h.signIn("p@example.tw", citizenPassword)
	page := cit.get("/account/consents")
	if !strings.Contains(page.text("#c-newsletter .state"), "已同意") || !strings.Contains(page.doc.Find("tbody tr").First().Text(), "書面") {
		t.Fatalf("the citizen does not see the paper consent: %q", page.doc.Find("tbody tr").First().Text())
	}
	link, _ := page.doc.Find(`tbody tr a[href^="/account/consents/receipts/"]`).First().Attr("href")
	// A form signed under an unknown version is refused.
	form.Set("version", "9")
	if r := off.post("/officer/consents", form); r.Code != http.StatusBadRequest {
		t.Fatalf("an unknown notice version: %d", r.Code)
	}
	dl := cit.get(link + "/download")
	if !strings.Contains(dl.Body.String(), "signed paper form") || !strings.Contains(dl.Body.String(), `"channel": "paper"`) {
		t.Fatalf("receipt of a paper consent: %s", dl.Body.String())
	}
}

// A decision made on a page showing an older notice is not recorded against the new
// wording; the other systems' look-up reports a changed purpose as pending, not granted.
func TestDecisionsBindTheVersionShown(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("v@example.tw", "某", citizenPassword, "newsletter"))
	b := h.signIn("v@example.tw", citizenPassword, english)
	n, _ := consent.DefaultNotice(h.clock.Now())
	n.Version = 2
	n.Summary = consent.Text{"zh-TW": "電子報改版", "en": "Newsletter reworded"}
	nl := n.Purpose("newsletter")
	nl.Description = consent.Text{"zh-TW": "每週寄送電子報。", "en": "A weekly newsletter."}
	nl.Since = 2
	if err := h.notices.Publish(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	r := b.post("/account/consents", url.Values{"purpose": {"survey"}, "grant": {"on"}, "version": {"1"}})
	if r.Code != http.StatusSeeOther || !strings.Contains(b.follow(r).text(".flash"), "changed") {
		t.Fatalf("a grant from an old page: %d", r.Code)
	}
	u, _ := h.users.ByEmail(context.Background(), "v@example.tw")
	states, _ := store.NewConsents(h.db.DB).States(context.Background(), u.ID)
	if states["survey"].Granted {
		t.Fatal("a grant made on version 1's page was recorded")
	}
	// A sign-up form from before the change is refused too.
	if r := h.post("/signup", signUpForm("late@example.tw", "晚", citizenPassword)); r.Code != http.StatusBadRequest {
		t.Fatalf("sign-up on an old notice: %d", r.Code)
	}
}

// Editing the readable copy inside a downloaded receipt file is caught.
func TestEditedReceiptFileIsNotGenuine(t *testing.T) {
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("e@example.tw", "某", citizenPassword))
	b := h.signIn("e@example.tw", citizenPassword, english)
	link, _ := b.get("/account/consents").doc.Find(`a[href^="/account/consents/receipts/"]`).First().Attr("href")
	file := b.get(link + "/download").Body.String()
	edited := strings.Replace(file, `"piiPrincipalId": "u_`, `"piiPrincipalId": "x_`, 1)
	if edited == file {
		t.Fatal("no principal in the file")
	}
	anon := h.browser(english)
	if r := anon.post("/receipts/verify", url.Values{"receipt": {file}}); r.Code != 200 {
		t.Fatalf("the untouched file: %d", r.Code)
	}
	if r := anon.post("/receipts/verify", url.Values{"receipt": {edited}}); r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("an edited file verified: %d %q", r.Code, r.text("#verify-result"))
	}
}

// After a key rotation, receipts signed by the old key verify while it is listed as
// retired, and the owner's page explains rather than failing when it is not.
func TestReceiptKeyRotation(t *testing.T) {
	old := testSigner.PublicKey()
	rotated := receipt.NewSigner(ed25519.NewKeyFromSeed(make32(11)))
	h := newHarness(t)
	h.browser().post("/signup", signUpForm("k@example.tw", "某", citizenPassword))
	b := h.signIn("k@example.tw", citizenPassword, english)
	link, _ := b.get("/account/consents").doc.Find(`a[href^="/account/consents/receipts/"]`).First().Attr("href")
	jws := b.get(link).text("pre.jws")

	h.srv.SetReceiptKeys(receipt.Trusted(rotated.PublicKey(), old))
	if r := h.browser(english).post("/receipts/verify", url.Values{"receipt": {jws}}); r.Code != 200 {
		t.Fatalf("a receipt of a retired key: %d", r.Code)
	}
	h.srv.SetReceiptKeys(receipt.Trusted(rotated.PublicKey()))
	if r := h.browser(english).post("/receipts/verify", url.Values{"receipt": {jws}}); r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a receipt of a forgotten key: %d", r.Code)
	}
	if r := b.get(link); r.Code != http.StatusConflict || !strings.Contains(r.text("main"), "contact us") {
		t.Fatalf("the owner's page with a forgotten key: %d %q", r.Code, r.text("main"))
	}
}
