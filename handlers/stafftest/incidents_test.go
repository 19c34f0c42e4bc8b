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
	"github.com/example/pdpa-portal/mail"
)

// An incident from discovery to notice: recorded with the people affected, the 72-hour
// clocks running and then overdue, the report to the authority recorded (late), each
// person told in their own language of the facts and the measures, once.
func TestIncidentClocksAndNotice(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("mei@example.tw", "王美美", citizenPassword)
	en := h.makeUser("john@example.tw", "John", citizenPassword)
	en.Lang = "en"
	if err := h.users.Update(ctx, en); err != nil {
		t.Fatal(err)
	}
	admin := h.signIn("adm@agency.example", staffPassword)
	discovered := h.clock.Now().Add(-2 * time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	form := url.Values{"title": {"誤寄名冊"}, "discovered": {discovered}, "what": {"一份含姓名與電話的名冊被誤寄給另一機關。"},
		"data": {"姓名、電話"}, "people": {"2"}, "measures": {""}, "affected": {"mei@example.tw\njohn@example.tw\nghost@example.tw"}}
	r := admin.post("/admin/incidents", form)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "ghost@example.tw") {
		t.Fatalf("unknown person: %d %q", r.Code, r.text(".error-summary"))
	}
	bad := url.Values{"title": {""}, "discovered": {"2099-01-01T00:00"}, "what": {strings.Repeat("字", 5001)}, "data": {"x"}, "people": {"-3"}}
	if r := admin.post("/admin/incidents", bad); r.Code != http.StatusBadRequest || r.doc.Find(".error-summary li").Length() != 4 {
		t.Fatalf("bad form: %d %q", r.Code, r.text(".error-summary"))
	}
	form.Set("affected", "mei@example.tw\njohn@example.tw\nMEI@Example.tw") // the same person twice: one notice
	r = admin.post("/admin/incidents", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	page := admin.follow(r)
	if !strings.Contains(page.text("#clocks-title + dl"), "剩餘 70 小時") {
		t.Fatalf("clocks: %q", page.text("#clocks-title + dl"))
	}
	// Without the measures the notice cannot go.
	ver, _ := page.doc.Find(`form[action$="/notify"] input[name=version]`).Attr("value")
	id := strings.TrimPrefix(r.Header().Get("Location"), "/admin/incidents/")
	if r := admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {ver}}); r.Code != http.StatusBadRequest || !strings.Contains(r.text(".error-summary"), "措施") {
		t.Fatalf("notice without measures: %d %q", r.Code, r.text(".error-summary"))
	}
	h.clock.Advance(80 * time.Hour)
	admin = h.signIn("adm@agency.example", staffPassword)
	list := admin.get("/admin/incidents")
	if !strings.Contains(list.text("tbody"), "已逾期 10 小時") {
		t.Fatalf("overdue clocks: %q", list.text("tbody"))
	}
	page = admin.get("/admin/incidents/" + id)
	ver, _ = page.doc.Find(`form[action$="/reported"] input[name=version]`).Attr("value")
	at := h.clock.Now().Add(-time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	if r := admin.post("/admin/incidents/"+id+"/reported", url.Values{"version": {ver}, "reported_at": {at}, "report_ref": {"府數字第 1140001 號"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("report: %d %q", r.Code, r.text(".error-summary"))
	}
	page = admin.get("/admin/incidents/" + id)
	if !strings.Contains(page.text("#clocks-title + dl"), "逾期") || !strings.Contains(page.text("#clocks-title + dl"), "府數字第 1140001 號") {
		t.Fatalf("after the report: %q", page.text("#clocks-title + dl"))
	}
	ver, _ = page.doc.Find(`form[method=post][action="/admin/incidents/` + id + `"] input[name=version]`).Attr("value")
	form.Set("version", ver)
	form.Set("measures", "已請對方刪除並確認；已檢討寄送流程。")
	form.Set("what_en", "A list with names and phone numbers was sent to another agency by mistake.")
	form.Set("measures_en", "The agency asked for its deletion and confirmed it.")
	if r := admin.post("/admin/incidents/"+id, form); r.Code != http.StatusSeeOther {
		t.Fatalf("update: %d %q", r.Code, r.text(".error-summary"))
	}
	page = admin.get("/admin/incidents/" + id)
	ver, _ = page.doc.Find(`form[action$="/notify"] input[name=version]`).Attr("value")
	// Sending asks first, saying to how many people; unconfirmed, nobody is mailed.
	before := len(h.mails("mei@example.tw"))
	if r := admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {ver}}); r.Code != http.StatusOK || !strings.Contains(r.text(".notice"), "帳號 2 封") ||
		r.doc.Find(`main form[action="/admin/incidents/`+id+`/notify"] input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("notify unconfirmed: %d %q", r.Code, r.text("main"))
	}
	if len(h.mails("mei@example.tw")) != before || admin.get("/admin/incidents/"+id).doc.Find(`form[action$="/notify"]`).Length() != 1 {
		t.Fatal("an unconfirmed notice was sent")
	}
	if r := admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {ver}, "confirm": {"yes"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("notify: %d", r.Code)
	}
	mz, me := h.mails("mei@example.tw"), h.mails("john@example.tw")
	if len(mz) == 0 || !strings.Contains(mz[len(mz)-1].Body, "誤寄給另一機關") || !strings.Contains(mz[len(mz)-1].Body, "已請對方刪除") || !strings.Contains(mz[len(mz)-1].Subject, "事故") {
		t.Fatalf("the zh notice: %+v", mz)
	}
	if len(me) == 0 || !strings.Contains(me[len(me)-1].Subject, "incident") || !strings.Contains(me[len(me)-1].Body, "What the agency has done") ||
		!strings.Contains(me[len(me)-1].Body, "sent to another agency by mistake") || strings.Contains(me[len(me)-1].Body, "誤寄") {
		t.Fatalf("the en notice: %+v", me)
	}
	page = admin.get("/admin/incidents/" + id)
	if page.doc.Find(`form[action$="/notify"]`).Length() != 0 || !strings.Contains(page.text("#clocks-title + dl"), "已通知 2 人") {
		t.Fatalf("after the notice: %q", page.text("#clocks-title + dl"))
	}
	if r := admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {ver}, "confirm": {"yes"}}); r.Code == http.StatusSeeOther && len(h.mails("mei@example.tw")) != len(mz) {
		t.Fatal("the notice went twice")
	}
	if r := h.signIn("adm@agency.example", staffPassword, english).get("/admin/incidents/" + id); !strings.Contains(r.text("h1"), "Incident record") {
		t.Fatalf("English: %q", r.text("h1"))
	}
}

// A send cut off part-way (one notice queued, the record not yet saved) is finished by
// pressing again without telling anyone twice; a person added to the record after the
// notice is offered, and told, alone.
func TestIncidentNoticeResumesAndReachesPeopleAddedLater(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("mei@example.tw", "王美美", citizenPassword)
	john := h.makeUser("john@example.tw", "John", citizenPassword)
	h.makeUser("lin@example.tw", "林小華", citizenPassword)
	admin := h.signIn("adm@agency.example", staffPassword)
	discovered := h.clock.Now().Add(-2 * time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	form := url.Values{"title": {"誤寄名冊"}, "discovered": {discovered}, "what": {"名冊誤寄。"}, "data": {"姓名"}, "people": {"3"},
		"measures": {"已請對方刪除。"}, "affected": {"mei@example.tw\njohn@example.tw"}}
	r := admin.post("/admin/incidents", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %q", r.Code, r.text(".error-summary"))
	}
	id := strings.TrimPrefix(r.Header().Get("Location"), "/admin/incidents/")
	// An earlier press queued John's notice and stopped before recording it.
	if err := h.srv.Accounts.Mailer.Send(ctx, mail.Mail{ID: "incident-" + id + "-" + john.ID, UserID: john.ID, To: "john@example.tw", Lang: "zh-TW", Kind: "incident", Link: "/account",
		Args: []mail.Arg{mail.Both("名冊誤寄。", ""), mail.Both("已請對方刪除。", ""), mail.Time("2026-11-23T02:00:00Z")}}); err != nil {
		t.Fatal(err)
	}
	notices := func(to string) int {
		n := 0
		for _, m := range h.mails(to) {
			if m.Kind == "incident" {
				n++
			}
		}
		return n
	}
	press := func() *response {
		page := admin.get("/admin/incidents/" + id)
		ver, ok := page.doc.Find(`form[action$="/notify"] input[name=version]`).Attr("value")
		if !ok {
			t.Fatalf("no send button: %q", page.text("#notify-title ~ *"))
		}
		return admin.post("/admin/incidents/"+id+"/notify", url.Values{"version": {ver}, "confirm": {"yes"}})
	}
	if r := press(); r.Code != http.StatusSeeOther {
		t.Fatalf("notify: %d", r.Code)
	}
	if notices("mei@example.tw") != 1 || notices("john@example.tw") != 1 {
		t.Fatalf("notices: mei %d, john %d; want one each", notices("mei@example.tw"), notices("john@example.tw"))
	}
	page := admin.get("/admin/incidents/" + id)
	if page.doc.Find(`form[action$="/notify"]`).Length() != 0 || !strings.Contains(page.text("#clocks-title + dl"), "已通知 2 人") {
		t.Fatalf("after the notice: %q", page.text("#clocks-title + dl"))
	}

	ver, _ := page.doc.Find(`form[method=post][action="/admin/incidents/` + id + `"] input[name=version]`).Attr("value")
	form.Set("version", ver)
	form.Set("affected", "mei@example.tw\njohn@example.tw\nlin@example.tw")
	if r := admin.post("/admin/incidents/"+id, form); r.Code != http.StatusSeeOther {
		t.Fatalf("add a person: %d %q", r.Code, r.text(".error-summary"))
	}
	page = admin.get("/admin/incidents/" + id)
	if b := page.text(`form[action$="/notify"] button`); !strings.Contains(b, "1 人") {
		t.Fatalf("the button for the person added: %q", b)
	}
	if r := press(); r.Code != http.StatusSeeOther {
		t.Fatalf("notify the rest: %d", r.Code)
	}
	if notices("lin@example.tw") != 1 || notices("mei@example.tw") != 1 || notices("john@example.tw") != 1 {
		t.Fatalf("after telling the rest: lin %d, mei %d, john %d", notices("lin@example.tw"), notices("mei@example.tw"), notices("john@example.tw"))
	}
	page = admin.get("/admin/incidents/" + id)
	if page.doc.Find(`form[action$="/notify"]`).Length() != 0 || !strings.Contains(page.text("#clocks-title + dl"), "已通知 3 人") {
		t.Fatalf("after the rest: %q", page.text("#clocks-title + dl"))
	}
	if en := h.signIn("adm@agency.example", staffPassword, english).get("/admin/incidents/" + id); !strings.Contains(en.text("#clocks-title + dl"), "3 people notified") {
		t.Fatalf("English: %q", en.text("#clocks-title + dl"))
	}
}
