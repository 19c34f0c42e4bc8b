package handlers_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/store/storetest"
)

// The database is capped (SQLite's max_page_count through the engine: a write beyond it
// fails exactly as on a full disk) and filled with ballast while citizens file with and
// without attachments and an officer acts. Nothing answers 500; every acknowledged
// filing has its attachments and its confirmation mail; every action that happened has
// its audit event and the trail verifies; /readyz goes not ready before the first
// refusal; freeing space (dropping the ballast) makes everything work without a restart.
func TestDiskFullLosesNothingAcknowledged(t *testing.T) {
	const pageSize, maxPages = 4096, 3000 // 12 MB
	db := storetest.NewCapped(t, maxPages)
	ctx := context.Background()

	// The free space the cap leaves, read as the engine sees it: pages not yet used plus
	// pages freed by deletions. watching off: the portal sees no disk (phase one tests
	// what SQLite itself refuses).
	lite, err := sql.Open("sqlite", "file:"+filepath.Join(db.Dir, "db", db.Name+".sqlite")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	free := func() int64 {
		var pages, freed int64
		if err := lite.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if err := lite.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&freed); err != nil {
			t.Fatal(err)
		}
		return (maxPages - pages + freed) * pageSize
	}
	var watching atomic.Bool
	h := newHarnessOn(t, db, func(d *handlers.Deps) {
		d.Disk = func(context.Context) (handlers.DiskSpace, error) {
			if !watching.Load() {
				return handlers.DiskSpace{}, errors.New("not watched")
			}
			return handlers.DiskSpace{Free: free(), Total: maxPages * pageSize, Database: maxPages * pageSize}, nil
		}
	}, func(o *handlers.Options) {
		o.DiskLow = handlers.Threshold{Bytes: 600 << 10}
		o.UploadsLow = handlers.Threshold{Bytes: 1200 << 10}
		o.DiskWarnPercent = 80
		o.DiskInterval = 1 // read at every use
		o.MaxBody = 4 << 20
	})

	client, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	ballast := client.Database(db.Name).Collection("ballast")
	chunk := bytes.Repeat([]byte("ballast."), 4<<10) // 32 KiB
	n := 0
	// fill adds ballast until less than leave bytes are free or a write is refused.
	fill := func(leave int64) {
		for free() > leave {
			n++
			if _, err := ballast.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint(n)}, {Key: "b", Value: chunk}}); err != nil {
				return
			}
		}
	}

	citizens := make([]*browser, 3)
	for i := range citizens {
		email := fmt.Sprintf("c%d@example.tw", i)
		h.makeUser(email, fmt.Sprintf("市民%d", i), citizenPassword)
		citizens[i] = h.signIn(email, citizenPassword)
	}
	h.makeUser("off@agency.example", "王承辦", staffPassword, account.RoleOfficer, account.RoleAdmin)
	off := h.signIn("off@agency.example", staffPassword)
	attachment := append(append([]byte{}, pdfFile...), bytes.Repeat([]byte("%pad\n"), 30<<10)...) // 150 KB

	type filing struct {
		who   int
		scope string
		files int
	}
	acknowledged := map[string]filing{}
	var statuses []int
	file := func(i, k int, withFile bool) *response {
		f := filing{who: i % len(citizens), scope: fmt.Sprintf("第 %d 件申請 %d", k, i)}
		form := url.Values{"kind": {"view"}, "scope": {f.scope}}
		var r *response
		if withFile {
			f.files = 1
			r = citizens[f.who].multipart("/requests", form, upload{"證明.pdf", attachment})
		} else {
			r = citizens[f.who].post("/requests", form)
		}
		statuses = append(statuses, r.Code)
		switch r.Code {
		case http.StatusSeeOther:
			ref := strings.TrimPrefix(r.Header().Get("Location"), "/requests/")
			acknowledged[ref] = f
		case http.StatusServiceUnavailable:
			if r.Header().Get("Retry-After") == "" {
				t.Errorf("a 503 without Retry-After")
			}
			// The form comes back with what was typed, or the page says why.
			if !strings.Contains(r.Body.String(), f.scope) && r.doc.Find("main").Length() == 0 {
				t.Errorf("refused filing lost its text: %s", r.Body.String())
			}
		default:
			if r.Code >= 500 {
				t.Errorf("filing answered %d: %s\n%s", r.Code, r.text(".error-summary"), h.logs.String())
			}
		}
		return r
	}
	acted := map[string]bool{}
	reviewOne := func() {
		for ref := range acknowledged {
			if acted[ref] {
				continue
			}
			page := off.get("/officer/requests/" + ref)
			statuses = append(statuses, page.Code)
			if page.Code != http.StatusOK {
				return
			}
			r := off.post("/officer/requests/"+ref+"/review", url.Values{"version": {version(t, page, "/review")}})
			statuses = append(statuses, r.Code)
			if r.Code == http.StatusSeeOther {
				acted[ref] = true
			}
			return
		}
	}

	// Phase one: SQLite refuses. A little room is left, then used up by filings.
	for k := range 3 {
		file(k, 0, k%2 == 0)
	}
	fill(0)
	if _, err := ballast.DeleteOne(ctx, bson.D{{Key: "_id", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ballast.DeleteOne(ctx, bson.D{{Key: "_id", Value: "2"}}); err != nil {
		t.Fatal(err)
	}
	fullText := i18n.MustLoad().T(i18n.ZH, "error.storage_full")
	refused, refusedWithFile := 0, 0
	for k := 1; k < 60 && refused < 6; k++ {
		if r := file(k, k, k%2 == 0); r.Code == http.StatusServiceUnavailable && strings.Contains(r.Body.String(), fullText) {
			refused++
			if k%2 == 0 {
				refusedWithFile++
			}
		}
		reviewOne()
	}
	if refused == 0 || refusedWithFile == 0 {
		t.Fatalf("the full database refused %d filings, %d with a file (%d bytes free)", refused, refusedWithFile, free())
	}
	for _, p := range []string{"/requests", "/account", "/staff", "/api/v1/me/requests"} {
		r := citizens[0].get(p)
		statuses = append(statuses, r.Code)
	}
	api := citizens[1].api(http.MethodPost, "/api/v1/me/requests", `{"kind":"view","scope":"API 申請"}`)
	statuses = append(statuses, api.Code)
	if api.Code == http.StatusCreated {
		acknowledged[strings.TrimPrefix(api.Header().Get("Location"), "/api/v1/me/requests/")] = filing{who: 1}
	}
	if api.Code == http.StatusServiceUnavailable && !strings.Contains(api.Body.String(), `"code"`) {
		t.Errorf("API refusal: %s", api.Body.String())
	}
	for _, s := range statuses {
		if s >= 500 && s != http.StatusServiceUnavailable {
			t.Fatalf("an answer was %d: %v\n%s", s, statuses, h.logs.String())
		}
	}

	// Phase two: space is freed; everything works at once, and the portal now watches
	// the disk and says so before SQLite has to refuse.
	if err := ballast.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	watching.Store(true)
	if r := h.do(http.MethodGet, "/readyz", nil); r.Code != http.StatusOK {
		t.Fatalf("readyz after freeing space: %d", r.Code)
	}
	if r := file(0, 100, true); r.Code != http.StatusSeeOther {
		t.Fatalf("filing after freeing space: %d %s", r.Code, r.text(".error-summary"))
	}
	pausedText := i18n.MustLoad().T(i18n.ZH, "error.uploads_paused")
	notReady, uploadsPaused, storageFull := -1, -1, -1
	for k := 0; k < 400 && storageFull < 0; k++ {
		fill(free() - 64<<10)
		if notReady < 0 && h.do(http.MethodGet, "/readyz", nil).Code == http.StatusServiceUnavailable {
			notReady = k
		}
		r := file(k, 200+k, k%2 == 0)
		switch {
		case r.Code != http.StatusServiceUnavailable:
		case strings.Contains(r.Body.String(), pausedText):
			if uploadsPaused < 0 {
				uploadsPaused = k
			}
		default:
			storageFull = k
		}
		if free() < 32<<10 {
			break
		}
	}
	if notReady < 0 || (storageFull >= 0 && storageFull < notReady) || uploadsPaused < 0 || uploadsPaused > notReady {
		t.Fatalf("uploads paused at %d, not ready at %d, first refusal for want of space at %d", uploadsPaused, notReady, storageFull)
	}
	home := off.get("/staff")
	if home.doc.Find("#disk-warning").Length() == 0 {
		t.Errorf("no disk warning on the administrator's home page")
	}
	rec := httptest.NewRecorder()
	h.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, m := range []string{"portal_data_dir_free_bytes", "portal_database_file_bytes", "portal_disk_low 1"} {
		if !strings.Contains(rec.Body.String(), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	if err := ballast.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if r := h.do(http.MethodGet, "/readyz", nil); r.Code != http.StatusOK {
		t.Fatalf("readyz after freeing space again: %d", r.Code)
	}
	if r := file(1, 999, true); r.Code != http.StatusSeeOther {
		t.Fatalf("filing after freeing space again: %d", r.Code)
	}
	reviewOne()

	// Every acknowledged filing is whole: the request, each attachment, the mail.
	for ref, f := range acknowledged {
		req, err := h.srv.Requests.ByRef(ctx, ref)
		if err != nil {
			t.Fatalf("acknowledged %s: %v", ref, err)
		}
		fs, err := h.srv.Files.List(ctx, ref)
		if err != nil || len(fs) != f.files {
			t.Errorf("acknowledged %s has %d of its %d attachments (%v)", ref, len(fs), f.files, err)
		}
		ms, err := h.mail.ForUser(ctx, req.Subject, 1000)
		if err != nil {
			t.Fatal(err)
		}
		mailed := false
		for _, m := range ms {
			if err := h.words.Fill(ctx, m); err != nil {
				t.Fatal(err)
			}
			mailed = mailed || (m.Kind == "request_received" && strings.Contains(m.Body, ref))
		}
		if !mailed {
			t.Errorf("acknowledged %s has no confirmation mail", ref)
		}
	}
	// Every action that happened has its event, and the chain is whole.
	events := h.events()
	filedEvents := 0
	for _, e := range events {
		if e.Action == "POST /requests" && e.Outcome == audit.Pending {
			filedEvents++
		}
	}
	if filedEvents < len(acknowledged) {
		t.Errorf("%d filings acknowledged, %d opened in the audit trail", len(acknowledged), filedEvents)
	}
	for ref := range acted {
		if findEvent(events, func(e *audit.Event) bool {
			return e.Action == "POST /officer/requests/:ref/:action" && e.Target == ref && e.Details["action"] == "review"
		}) == nil {
			t.Errorf("review of %s has no audit event", ref)
		}
	}
	if _, brk, err := audit.Verify(background.Job(ctx, "test: verify"), h.srv.Audit); err != nil || brk != nil {
		t.Fatalf("audit trail: %v %+v", err, brk)
	}
	t.Logf("acknowledged %d filings, %d reviews; refused %d for want of space; uploads paused at step %d, not ready at %d",
		len(acknowledged), len(acted), refused, uploadsPaused, notReady)
}

// fullUsers is a user store whose updates find the disk full.
type fullUsers struct{ account.Users }

func (fullUsers) Update(context.Context, *account.User) error {
	return fmt.Errorf("update user: %w", apperr.ErrStorageFull)
}

// Only the last sign-in time cannot be written: the person who knows the password is
// let in all the same.
func TestSignInWhenTheLastSignInCannotBeWritten(t *testing.T) {
	h := newHarness(t)
	h.makeUser("c@example.tw", "陳小明", citizenPassword)
	h.accounts.Users = fullUsers{h.users}
	b := h.browser()
	r := b.post("/signin", url.Values{"email": {"c@example.tw"}, "password": {citizenPassword}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", r.Code, r.text(".error-summary"))
	}
	if r := b.get("/account"); r.Code != http.StatusOK {
		t.Fatalf("signed in: %d", r.Code)
	}
}
