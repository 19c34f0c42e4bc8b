package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/templates"
)

// The officers' pages at an agency's real size: 10 000 requests ever filed, of which 300
// are open, against 300 requests in all as the baseline. Seeding 10 000 requests takes
// minutes on the embedded engine, so these are benchmarks, run only with -bench:
//
//	go test ./handlers -run '^$' -bench BenchmarkQueuePage -benchtime 20x -timeout 60m

func BenchmarkQueuePage300(b *testing.B) { benchmarkQueuePages(b, 300, 300) }

func BenchmarkQueuePage10k(b *testing.B) { benchmarkQueuePages(b, 10_000, 300) }

// citizenRequests is how many requests the measured citizen has filed, in every run, so
// their list renders the same rows whatever the size of the collection.
const citizenRequests = 20

// benchmarkQueuePages seeds total requests of which open stay open, then times each page
// as a sub-benchmark. The top-level benchmark function runs once (it has sub-benchmarks),
// so the seeding does too.
func benchmarkQueuePages(b *testing.B, total, open int) {
	withHarness(b, func(t *testing.T, h *harness) {
		start := time.Now()
		s := seedRequests(t, h, total, open)
		// Printed, not logged: a parent benchmark's log is not shown when it passes.
		fmt.Fprintf(os.Stderr, "%s: seeded %d requests (%d open) in %s\n", b.Name(), total, open, time.Since(start).Round(time.Second))

		off := h.signIn("off@agency.example", staffPassword, english)
		citizen := h.signIn("c0@example.tw", citizenPassword, english)
		// Check once, with the parsed page, that each page shows what it should.
		if r := off.get("/officer/queue"); r.Code != http.StatusOK || r.doc.Find("tbody tr").Length() != 50 {
			t.Fatalf("queue: %d, %d rows", r.Code, r.doc.Find("tbody tr").Length())
		}
		if r := off.get("/officer/queue?kind=view&due=7"); r.Code != http.StatusOK || r.doc.Find("tbody tr").Length() == 0 {
			t.Fatalf("filtered queue: %d, %d rows", r.Code, r.doc.Find("tbody tr").Length())
		}
		if r := off.get("/officer/requests/" + s.openRef); r.Code != http.StatusOK || !strings.Contains(r.text("main"), s.openRef) {
			t.Fatalf("officer's request page: %d %q", r.Code, r.text(".facts"))
		}
		if r := citizen.get("/requests"); r.Code != http.StatusOK || r.doc.Find("tbody tr").Length() != citizenRequests {
			t.Fatalf("citizen's list: %d, %d rows", r.Code, r.doc.Find("tbody tr").Length())
		}
		if r := citizen.get("/requests/" + s.citizenRef); r.Code != http.StatusOK || !strings.Contains(r.text("main"), s.citizenRef) {
			t.Fatalf("citizen's request page: %d %q", r.Code, r.text(".facts"))
		}

		for _, p := range []struct {
			name   string
			as     *browser
			target string
		}{
			{"queue", off, "/officer/queue"},
			{"queue_view_due7", off, "/officer/queue?kind=view&due=7"},
			{"officer_request", off, "/officer/requests/" + s.openRef},
			{"citizen_list", citizen, "/requests"},
			{"citizen_request", citizen, "/requests/" + s.citizenRef},
		} {
			b.Run(p.name, func(b *testing.B) {
				for b.Loop() {
					if code := serveOnly(h, p.as, p.target); code != http.StatusOK {
						b.Fatalf("GET %s: %d", p.target, code)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
			})
		}
		// An officer's action: an internal note posted from the request's page, which is
		// one Timeline.Update (a conditional write on the request's reference and version).
		version, ok := off.get("/officer/requests/" + s.noteRef).doc.Find(`form[action$="/note"] input[name=version]`).Attr("value")
		if !ok {
			t.Fatal("no note form on the officer's page")
		}
		v, err := strconv.ParseInt(version, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		b.Run("officer_note_post", func(b *testing.B) {
			for b.Loop() {
				form := url.Values{"version": {strconv.FormatInt(v, 10)}, "note": {"已電話聯絡申請人"}}
				if code := serveOnlyPost(h, off, "/officer/requests/"+s.noteRef+"/note", form); code != http.StatusSeeOther {
					b.Fatalf("POST note: %d", code)
				}
				v++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	})
}

// withHarness runs f with a harness from newHarness. The harness and its helpers take a
// *testing.T, which a benchmark does not have; testing.RunTests gives f one (with its
// temporary directories and clean-ups), for as long as f runs.
func withHarness(b *testing.B, f func(t *testing.T, h *harness)) {
	b.Helper()
	// A benchmark measures the page as served, not the tests' second rendering of it.
	templates.VerifyFolding = false
	always := func(string, string) (bool, error) { return true, nil }
	ok := testing.RunTests(always, []testing.InternalTest{{Name: b.Name() + "_harness", F: func(t *testing.T) { f(t, newHarness(t)) }}})
	if !ok {
		b.Fatal("the harness failed (see above)")
	}
}

// serveOnly serves one GET with the browser's cookies and returns the status, without
// parsing the page: the time measured is the server's.
func serveOnly(h *harness, b *browser, target string) int {
	return serveRequest(h, b, httptest.NewRequest(http.MethodGet, target, nil))
}

// serveOnlyPost is serveOnly for a form.
func serveOnlyPost(h *harness, b *browser, target string, form url.Values) int {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serveRequest(h, b, req)
}

func serveRequest(h *harness, b *browser, req *http.Request) int {
	for _, c := range b.jar {
		req.AddCookie(c)
	}
	for _, o := range b.opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec.Code
}

type seeded struct {
	openRef    string // an open, assigned request with a few timeline steps, for the officer's page
	noteRef    string // another open request, which the officer-action benchmark adds notes to
	citizenRef string // one of the measured citizen's requests
}

// templateRequests is how many closed requests are filed and closed through the store
// API; the rest of the closed ones are copies of their documents (see seedRequests).
const templateRequests = 400

// seedRequests fills the database with total requests, of which open stay open, in the
// order an agency's database holds them: the closed ones first (received from January),
// the open ones last (received in the past 30 days). The measured citizen (c0) has
// citizenRequests of the open ones; the rest belong to three other citizens.
//
// Requests are filed with Requests.Create and moved with the rights actions through
// Timeline.Update, as the portal does — except closed requests beyond the first
// templateRequests. Filing and closing 9 700 requests one by one takes hours on the
// embedded engine (each Update's conditional ReplaceOne({_id, version}) is filtered
// document by document over the whole collection: see BENCHMARKS.md), so those are
// copies of the first templateRequests' documents as the store wrote them, under new
// references and dates of receipt, inserted with InsertMany. They are not counted in the
// monthly statistics and not listed in their requesters' lists; no page measured here
// reads either.
func seedRequests(t *testing.T, h *harness, total, open int) seeded {
	t.Helper()
	ctx := context.Background()
	reqs := store.NewRequests(h.db.DB, storetest.Vault(h.db.DB))
	officer := h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	c0 := h.makeUser("c0@example.tw", "陳小明", citizenPassword)
	others := []string{
		h.makeUser("c1@example.tw", "林小華", citizenPassword).ID,
		h.makeUser("c2@example.tw", "張美玲", citizenPassword).ID,
		h.makeUser("c3@example.tw", "李大同", citizenPassword).ID,
	}
	cal, err := store.NewCalendar(h.db.DB).Days(ctx, rights.NewDate(2025, 12, 1), rights.NewDate(2027, 6, 30))
	if err != nil {
		t.Fatal(err)
	}
	now := h.clock.Now()
	today := rights.DateOf(now)
	closed := total - open
	dates := receipts{today: today, first: rights.NewDate(2026, 1, 5), closed: closed}
	update := func(r *rights.Request, act rights.Action) *rights.Request {
		t.Helper()
		got, err := reqs.Update(ctx, r.Ref, r.Version, now, act)
		if err != nil {
			t.Fatalf("%s: %v", r.Ref, err)
		}
		return got
	}
	file := func(i int, subject string) *rights.Request {
		t.Helper()
		r := newRequest(i, subject)
		r.Received = dates.of(i)
		rights.File(r, now, cal) // keeps the date of receipt set above, computes the due date
		if err := reqs.Create(ctx, r); err != nil {
			t.Fatalf("file request %d: %v", i, err)
		}
		return r
	}

	// Closed requests through the store API, every way a request ends, for every kind.
	last := map[string]string{} // subject → their latest reference, for duplicates
	for i := range min(closed, templateRequests) {
		r := file(i, others[(i/4)%len(others)])
		prev := last[r.Subject]
		last[r.Subject] = r.Ref
		switch i % 4 {
		case 0:
			update(r, rights.Withdraw(r.Subject))
		case 1: // reviewed and refused in full, then closed
			r = update(r, rights.StartReview(officer.ID))
			r = update(r, rights.Decide(officer.ID, decision(r, false), nil))
			update(r, rights.Close(officer.ID))
		case 2: // identity checked, granted, fulfilled and closed
			r = update(r, rights.RecordIdentity(officer.ID, rights.IdentityDocument, "身分證影本已核對"))
			r = update(r, rights.Decide(officer.ID, decision(r, true), nil))
			r = update(r, rights.Fulfil(officer.ID, "已寄出"))
			update(r, rights.Close(officer.ID))
		case 3: // a duplicate of the same citizen's previous request
			if prev == "" {
				update(r, rights.Withdraw(r.Subject))
				continue
			}
			update(r, rights.MarkDuplicate(officer.ID, prev, ""))
		}
	}
	if closed > templateRequests {
		copyClosed(t, h, closed, dates, cal)
	}

	// Open requests through the store API, newest last; some in review, some assigned.
	var out seeded
	for j := range open {
		subject := others[j%len(others)]
		if j%(open/citizenRequests) == 0 && j/(open/citizenRequests) < citizenRequests {
			subject = c0.ID
		}
		r := file(closed+j, subject)
		switch j % 10 {
		case 1:
			update(r, rights.StartReview(officer.ID))
		case 2:
			r = update(r, rights.StartReview(officer.ID))
			r = update(r, rights.Assign(officer.ID, officer.ID))
			if out.openRef == "" {
				out.openRef = r.Ref
			} else if out.noteRef == "" {
				out.noteRef = r.Ref
			}
		}
		if subject == c0.ID && out.citizenRef == "" {
			out.citizenRef = r.Ref
		}
	}
	if out.openRef == "" || out.noteRef == "" || out.citizenRef == "" {
		t.Fatal("no open request to show")
	}
	return out
}

// newRequest is the i-th request filed, of kind i mod 5, as the request form fills it.
func newRequest(i int, subject string) *rights.Request {
	kind := rights.Kinds[i%len(rights.Kinds)]
	r := &rights.Request{Kind: kind, Subject: subject, Channel: rights.ChannelWeb, Scope: fmt.Sprintf("資料範圍 %d：帳號資料與申請紀錄", i)}
	switch kind {
	case rights.Correct:
		r.Field, r.Proposed, r.Explanation = "address", "臺北市中正區重慶南路一段122號", "已搬家"
	case rights.Stop, rights.Delete:
		r.Purposes = []string{"newsletter"}
	}
	return r
}

// receipts spreads the dates of receipt: closed requests from first to 35 days ago, open
// ones over the last 30 days (so some are overdue and some due this week).
type receipts struct {
	today, first rights.Date
	closed       int
}

func (d receipts) of(i int) rights.Date {
	if i >= d.closed {
		return d.today.AddDays(-((i - d.closed) % 30))
	}
	return d.first.AddDays(i * d.today.AddDays(-35).Sub(d.first) / d.closed)
}

// copyClosed fills references templateRequests+1 … closed with copies of the first
// templateRequests requests' documents (the store's own, with their timelines, sealed
// fields and decisions), changing only the reference, the date of receipt and the due
// date, and moves the year's reference counter past them.
func copyClosed(t *testing.T, h *harness, closed int, dates receipts, cal rights.Calendar) {
	t.Helper()
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(h.db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	db := client.Database(h.db.Name)
	cur, err := db.Collection("requests").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var templates []bson.D
	if err := cur.All(ctx, &templates); err != nil {
		t.Fatal(err)
	}
	if len(templates) != templateRequests {
		t.Fatalf("%d template requests, want %d", len(templates), templateRequests)
	}
	set := func(d bson.D, key string, v any) {
		for i := range d {
			if d[i].Key == key {
				d[i].Value = v
				return
			}
		}
		t.Fatalf("request document without %q", key)
	}
	const batch = 500
	var docs []any
	for i := templateRequests; i < closed; i++ {
		tpl := templates[i%templateRequests]
		d := make(bson.D, len(tpl))
		copy(d, tpl)
		received := dates.of(i)
		var kind string
		for _, e := range tpl {
			if e.Key == "kind" {
				kind, _ = e.Value.(string)
			}
		}
		set(d, "_id", rights.FormatRef(received.Year, int64(i+1)))
		set(d, "received", received.String())
		set(d, "due", rights.DueDate(rights.Kind(kind), received, cal).String())
		if docs = append(docs, d); len(docs) == batch || i == closed-1 {
			if _, err := db.Collection("requests").InsertMany(ctx, docs); err != nil {
				t.Fatal(err)
			}
			docs = docs[:0]
		}
	}
	res, err := db.Collection("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("requests-%d", dates.today.Year)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: int64(closed)}}}})
	if err != nil || res.MatchedCount != 1 {
		t.Fatalf("reference counter: %v, %+v", err, res)
	}
}

// decision decides every item of r: all granted, or all refused on the kind's first ground.
func decision(r *rights.Request, grant bool) []rights.Item {
	var items []rights.Item
	for _, k := range rights.Items(r) {
		it := rights.Item{Key: k, Granted: grant}
		if !grant {
			it.Grounds, it.Reason = []string{rights.Grounds[r.Kind][0]}, "依檔案法保存中"
		}
		items = append(items, it)
	}
	return items
}
