package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
)

// Mail keeps codes and values, so the same mail reads whole in either language: a
// person who reads Chinese gets a decision with a fee and a refusal whose reason the
// officer typed in Chinese; read in the inbox in English, nothing but that reason is
// Chinese, and in Chinese no catalogue key, purpose id or format verb shows. Sent, it is
// worded in the language the person has at that moment. A mail stored worded, as mail
// was before, still shows as it was sent, marked with its language.
func TestInboxWordsMailInTheReadersLanguage(t *testing.T) {
	h := newHarness(t)
	u := h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	h.makeUser("admin@agency.example", "管理者", staffPassword, account.RoleAdmin)
	setFees(t, h.signIn("admin@agency.example", staffPassword))
	zh := h.signIn("c@example.tw", citizenPassword)
	copyRef := redirectRef(t, mustStatus(t, "copy", zh.post("/requests", url.Values{"kind": {"copy"}, "scope": {"my account data"}}), http.StatusSeeOther))
	viewRef := redirectRef(t, mustStatus(t, "view", zh.post("/requests", url.Values{"kind": {"view"}, "scope": {"everything"}}), http.StatusSeeOther))
	off := h.signIn("off@agency.example", staffPassword, english)
	for _, ref := range []string{copyRef, viewRef} {
		mustStatus(t, "review "+ref, act(t, off, ref, "review", nil), http.StatusSeeOther)
	}
	d := off.get("/officer/requests/" + copyRef + "/decide")
	form := url.Values{"version": {version(t, d, "/decide")}, "quantity": {"10"}, "confirm": {"yes"}}
	for i := range d.doc.Find(`select[name=outcome]`).Length() {
		form.Add("outcome", string(rune('0'+i))+":grant")
		form.Add("reason", "")
	}
	mustStatus(t, "decide "+copyRef, off.post("/officer/requests/"+copyRef+"/decide", form), http.StatusSeeOther)
	const reason = "該檔案已依法銷毀"
	d = off.get("/officer/requests/" + viewRef + "/decide")
	form = url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}}
	for i := range d.doc.Find(`select[name=outcome]`).Length() {
		idx := string(rune('0' + i))
		form.Add("outcome", idx+":refuse")
		form.Add("grounds", idx+":art10-2")
		form.Add("reason", reason)
	}
	mustStatus(t, "decide "+viewRef, off.post("/officer/requests/"+viewRef+"/decide", form), http.StatusSeeOther)

	// As sent: in Chinese, the person's language, with how to pay.
	ms := h.mails("c@example.tw")
	if len(ms) != 4 {
		t.Fatalf("%d mails, want two confirmations and two decisions", len(ms))
	}
	if m := ms[2]; !strings.Contains(m.Subject, copyRef) || !strings.Contains(m.Body, "請於中華民國") || m.Lang != i18n.ZH {
		t.Errorf("the decision mail as sent: %s %q\n%s", m.Lang, m.Subject, m.Body)
	}

	// Read in the inbox in each language.
	en := h.signIn("c@example.tw", citizenPassword, english)
	for _, b := range []*browser{zh, en} {
		lang := i18n.ZH
		if b == en {
			lang = i18n.EN
		}
		list := b.get("/account/inbox")
		links := list.doc.Find("ul.inbox a")
		if links.Length() != 4 {
			t.Fatalf("%s inbox: %d subjects", lang, links.Length())
		}
		if links.Filter("[lang]").Length() != 0 {
			t.Errorf("%s inbox: a mail worded now is marked as in another language", lang)
		}
		sawReason, sawPay := false, false
		for i := range links.Length() {
			href, _ := links.Eq(i).Attr("href")
			page := b.get(href)
			what := lang + " " + page.text("h1")
			text := readerText(page.doc, lang, false)
			if lang == i18n.EN {
				if i := strings.IndexFunc(text, isCJK); i >= 0 {
					t.Errorf("%s: Chinese outside what people wrote: …%s…", what, around(text, i))
				}
				sawPay = sawPay || strings.Contains(page.text(".mail-body"), "Please pay the fee by 23 December 2026")
			} else {
				for _, tok := range keyLike.FindAllString(text, -1) {
					if catalogueKeys[tok] {
						t.Errorf("%s: shows the catalogue key %q", what, tok)
					}
				}
				sawPay = sawPay || strings.Contains(page.text(".mail-body"), "請於中華民國115年12月23日前")
			}
			if strings.Contains(text, "%!") || strings.Contains(text, "%s") || strings.Contains(text, "%d") {
				t.Errorf("%s: shows a format verb: %s", what, page.text(".mail-body"))
			}
			sawReason = sawReason || strings.Contains(page.doc.Find(".mail-body .entered").Text(), reason)
		}
		if !sawReason || !sawPay {
			t.Errorf("%s: the officer's reason (%v) or how to pay (%v) is missing", lang, sawReason, sawPay)
		}
	}

	// The person now reads English: mail sent from now on is in English.
	u, err := h.users.ByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.Lang = i18n.EN
	if err := h.users.Update(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	ms = h.mails("c@example.tw")
	if m := ms[3]; m.Lang != i18n.EN || m.Subject != "Decision on your request (reference "+viewRef+")" || !strings.Contains(m.Body, reason) ||
		strings.Contains(strings.ReplaceAll(m.Body, reason, ""), "請") {
		t.Errorf("the decision mail sent after the change of language: %s %q\n%s", m.Lang, m.Subject, m.Body)
	}

	// A mail stored worded, as before mail kept its codes.
	old := &mail.Message{ID: ids.New("m"), UserID: u.ID, To: u.Email, Lang: i18n.ZH, Kind: "request_decided",
		Subject: "您的請求已有決定（案號 2025-000009）", Body: "您好：\n\n舊的決定內容。", Created: h.clock.Now(), NextAttempt: h.clock.Now()}
	if err := h.mail.Enqueue(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	list := en.get("/account/inbox")
	first := list.doc.Find("ul.inbox a").First()
	if l, _ := first.Attr("lang"); l != i18n.ZH || first.Text() != old.Subject {
		t.Fatalf("the older mail in the list: lang %q, %q", l, first.Text())
	}
	href, _ := first.Attr("href")
	page := en.get(href)
	if l, _ := page.doc.Find("pre.mail-body").Attr("lang"); page.Code != http.StatusOK || l != i18n.ZH || page.text("h1") != old.Subject ||
		!strings.Contains(page.text(".mail-body"), "舊的決定內容。") {
		t.Errorf("the older mail: %d, lang %q, %q", page.Code, l, page.text(".mail-body"))
	}
	if text := readerText(page.doc, i18n.EN, false); strings.IndexFunc(text, isCJK) >= 0 {
		t.Errorf("the older mail's Chinese is not marked as such: %q", text)
	}
}
