// Helpers shared by the handlers' tests and the browser tests in ./browser, which
// compile this file and harness_test.go through symbolic links (one harness, two
// packages, so each test binary stays well within go test's ten-minute limit).
package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/handlers"
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
	return h.clock.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
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
	return newHarnessOn(t, storetest.New(t), func(d *handlers.Deps) { d.Eraser = &eraserFailingOnce{Eraser: d.Eraser} }, nil)
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
