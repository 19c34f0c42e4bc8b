package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// twinService is a second instance's account service on e's database: its own
// connection and stores, sharing only the database (and, on the embedded engine, the
// document locks, standing in for MongoDB's atomic update of one document).
func (e *svcEnv) twinService() *account.Service {
	e.t.Helper()
	other, err := store.Connect(context.Background(), e.db.URI, e.db.Name, store.Options{Mode: storetest.Mode(), Locks: e.db.DB})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = other.Close(context.Background()) })
	return &account.Service{
		Users: storetest.Users(other), Tokens: store.NewTokens(other), Guard: store.NewGuard(other, storetest.EmailKey),
		Sessions: store.NewSessions(other), Mailer: e.mailer, Now: e.clk.Now, Leases: store.NewLeases(other),
		Reviews: store.NewReviews(other, storetest.Vault(other)),
	}
}

// Two administrators, each at another instance, take each other's administrator role
// at the same moment, round after round: one removal stands, the other is refused, and
// an administrator always remains.
func TestLastAdminHoldsAcrossInstances(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	instances := []*account.Service{e.svc, e.twinService()}
	admins := []*account.User{
		e.seedStaff("chen@agency.example", "陳管理", account.RoleAdmin),
		e.seedStaff("lin@agency.example", "林管理", account.RoleAdmin),
	}
	demote := func(u *account.User) account.StaffInput {
		return account.StaffInput{Name: u.Name, Roles: []account.Role{account.RoleOfficer}}
	}
	for round := range 20 {
		a, b := e.reload(admins[0].ID), e.reload(admins[1].ID)
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, pair := range [][2]*account.User{{a, b}, {b, a}} {
			by, target := pair[0], pair[1]
			wg.Go(func() {
				<-start
				_, errs[i] = instances[i].UpdateStaff(ctx, by.ID, target.ID, target.Version, demote(target))
			})
		}
		close(start)
		wg.Wait()

		var stood, refused int
		for _, err := range errs {
			var inv *apperr.Invalid
			switch {
			case err == nil:
				stood++
			case errors.As(err, &inv) && len(inv.Problems) == 1 && inv.Problems[0].Key == "staff.last_admin",
				errors.Is(err, apperr.ErrStale):
				refused++
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		var left []*account.User
		for _, u := range admins {
			if u := e.reload(u.ID); u.Has(account.RoleAdmin) && !u.Disabled {
				left = append(left, u)
			}
		}
		if stood != 1 || refused != 1 || len(left) != 1 {
			t.Fatalf("round %d: %d removals stood, %d refused, %d administrators left (errors %v)", round, stood, refused, len(left), errs)
		}

		// The one left makes the other an administrator again, at the other instance.
		other := admins[0]
		if left[0].ID == other.ID {
			other = admins[1]
		}
		o := e.reload(other.ID)
		if _, err := instances[round%2].UpdateStaff(ctx, left[0].ID, o.ID, o.Version,
			account.StaffInput{Name: o.Name, Roles: []account.Role{account.RoleAdmin}}); err != nil {
			t.Fatalf("round %d: restore the administrator: %v", round, err)
		}
	}
}

// While another instance holds the removal lease, a removal waits a bounded time and
// then answers that the accounts changed meanwhile, changing nothing; a lease whose
// holder stopped without releasing it runs out, and the removal then goes through.
func TestAdminRemovalWaitsForAnotherInstance(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	chen := e.seedStaff("chen@agency.example", "陳管理", account.RoleAdmin)
	lin := e.seedStaff("lin@agency.example", "林管理", account.RoleAdmin)
	elsewhere := store.NewLeases(e.db.DB)
	if ok, err := elsewhere.Claim(ctx, "admin-removal", "another instance", 5*time.Second, e.clk.Now()); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	in := account.StaffInput{Name: lin.Name, Roles: []account.Role{account.RoleOfficer}}
	if _, err := e.svc.UpdateStaff(ctx, chen.ID, lin.ID, lin.Version, in); !errors.Is(err, apperr.ErrStale) {
		t.Fatalf("removal during another's lease: %v, want stale", err)
	}
	if !e.reload(lin.ID).Has(account.RoleAdmin) {
		t.Fatal("the refused removal took the role")
	}
	e.clk.Advance(6 * time.Second)
	if _, err := e.svc.UpdateStaff(ctx, chen.ID, lin.ID, lin.Version, in); err != nil {
		t.Fatalf("after the lease ran out: %v", err)
	}
	if e.reload(lin.ID).Has(account.RoleAdmin) {
		t.Fatal("the removal did not stand")
	}
}
