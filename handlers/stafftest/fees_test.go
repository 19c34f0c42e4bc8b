package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
)

// The administrator's payment instructions are checked — each way whole in both
// languages, an https link, a period of 1 to 90 days — with messages in the reader's
// language; the schedule and the instructions are then public in both languages, and
// the filing form and the privacy notice link to them.
func TestFeesSchedulePublicWithPaymentInstructions(t *testing.T) {
	h := newHarness(t)
	h.makeUser("admin@agency.example", "管理者", staffPassword, account.RoleAdmin)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	anon := h.browser()
	if r := anon.get("/fees"); r.Code != 200 || !strings.Contains(r.text("main"), "目前不收取任何費用") {
		t.Fatalf("no schedule yet: %d %q", r.Code, r.text("main"))
	}

	admin := h.signIn("admin@agency.example", staffPassword, english)
	bad := []struct {
		name, field, value, want string
	}{
		{"plain http", "epay_url", "http://pay.example.gov.tw", "https://"},
		{"a script link", "epay_url", "javascript:alert(1)", "https://"},
		{"half a bank", "branch_en", "", "bank transfer detail"},
		{"letters in the account", "account_no", "12-ab-34", "digits and hyphens"},
		{"no period", "due_days", "0", "from 1 to 90"},
		{"a word for days", "due_days", "thirty", "whole number"},
	}
	for _, tc := range bad {
		form := paymentSettings()
		form.Set(tc.field, tc.value)
		r := admin.post("/admin/fees/payment", form)
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), tc.want) || r.doc.Find(`.error-summary a[href="#f-`+tc.field+`"]`).Length() != 1 {
			t.Errorf("%s: %d %q", tc.name, r.Code, r.text(".error-summary"))
		}
	}
	none := url.Values{"due_days": {"30"}}
	if r := h.signIn("admin@agency.example", staffPassword).post("/admin/fees/payment", none); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.text(".error-summary"), "請至少提供一種繳費方式") {
		t.Fatalf("no way to pay, in Chinese: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := anon.get("/fees"); strings.Contains(r.text("main"), "臺灣銀行") {
		t.Fatal("refused instructions were saved")
	}
	setFees(t, admin)
	if r := admin.get("/admin/fees"); r.doc.Find(`input[name=epay_url][value="https://pay.example.gov.tw/fees"]`).Length() != 1 {
		t.Fatalf("the admin page does not show the saved instructions")
	}

	han := regexp.MustCompile(`\p{Han}`)
	for _, tc := range []struct {
		b    *browser
		want []string
	}{
		{h.browser(), []string{"影印每頁", "新臺幣 2 元", "臺灣銀行 城中分行", "0123-4567-8901", "範例市中正區示範路1號1樓", "週一至週五", "30 日"}},
		{h.browser(english), []string{"Copy, per page", "NT$2", "Bank of Taiwan, Chengchung Branch", "0123-4567-8901", "1F, No. 1, Shifan Road", "Mon–Fri", "30 days"}},
	} {
		r := tc.b.get("/fees")
		main := r.text("main")
		for _, w := range tc.want {
			if !strings.Contains(main, w) {
				t.Errorf("/fees lacks %q: %q", w, main)
			}
		}
		if r.doc.Find(`main a[href="https://pay.example.gov.tw/fees"]`).Length() != 1 {
			t.Errorf("/fees has no e-payment link")
		}
		if tc.want[0] == "Copy, per page" && han.MatchString(r.text("table")+r.text(".payhow")) {
			t.Errorf("the English schedule shows Chinese: %q", r.text(".payhow"))
		}
	}
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	for _, kind := range []string{"view", "copy"} {
		if r := citizen.get("/requests/new?kind=" + kind); r.doc.Find(`.fee-notice a[href="/fees"]`).Length() != 1 {
			t.Errorf("the %s form does not link the fee schedule", kind)
		}
	}
	if r := citizen.get("/requests/new?kind=correct"); r.doc.Find(`.fee-notice`).Length() != 0 {
		t.Error("a free right mentions fees")
	}
	if r := anon.get("/guest/requests/new?kind=copy"); r.doc.Find(`.fee-notice a[href="/fees"]`).Length() != 1 {
		t.Error("the guest form does not link the fee schedule")
	}
	if r := anon.get("/privacy"); r.doc.Find(`#s-rights a[href="/fees"]`).Length() != 1 {
		t.Error("the notice's rights section does not link the fee schedule")
	}
}

// A decided copy request with a fee: the letter (in the requester's language, in the
// official format), the mail and the request page — an account holder's and a guest's —
// say the sum, how, where and by when to pay and the reference to quote; the officer's
// payment record is refused with clear messages when the amount, date, way or receipt
// is wrong, and nothing is fulfilled until it is recorded; then the requester sees it.
func TestFeePaymentFromLetterToFulfilment(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	h.makeUser("admin@agency.example", "管理者", staffPassword, account.RoleAdmin)
	setFees(t, h.signIn("admin@agency.example", staffPassword))
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	citizen.post("/requests", url.Values{"kind": {"copy"}, "scope": {"my account data"}})
	guest := h.browser(english)
	if r := guest.post("/guest/requests", url.Values{"kind": {"copy"}, "scope": {"everything"}, "email": {"guest@example.tw"}, "name": {"Guest"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("guest filing: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := guest.post("/guest/requests/2026-000002/confirm", url.Values{"code": {lastCode(t, h, "guest@example.tw")}}); r.Code != http.StatusSeeOther {
		t.Fatalf("guest code: %d", r.Code)
	}
	off := h.signIn("off@agency.example", staffPassword, english)
	for _, ref := range []string{"2026-000001", "2026-000002"} {
		if r := act(t, off, ref, "review", nil); r.Code != http.StatusSeeOther {
			t.Fatalf("review %s: %d", ref, r.Code)
		}
		d := off.get("/officer/requests/" + ref + "/decide")
		form := url.Values{"version": {version(t, d, "/decide")}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:grant"}, "quantity": {"10"}, "confirm": {"yes"}}
		if r := off.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusSeeOther {
			t.Fatalf("decide %s: %d %q", ref, r.Code, r.text(".error-summary"))
		}
	}
	const ref = "2026-000001"

	// Decided Monday 23 November 2026: 30 days later is Wednesday 23 December.
	letter := citizen.get("/requests/" + ref + "/letters/decision")
	fee := letter.text(".letter li.fee")
	for _, want := range []string{"新臺幣 20 元", "請於中華民國115年12月23日前", "註明案號2026-000001", "臺灣銀行 城中分行", "0123-4567-8901", "範例市中正區示範路1號1樓", "https://pay.example.gov.tw/fees"} {
		if !strings.Contains(fee, want) {
			t.Errorf("the letter's fee lacks %q: %q", want, fee)
		}
	}
	if letter.doc.Find(".letter .doc-number").Length() != 1 || letter.doc.Find(".letter .signature").Length() != 1 {
		t.Error("the letter lost its official format")
	}
	ms := h.mails("c@example.tw")
	if body := ms[len(ms)-1].Body; !strings.Contains(body, "請於中華民國115年12月23日前") || !strings.Contains(body, "0123-4567-8901") {
		t.Errorf("the decision mail does not say how to pay:\n%s", body)
	}
	mine := citizen.get("/requests/" + ref)
	for _, want := range []string{"NT$20", "Please pay by 23 December 2026, quoting your reference 2026-000001", "Bank of Taiwan, Chengchung Branch", "1F, No. 1, Shifan Road"} {
		if !strings.Contains(mine.text(".facts .fee"), want) {
			t.Errorf("the requester's page lacks %q: %q", want, mine.text(".facts .fee"))
		}
	}
	// The guest wrote in English: their letter and page are in English.
	gl := guest.get("/guest/requests/2026-000002/letters/decision")
	if !strings.Contains(gl.text(".letter li.fee"), "Please pay the fee by 23 December 2026, quoting reference 2026-000002") ||
		!strings.Contains(gl.text(".letter li.fee"), "Bank of Taiwan") {
		t.Errorf("the guest's letter: %d %q", gl.Code, gl.text(".letter li.fee"))
	}
	if gp := guest.get("/guest/requests/2026-000002"); !strings.Contains(gp.text(".facts .fee"), "quoting your reference 2026-000002") ||
		gp.doc.Find(`.facts .fee a[href="https://pay.example.gov.tw/fees"]`).Length() != 1 {
		t.Errorf("the guest's page: %d %q", gp.Code, gp.text(".facts .fee"))
	}

	// Nothing is released before the payment is recorded.
	if r := act(t, off, ref, "identity", url.Values{"level": {"document"}, "identity_note": {"ID card copy checked"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("identity: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := act(t, off, ref, "fulfil", nil); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "neither paid nor waived") {
		t.Fatalf("fulfil before payment: %d %q", r.Code, r.text(".error-summary"))
	}
	good := url.Values{"pay_on": {"2026-11-23"}, "pay_amount": {"20"}, "pay_method": {"transfer"}, "pay_receipt": {"TX-778"}}
	for _, tc := range []struct{ name, field, value, want string }{
		{"too little", "pay_amount", "5", "whole fee, NT$20"},
		{"not a number", "pay_amount", "twenty", "whole number"},
		{"tomorrow", "pay_on", "2026-11-24", "later than today"},
		{"before the decision", "pay_on", "2026-11-20", "earlier than the decision"},
		{"year 9999", "pay_on", "9999-12-31", "2099-12-31"},
		{"no such way", "pay_method", "cheque", "how it was paid"},
		{"no receipt", "pay_receipt", "", "required"},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(tc.field, tc.value)
		r := act(t, off, ref, "payment", form)
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), tc.want) || r.doc.Find(`.error-summary a[href="#f-`+tc.field+`"]`).Length() != 1 {
			t.Errorf("%s: %d %q", tc.name, r.Code, r.text(".error-summary"))
		}
	}
	zh := h.signIn("off@agency.example", staffPassword)
	form := url.Values{"pay_amount": {"5"}, "pay_on": {"2026-11-23"}, "pay_method": {"transfer"}, "pay_receipt": {"TX-778"}}
	if r := act(t, zh, ref, "payment", form); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "金額須為應繳費用全額新臺幣 20 元") {
		t.Errorf("the amount in Chinese: %d %q", r.Code, r.text(".error-summary"))
	}
	if p := citizen.get("/requests/" + ref); !strings.Contains(p.text(".facts .fee"), "Due") {
		t.Fatalf("a refused payment changed the fee: %q", p.text(".facts .fee"))
	}
	if r := act(t, off, ref, "payment", good); r.Code != http.StatusSeeOther {
		t.Fatalf("record the payment: %d %q", r.Code, r.text(".error-summary"))
	}
	const received = "Payment received: paid on 23 November 2026, NT$20 by bank transfer, receipt or reference no. TX-778."
	mine = citizen.get("/requests/" + ref)
	if !strings.Contains(mine.text(".facts .fee"), received) || strings.Contains(mine.text(".facts .fee"), "Please pay") {
		t.Errorf("the requester's page after payment: %q", mine.text(".facts .fee"))
	}
	if !strings.Contains(mine.text(".timeline"), received) {
		t.Errorf("the requester's timeline: %q", mine.text(".timeline"))
	}
	if o := off.get("/officer/requests/" + ref); !strings.Contains(o.text(".timeline"), "TX-778") || o.doc.Find(`form[action$="/payment"]`).Length() != 0 {
		t.Errorf("the officer's page after payment: %q", o.text(".timeline"))
	}
	if api := citizen.get("/api/v1/me/requests/" + ref).Body.String(); !strings.Contains(api, `"payBy":"2026-12-23"`) || !strings.Contains(api, `"paidOn":"2026-11-23"`) {
		t.Errorf("the API's fee: %s", api)
	}
	if r := act(t, off, ref, "fulfil", url.Values{"fulfil_note": {"Copy ready."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil after payment: %d %q", r.Code, r.text(".error-summary"))
	}
}

// Waiving a fee cannot be undone, so the first click only asks: the page names the
// request and the sum, and without confirm=yes the fee stays due; cancelling leads back.
func TestWaiveFeeAsksFirst(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	h.makeUser("admin@agency.example", "管理者", staffPassword, account.RoleAdmin)
	setFees(t, h.signIn("admin@agency.example", staffPassword))
	citizen := h.signIn("c@example.tw", citizenPassword, english)
	citizen.post("/requests", url.Values{"kind": {"copy"}, "scope": {"my account data"}})
	const ref = "2026-000001"
	off := h.signIn("off@agency.example", staffPassword, english)
	if r := act(t, off, ref, "review", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("review: %d", r.Code)
	}
	d := off.get("/officer/requests/" + ref + "/decide")
	form := url.Values{"version": {version(t, d, "/decide")}, "outcome": {"0:grant", "1:grant", "2:grant", "3:grant", "4:grant"}, "quantity": {"10"}, "confirm": {"yes"}}
	if r := off.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusSeeOther {
		t.Fatalf("decide: %d %q", r.Code, r.text(".error-summary"))
	}

	r := act(t, off, ref, "fee", url.Values{"fee": {"waived"}})
	if r.Code != http.StatusOK || !strings.Contains(r.text("h1"), "Waive the fee") || !strings.Contains(r.text(".notice"), "request 2026-000001 (NT$20)") ||
		r.doc.Find(`main form[action="/officer/requests/`+ref+`/fee"] input[name=confirm][value=yes]`).Length() != 1 ||
		r.doc.Find(`main form input[name=fee][value=waived]`).Length() != 1 {
		t.Fatalf("waive unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if back, _ := r.doc.Find("main form a.button").Attr("href"); back != "/officer/requests/"+ref {
		t.Errorf("cancel leads to %q", back)
	}
	if p := citizen.get("/requests/" + ref); !strings.Contains(p.text(".facts .fee"), "Due") || strings.Contains(p.text("main"), "Waived") {
		t.Fatalf("an unconfirmed waiver changed the fee: %q", p.text(".facts .fee"))
	}
	if o := off.get("/officer/requests/" + ref); o.doc.Find(`form[action$="/payment"]`).Length() != 1 {
		t.Fatal("after an unconfirmed waiver the payment can no longer be recorded")
	}

	zh := h.signIn("off@agency.example", staffPassword)
	if r := act(t, zh, ref, "fee", url.Values{"fee": {"waived"}}); !strings.Contains(r.text(".notice"), "申請 2026-000001 的費用（新臺幣 20 元）將予免收") {
		t.Errorf("the confirmation in Chinese: %q", r.text(".notice"))
	}
	if r := act(t, off, ref, "fee", url.Values{"fee": {"waived"}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("waive confirmed: %d %q", r.Code, r.text("main"))
	}
	if p := citizen.get("/requests/" + ref); !strings.Contains(p.text(".facts .fee"), "Waived") || !strings.Contains(p.text(".timeline"), "Fee waived") {
		t.Fatalf("after the waiver: %q / %q", p.text(".facts .fee"), p.text(".timeline"))
	}
}
