//lint:file-ignore U1000 this file is compiled into every test package of handlers through symbolic links; each uses part of it

// Helpers shared by the handlers' tests and the sibling test packages (./browser,
// ./stafftest, ./securitytest), which compile this file and harness_test.go through
// symbolic links: one harness, several packages, so each test binary stays well within
// go test's ten-minute limit.
package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

const citizenPassword = "Tea-Leaf-2026!"

// seedTraffic stores counts for the days before the harness's today.
func (h *harness) seedTraffic(days ...*analytics.Day) {
	h.t.Helper()
	st := h.srv.Counter.Store.(*store.Analytics)
	for _, d := range days {
		if err := st.Put(context.Background(), d); err != nil {
			h.t.Fatal(err)
		}
	}
}

func trafficDay(date string, views int64, paths map[string]int64) *analytics.Day {
	d := analytics.NewDay(date)
	d.Views, d.Visits, d.Online = views, views/2, views*30
	for p, n := range paths {
		d.Count(analytics.DimPath, p, n)
		d.Count(analytics.DimBrowser, "chrome", n)
	}
	return d
}

type upload struct {
	name    string
	content []byte
}

// multipart posts a multipart form, as a browser does for a form with a file input.
func (b *browser) multipart(target string, form url.Values, files ...upload) *response {
	b.h.t.Helper()
	return b.multipartField(target, form, "files", files...)
}

// multipartField is multipart with the files under another input's name.
func (b *browser) multipartField(target string, form url.Values, field string, files ...upload) *response {
	b.h.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for _, f := range files {
		part, _ := w.CreateFormFile(field, f.name)
		_, _ = part.Write(f.content)
	}
	_ = w.Close()
	opts := append([]func(*http.Request){func(r *http.Request) {
		r.Header.Set("Content-Type", w.FormDataContentType())
		for _, c := range b.jar {
			r.AddCookie(c)
		}
	}}, b.opts...)
	r := b.h.do(http.MethodPost, target, &body, opts...)
	b.keep(r)
	return r
}

var (
	pdfFile = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	pngFile = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
)

// decideAll grants (or refuses, with a ground) every item of a request in review.
func decideAll(t *testing.T, o *browser, ref string, grant bool, ground string) {
	t.Helper()
	d := o.get("/officer/requests/" + ref + "/decide")
	n := d.doc.Find(`select[name=outcome]`).Length()
	form := url.Values{"version": {version(t, d, "/decide")}, "confirm": {"yes"}}
	for i := 0; i < n; i++ {
		idx := string(rune('0' + i))
		if grant {
			form.Add("outcome", idx+":grant")
			form.Add("reason", "")
		} else {
			form.Add("outcome", idx+":refuse")
			form.Add("grounds", idx+":"+ground)
			form.Add("reason", "reason")
		}
	}
	if r := o.post("/officer/requests/"+ref+"/decide", form); r.Code != http.StatusSeeOther {
		t.Fatalf("decide %s: %d %q", ref, r.Code, r.text(".error-summary"))
	}
}

// A code is six digits standing alone; the six digits of a reference follow a hyphen.
var codePattern = regexp.MustCompile(`(?:^|[^-\d])(\d{6})(?:\D|$)`)

// lastCode is the six-digit code in the newest mail to an address.
func lastCode(t *testing.T, h *harness, to string) string {
	t.Helper()
	ms := h.mails(to)
	if len(ms) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	m := codePattern.FindStringSubmatch(ms[len(ms)-1].Body)
	if m == nil {
		t.Fatalf("no code in %q", ms[len(ms)-1].Body)
	}
	return m[1]
}

// withAddress gives a test person a postal address and the language of their mail.
func (h *harness) withAddress(u *account.User, address, lang string) {
	h.t.Helper()
	u.Address, u.Lang = address, lang
	if err := h.users.Update(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
}

// version reads the version a form on the page carries.
func version(t *testing.T, r *response, action string) string {
	t.Helper()
	v, ok := r.doc.Find(`form[action$="` + action + `"] input[name=version]`).Attr("value")
	if !ok {
		t.Fatalf("no %s form on the page (status %d)", action, r.Code)
	}
	return v
}

// act posts an officer action from the request's page as it is now.
func act(t *testing.T, b *browser, ref, action string, form url.Values) *response {
	t.Helper()
	page := b.get("/officer/requests/" + ref)
	if form == nil {
		form = url.Values{}
	}
	form.Set("version", version(t, page, "/"+action))
	return b.post("/officer/requests/"+ref+"/"+action, form)
}

func (h *harness) setupLink() string {
	h.t.Helper()
	token, err := h.setup.NewLink(context.Background())
	if err != nil || token == "" {
		h.t.Fatalf("new link: %q %v", token, err)
	}
	return token
}

const staffPassword = "Desk-Lamp-2026#"

func rightsToday(h *harness) string {
	return h.clock.Now().In(twtime.Zone).Format("2006-01-02")
}

// eraserFailingOnce is the portal's eraser whose first run fails before it erases
// anything, as when the database goes away at that moment: the request is recorded as
// fulfilled and the person is still there, for the officer to finish the erasure.
type eraserFailingOnce struct {
	rights.Eraser
	failed atomic.Bool
}

func (e *eraserFailingOnce) Erase(ctx context.Context, subject string, keep []string) (rights.ErasureReport, error) {
	if e.failed.CompareAndSwap(false, true) {
		return rights.ErasureReport{}, errors.New("connection reset by peer")
	}
	return e.Eraser.Erase(ctx, subject, keep)
}

// newHarnessFailingFirstErasure is a portal whose first erasure fails.
func newHarnessFailingFirstErasure(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, storetest.New(t), withEraser(func(e rights.Eraser) rights.Eraser { return &eraserFailingOnce{Eraser: e} }), nil)
}

// withEraser has the portal erase people through wrap's eraser (the casework service
// erases on the officer's behalf).
func withEraser(wrap func(rights.Eraser) rights.Eraser) func(*handlers.Deps) {
	return func(d *handlers.Deps) {
		cw := *d.Casework
		cw.Eraser = wrap(cw.Eraser)
		d.Casework = &cw
	}
}

// signUpForm is the sign-up form as a browser sends it: the required purposes
// acknowledged with the one box, the optional ones ticked.
func signUpForm(email, name, pw string, optional ...string) url.Values {
	return url.Values{"email": {email}, "name": {name}, "password": {pw}, "password_confirm": {pw}, "version": {"1"},
		"acknowledge": {"true"}, "purposes": append([]string{}, optional...)}
}

const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func withUA(ua string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("User-Agent", ua) }
}

func withHeader(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }

// flush writes the buffered counts and reads them back for one day.
func (h *harness) traffic(date string) *analytics.Range {
	h.t.Helper()
	ctx := context.Background()
	if err := h.srv.Counter.Flush(ctx, h.clock.Now()); err != nil {
		h.t.Fatal(err)
	}
	r, err := h.srv.Counter.Store.Range(ctx, date, date)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// api sends a JSON request with the browser's cookies (none for an anonymous browser).
func (b *browser) api(method, target, body string, opts ...func(*http.Request)) *response {
	b.h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	all := append([]func(*http.Request){func(r *http.Request) {
		for _, c := range b.jar {
			r.AddCookie(c)
		}
		r.Header.Set("Content-Type", "application/json")
	}}, b.opts...)
	return b.h.do(method, target, rd, append(all, opts...)...)
}

func bearer(token string) func(*http.Request) { return header("Authorization", "Bearer "+token) }

// apiError checks an error answer's status and code and returns its message.
func apiError(t *testing.T, r *response, status int, code string) string {
	t.Helper()
	e := decodeAs[apiErrorJSON](t, r, status)
	if e.Error.Code != code {
		t.Fatalf("code %q, want %q: %s", e.Error.Code, code, r.Body.String())
	}
	if e.Error.Message == "" || strings.Contains(e.Error.Message, "api.error") {
		t.Fatalf("message %q is not translated", e.Error.Message)
	}
	if e.Error.RequestID == "" || e.Error.RequestID != r.Header().Get("X-Request-ID") {
		t.Fatalf("request id %q, header %q", e.Error.RequestID, r.Header().Get("X-Request-ID"))
	}
	return e.Error.Message
}

// events reads the whole trail, oldest first (reading it all is a background job's
// work, as verification does).
func (h *harness) events() []*audit.Event {
	h.t.Helper()
	var out []*audit.Event
	if err := h.srv.Audit.Walk(background.Job(context.Background(), "test: read the trail"), func(e *audit.Event) error { out = append(out, e); return nil }); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func findEvent(events []*audit.Event, match func(*audit.Event) bool) *audit.Event {
	for _, e := range events {
		if match(e) {
			return e
		}
	}
	return nil
}

// checkErrorPage asserts an error page in both languages: status, title, no internal text.
func checkErrorPage(t *testing.T, name string, r *response, status int, zhTitle string) {
	t.Helper()
	if r.Code != status {
		t.Fatalf("%s: status %d, want %d", name, r.Code, status)
	}
	if got := r.text("h1"); got != zhTitle {
		t.Fatalf("%s: h1 %q, want %q", name, got, zhTitle)
	}
	body := r.Body.String()
	for _, leak := range []string{"goroutine", ".go:", "panic", "mongo", "ferret", "sqlite", "runtime error"} {
		if strings.Contains(strings.ToLower(body), leak) {
			t.Fatalf("%s: page shows internal text %q", name, leak)
		}
	}
}

// confirmForm resends the confirmation page's form, as pressing its button does.
func confirmForm(t *testing.T, b *browser, page *response) *response {
	t.Helper()
	form := page.doc.Find(`main form`).First()
	action, _ := form.Attr("action")
	vals := url.Values{}
	form.Find(`input[type=hidden]`).Each(func(_ int, in *goquery.Selection) {
		n, _ := in.Attr("name")
		v, _ := in.Attr("value")
		vals.Add(n, v)
	})
	if vals.Get("confirm") != "yes" {
		t.Fatalf("the confirmation form lacks confirm=yes: %v", vals)
	}
	return b.post(action, vals)
}

// snapshot copies every collection but the key store, as a data backup would.
func snapshot(t *testing.T, db *storetest.DB) map[string][]bson.Raw {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	ctx := context.Background()
	names, err := client.Database(db.Name).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]bson.Raw{}
	for _, n := range names {
		if n == "subject_keys" {
			continue // backed up separately, with deletions applied (DESIGN.md)
		}
		cur, err := client.Database(db.Name).Collection(n).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		out[n] = docs
	}
	return out
}

// incidentForm is a record affecting one account, two addresses without an account
// and two people known only by their postal address, one of each in English.
func incidentForm(h *harness) url.Values {
	discovered := h.clock.Now().Add(-2 * time.Hour).In(twtime.Zone).Format("2006-01-02T15:04")
	return url.Values{"title": {"名冊外洩"}, "discovered": {discovered}, "what": {"一份含姓名與地址的名冊遭外洩。"}, "data": {"姓名、地址"}, "people": {"5"},
		"measures": {"已關閉外洩管道並通報主管機關。"}, "what_en": {"A list with names and addresses leaked."}, "measures_en": {"The leak was closed and reported."},
		"affected": {"mei@example.tw"}, "emails": {"lee@example.org\nsmith@example.com | en\nLEE@example.org"},
		"letters": {"王大明 | 100臺北市中正區重慶南路一段122號\nJane Doe ｜ 1 Main St, Taipei ｜ en"}}
}

func incidentVersion(b *browser, id string) string {
	v, _ := b.get("/admin/incidents/" + id).doc.Find(`form[action$="/reported"] input[name=version]`).Attr("value")
	return v
}

// formValues reads a form as a browser would submit it: inputs, ticked boxes, text areas.
func formValues(doc *goquery.Document, sel string) url.Values {
	v := url.Values{}
	form := doc.Find(sel).First()
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		typ, _ := in.Attr("type")
		val, _ := in.Attr("value")
		if name == "" || ((typ == "checkbox" || typ == "radio") && in.AttrOr("checked", "-") == "-") {
			return
		}
		if (typ == "checkbox" || typ == "radio") && val == "" {
			val = "on"
		}
		v.Add(name, val)
	})
	form.Find("textarea").Each(func(_ int, ta *goquery.Selection) {
		name, _ := ta.Attr("name")
		v.Add(name, strings.TrimPrefix(ta.Text(), "\n"))
	})
	return v
}

// upload posts a CSV file as a browser's file input does.
func (b *browser) upload(target, field, name string, content []byte) *response {
	b.h.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		b.h.t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	opts := append([]func(*http.Request){func(r *http.Request) {
		for _, c := range b.jar {
			r.AddCookie(c)
		}
		r.Header.Set("Content-Type", w.FormDataContentType())
	}}, b.opts...)
	r := b.h.do(http.MethodPost, target, &body, opts...)
	for _, c := range r.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return r
}

// decodeAs reads a JSON response that must have status want.
func decodeAs[T any](t *testing.T, r *response, want int) T {
	t.Helper()
	var v T
	if r.Code != want {
		t.Fatalf("status %d, want %d: %s", r.Code, want, r.Body.String())
	}
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, r.Body.String())
	}
	return v
}

type apiErrorJSON struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId"`
	} `json:"error"`
}

// importConfirmed uploads a calendar file and confirms the import the page then asks
// about, as an administrator clicking "yes" does.
func (b *browser) importConfirmed(name string, content []byte) *response {
	b.h.t.Helper()
	r := b.upload("/admin/calendar", "csv", name, content)
	token, ok := r.doc.Find(`main form[action="/admin/calendar/import"] input[name=staged]`).Attr("value")
	if r.Code != http.StatusOK || !ok {
		return r
	}
	return b.post("/admin/calendar/import", url.Values{"staged": {token}, "confirm": {"yes"}})
}

// setFees gives the agency a schedule (NT$2 a page) and payment instructions.
func setFees(t *testing.T, admin *browser) {
	t.Helper()
	if r := admin.post("/admin/fees", url.Values{"id": {""}, "name_zh": {"影印每頁"}, "name_en": {"Copy, per page"}, "unit": {"2"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("fee schedule: %d %q", r.Code, r.text(".error-summary"))
	}
	if r := admin.post("/admin/fees/payment", paymentSettings()); r.Code != http.StatusSeeOther {
		t.Fatalf("payment instructions: %d %q", r.Code, r.text(".error-summary"))
	}
}

// paymentSettings are valid payment instructions: all three ways, 30 days.
func paymentSettings() url.Values {
	return url.Values{
		"bank_zh": {"臺灣銀行"}, "bank_en": {"Bank of Taiwan"}, "branch_zh": {"城中分行"}, "branch_en": {"Chengchung Branch"},
		"account_name_zh": {"範例市政府數位服務處"}, "account_name_en": {"Example City Digital Services Office"}, "account_no": {"0123-4567-8901"},
		"counter_zh": {"範例市中正區示範路1號1樓"}, "counter_en": {"1F, No. 1, Shifan Road"}, "hours_zh": {"週一至週五 8:30–17:30"}, "hours_en": {"Mon–Fri 8:30–17:30"},
		"epay_url": {"https://pay.example.gov.tw/fees"}, "due_days": {"30"},
	}
}

// pendingMail counts every message in the outbox, to whomever.
func pendingMail(t *testing.T, h *harness) int {
	t.Helper()
	all, err := h.mail.Pending(context.Background(), h.clock.Now().Add(1000*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}
