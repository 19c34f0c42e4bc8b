package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// A filing ends on a confirmation panel, for an account holder and a guest, in both
// languages: the reference, the due date, what happens next; printed, it is the whole
// sheet. It is shown once, after the filing.
func TestFilingEndsOnAConfirmationPanel(t *testing.T) {
	h := newHarness(t)
	for i, lang := range []struct {
		opt              func(*http.Request)
		title, next, due string
	}{
		{english, "Your request has been filed", "What happens next", "Decision due by"},
		{func(*http.Request) {}, "您的申請已送出", "接下來", "決定期限"},
	} {
		email := []string{"en@example.tw", "zh@example.tw"}[i]
		h.makeUser(email, "Filer", citizenPassword)
		c := h.signIn(email, citizenPassword, lang.opt)
		filed := c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
		if filed.Code != http.StatusSeeOther {
			t.Fatalf("file: %d %q", filed.Code, filed.text(".error-summary"))
		}
		page := c.follow(filed)
		ref := strings.TrimPrefix(filed.Header().Get("Location"), "/requests/")
		panel := page.text("#filed")
		for _, want := range []string{lang.title, ref, lang.next, lang.due} {
			if !strings.Contains(panel, want) {
				t.Errorf("%s: the panel lacks %q: %q", email, want, panel)
			}
		}
		if page.doc.Find("#filed ol li").Length() < 4 {
			t.Errorf("%s: the next steps are missing: %q", email, panel)
		}
		if page.doc.Find(".flashes").Length() != 0 {
			t.Errorf("%s: the panel is repeated as a message", email)
		}
		if again := c.get("/requests/" + ref); again.doc.Find("#filed").Length() != 0 {
			t.Errorf("%s: the panel is shown again on a later visit", email)
		}
	}
	// Printing keeps only the panel.
	b := h.browser()
	css, _ := b.get("/").doc.Find(`link[rel=stylesheet]`).Attr("href")
	if sheet := b.get(css).Body.String(); !strings.Contains(sheet, "body:has(.filed-panel) main > :not(.filed-panel)") {
		t.Fatal("no print rule keeps the panel alone")
	}

	g := h.browser(english)
	filed := g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"g@example.tw"}})
	confirm := g.follow(filed)
	if panel := confirm.text("#filed"); !strings.Contains(panel, "Your request has been filed") || !strings.Contains(panel, "2026-000003") ||
		!strings.Contains(panel, "Enter the code we e-mailed you") {
		t.Fatalf("the guest's panel: %d %q", confirm.Code, panel)
	}
	if confirm.doc.Find(`form[action="/guest/requests/2026-000003/confirm"]`).Length() != 1 {
		t.Fatal("the code form is gone from the guest's page")
	}
}

// The person's own pages show the scope of their stop and delete requests: the request
// page names the whole-account choice and the purposes stopped now; /account/data and
// data.json list the stopped purposes and mark a whole-account request.
func TestOwnPagesShowTheScope(t *testing.T) {
	h := newHarness(t)
	c := verifiedCitizen(t, h, "v@example.tw", "Visible Person", "newsletter")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.post("/requests", url.Values{"kind": {"stop"}, "purposes": {"newsletter"}})
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text("main"))
	}

	if now := c.get("/requests/2026-000001").text("#stopped-now"); !strings.Contains(now, "e-newsletter") {
		t.Fatalf("the stop's page does not say what is stopped now: %q", now)
	}
	if w := c.get("/requests/2026-000002").text("#whole-choice"); !strings.Contains(w, "Delete my whole account") {
		t.Fatalf("the request page does not show the whole-account choice: %q", w)
	}
	data := c.get("/account/data")
	if st := data.text("#stopped-purposes"); !strings.Contains(st, "e-newsletter") {
		t.Fatalf("/account/data does not list the stopped purpose: %q", data.text("main"))
	}
	if p := data.text("#r-2026-000001 + .facts .purposes"); !strings.Contains(p, "e-newsletter") {
		t.Fatalf("/account/data does not name the stop's purposes: %q", p)
	}
	if w := data.text("#r-2026-000002 + .facts .whole"); !strings.Contains(w, "Delete my whole account") {
		t.Fatalf("/account/data does not show the whole-account choice: %q", w)
	}
	var d struct {
		Profile struct {
			Stopped []struct{ Purpose, Name string } `json:"stoppedPurposes"`
		} `json:"profile"`
		Requests []struct {
			Ref   string `json:"ref"`
			Whole bool   `json:"wholeAccount"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(c.get("/account/data.json").Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Profile.Stopped) != 1 || d.Profile.Stopped[0].Purpose != "newsletter" || !strings.Contains(d.Profile.Stopped[0].Name, "e-newsletter") {
		t.Fatalf("data.json stopped purposes: %+v", d.Profile.Stopped)
	}
	for _, r := range d.Requests {
		if r.Whole != (r.Ref == "2026-000002") {
			t.Fatalf("data.json wholeAccount of %s: %v", r.Ref, r.Whole)
		}
	}
}
