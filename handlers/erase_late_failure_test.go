package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store/storetest"
)

// eraserFailingLate erases, then reports a failure the first time, as when the database
// goes away at the run's last step: the person's requests are anonymous and their key is
// gone, so no later run can read their address.
type eraserFailingLate struct {
	rights.Eraser
	failed atomic.Bool
}

func (e *eraserFailingLate) Erase(ctx context.Context, subject string, keep []string) (rights.ErasureReport, error) {
	rep, err := e.Eraser.Erase(ctx, subject, keep)
	if err == nil && e.failed.CompareAndSwap(false, true) {
		return rep, errors.New("connection reset by peer")
	}
	return rep, err
}

// An erasure that fails after it erased the person's requests and key still hands the
// person what they are owed: the farewell with their letters, gathered before it ran.
func TestErasureFailingLateStillSaysFarewell(t *testing.T) {
	h := newHarnessOn(t, storetest.New(t), withEraser(func(e rights.Eraser) rights.Eraser { return &eraserFailingLate{Eraser: e} }), nil)
	c := verifiedCitizen(t, h, "late@example.tw", "Late Person")
	h.makeUser("o@agency.example", "承辦", staffPassword, account.RoleOfficer)
	c.post("/requests", url.Values{"kind": {"view"}, "scope": {"my profile"}})
	c.post("/requests", url.Values{"kind": {"delete"}, "whole": {"on"}})
	o := h.signIn("o@agency.example", staffPassword, english)
	act(t, o, "2026-000001", "review", nil)
	decideAll(t, o, "2026-000001", false, "art10-2")
	act(t, o, "2026-000002", "review", nil)
	decideAll(t, o, "2026-000002", true, "")
	if r := confirmForm(t, o, act(t, o, "2026-000002", "fulfil", nil)); r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed erasure: %d %q", r.Code, r.text("main"))
	}
	again := o.post("/officer/requests/2026-000002/erase", url.Values{"version": {"4"}, "confirm": {"yes"}})
	t.Logf("erase again: %d", again.Code)
	for _, m := range h.mails("late@example.tw") {
		if m.Kind == "request_erased" {
			if len(m.Attachments) < 2 {
				t.Errorf("the farewell lacks the letters: %d attachments", len(m.Attachments))
			}
			return
		}
	}
	t.Fatal("no farewell: the refusal letter of 2026-000001 and the decision of 2026-000002 were never handed over")
}
