package account_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

// An administrator ends one session of an account, named by its ref, or all of them;
// nothing ends before the confirmation, and another account's session is not found.
func TestAdministratorEndsAnAccountsSessions(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	officer := e.seedStaff("officer@agency.example", "承辦人", account.RoleOfficer)
	other := e.seed("citizen@example.tw", "民眾", nil)
	phone, desk := e.openSession(officer.ID), e.openSession(officer.ID)
	theirs := e.openSession(other.ID)
	ref := func(id string) string { return (&account.Session{ID: id}).Ref() }

	if err := e.svc.EndSessions(ctx, officer.ID, ref(theirs), true); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("another account's session: %v", err)
	}
	if err := e.svc.EndSessions(ctx, officer.ID, ref(phone), false); !errors.Is(err, account.ErrConfirmFirst) {
		t.Fatalf("unconfirmed: %v", err)
	}
	if got := e.sessionIDs(officer.ID); len(got) != 2 {
		t.Fatalf("sessions ended before the confirmation: %v", got)
	}
	if err := e.svc.EndSessions(ctx, officer.ID, ref(phone), true); err != nil {
		t.Fatal(err)
	}
	if got := e.sessionIDs(officer.ID); !slices.Equal(got, []string{desk}) {
		t.Fatalf("after ending one: %v, want only %s", got, desk)
	}
	if err := e.svc.EndSessions(ctx, officer.ID, "", false); !errors.Is(err, account.ErrConfirmFirst) {
		t.Fatalf("unconfirmed, all: %v", err)
	}
	if err := e.svc.EndSessions(ctx, officer.ID, "", true); err != nil {
		t.Fatal(err)
	}
	if got := e.sessionIDs(officer.ID); len(got) != 0 {
		t.Fatalf("after ending all: %v", got)
	}
	if got := e.sessionIDs(other.ID); len(got) != 1 {
		t.Fatalf("the other account lost its session: %v", got)
	}
}

// A new temporary password is issued to staff only, once confirmed: the old password
// then stops working and the holder is signed out.
func TestTemporaryPasswordOnlyForStaffAndOnlyConfirmed(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	officer := e.seedStaff("officer@agency.example", "承辦人", account.RoleOfficer)
	citizen := e.seed("citizen@example.tw", "民眾", nil)
	e.openSession(officer.ID)
	if _, _, err := e.svc.IssueTemporaryPassword(ctx, citizen.ID, true); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("a citizen's account: %v", err)
	}
	if _, _, err := e.svc.IssueTemporaryPassword(ctx, officer.ID, false); !errors.Is(err, account.ErrConfirmFirst) {
		t.Fatalf("unconfirmed: %v", err)
	}
	if _, err := e.svc.SignIn(ctx, officer.Email, svcPassword); err != nil {
		t.Fatalf("the password changed before the confirmation: %v", err)
	}
	_, temp, err := e.svc.IssueTemporaryPassword(ctx, officer.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.sessionIDs(officer.ID)) != 0 {
		t.Fatal("the holder is still signed in")
	}
	if _, err := e.svc.SignIn(ctx, officer.Email, svcPassword); err == nil {
		t.Fatal("the old password still works")
	}
	u, err := e.svc.SignIn(ctx, officer.Email, temp)
	if err != nil || !e.svc.NeedsPasswordChange(u) {
		t.Fatalf("the temporary password: %v, must change: %v", err, u != nil && e.svc.NeedsPasswordChange(u))
	}
}

// The staff list says which account expired, and the review is due six months after
// the oldest account until one is recorded, then six months after it.
func TestStaffReviewStatus(t *testing.T) {
	e := newSvcEnv(t)
	ctx := t.Context()
	admin := e.seedStaff("admin@agency.example", "管理者", account.RoleAdmin)
	e.clk.Advance(24 * time.Hour)
	e.seed("contractor@vendor.example", "廠商", func(u *account.User) {
		u.Roles, u.Contractor, u.Expires = []account.Role{account.RoleWebmaster}, true, e.clk.Now().Add(time.Hour)
	})
	e.seed("citizen@example.tw", "民眾", nil)
	e.clk.Advance(2 * time.Hour)

	st, err := e.svc.ReviewStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Staff) != 2 || st.Staff[0].ID != admin.ID || st.Staff[0].Expired || !st.Staff[1].Expired {
		t.Fatalf("staff: %+v", st.Staff)
	}
	if want := admin.Created.AddDate(0, account.ReviewInterval, 0); !st.NextDue.Equal(want) || st.Overdue || st.DueSoon || len(st.Reviews) != 0 {
		t.Fatalf("before any review: due %v (want %v), overdue %v, soon %v", st.NextDue, want, st.Overdue, st.DueSoon)
	}
	e.clk.Advance(200 * 24 * time.Hour)
	if st, err = e.svc.ReviewStatus(ctx); err != nil || !st.Overdue {
		t.Fatalf("six months on: overdue %v, %v", st.Overdue, err)
	}
	rv, err := e.svc.RecordReview(ctx, admin, "全部確認")
	if err != nil {
		t.Fatal(err)
	}
	if rv.Accounts != 2 || rv.ReviewerName != "管理者" {
		t.Fatalf("review: %+v", rv)
	}
	st, err = e.svc.ReviewStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Reviews) != 1 || st.Overdue || !st.NextDue.Equal(e.clk.Now().AddDate(0, account.ReviewInterval, 0)) {
		t.Fatalf("after the review: %d reviews, overdue %v, due %v", len(st.Reviews), st.Overdue, st.NextDue)
	}
}
