package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// The farewell after a whole-account deletion is worded in the language the requester
// set — their account's, the one a guest filed in, the one the officer noted from a
// paper letter — whatever language the officer works in; only a person who set none
// gets the default, Chinese.
func TestFarewellIsInTheRequestersLanguage(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword, english)
	const en, zh = "Your personal data has been deleted", "已刪除您的個人資料"
	whole := url.Values{"kind": {"delete"}, "whole": {"on"}}
	type person struct {
		email, want string
		file        func(email string) // files a whole-account deletion as this person
	}
	account := func(lang string) func(string) {
		return func(email string) {
			u := h.makeUser(email, "Farewell Person", citizenPassword)
			u.Lang = lang
			if err := h.users.Update(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			// Signed in from a browser in the other language than the account's.
			opts := []func(*http.Request){}
			if lang != "en" {
				opts = append(opts, english)
			}
			if r := h.signIn(email, citizenPassword, opts...).post("/requests", whole); r.Code != http.StatusSeeOther {
				t.Fatalf("%s files: %d %q", email, r.Code, r.text(".error-summary"))
			}
		}
	}
	guest := func(email string) {
		g := h.browser(english)
		r := g.post("/guest/requests", url.Values{"kind": {"delete"}, "whole": {"on"}, "email": {email}, "name": {"Mary Guest"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("guest files: %d %q", r.Code, r.text(".error-summary"))
		}
		if r := g.post(r.Header().Get("Location"), url.Values{"code": {lastCode(t, h, email)}}); r.Code != http.StatusSeeOther {
			t.Fatalf("guest confirms: %d %q", r.Code, r.text(".error-summary"))
		}
	}
	paper := func(lang string) func(string) {
		return func(email string) {
			f := url.Values{"name": {"林郵寄"}, "email": {email}, "address": {"臺南市東區範例路 8 號"}, "channel": {"paper"}, "received": {rightsToday(h)},
				"basis": {"received"}, "identity": {"signature"}, "kind": {"delete"}, "whole": {"on"}, "lang": {lang}}
			if r := o.multipart("/officer/intake", f); r.Code != http.StatusSeeOther {
				t.Fatalf("paper request: %d %q", r.Code, r.text(".error-summary"))
			}
		}
	}
	people := []person{
		{"account-en@example.tw", en, account("en")},
		{"account-zh@example.tw", zh, account("zh-TW")},
		{"account-none@example.tw", zh, account("")},
		{"guest-en@example.tw", en, guest},
		{"paper-en@example.tw", en, paper("en")},
		{"paper-zh@example.tw", zh, paper("zh-TW")},
	}
	for i, p := range people {
		p.file(p.email)
		ref := "2026-00000" + string(rune('1'+i))
		act(t, o, ref, "review", nil)
		decideAll(t, o, ref, true, "")
		if r := confirmForm(t, o, act(t, o, ref, "fulfil", nil)); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: fulfil: %d %q", p.email, r.Code, r.text("main"))
		}
		var farewell string
		for _, m := range h.mails(p.email) {
			if m.Kind == "request_erased" {
				farewell = m.Subject
			}
		}
		if !strings.Contains(farewell, p.want) || !strings.Contains(farewell, ref) {
			t.Errorf("%s: the farewell reads %q, want %q", p.email, farewell, p.want)
		}
	}
}
