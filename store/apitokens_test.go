package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

func TestAPITokensIssueListTouchRevoke(t *testing.T) {
	db := storetest.New(t)
	st := store.NewAPITokens(db.DB)
	c := ctx(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	secret, first, err := apitoken.Issue(c, st, " CRM ", []apitoken.Scope{apitoken.ScopeConsentRead, apitoken.ScopeConsentRead}, "u_admin", now)
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := apitoken.Issue(c, st, "Newsletter", []apitoken.Scope{apitoken.ScopeConsentRead}, "u_admin", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(c, account.TokenHash(secret))
	if err != nil || got.Name != "CRM" || len(got.Scopes) != 1 || !got.Has(apitoken.ScopeConsentRead) || !got.Created.Equal(now) ||
		got.CreatedBy != "u_admin" || !got.LastUsed.IsZero() || got.Revoked() || got.Hash != first.Hash {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := st.Get(c, account.TokenHash("pdpa_other")); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if err := st.Create(c, first); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("second token with one hash: %v", err)
	}
	list, err := st.List(c)
	if err != nil || len(list) != 2 || list[0].Hash != second.Hash {
		t.Fatalf("list (newest first): %v %v", list, err)
	}
	if err := st.Touch(c, first.Hash, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.Revoke(c, first.Hash, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.Revoke(c, first.Hash, now.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(c, first.Hash)
	if !got.LastUsed.Equal(now.Add(time.Minute)) || !got.RevokedAt.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("after touch and two revocations: %+v", got)
	}
	if err := st.Revoke(c, strings.Repeat("0", 64), now); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("revoking an unknown token: %v", err)
	}
	if dump := storetest.Dump(t, db); strings.Contains(dump, secret) {
		t.Fatal("the token itself is stored")
	}
}
