package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/twtime"
)

// A letter from someone with only a postal address: refused with a clear message when it
// gives no way to reach them, is dated in the future or carries an oversize scan; entered
// with its postmark, the signature check done and the scan; then through review,
// decision and fulfilment without a single mail, its decision letter printed with the
// address in the envelope window from the day's post run, and its posting recorded.
func TestPaperRequestFromAPersonWithOnlyAPostalAddress(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword, english)
	today := rightsToday(h)
	const address = "臺北市中正區範例路 2 號 3 樓"
	base := func() url.Values {
		return url.Values{"name": {"林郵寄"}, "address": {address}, "channel": {"paper"}, "received": {today}, "basis": {"received"},
			"identity": {"none"}, "kind": {"view"}, "scope": {"everything you hold on me"}, "lang": {"zh-TW"}}
	}
	mailBefore := pendingMail(t, h)

	refusals := map[string]struct {
		change func(url.Values)
		field  string
		want   string
	}{
		"no contact":              {func(f url.Values) { f.Del("address") }, "address", "at least one way to reach the person"},
		"future date":             {func(f url.Values) { f.Set("received", h.clock.Now().Add(48*time.Hour).Format("2006-01-02")) }, "received", "cannot be after today"},
		"id card posted":          {func(f url.Values) { f.Set("identity", "id_card") }, "identity", "only be seen at the counter"},
		"postmark at the counter": {func(f url.Values) { f.Set("channel", "counter"); f.Set("basis", "postmark") }, "basis", "has no postmark"},
		"no authorisation":        {func(f url.Values) { f.Set("on_behalf", "on"); f.Set("principal", "林當事人") }, "authorisation", "needs the written authorisation"},
		"no name for a letter":    {func(f url.Values) { f.Del("name") }, "name", "need an addressee"},
	}
	for what, c := range refusals {
		f := base()
		c.change(f)
		r := o.multipart("/officer/intake", f)
		if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), c.want) ||
			r.doc.Find(`.error-summary a[href="#f-`+c.field+`"]`).Length() != 1 {
			t.Errorf("%s: %d %q", what, r.Code, r.text(".error-summary"))
		}
		if got := r.doc.Find(`textarea[name=address]`).Text(); f.Get("address") != "" && got != address {
			t.Errorf("%s: the address typed was not kept: %q", what, got)
		}
	}
	// In Chinese too, for the officer who works in it.
	zh := h.signIn("o@agency.example", staffPassword)
	f := base()
	f.Del("address")
	if r := zh.multipart("/officer/intake", f); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "至少填寫一種聯絡方式") {
		t.Errorf("no contact in Chinese: %d %q", r.Code, r.text(".error-summary"))
	}
	// A scan over the 20 MB a request may carry: the too-large page, nothing filed.
	big := append(append([]byte{}, pdfFile...), make([]byte, 20<<20+1-len(pdfFile))...)
	if r := o.multipart("/officer/intake", base(), upload{"letter.pdf", big}); r.Code != http.StatusRequestEntityTooLarge || !strings.Contains(r.text("main"), "20 MB") {
		t.Fatalf("oversize scan: %d %q", r.Code, r.text("main"))
	}
	if r := o.get("/officer/requests/2026-000001"); r.Code != http.StatusNotFound {
		t.Fatalf("a refused intake filed a request: %d", r.Code)
	}

	// Entered: registered mail postmarked the Friday before, the signature compared.
	f = base()
	f.Set("received", h.clock.Now().Add(-3*24*time.Hour).In(twtime.Zone).Format("2006-01-02"))
	f.Set("basis", "postmark")
	f.Set("identity", "signature")
	r := o.multipart("/officer/intake", f, upload{"letter-scan.pdf", pdfFile})
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/officer/requests/2026-000001" {
		t.Fatalf("enter: %d %q", r.Code, r.text(".error-summary"))
	}
	const ref = "2026-000001"
	page := o.follow(r)
	facts := page.text(".facts")
	for _, want := range []string{"林郵寄", address, "postmark date", "no e-mail", "Signature compared with one on file"} {
		if !strings.Contains(facts, want) {
			t.Errorf("the request's facts lack %q: %q", want, facts)
		}
	}
	if strings.Contains(facts, "verified") {
		t.Errorf("the facts claim a verified e-mail nobody checked: %q", facts)
	}
	if tl := page.text(".timeline"); !strings.Contains(tl, "Received on paper") || !strings.Contains(tl, "Signature compared with one on file at intake") {
		t.Errorf("timeline: %q", tl)
	}
	if !strings.Contains(page.text("main"), "letter-scan.pdf") {
		t.Error("the scan of the letter is not on the request")
	}
	if page.doc.Find(`form[action$="/delivery"]`).Length() != 0 {
		t.Error("a delivery form before there is any letter")
	}

	// Worked to the end: review, decision, fulfilment.
	act(t, o, ref, "review", nil)
	decideAll(t, o, ref, true, "")
	post := o.get("/officer/post")
	if row := post.text("table.post-due"); post.Code != 200 || !strings.Contains(row, ref) || !strings.Contains(row, "林郵寄") || !strings.Contains(row, address) {
		t.Fatalf("the post run lacks the decision letter: %d %q", post.Code, post.text("main"))
	}
	print := o.get("/officer/post/print")
	if print.Code != 200 || print.doc.Find("article.letter").Length() != 1 ||
		!strings.Contains(print.text("article.letter .window .address"), address) || !strings.Contains(print.text("article.letter .window"), "林郵寄") ||
		!strings.Contains(print.text("article.letter .doc-date"), "中華民國") {
		t.Fatalf("the print run: %d %q", print.Code, print.text("main"))
	}
	letter := o.get("/officer/requests/" + ref + "/letters/decision")
	if !strings.Contains(letter.text(".window .address"), address) || letter.doc.Find(".notice").Length() != 0 {
		t.Fatalf("the decision letter: %q", letter.text("main"))
	}
	if r := act(t, o, ref, "fulfil", url.Values{"fulfil_note": {"Printed and posted with the letter."}}); r.Code != http.StatusSeeOther {
		t.Fatalf("fulfil: %d %q", r.Code, r.text(".error-summary"))
	}
	if got := pendingMail(t, h); got != mailBefore {
		t.Fatalf("%d mails were queued for a person without e-mail", got-mailBefore)
	}

	// The delivery record: not by e-mail (there is none), not tomorrow; posted today.
	tomorrow := h.clock.Now().Add(24 * time.Hour).In(twtime.Zone).Format("2006-01-02")
	for what, c := range map[string]struct {
		form url.Values
		want string
	}{
		"by e-mail": {url.Values{"letter": {"decision"}, "method": {"email"}, "on": {today}}, "no e-mail address"},
		"tomorrow":  {url.Values{"letter": {"decision"}, "method": {"post"}, "on": {tomorrow}}, "cannot be after today"},
		"no method": {url.Values{"letter": {"decision"}, "on": {today}}, "Choose how"},
	} {
		if r := act(t, o, ref, "delivery", c.form); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), c.want) {
			t.Errorf("delivery %s: %d %q", what, r.Code, r.text(".error-summary"))
		}
	}
	if r := act(t, o, ref, "delivery", url.Values{"letter": {"decision"}, "method": {"post"}, "on": {today}}); r.Code != http.StatusSeeOther {
		t.Fatalf("record the posting: %d %q", r.Code, r.text(".error-summary"))
	}
	page = o.get("/officer/requests/" + ref)
	if got := page.text("#delivery-decision .delivery-state"); !strings.Contains(got, "Posted on") {
		t.Errorf("the request page does not say how the letter went: %q", got)
	}
	if !strings.Contains(page.text(".timeline"), "Decision letter posted") {
		t.Errorf("timeline: %q", page.text(".timeline"))
	}
	post = o.get("/officer/post")
	if post.doc.Find("table.post-due").Length() != 0 || !strings.Contains(post.text("ul.post-done"), ref) {
		t.Errorf("the post run after posting: %q", post.text("main"))
	}
}

// An e-mail on the letter that belongs to an account still files under that account
// (the person sees it and is mailed there), but the name and address written on the
// letter are kept and the letter goes to them, and nobody is said to have checked the
// person's identity.
func TestPaperRequestMatchingAnAccountKeepsWhatWasWritten(t *testing.T) {
	h := newHarness(t)
	h.makeUser("p@example.tw", "帳號名", citizenPassword)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword, english)
	r := o.post("/officer/intake", url.Values{"name": {"信上的名字"}, "email": {"p@example.tw"}, "address": {"新北市板橋區範例街 9 號"}, "phone": {"02-2345-6789"},
		"channel": {"counter"}, "received": {rightsToday(h)}, "identity": {"none"}, "kind": {"view"}, "scope": {"all"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("enter: %d %q", r.Code, r.text(".error-summary"))
	}
	page := o.follow(r)
	facts := page.text(".facts")
	for _, want := range []string{"信上的名字", "新北市板橋區範例街 9 號", "02-2345-6789", "None yet", "no check of who wrote it"} {
		if !strings.Contains(facts, want) {
			t.Errorf("facts lack %q: %q", want, facts)
		}
	}
	if strings.Contains(facts, "Basic (verified e-mail)") {
		t.Errorf("the identity line claims a verified e-mail: %q", facts)
	}
	if !strings.Contains(page.text(".timeline"), "No identity check at intake") {
		t.Errorf("timeline: %q", page.text(".timeline"))
	}
	if ms := h.mails("p@example.tw"); len(ms) != 1 {
		t.Fatalf("the account holder's mail: %d", len(ms))
	}
	// Identity before a view is released: still asked for, since none was done.
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", true, "")
	if r := act(t, o, "2026-000001", "fulfil", nil); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "identity") {
		t.Fatalf("fulfilling a view without an identity check: %d %q", r.Code, r.text(".error-summary"))
	}
	letter := o.get("/officer/requests/2026-000001/letters/decision")
	if !strings.Contains(letter.text(".window"), "信上的名字") || !strings.Contains(letter.text(".window .address"), "新北市板橋區範例街 9 號") {
		t.Fatalf("the letter is not addressed as written: %q", letter.text(".window"))
	}
	// Mailed, so nothing waits in the post run.
	if post := o.get("/officer/post"); post.doc.Find("table.post-due").Length() != 0 {
		t.Errorf("a mailed letter is in the post run: %q", post.text("main"))
	}
}

// A consent signed on paper is recorded with the scan of the signed form: a file that is
// no scan is refused by name with nothing recorded, and the scan kept is served back to
// officers only.
func TestPaperConsentKeepsTheScanOfTheSignedForm(t *testing.T) {
	h := newHarness(t)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	h.makeUser("p@example.tw", "紙本", citizenPassword)
	off := h.signIn("off@agency.example", staffPassword, english)
	form := url.Values{"email": {"p@example.tw"}, "purpose": {"newsletter"}, "action": {"grant"}, "form_lang": {"zh-TW"}, "reference": {"1150012345"}, "version": {"1"}}
	if r := off.multipart("/officer/consents", form, upload{"signed.png", []byte("not an image")}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.text(".error-summary"), "signed.png") {
		t.Fatalf("a file that is no scan: %d %q", r.Code, r.text(".error-summary"))
	}
	cit := h.signIn("p@example.tw", citizenPassword, english)
	if page := cit.get("/account/consents"); strings.Contains(page.text("tbody"), "paper") {
		t.Fatal("a refused paper consent was recorded")
	}
	r := off.multipart("/officer/consents", form, upload{"signed-form.pdf", pdfFile})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	page := off.follow(r)
	link, ok := page.doc.Find(`a[href^="/officer/consents/"]`).Attr("href")
	if !ok || !strings.Contains(page.text("main"), "signed-form.pdf") {
		t.Fatalf("the scan is not shown with the record: %q", page.text("main"))
	}
	if got := off.get(link); got.Code != 200 || got.Body.String() != string(pdfFile) {
		t.Fatalf("the scan served back: %d", got.Code)
	}
	if got := cit.get(link); got.Code != http.StatusForbidden && got.Code != http.StatusNotFound {
		t.Fatalf("a citizen reached the scan: %d", got.Code)
	}
}

// A request an officer entered from a letter or at the counter, for someone without an
// account, is never treated as an unconfirmed guest's: no reminder with a code goes to
// the address written on it, and it is not closed after fourteen days.
func TestPaperRequestsAreNotSweptAsUnconfirmedGuests(t *testing.T) {
	h := newHarness(t)
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	o := h.signIn("o@agency.example", staffPassword, english)
	for i, channel := range []string{"paper", "counter"} {
		f := url.Values{"name": {"林郵寄"}, "email": {channel + "@example.tw"}, "channel": {channel}, "received": {rightsToday(h)}, "basis": {"received"},
			"identity": {"none"}, "kind": {"view"}, "scope": {"everything you hold on me"}, "lang": {"zh-TW"}}
		if r := o.multipart("/officer/intake", f); r.Code != http.StatusSeeOther {
			t.Fatalf("%s intake %d: %d %q", channel, i, r.Code, r.text(".error-summary"))
		}
	}
	before := len(h.mails("paper@example.tw")) + len(h.mails("counter@example.tw"))
	for _, days := range []time.Duration{3, 12} {
		h.clock.Advance(days*24*time.Hour + time.Minute)
		reminded, closed, err := h.jobs.Guests.Sweep(context.Background())
		if err != nil || reminded+closed != 0 {
			t.Fatalf("after %d more days: reminded %d, closed %d, %v", days, reminded, closed, err)
		}
	}
	if after := len(h.mails("paper@example.tw")) + len(h.mails("counter@example.tw")); after != before {
		t.Errorf("%d mails to the people who wrote, want %d (no reminder)", after, before)
	}
	// Signed in again: fifteen days outlive any session.
	q := h.signIn("o@agency.example", staffPassword, english).get("/officer/queue")
	for _, ref := range []string{"2026-000001", "2026-000002"} {
		if !strings.Contains(q.text("tbody"), ref) {
			t.Errorf("%s left the queue after fifteen days: %q", ref, q.text("tbody"))
		}
	}
}
