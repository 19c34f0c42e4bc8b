package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// countingSender records each delivery.
type countingSender struct {
	mu   sync.Mutex
	sent map[string]int // message id → deliveries
}

func (s *countingSender) Send(_ context.Context, m *mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[m.ID]++
	return nil
}

// on is the same browser (its cookies) at another instance, as behind a load balancer.
func (b *browser) on(h *harness) *browser { return &browser{h: h, jar: b.jar, opts: b.opts} }

// Two complete portal instances on one database, as behind a load balancer on one
// MongoDB, used at the same time: citizens filing, one person filing beyond the quota
// on both, two officers acting on the same requests, one person's consents changed on
// both, both mail workers, both retention runs and both analytics buffers. Every filing
// stands once with its own reference, the quota holds across the instances, each
// officer action wins once, each consent change is recorded once, each mail is sent
// once, one retention run happens in the hour, every page view is counted once, and the
// audit trail holds both instances' events in one unbroken chain.
func TestTwoInstancesShareOneDatabase(t *testing.T) {
	a := newHarnessIn(t, store.Shared, nil)
	b := a.twin()
	instances := []*harness{a, b}
	const people = 6
	for i := range people {
		a.makeUser(string(rune('a'+i))+"@example.tw", "市民", citizenPassword)
	}
	a.makeUser("off1@agency.example", "王承辦", staffPassword, account.RoleOfficer)
	b.makeUser("off2@agency.example", "李承辦", staffPassword, account.RoleOfficer)

	// Filings, each citizen at one instance, all at once.
	citizens := make([]*browser, people)
	for i := range people {
		citizens[i] = instances[i%2].signIn(string(rune('a'+i))+"@example.tw", citizenPassword, withUA(chromeUA))
	}
	refs := make([]string, people)
	var wg sync.WaitGroup
	for i, c := range citizens {
		wg.Go(func() {
			r := c.post("/requests", url.Values{"kind": {"view"}, "scope": {"我的申請資料"}})
			refs[i] = strings.TrimPrefix(r.Header().Get("Location"), "/requests/")
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, ref := range refs {
		if !strings.HasPrefix(ref, "2026-") || seen[ref] {
			t.Fatalf("filing %d: reference %q (all: %v)", i, ref, refs)
		}
		seen[ref] = true
		// Readable at the other instance.
		if r := citizens[i].on(instances[(i+1)%2]).get("/requests/" + ref); r.Code != http.StatusOK {
			t.Fatalf("request %s at the other instance: %d", ref, r.Code)
		}
	}

	// One person files at both instances at once, twice the day's quota: the quota's
	// number of filings stand, each once under its own reference, and every other is
	// answered with the quota's 429.
	const perDay = 4
	if err := store.NewFees(a.db.DB).SetQuota(context.Background(), rights.Quota{Open: 20, PerDay: perDay}); err != nil {
		t.Fatal(err)
	}
	a.makeUser("q@example.tw", "市民", citizenPassword)
	filer := a.signIn("q@example.tw", citizenPassword, withUA(chromeUA))
	codes, filed := make([]int, 2*perDay), make([]string, 2*perDay)
	for i := range 2 * perDay {
		wg.Go(func() {
			r := filer.on(instances[i%2]).post("/requests", url.Values{"kind": {"view"}, "scope": {"我的申請資料"}})
			codes[i], filed[i] = r.Code, strings.TrimPrefix(r.Header().Get("Location"), "/requests/")
		})
	}
	wg.Wait()
	stood := map[string]bool{}
	for i, code := range codes {
		switch code {
		case http.StatusSeeOther:
			if stood[filed[i]] {
				t.Fatalf("reference %s answered twice (%v)", filed[i], filed)
			}
			stood[filed[i]] = true
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("filings at twice the quota on two instances: statuses %v", codes)
		}
	}
	q, err := a.users.ByEmail(context.Background(), "q@example.tw")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := store.NewRequests(b.db.DB, storetest.Vault(b.db.DB)).ForSubject(context.Background(), q.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mine {
		if !stood[r.Ref] {
			t.Errorf("request %s stored but its filer was refused", r.Ref)
		}
	}
	if len(stood) != perDay || len(mine) != perDay {
		t.Fatalf("%d filings answered as standing, %d stored, want %d each (statuses %v)", len(stood), len(mine), perDay, codes)
	}

	// Two officers, one at each instance, start the review of every request at once.
	o1, o2 := a.signIn("off1@agency.example", staffPassword), b.signIn("off2@agency.example", staffPassword)
	for _, ref := range refs {
		v := version(t, o1.get("/officer/requests/"+ref), "/review")
		codes := make([]int, 2)
		for k, o := range []*browser{o1, o2} {
			wg.Go(func() { codes[k] = o.post("/officer/requests/"+ref+"/review", url.Values{"version": {v}}).Code })
		}
		wg.Wait()
		won := 0
		for _, c := range codes {
			if c == http.StatusSeeOther {
				won++
			} else if c != http.StatusConflict {
				t.Fatalf("review of %s: statuses %v (want one 303, one 409)", ref, codes)
			}
		}
		steps, err := store.NewRequests(a.db.DB, storetest.Vault(a.db.DB)).Steps(context.Background(), ref, true)
		if err != nil {
			t.Fatal(err)
		}
		reviews := 0
		for _, s := range steps {
			if s.Action == "review" {
				reviews++
			}
		}
		if won != 1 || reviews != 1 {
			t.Fatalf("review of %s: %d won, %d review steps (statuses %v)", ref, won, reviews, codes)
		}
	}

	// One person grants the newsletter at both instances, six times each, at once.
	for range 6 {
		for _, h := range instances {
			wg.Go(func() {
				citizens[0].on(h).post("/account/consents", url.Values{"purpose": {"newsletter"}, "grant": {"on"}, "version": {"1"}})
			})
		}
	}
	wg.Wait()
	page := citizens[0].on(b).get("/account/consents")
	if n := page.doc.Find("tbody tr").Length(); n != 1 {
		t.Fatalf("%d consent events after twelve concurrent grants at two instances, want 1", n)
	}
	stats, err := a.srv.ConsentStats.Stats(context.Background(), a.clock.Now())
	if err != nil || stats.Current["newsletter"] != 1 {
		t.Fatalf("consent statistics: %v %v", stats, err)
	}

	// Both mail workers at once: every message (the filings' confirmations, held a few
	// seconds after queuing) delivered exactly once.
	a.clock.Advance(time.Minute)
	pending, err := a.mail.Pending(context.Background(), a.clock.Now(), 0)
	if err != nil || len(pending) < people {
		t.Fatalf("%d pending messages, %v", len(pending), err)
	}
	sender := &countingSender{sent: map[string]int{}}
	for _, h := range instances {
		w := &mail.Worker{Store: h.mail, Word: h.words.Fill, Sender: sender, Log: h.srv.Log, Now: h.clock.Now}
		wg.Go(func() {
			for range 3 {
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Errorf("mail worker: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for _, m := range pending {
		if sender.sent[m.ID] != 1 {
			t.Errorf("message %s (%s) sent %d times", m.ID, m.Kind, sender.sent[m.ID])
		}
	}

	// Both hourly runs at once: one runs, the other finds the lease taken.
	runs := make([]bool, 2)
	for k, h := range instances {
		wg.Go(func() {
			run, err := h.jobs.Retention.Run(context.Background(), []string{"a", "b"}[k])
			if err != nil {
				t.Errorf("retention at instance %d: %v", k, err)
			}
			runs[k] = run != nil
		})
	}
	wg.Wait()
	if runs[0] == runs[1] {
		t.Fatalf("retention ran at %v (want exactly one instance)", runs)
	}
	// The other instance's hourly tick comes later in the same hour: the hour is done.
	a.clock.Advance(20 * time.Minute)
	other := 0
	if runs[0] {
		other = 1
	}
	if run, err := instances[other].jobs.Retention.Run(context.Background(), []string{"a", "b"}[other]); run != nil || err != nil {
		t.Fatalf("the hour's run again at the other instance, 20 minutes later: %v %v", run != nil, err)
	}

	// Page views at both, each buffered where it was served, flushed by both at once.
	visitor := a.browser(withUA(chromeUA))
	visitor.jar["portal_cookies"] = &http.Cookie{Name: "portal_cookies", Value: "analytics"}
	const views = 10
	for i := range views {
		if r := visitor.on(instances[i%2]).get("/privacy"); r.Code != http.StatusOK {
			t.Fatalf("privacy page: %d", r.Code)
		}
	}
	for _, h := range instances {
		wg.Go(func() {
			if err := h.srv.Counter.Flush(context.Background(), h.clock.Now()); err != nil {
				t.Errorf("flush: %v", err)
			}
		})
	}
	wg.Wait()
	day := a.clock.Now().In(twtime.Zone).Format("2006-01-02")
	if got := b.traffic(day).Sum.Tables["path"]["/privacy"]; got != views {
		t.Fatalf("/privacy counted %d times, served %d", got, views)
	}

	// One chain, both instances' events in it.
	n, brk, err := audit.Verify(background.Job(context.Background(), "test"), a.srv.Audit.(audit.Trail))
	if err != nil || brk != nil {
		t.Fatalf("audit trail: %v %v", brk, err)
	}
	outcomes := map[string]int{}
	for _, e := range a.events() {
		if e.Action == "POST /officer/requests/:ref/:action" {
			outcomes[e.Outcome]++
		}
	}
	if n == 0 || outcomes[audit.OK] != people || outcomes[audit.OK]+outcomes[audit.Refused] != 2*people {
		t.Fatalf("%d events; officer actions recorded: %v (want %d done, %d refused)", n, outcomes, people, people)
	}
}
