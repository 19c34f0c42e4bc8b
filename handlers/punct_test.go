package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// The texts the portal puts together from parts — a decision's lines on its
// confirmation, the refusal grounds on the officer's page, a receipt's purpose — take
// Chinese punctuation on Chinese pages.
func TestChinesePunctuationInComposedTexts(t *testing.T) {
	h := newHarness(t)
	h.makeUser("mei@example.tw", "王美美", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c := h.signIn("mei@example.tw", citizenPassword)
	c.multipart("/requests", url.Values{"kind": {"copy"}, "scope": {"everything"}}, upload{"id-card.pdf", pdfFile})
	o := h.signIn("o@agency.example", staffPassword)
	act(t, o, "2026-000001", "review", nil)
	act(t, o, "2026-000001", "identity", url.Values{"level": {"in_person"}})
	d := o.get("/officer/requests/2026-000001/decide")
	form := url.Values{"version": {version(t, d, "/decide")}, "outcome": {"0:grant", "1:refuse", "2:grant", "3:grant", "4:grant"},
		"grounds": {"1:art10-2", "1:art10-3"}, "reason": {"", "稽核中", "", "", ""}}

	ask := o.post("/officer/requests/2026-000001/decide", form)
	lines := ask.doc.Find(".confirm-lines li")
	if ask.Code != http.StatusOK || lines.Length() != 5 || !strings.Contains(lines.Eq(1).Text(), "：拒絕") {
		t.Fatalf("the decision's confirmation: %d, lines %q", ask.Code, lines.Text())
	}
	checkChinesePunctuation(t, "decision confirmation", ask.doc)

	form.Set("confirm", "yes")
	if r := o.post("/officer/requests/2026-000001/decide", form); r.Code != http.StatusSeeOther {
		t.Fatalf("decide: %d %q", r.Code, r.text(".error-summary"))
	}
	page := o.get("/officer/requests/2026-000001")
	if s := page.text(".facts"); !strings.Contains(s, "拒絕（") || !strings.Contains(s, "；") {
		t.Errorf("the refusal's grounds are not set off in Chinese: %q", s)
	}
	checkChinesePunctuation(t, "officer's request page", page.doc)

	if r := c.post("/account/consents", url.Values{"purpose": {"newsletter"}, "grant": {"on"}, "version": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("consent: %d %q", r.Code, r.text(".error-summary"))
	}
	consents := c.get("/account/consents")
	link, ok := consents.doc.Find(`a[href^="/account/consents/receipts/"]`).First().Attr("href")
	if !ok {
		t.Fatal("no receipt to open")
	}
	receipt := c.get(link)
	if receipt.Code != http.StatusOK || !strings.Contains(receipt.text("main"), "：") {
		t.Fatalf("receipt: %d %q", receipt.Code, receipt.text("main"))
	}
	checkChinesePunctuation(t, "receipt", receipt.doc)
}
