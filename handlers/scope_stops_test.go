package handlers_test

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// A stopped purpose stops what the portal itself does for it: no more progress mail,
// no counting of the person's views, and the consent look-up the agency's mailing
// systems ask answers "stopped". A purpose the portal does nothing for on its own is
// stopped in the agency's files, and the officer is told so before fulfilling.
func TestStoppedPurposesStopWhatThePortalDoes(t *testing.T) {
	h := newHarness(t)
	verifiedCitizen(t, h, "q@example.tw", "Quiet Person", "newsletter", "survey")
	subject := mustUser(t, h, "q@example.tw").ID
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	c := h.signIn("q@example.tw", citizenPassword, english, withUA(chromeUA))
	if r := c.post("/requests", url.Values{"kind": {"stop"}, "purposes": {"progress", "stats", "newsletter", "systems"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d %q", r.Code, r.text(".error-summary"))
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	eff := o.get("/officer/requests/2026-000001").text("#fulfil-effects")
	for _, want := range []string{"no longer mail reports", "no longer count this person's page views", "consent look-up are told no",
		"carry the stop out in the agency's personal data files"} {
		if !strings.Contains(eff, want) {
			t.Errorf("the officer is not told %q: %q", want, eff)
		}
	}
	before := len(h.mails("q@example.tw"))
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text("main"))
	}
	if ms := h.mails("q@example.tw"); len(ms) != before {
		t.Fatalf("a progress report was mailed after progress mail was stopped: %q", ms[len(ms)-1].Subject)
	}

	// Views are not counted, and the visitor cookie goes.
	day := analytics.DayOf(h.clock.Now())
	c.jar["portal_cookies"] = &http.Cookie{Name: "portal_cookies", Value: "analytics"}
	c.get("/privacy")
	if _, ok := c.jar["portal_visit"]; ok {
		t.Fatal("a person who stopped the statistics purpose keeps a visitor cookie")
	}
	if n := h.traffic(day).Sum.Tables[analytics.DimPath]["/privacy"]; n != 0 {
		t.Fatalf("views of a person who stopped the statistics purpose were counted: %d", n)
	}

	// The agency's newsletter system asks first and is told no; the survey goes on.
	admin := h.signIn("adm@agency.example", staffPassword, english)
	token, _ := admin.post("/admin/tokens", url.Values{"name": {"Newsletter system"}, "scopes": {"consent:read"}}).doc.Find("#new-token").Attr("value")
	type lookup struct {
		Granted bool `json:"granted"`
		Stopped bool `json:"stopped"`
	}
	if l := decodeAs[lookup](t, h.browser().api("GET", "/api/v1/consents/"+subject+"/newsletter", "", bearer(token)), 200); l.Granted || !l.Stopped {
		t.Fatalf("newsletter look-up after the stop: %+v", l)
	}
	if l := decodeAs[lookup](t, h.browser().api("GET", "/api/v1/consents/"+subject+"/survey", "", bearer(token)), 200); !l.Granted || l.Stopped {
		t.Fatalf("survey look-up, not stopped: %+v", l)
	}
	// Even a consent given again after the stop is not a yes while the stop lasts.
	if r := c.post("/account/consents", url.Values{"purpose": {"newsletter"}, "grant": {"on"}, "version": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("grant again: %d %q", r.Code, r.text(".error-summary"))
	}
	if st := c.get("/account/consents").text("#c-newsletter .state"); !strings.Contains(st, "agreed") {
		t.Fatalf("newsletter not granted again: %q", st)
	}
	if l := decodeAs[lookup](t, h.browser().api("GET", "/api/v1/consents/"+subject+"/newsletter", "", bearer(token)), 200); l.Granted {
		t.Fatalf("a stopped purpose answered yes: %+v", l)
	}

	// Lifted by the person, the statistics count them again.
	c.post("/account/restriction/lift", url.Values{"purpose": {"stats"}, "confirm": {"yes"}})
	h.clock.Advance(time.Minute)
	c.get("/privacy")
	if n := h.traffic(day).Sum.Tables[analytics.DimPath]["/privacy"]; n != 1 {
		t.Fatalf("views after lifting the stop: %d", n)
	}
}

// Before a whole account is erased, the person is handed what they are owed: the
// farewell carries every decision letter as a document of its own, and the copy package
// they had not yet downloaded.
func TestFarewellCarriesTheLettersAndThePackage(t *testing.T) {
	h := newHarness(t)
	c := verifiedCitizen(t, h, "f@example.tw", "Farewell Person")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.multipart("/requests", url.Values{"kind": {"copy"}, "scope": {"everything"}}, upload{"id-card.pdf", pdfFile})
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my profile"}})
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "identity", url.Values{"level": {"in_person"}})
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil the copy: %d %q", r.Code, r.text(".error-summary"))
	}
	h.srv.Wait()
	act(t, o, "2026-000002", "review", nil)
	decideAll(t, o, "2026-000002", false, "art10-2")
	act(t, o, "2026-000003", "review", nil)
	decideAll(t, o, "2026-000003", true, "")
	ask := act(t, o, "2026-000003", "fulfil", nil)
	if r := confirmForm(t, o, ask); r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed erasure: %d %q", r.Code, r.text("main"))
	}
	var farewell *mail.Message
	for _, m := range h.mails("f@example.tw") {
		if m.Kind == "request_erased" {
			farewell = m
		}
	}
	if farewell == nil {
		t.Fatal("no farewell")
	}
	got := map[string][]byte{}
	for _, a := range farewell.Attachments {
		got[a.Name] = a.Data
	}
	for _, ref := range []string{"2026-000001", "2026-000002", "2026-000003"} {
		letter := string(got[ref+"-decision.html"])
		if !strings.Contains(letter, ref) || !strings.Contains(letter, "Farewell Person") || !strings.Contains(letter, `class="letter"`) || !strings.Contains(letter, "<style>") {
			t.Errorf("decision letter of %s not attached whole: %.300q", ref, letter)
		}
	}
	if !strings.Contains(string(got["2026-000002-decision.html"]), "appeal") {
		t.Error("the refusal's letter lacks its appeal paragraph")
	}
	if zip := got["personal-data-2026-000001.zip"]; len(zip) < 4 || string(zip[:2]) != "PK" {
		t.Errorf("the copy package was not handed over: %d bytes", len(zip))
	}
	if !strings.Contains(farewell.Body, "Attached to this mail") {
		t.Errorf("the farewell does not mention its attachments: %q", farewell.Body)
	}
}

// A copy package still being built stops the erasure, saying which, so it is not lost
// with the account; once ready, it goes with the farewell.
func TestErasureWaitsForACopyPackageBeingBuilt(t *testing.T) {
	h := newHarness(t)
	c := verifiedCitizen(t, h, "b@example.tw", "Building Person")
	subject := mustUser(t, h, "b@example.tw").ID
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.post("/requests", url.Values{"kind": {"copy"}, "scope": {"everything"}})
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
	pkgs := store.NewPackages(h.db.DB, storetest.Vault(h.db.DB), store.NewFiles(h.db.DB, storetest.Vault(h.db.DB)))
	w, err := pkgs.Create(context.Background(), "2026-000001", subject, 1, h.clock.Now(), h.clock.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000002", "review", nil)
	decideAll(t, o, "2026-000002", true, "")
	r := act(t, o, "2026-000002", "fulfil", nil)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "2026-000001 is still being built") {
		t.Fatalf("erasure with a package being built: %d %q", r.Code, r.text(".error-summary"))
	}
	h.signIn("b@example.tw", citizenPassword) // nothing happened: the person still signs in

	if _, err := w.Write([]byte("PK\x03\x04 a package")); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if r := confirmForm(t, o, act(t, o, "2026-000002", "fulfil", nil)); r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed erasure: %d %q", r.Code, r.text("main"))
	}
	ms := h.mails("b@example.tw")
	farewell := ms[len(ms)-1]
	var handed bool
	for _, a := range farewell.Attachments {
		handed = handed || (a.Name == "personal-data-2026-000001.zip" && string(a.Data) == "PK\x03\x04 a package")
	}
	if farewell.Kind != "request_erased" || !handed {
		t.Fatalf("the ready package was not handed over: %s %d attachments", farewell.Kind, len(farewell.Attachments))
	}
}

// A copy package is named in its reader's language: in a Chinese reader's farewell mail
// (with an ASCII name for mail programs that cannot show it), as the letters with it are,
// and when a Chinese reader downloads it (filename* for the browser, filename for older
// ones).
func TestFarewellNamesThePackageInTheReadersLanguage(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	v := storetest.Vault(h.db.DB)
	pkgs := store.NewPackages(h.db.DB, v, store.NewFiles(h.db.DB, v))
	chinese := func(email, name string) *browser {
		h.browser().post("/signup", signUpForm(email, name, citizenPassword))
		link, _ := h.lastLink(email)
		h.browser().get(link)
		return h.signIn(email, citizenPassword)
	}
	ready := func(ref, subject string) {
		w, err := pkgs.Create(context.Background(), ref, subject, 1, h.clock.Now(), h.clock.Now().Add(30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("PK\x03\x04 a package")); err != nil {
			t.Fatal(err)
		}
		if err := w.Finish(nil); err != nil {
			t.Fatal(err)
		}
	}

	// Downloaded from the request's page.
	dl := chinese("d@example.tw", "陳下載")
	dl.post("/requests", url.Values{"kind": {"copy"}, "scope": {"全部資料"}})
	ready("2026-000001", mustUser(t, h, "d@example.tw").ID)
	r := dl.get("/requests/2026-000001/package")
	_, params, err := mime.ParseMediaType(r.Header().Get("Content-Disposition"))
	if r.Code != http.StatusOK || err != nil || params["filename"] != "個人資料-2026-000001.zip" {
		t.Errorf("download: %d, named %q (%v) in %q", r.Code, params["filename"], err, r.Header().Get("Content-Disposition"))
	}
	if d := r.Header().Get("Content-Disposition"); !strings.Contains(d, "filename=personal-data-2026-000001.zip;") {
		t.Errorf("download: no ASCII name for older browsers in %q", d)
	}

	// Handed over with the farewell.
	c := chinese("f@example.tw", "林道別")
	c.post("/requests", url.Values{"kind": {"copy"}, "scope": {"全部資料"}})
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
	ready("2026-000002", mustUser(t, h, "f@example.tw").ID)
	o := h.signIn("o@agency.example", staffPassword)
	act(t, o, "2026-000003", "review", nil)
	decideAll(t, o, "2026-000003", true, "")
	if r := confirmForm(t, o, act(t, o, "2026-000003", "fulfil", nil)); r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed erasure: %d %q", r.Code, r.text("main"))
	}
	ms := h.mails("f@example.tw")
	farewell := ms[len(ms)-1]
	var names []string
	for _, a := range farewell.Attachments {
		names = append(names, a.Name+" / "+a.ASCIIName)
	}
	slices.Sort(names)
	if want := []string{"2026-000003-決定通知書.html / 2026-000003-decision.html", "個人資料-2026-000002.zip / personal-data-2026-000002.zip"}; farewell.Kind != "request_erased" || strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the farewell's files: %s %q, want %q", farewell.Kind, names, want)
	}
}
