package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// newHarnessStoppingErasureAt is a portal whose first erasure stops at the given stage
// (store.Erase…), as when the database goes away at that moment.
func newHarnessStoppingErasureAt(t *testing.T, stage string) *harness {
	t.Helper()
	var stopped atomic.Bool
	return newHarnessOn(t, storetest.New(t), func(d *handlers.Deps) {
		d.Casework.Eraser.(*store.Eraser).Checkpoint = func(s string) error {
			if s == stage && stopped.CompareAndSwap(false, true) {
				return errors.New("connection reset by peer")
			}
			return nil
		}
	}, nil)
}

// An erasure that stops at any stage — after the requests were made anonymous, after
// the key was destroyed, after the account was deleted — is finished from the erasing
// request's page. Meanwhile nothing of the person shows anywhere, and they cannot use
// the anonymous records; afterwards they cannot sign in, they had one farewell, and
// the records name nobody.
func TestEraseAgainFinishesAnErasureStoppedAtAnyStage(t *testing.T) {
	for _, stage := range []string{store.EraseAnonymised, store.EraseKeyDestroyed, store.EraseAccountDeleted} {
		t.Run(stage, func(t *testing.T) {
			h := newHarnessStoppingErasureAt(t, stage)
			const email, name = "stage@example.tw", "Stage Person"
			c := verifiedCitizen(t, h, email, name)
			u, err := h.users.ByEmail(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
			c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my benefit file"}})
			c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
			o := h.signIn("o@agency.example", staffPassword, english)
			act(t, o, "2026-000001", "review", nil)
			decideAll(t, o, "2026-000001", false, "art10-2")
			act(t, o, "2026-000002", "review", nil)
			decideAll(t, o, "2026-000002", true, "")
			r := confirmForm(t, o, act(t, o, "2026-000002", "fulfil", nil))
			if r.Code != http.StatusSeeOther {
				t.Fatalf("confirmed erasure: %d %q", r.Code, r.text("main"))
			}

			page := o.follow(r)
			if f := page.text(".flash-error"); !strings.Contains(f, "did not finish") {
				t.Errorf("the stopped erasure is not reported: %q", f)
			}
			if page.doc.Find(`form[action$="/erase"]`).Length() != 1 {
				t.Fatal("no way to finish the stopped erasure on the request's page")
			}
			for _, p := range []*response{page, o.get("/officer/requests/2026-000001"), o.get("/officer/queue"), o.get("/officer/queue.csv")} {
				body := p.Body.String()
				if strings.Contains(body, name) || strings.Contains(body, email) || strings.Contains(body, "my benefit file") || strings.Contains(body, u.ID) {
					t.Errorf("a page shows the person while the erasure is unfinished: %q", p.text("main"))
				}
			}
			for _, target := range []string{"/requests/2026-000001", "/requests/2026-000002", "/requests/2026-000002/letters/decision"} {
				if got := c.get(target); got.Code == http.StatusOK {
					t.Errorf("the person still opens %s, now an anonymous record", target)
				}
			}
			if got := c.api("GET", "/api/v1/me/requests/2026-000002", ""); got.Code == http.StatusOK {
				t.Errorf("the person still reads the anonymous record in the API: %s", got.Body)
			}

			done := confirmForm(t, o, act(t, o, "2026-000002", "erase", nil))
			if done.Code != http.StatusSeeOther {
				t.Fatalf("confirmed erase again: %d %q", done.Code, done.text("main"))
			}
			after := o.follow(done)
			if after.text(".flash-success") == "" || after.doc.Find(`form[action$="/erase"]`).Length() != 0 {
				t.Errorf("after erasing again: flash %q, %d erase forms left", after.text(".flash-success"), after.doc.Find(`form[action$="/erase"]`).Length())
			}
			if h.browser().post("/signin", url.Values{"email": {email}, "password": {citizenPassword}}).Code == http.StatusSeeOther {
				t.Error("the erased person can still sign in")
			}
			farewells := 0
			for _, m := range h.mails(email) {
				if m.Kind == "request_erased" {
					farewells++
				}
			}
			if farewells != 1 {
				t.Errorf("%d farewells, want one", farewells)
			}
			reqs := store.NewRequests(h.db.DB, storetest.Vault(h.db.DB))
			for _, ref := range []string{"2026-000001", "2026-000002"} {
				if rec, err := reqs.ByRef(context.Background(), ref); err != nil || !rec.ErasureDone() {
					t.Errorf("%s after erasing again: %+v, %v", ref, rec, err)
				}
			}
			if again := o.post("/officer/requests/2026-000002/erase", url.Values{"confirm": {"yes"}}); again.Code != http.StatusConflict {
				t.Errorf("a third erasure: %d, want 409", again.Code)
			}
		})
	}
}
