package handlers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/rights"
)

// The administrator sets the quotas at /admin/quotas, starting from the configured
// defaults; a value out of bounds comes back named. Then each limit stops what goes over
// it with 429 and says which limit, in the page (with what was typed) and in the API.
func TestAdministratorSetsQuotas(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.Quota = rights.DefaultQuota })
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("c@example.tw", "陳", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword, english)
	page := admin.get("/admin/quotas")
	if v, _ := page.doc.Find(`input[name=per_day]`).Attr("value"); page.Code != 200 || v != "10" {
		t.Fatalf("the form: %d, filings a day %q", page.Code, v)
	}
	form := url.Values{"open": {"20"}, "per_day": {"10"}, "messages_per_hour": {"2"}, "attachment_mb_per_day": {"1"},
		"guests_per_address": {"3"}, "guests_per_email": {"1"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("guests_per_email", "-1")
	if r := admin.post("/admin/quotas", bad); r.Code != http.StatusBadRequest || r.doc.Find(`.error-summary a[href="#f-guests_per_email"]`).Length() != 1 {
		t.Fatalf("a negative limit: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := admin.post("/admin/quotas", form); r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %q", r.Code, r.text(".error-summary"))
	}
	if v, _ := admin.get("/admin/quotas").doc.Find(`input[name=messages_per_hour]`).Attr("value"); v != "2" {
		t.Fatalf("saved messages per hour: %q", v)
	}

	// Messages: two an hour, on the web and through the API together.
	c := h.signIn("c@example.tw", citizenPassword, english)
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}})
	for i := range 2 {
		if r := c.post("/requests/2026-000001/messages", url.Values{"body": {"hello"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("message %d: %d %q", i, r.Code, r.text(".error-summary"))
		}
	}
	r := c.post("/requests/2026-000001/messages", url.Values{"body": {"my third words"}})
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.text(".error-summary"), "2 messages in the last hour") || !strings.Contains(r.text("textarea"), "my third words") {
		t.Fatalf("the third message in an hour: %d %q", r.Code, r.text(".error-summary"))
	}
	api := c.api("POST", "/api/v1/me/requests/2026-000001/messages", `{"body":"again"}`)
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(api.Body.Bytes(), &body)
	if api.Code != http.StatusTooManyRequests || body.Error.Code != "quota" || !strings.Contains(body.Error.Message, "2 messages in the last hour") {
		t.Fatalf("the API over the hour: %d %s", api.Code, api.Body.String())
	}
	h.clock.Advance(time.Hour)
	if r := c.post("/requests/2026-000001/messages", url.Values{"body": {"an hour later"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("an hour later: %d", r.Code)
	}

	// Attachments: 1 MB in 24 hours, filings and messages together.
	big := upload{"scan.pdf", append(append([]byte{}, pdfFile...), bytes.Repeat([]byte(" "), 700<<10)...)}
	if r := c.multipart("/requests", url.Values{"kind": {"copy"}, "scope": {"first"}}, big); r.Code != http.StatusSeeOther {
		t.Fatalf("a 700 KB attachment: %d %q", r.Code, r.text(".error-summary"))
	}
	r = c.multipart("/requests", url.Values{"kind": {"copy"}, "scope": {"second scope"}}, big)
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.text(".error-summary"), "1 MB of attachments") || !strings.Contains(r.text("textarea"), "second scope") {
		t.Fatalf("over the day's attachments: %d %q", r.Code, r.text(".error-summary"))
	}

	// Guests: one filing per e-mail address, three per client address, in 24 hours.
	g := h.browser(english)
	if r := g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"g1@example.tw"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("a guest filing: %d", r.Code)
	}
	r = g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"again typed"}, "email": {"g1@example.tw"}})
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.text(".error-summary"), "for this e-mail address") || !strings.Contains(r.text("textarea"), "again typed") {
		t.Fatalf("a second guest filing for one address: %d %q", r.Code, r.text(".error-summary"))
	}
	g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"g2@example.tw"}})
	r = g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"g3@example.tw"}})
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.text(".error-summary"), "from your network") {
		t.Fatalf("a fourth guest filing from one network: %d %q", r.Code, r.text(".error-summary"))
	}
	// A refused filing leaves the browser as it came: no binding cookie for a code never sent.
	stranger := h.browser(english)
	if r := stranger.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"g4@example.tw"}}); r.Code != http.StatusTooManyRequests {
		t.Fatalf("a fifth guest filing from one network: %d", r.Code)
	} else {
		for _, ck := range r.Result().Cookies() {
			if ck.Name == "portal_guest_bind" {
				t.Fatalf("a refused guest filing set the binding cookie")
			}
		}
	}
}
