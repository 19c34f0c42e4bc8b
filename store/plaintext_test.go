package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

func dumpAll(t *testing.T, db *storetest.DB) string { return storetest.Dump(t, db) }

func TestNoPlaintextEmailOrNameAtRest(t *testing.T) {
	db := storetest.New(t)
	users := storetest.Users(db.DB)
	ctx := context.Background()
	u := &account.User{ID: ids.New("u"), Email: "citizen.wang@agency.example", Name: "王大明", Created: time.Now()}
	if err := users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	dump := dumpAll(t, db)
	if !strings.Contains(dump, u.ID) {
		t.Fatal("the dump did not read the user at all")
	}
	for _, plain := range []string{"citizen.wang", "agency.example", "王大明"} {
		if strings.Contains(dump, plain) {
			t.Errorf("%q stored in plaintext", plain)
		}
	}
	got, err := users.ByEmail(ctx, "CITIZEN.WANG@agency.example")
	if err != nil || got.Email != "citizen.wang@agency.example" || got.Name != "王大明" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
}

// Destroying the person's key makes their record unreadable: this is how a deletion will
// reach backups.
func TestDestroyedKeyMakesRecordUnreadable(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	v, _ := vault.New(storetest.TestMasterKey, store.NewKeys(db.DB))
	users := storetest.Users(db.DB)
	u := &account.User{ID: ids.New("u"), Email: "gone@agency.example", Name: "Gone"}
	if err := users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := v.Destroy(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := users.ByID(ctx, u.ID); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("after destroying the key: %v, want ErrKeyDestroyed", err)
	}
	// A wrong master key cannot open anyone's data.
	other, _ := vault.New([]byte("ffffffffffffffffffffffffffffffff"), store.NewKeys(db.DB))
	u2 := &account.User{ID: ids.New("u"), Email: "kept@agency.example", Name: "Kept"}
	if err := users.Create(ctx, u2); err != nil {
		t.Fatal(err)
	}
	if _, err := other.For(ctx, u2.ID); err == nil {
		t.Fatal("a wrong master key unwrapped a data key")
	}
}
