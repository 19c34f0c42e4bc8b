package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

// A user read again while the documents are unchanged comes from what was unsealed:
// it must still be each reader's own, follow every change, and end with the key.
func TestUserReadAgainFollowsChangesAndTheKey(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	v := storetest.Vault(db.DB)
	users := store.NewUsers(db.DB, storetest.EmailKey, v)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	u := &account.User{ID: "u_reader", Email: "reader@example.tw", Name: "王小明", Phone: "0912345678", Lang: "zh-TW",
		Roles: []account.Role{account.RoleOfficer}, PasswordHistory: []string{"h1"}, Created: now,
		Stopped: map[string]time.Time{"p_news": now}, Disputed: []string{"name"}}
	if err := users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	read := func() *account.User {
		t.Helper()
		got, err := users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// The first read decodes, the later ones come from memory: each reader's changes
	// stay its own.
	for i := range 3 {
		got := read()
		if got.Name != "王小明" || got.Roles[0] != account.RoleOfficer || got.PasswordHistory[0] != "h1" ||
			got.Disputed[0] != "name" || len(got.Stopped) != 1 || got.Phone != "0912345678" {
			t.Fatalf("read %d: a reader's change reached it: %+v", i, got)
		}
		got.Name, got.Roles[0], got.PasswordHistory[0], got.Disputed[0] = "changed by a reader", account.RoleAdmin, "x", "x"
		got.Stopped["p_other"] = now
	}
	second := read()
	second.Name = "王大明"
	if err := users.Update(ctx, second); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Name != "王大明" || got.Version != second.Version {
		t.Fatalf("after an update: name %q version %d", got.Name, got.Version)
	}

	// An erasure destroys the key first: the person can no longer be read, from memory
	// or otherwise.
	if err := v.Destroy(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := users.ByID(ctx, u.ID); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("after the key was destroyed: %v, %+v", err, got)
	}
}
