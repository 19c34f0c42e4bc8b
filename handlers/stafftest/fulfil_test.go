package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

// A granted correction is applied to the person's data, shown before and after in the
// timeline, and the field is marked disputed wherever officers see it until then.
func TestFulfilledCorrectionIsApplied(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("c@example.tw", citizenPassword, english)
	c.post("/account/profile", url.Values{"name": {"陳"}, "address": {"新北市板橋區"}})
	c.post("/requests", url.Values{"kind": {"correct"}, "field": {"address"}, "proposed": {"臺北市信義區"}, "explanation": {"我搬家了"}})
	if a := c.get("/account"); !strings.Contains(a.text(".notice"), "Postal address") {
		t.Fatalf("the citizen does not see the disputed field: %q", a.text("main"))
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "Accuracy disputed") {
		t.Fatalf("the officer does not see the dispute: %q", p.text(".facts"))
	}
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".notice"), "臺北市信義區") {
		t.Fatalf("the officer is not told what fulfilling does: %q", p.text("main"))
	}
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q\n%s", r.Code, r.text(".error-summary"), h.logs.String())
	}
	a := c.get("/account")
	if v := a.doc.Find("#f-address").Text(); v != "臺北市信義區" || strings.Contains(a.text("main"), "still pending") {
		t.Fatalf("after fulfilment the address is %q", v)
	}
	if tl := c.get("/requests/2026-000001").text(".timeline"); !strings.Contains(tl, "新北市板橋區") || !strings.Contains(tl, "臺北市信義區") {
		t.Fatalf("no before and after in the timeline: %q", tl)
	}
	if p := o.get("/officer/requests/2026-000001"); strings.Contains(p.text(".facts"), "Accuracy disputed") {
		t.Fatal("still marked disputed after the correction")
	}
}

// An approved stop of everything withdraws the optional purposes and restricts all
// processing; only the person can lift the restriction.
func TestFulfilledStopRestricts(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("s@example.tw", "停止", citizenPassword, "newsletter"))
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("s@example.tw", citizenPassword, english)
	c.post("/account/verify", url.Values{})
	link, _ := h.lastLink("s@example.tw")
	c.get(link)
	if r := c.post("/requests", url.Values{"kind": {"stop"}, "whole": {"on"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("file: %d %q", r.Code, r.text(".error-summary"))
	}
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q\n%s", r.Code, r.text(".error-summary"), h.logs.String())
	}
	if state := c.get("/account/consents").text("#c-newsletter .state"); !strings.Contains(state, "withdrawn") {
		t.Fatalf("newsletter after the stop: %q", state)
	}
	if a := c.get("/account"); !strings.Contains(a.text(".notice"), "restricted") {
		t.Fatalf("no restriction notice: %q", a.text("main"))
	}
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "Processing restricted") {
		t.Fatalf("officers are not shown the restriction: %q", p.text(".facts"))
	}
	// Lifting asks first; unconfirmed, the restriction stays.
	if r := c.post("/account/restriction/lift", url.Values{}); r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "new stop request") ||
		r.doc.Find(`main form[action="/account/restriction/lift"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("lift unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if a := c.get("/account"); !strings.Contains(a.text("main"), "Lift the restriction") {
		t.Fatal("an unconfirmed lift lifted the restriction")
	}
	if r := c.post("/account/restriction/lift", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("lift: %d", r.Code)
	}
	if a := c.get("/account"); strings.Contains(a.text("main"), "Lift the restriction") {
		t.Fatal("the restriction was not lifted")
	}
}

// restore puts a snapshot back over the database, as restoring an old backup would.
func restore(t *testing.T, db *storetest.DB, snap map[string][]bson.Raw) {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	ctx := context.Background()
	for n, docs := range snap {
		for _, d := range docs {
			id := d.Lookup("_id")
			if _, err := client.Database(db.Name).Collection(n).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, d, options.Replace().SetUpsert(true)); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.ForgetCached() // a restore is made with the portal stopped
}

// An approved deletion erases the person: account, consents, request contents,
// attachments, sessions and mail; their requests stay as anonymous records; other people
// are untouched; and a backup taken before the deletion, restored, reveals nothing.
func TestFulfilledDeletionErasesEvenFromBackups(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("gone@example.tw", "Gone Person", citizenPassword, "newsletter"))
	link, _ := h.lastLink("gone@example.tw")
	h.browser().get(link)
	h.makeUser("stay@example.tw", "Stays", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("gone@example.tw", citizenPassword, english)
	c.post("/account/profile", url.Values{"name": {"Gone Person"}, "phone": {"0987-654-321"}})
	c.multipart("/requests", url.Values{"kind": {"copy"}, "scope": {"secret scope text"}}, upload{"my-id.pdf", pdfFile})
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}, "scope": {"everything about me"}})
	stay := h.signIn("stay@example.tw", citizenPassword, english)
	stay.post("/requests", url.Values{"kind": {"view"}, "scope": {"mine"}})

	backup := snapshot(t, h.db)
	users := store.NewUsers(h.db.DB, storetest.EmailKey, storetest.Vault(h.db.DB))
	u, err := users.ByEmail(context.Background(), "gone@example.tw")
	if err != nil {
		t.Fatal(err)
	}

	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000002", "review", nil)
	decideAll(t, o, "2026-000002", true, "")
	if p := o.get("/officer/requests/2026-000002"); !strings.Contains(p.text(".notice"), "cannot be undone") {
		t.Fatalf("the officer is not warned: %q", p.text("main"))
	}
	if r := confirmForm(t, o, act(t, o, "2026-000002", "fulfil", nil)); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q\n%s", r.Code, r.text(".error-summary"), h.logs.String())
	}
	page := o.get("/officer/requests/2026-000002")
	if !strings.Contains(page.text(".flash"), "Erased") || !strings.Contains(page.text(".facts"), "Erased (anonymous record)") {
		t.Fatalf("after erasing: %q / %q", page.text(".flash"), page.text(".facts"))
	}
	if first := o.get("/officer/requests/2026-000001"); first.Code != 200 || strings.Contains(first.Body.String(), "secret scope text") ||
		!strings.Contains(first.text(".facts"), "closed") || first.doc.Find(`form[action$="/review"]`).Length() != 0 {
		t.Fatalf("the person's other request is not a closed anonymous record: %d %q", first.Code, first.text(".facts"))
	}
	if ms := h.mails("gone@example.tw"); len(ms) != 1 || !strings.Contains(ms[0].Subject, "deleted") || !strings.Contains(ms[0].Body, "2026-000002") {
		t.Fatalf("the erasure is not confirmed to the person: %d mails", len(ms))
	}
	// The audit trail keeps the account's random id (the evidence that the request was
	// made and honoured, ER12 item 10) in its events and their index by actor: with the
	// account gone it names nobody, and the trail holds nothing else of the person.
	dump := storetest.Dump(t, h.db, "audit_events", "audit_index")
	for _, s := range []string{"Gone Person", "gone@example.tw", "0987-654-321", "secret scope text", "everything about me", u.ID} {
		if strings.Contains(dump, s) {
			t.Fatalf("%q is still in the database", s)
		}
	}
	trail := storetest.Dump(t, h.db)
	for _, s := range []string{"Gone Person", "gone@example.tw", "0987-654-321", "secret scope text", "everything about me"} {
		if strings.Contains(trail, s) {
			t.Fatalf("%q is in the audit trail", s)
		}
	}
	if !strings.Contains(dump, `"n"`) || !strings.Contains(dump, "newsletter:grant:2026-11") {
		t.Fatal("the consent history was not kept as anonymous counts")
	}
	if r := h.browser().post("/signin", url.Values{"email": {"gone@example.tw"}, "password": {citizenPassword}}); r.Code == http.StatusSeeOther {
		t.Fatal("the erased person can still sign in")
	}
	if r := c.get("/requests"); r.Code == 200 {
		t.Fatal("the erased person's session still works")
	}
	if r := stay.get("/requests/2026-000003"); r.Code != 200 || !strings.Contains(r.text(".facts"), "mine") {
		t.Fatal("another person's request was touched")
	}
	if q := o.get("/officer/queue"); strings.Contains(q.text("tbody"), "2026-000001") || !strings.Contains(q.text("tbody"), "2026-000003") {
		t.Fatalf("queue after erasure: %q", q.text("tbody"))
	}

	// Restore the backup taken before the deletion: the person's data cannot be read.
	restore(t, h.db, backup)
	if _, err := users.ByID(context.Background(), u.ID); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("the restored account opens: %v", err)
	}
	reqs := store.NewRequests(h.db.DB, storetest.Vault(h.db.DB))
	if _, err := reqs.ByRef(context.Background(), "2026-000001"); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("the restored request opens: %v", err)
	}
	if _, err := reqs.ByRef(context.Background(), "2026-000003"); err != nil {
		t.Fatalf("the other person's restored request: %v", err)
	}
}

// The view right: one page of everything the portal holds on the person, and the same
// as a JSON download that follows export/SCHEMA.md.
func TestMyDataShowsEverything(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("v@example.tw", "View Person", citizenPassword, "newsletter"))
	link, _ := h.lastLink("v@example.tw")
	h.browser().get(link)
	c := h.signIn("v@example.tw", citizenPassword, english)
	c.post("/account/profile", url.Values{"name": {"View Person"}, "phone": {"02-1234-5678"}})
	c.multipart("/requests", url.Values{"kind": {"view"}, "scope": {"all my records"}}, upload{"id.pdf", pdfFile})
	page := c.get("/account/data")
	main := page.text("main")
	// The agency is named in the page's language only.
	if lead := page.text(".lead"); !strings.Contains(lead, "Example City Government Digital Services Office") || strings.Contains(lead, "範例市") {
		t.Fatalf("the lead names the agency in two languages: %q", lead)
	}
	for _, want := range []string{"View Person", "v@example.tw", "02-1234-5678", "2026-000001", "all my records", "id.pdf", "Newsletter"} {
		if !strings.Contains(main, want) && !strings.Contains(strings.ToLower(main), strings.ToLower(want)) {
			t.Fatalf("the view page lacks %q", want)
		}
	}
	js := c.get("/account/data.json")
	var d struct {
		Schema  int `json:"schema"`
		Profile struct {
			Email, Phone string
		} `json:"profile"`
		Consents       []struct{ Purpose string }
		ConsentHistory []struct{ Action string }
		Requests       []struct {
			Ref   string
			Files []struct{ Name string }
		}
	}
	if err := json.Unmarshal(js.Body.Bytes(), &d); err != nil || d.Schema != 1 || d.Profile.Phone != "02-1234-5678" || len(d.Requests) != 1 ||
		len(d.Requests[0].Files) != 1 || len(d.ConsentHistory) == 0 || !strings.HasPrefix(js.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("data.json: %v %+v", err, d)
	}
	if r := h.browser().get("/account/data.json"); r.Code == 200 {
		t.Fatal("anyone can download the data")
	}
}

// The copy right: fulfilling a granted copy request builds a package in the background
// (progress visible to the officer); only the requester downloads it; it holds only the
// granted items, the files and an offline page; downloads are recorded; it is deleted
// when it expires.
func TestCopyPackage(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("p@example.tw", "Package Person", citizenPassword))
	link, _ := h.lastLink("p@example.tw")
	h.browser().get(link)
	h.makeUser("x@example.tw", "Other", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("p@example.tw", citizenPassword, english)
	c.multipart("/requests", url.Values{"kind": {"copy"}, "scope": {"everything"}}, upload{"id-card.pdf", pdfFile})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "identity", url.Values{"level": {"in_person"}})
	d := o.get("/officer/requests/2026-000001/decide")
	form := url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}, "outcome": {"0:grant", "1:refuse", "2:grant", "3:grant", "4:grant"},
		"grounds": {"1:art10-2"}, "reason": {"", "Under audit.", "", "", ""}}
	if r := o.post("/officer/requests/2026-000001/decide", form); r.Code != http.StatusSeeOther {
		t.Fatalf("decide: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text(".error-summary"))
	}
	h.srv.Wait()
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "Ready") {
		t.Fatalf("the officer does not see the package: %q", p.text(".facts"))
	}
	page := c.get("/requests/2026-000001")
	href, ok := page.doc.Find(`a[href="/requests/2026-000001/package"]`).Attr("href")
	if !ok {
		t.Fatalf("no download link: %q", page.text(".facts"))
	}
	if r := h.signIn("x@example.tw", citizenPassword).get(href); r.Code != http.StatusNotFound {
		t.Fatalf("another citizen downloaded it: %d", r.Code)
	}
	dl := c.get(href)
	if dl.Code != 200 || dl.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %q", dl.Code, dl.Header().Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(dl.Body.Bytes()), int64(dl.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		entries[f.Name] = b
	}
	var data struct {
		Profile  struct{ Name string }
		Consents []any
		Requests []struct {
			Ref   string
			Files []struct{ Path string }
		}
	}
	if err := json.Unmarshal(entries["data.json"], &data); err != nil || data.Profile.Name != "Package Person" || len(data.Consents) != 0 ||
		len(data.Requests) != 1 || len(data.Requests[0].Files) != 1 {
		t.Fatalf("data.json: %v %+v", err, data)
	}
	if !bytes.Equal(entries[data.Requests[0].Files[0].Path], pdfFile) {
		t.Fatalf("the attached file is missing or changed: %v", data.Requests[0].Files[0].Path)
	}
	if idx := string(entries["index.html"]); !strings.Contains(idx, "Package Person") || !strings.Contains(idx, `lang="en"`) && !strings.Contains(idx, `lang="zh-TW"`) {
		t.Fatalf("index.html: %.300s", idx)
	}
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "downloaded 1 times") {
		t.Fatalf("the download is not recorded: %q", p.text(".facts"))
	}
	h.clock.Advance(31 * 24 * time.Hour)
	if run, err := h.jobs.Retention.Run(context.Background(), "a"); err != nil || run.Deleted["packages"] != 1 {
		t.Fatalf("expiry: %+v %v", run, err)
	}
	c = h.signIn("p@example.tw", citizenPassword, english)
	if r := c.get(href); r.Code != http.StatusNotFound {
		t.Fatalf("an expired package: %d", r.Code)
	}
}

// An officer has a fulfilled copy request's package built again from the request's page
// (one that failed or expired); a request without a package to build is refused as
// changed, and nothing is started.
func TestOfficerRebuildsTheCopyPackage(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("r@example.tw", "Rebuild Person", citizenPassword))
	link, _ := h.lastLink("r@example.tw")
	h.browser().get(link)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("r@example.tw", citizenPassword, english)
	c.post("/requests", url.Values{"kind": {"copy"}, "scope": {"everything"}})
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my profile"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "identity", url.Values{"level": {"in_person"}})
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text(".error-summary"))
	}
	h.srv.Wait()
	told := false
	for _, m := range h.mails("r@example.tw") {
		told = told || m.Kind == "request_fulfilled" && strings.Contains(m.Body, "downloaded for 30 days")
	}
	if !told {
		t.Errorf("the fulfilment mail does not say how long the copy can be downloaded")
	}
	r := act(t, o, "2026-000001", "package", nil)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("rebuild: %d %q", r.Code, r.text("main"))
	}
	if page := o.follow(r); !strings.Contains(page.text(".flashes"), "being prepared again") {
		t.Errorf("the officer is not told the package is being built: %q", page.text(".flashes"))
	}
	h.srv.Wait()
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "Ready") {
		t.Errorf("the rebuilt package is not ready: %q", p.text(".facts"))
	}
	if r := o.post("/officer/requests/2026-000002/package", url.Values{"version": {"1"}}); r.Code != http.StatusConflict ||
		!strings.Contains(r.text("main"), "changed meanwhile") {
		t.Errorf("a view request's package: %d %q", r.Code, r.text("main"))
	}
}

// A build whose instance stopped mid-way holds the package only until its hold runs out:
// until then the officer's rebuild is refused (one build at a time, whichever instance
// started it), after it the page says the package failed and the officer builds it
// again.
func TestOfficerRebuildsAStalledCopyPackage(t *testing.T) {
	h := newHarness(t)
	h.browser(english).post("/signup", signUpForm("s@example.tw", "Stalled Person", citizenPassword))
	link, _ := h.lastLink("s@example.tw")
	h.browser().get(link)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("s@example.tw", citizenPassword, english)
	c.post("/requests", url.Values{"kind": {"copy"}, "scope": {"everything"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "identity", url.Values{"level": {"in_person"}})
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text(".error-summary"))
	}
	h.srv.Wait()
	ctx := context.Background()
	v := storetest.Vault(h.db.DB)
	pkgs := store.NewPackages(h.db.DB, v, store.NewFiles(h.db.DB, v))
	built, err := pkgs.Get(ctx, "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	// Another instance starts a rebuild and stops before finishing it.
	if _, err := pkgs.Create(ctx, "2026-000001", built.Subject, 3, h.clock.Now(), h.clock.Now().Add(export.PackageTTL)); err != nil {
		t.Fatal(err)
	}
	rebuild := func() *response {
		page := o.get("/officer/requests/2026-000001")
		return o.post("/officer/requests/2026-000001/package", url.Values{"version": {page.doc.Find("input[name=version]").First().AttrOr("value", "")}})
	}
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "Being prepared") {
		t.Fatalf("the package being built elsewhere: %q", p.text(".facts"))
	}
	if r := rebuild(); r.Code != http.StatusConflict || !strings.Contains(r.text("main"), "changed meanwhile") {
		t.Fatalf("a rebuild beside a running build: %d %q", r.Code, r.text("main"))
	}
	h.clock.Advance(export.BuildLease + time.Minute)
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "Failed") {
		t.Fatalf("a build silent past its hold: %q", p.text(".facts"))
	}
	if r := rebuild(); r.Code != http.StatusSeeOther {
		t.Fatalf("rebuild of the stalled package: %d %q", r.Code, r.text("main"))
	}
	h.srv.Wait()
	if p := o.get("/officer/requests/2026-000001"); !strings.Contains(p.text(".facts"), "Ready") {
		t.Errorf("the rebuilt package is not ready: %q", p.text(".facts"))
	}
}
