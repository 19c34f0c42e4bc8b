package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
)

// The officer's page puts the step that moves the request on first, under its name, and
// folds every other action under its own; the step changes as the request moves on.
func TestOfficerPageShowsTheNextStepFirst(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	citizen := h.signIn("c@example.tw", citizenPassword)
	citizen.post("/requests", url.Values{"kind": {"copy"}, "scope": {"全部資料"}})
	const ref = "2026-000001"
	en := h.signIn("off@agency.example", staffPassword, english)
	zh := h.signIn("off@agency.example", staffPassword)

	// A copy is released only after a stronger identity check: that comes first.
	page := en.get("/officer/requests/" + ref)
	if got := page.text(".next-step h2"); got != "Next step: Record the identity check" {
		t.Fatalf("next step in English: %q", got)
	}
	if page.doc.Find(`.next-step form[action$="/identity"]`).Length() != 1 || page.doc.Find(`.next-step form[action$="/review"]`).Length() != 0 {
		t.Fatalf("the identity form is not the next step: %q", page.text(".next-step"))
	}
	// Every other action is folded under its name, and none is open.
	var folded []string
	page.doc.Find("details.action > summary").Each(func(_ int, s *goquery.Selection) { folded = append(folded, strings.TrimSpace(s.Text())) })
	if strings.Join(folded, "|") != "Assign|Start the review|Ask for a stronger identity check|Close as a duplicate|Add an internal note" {
		t.Fatalf("folded actions: %q", folded)
	}
	if page.doc.Find("details.action[open]").Length() != 0 || page.doc.Find(`details.action form[action$="/review"]`).Length() != 1 {
		t.Fatal("the other actions are not folded, or the review is not among them")
	}
	if got := zh.get("/officer/requests/" + ref).text(".next-step h2"); got != "下一步：登錄身分核對結果" {
		t.Fatalf("next step in Chinese: %q", got)
	}

	// A form that comes back with a problem is open, so the problem is seen.
	r := act(t, en, ref, "duplicate", url.Values{"of": {"nonsense"}})
	if r.Code != http.StatusBadRequest || r.doc.Find("details#act-duplicate[open]").Length() != 1 || r.doc.Find("details.action[open]").Length() != 1 {
		t.Fatalf("a refused folded form: %d, open: %d", r.Code, r.doc.Find("details.action[open]").Length())
	}

	// Identity recorded: the review has begun and the decision is next.
	if r := act(t, en, ref, "identity", url.Values{"level": {"in_person"}, "identity_note": {"ID card at the counter"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("identity: %d %s", r.Code, r.text(".error-summary"))
	}
	page = en.get("/officer/requests/" + ref)
	if page.text(".next-step h2") != "Next step: Decide" || page.doc.Find(`.next-step a[href="/officer/requests/`+ref+`/decide"]`).Length() != 1 {
		t.Fatalf("after identity: %q", page.text(".next-step"))
	}
	if page.doc.Find(`details#act-extend form[action$="/extend"]`).Length() != 1 {
		t.Fatal("the extension is not offered among the other actions")
	}
	if got := zh.get("/officer/requests/" + ref).text(".next-step h2"); got != "下一步：作成決定" {
		t.Fatalf("decide next in Chinese: %q", got)
	}

	// Granted: fulfilment is next, with what it will do read before its button.
	d := en.get("/officer/requests/" + ref + "/decide")
	form := url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}}
	d.doc.Find(`select[name=outcome]`).Each(func(i int, _ *goquery.Selection) { form.Add("outcome", strconv.Itoa(i)+":grant") })
	if r := en.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusSeeOther {
		t.Fatalf("decide: %d %s", r.Code, r.text(".error-summary"))
	}
	page = en.get("/officer/requests/" + ref)
	if page.text(".next-step h2") != "Next step: Fulfil" || page.doc.Find(`.next-step form[action$="/fulfil"]`).Length() != 1 {
		t.Fatalf("after the decision: %q", page.text(".next-step"))
	}
	if r := act(t, en, ref, "fulfil", url.Values{"fulfil_note": {"sent"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %s", r.Code, r.text(".error-summary"))
	}
	if got := zh.get("/officer/requests/" + ref).text(".next-step h2"); got != "下一步：結案" {
		t.Fatalf("close next in Chinese: %q", got)
	}
	if r := act(t, en, ref, "close", url.Values{"confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("close: %d", r.Code)
	}
	page = en.get("/officer/requests/" + ref)
	if page.text(".next-step h2") != "Next step" || !strings.Contains(page.text(".next-step"), "Nothing is left to do") || page.doc.Find("details.action form[action$=\"/close\"]").Length() != 0 {
		t.Fatalf("closed: %q", page.text(".next-step"))
	}
}

// The decide page shows what was asked beside the form: for a correction the field, the
// proposed value and the explanation, with the attachments (linked) and the messages.
func TestDecidePageShowsTheRequestsFacts(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	citizen := h.signIn("c@example.tw", citizenPassword)
	if r := citizen.multipart("/requests", url.Values{"kind": {"correct"}, "field": {"address"}, "proposed": {"臺北市信義區市府路1號"}, "explanation": {"我搬家了"}},
		upload{"租約.pdf", pdfFile}); r.Code != http.StatusSeeOther {
		t.Fatalf("filing: %d %s", r.Code, r.text(".error-summary"))
	}
	const ref = "2026-000001"
	if r := citizen.post("/requests/"+ref+"/messages", url.Values{"body": {"租約第二頁在此"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("message: %d", r.Code)
	}
	act(t, h.signIn("off@agency.example", staffPassword), ref, "review", nil)
	for _, lang := range []struct {
		name  string
		opts  []func(*http.Request)
		kind  string
		asked string
	}{{"zh-TW", nil, "請求補充或更正", "申請內容"}, {"en", []func(*http.Request){english}, "Correct", "What was asked"}} {
		t.Run(lang.name, func(t *testing.T) {
			off := h.signIn("off@agency.example", staffPassword, lang.opts...)
			d := off.get("/officer/requests/" + ref + "/decide")
			if d.Code != http.StatusOK {
				t.Fatalf("decide page: %d", d.Code)
			}
			facts := d.text(".decide-facts")
			for _, want := range []string{lang.asked, lang.kind, "陳小明"} {
				if !strings.Contains(facts, want) {
					t.Errorf("the facts lack %q: %q", want, facts)
				}
			}
			if d.text("#decide-proposed") != "臺北市信義區市府路1號" || d.text("#decide-explanation") != "我搬家了" {
				t.Errorf("proposed %q, explanation %q", d.text("#decide-proposed"), d.text("#decide-explanation"))
			}
			link := d.doc.Find(`#messages a[href^="/officer/requests/` + ref + `/files/"]`)
			if link.Length() == 0 || !strings.Contains(link.First().Text(), "租約.pdf") {
				t.Fatalf("no link to the attachment: %q", d.text("#messages"))
			}
			href, _ := link.First().Attr("href")
			if f := off.get(href); f.Code != http.StatusOK {
				t.Errorf("the attachment's link: %d", f.Code)
			}
			if !strings.Contains(d.text("#messages"), "租約第二頁在此") || d.doc.Find(`#messages form`).Length() != 0 {
				t.Errorf("messages on the decide page: %q", d.text("#messages"))
			}
			// The decision's own form is still the one form that posts to /decide.
			if d.doc.Find(`form[action$="/decide"]`).Length() != 1 {
				t.Error("the decision form is missing")
			}
		})
	}
}
