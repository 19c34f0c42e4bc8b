package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/handlers"
)

// Someone who signed up and never got the link asks for a new one on /mail-sent, without
// signing in: an account awaiting verification gets a new link (the old one stops
// working); an unknown or verified address gets nothing, and every answer is the same; a
// malformed address is named in the reader's language; the form is limited per address.
func TestMailSentResendsTheLink(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.RateLimit = 3 })
	if r := h.browser(english).post("/signup", signUpForm("late@example.tw", "Late Mail", citizenPassword)); r.Code != http.StatusSeeOther {
		t.Fatalf("sign up: %d", r.Code)
	}
	first, _ := h.lastLink("late@example.tw")
	h.makeUser("done@example.tw", "Verified", citizenPassword)

	page := h.get("/mail-sent?about=signup", english)
	if page.doc.Find(`form[action="/mail-sent"] input[name=email]`).Length() != 1 {
		t.Fatal("no form to ask for a new link")
	}
	answers := map[string]string{}
	for i, email := range []string{"late@example.tw", "nobody@example.tw", "done@example.tw"} {
		b := h.browser(english, func(r *http.Request) { r.RemoteAddr = "203.0.113." + string(rune('1'+i)) + ":1234" })
		r := b.post("/mail-sent", url.Values{"email": {email}})
		if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/mail-sent?about=signup" {
			t.Fatalf("%s: %d %q", email, r.Code, r.Header().Get("Location"))
		}
		answers[email] = b.follow(r).text(".flash")
	}
	if a := answers["late@example.tw"]; a == "" || a != answers["nobody@example.tw"] || a != answers["done@example.tw"] {
		t.Fatalf("the answers tell accounts apart: %q", answers)
	}
	second, _ := h.lastLink("late@example.tw")
	if second == "" || second == first {
		t.Fatal("no new link was mailed")
	}
	if len(h.mails("nobody@example.tw")) != 0 || len(h.mails("done@example.tw")) != 0 {
		t.Fatal("mail went to an address without an account awaiting verification")
	}
	if r := h.get(first); r.Code != http.StatusNotFound {
		t.Fatalf("the old link still works: %d", r.Code)
	}
	if r := h.get(second); r.Code != http.StatusSeeOther {
		t.Fatalf("the new link: %d", r.Code)
	}

	// A malformed address, in each language.
	for lang, want := range map[string]string{"en": "e-mail", "zh": "電子郵件"} {
		opts := []func(*http.Request){}
		if lang == "en" {
			opts = append(opts, english)
		}
		r := h.post("/mail-sent", url.Values{"email": {"not an address"}}, opts...)
		if r.Code != http.StatusBadRequest || !strings.Contains(strings.ToLower(r.text(".error-summary")), want) {
			t.Fatalf("%s: %d %q", lang, r.Code, r.text(".error-summary"))
		}
	}
	// One address asked for again and again, from many clients: limited.
	var last *response
	for i := range 5 {
		b := h.browser(func(r *http.Request) { r.RemoteAddr = "198.51.100." + string(rune('1'+i)) + ":1234" })
		last = b.post("/mail-sent", url.Values{"email": {"late@example.tw"}})
	}
	if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" {
		t.Fatalf("repeated requests for one address: %d", last.Code)
	}
}
