package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

func TestSealedFieldsOpenOnlyForTheirPersonAndField(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	v, err := vault.New(storetest.TestMasterKey, store.NewKeys(db.DB))
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.NewSubject(ctx, "u_a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.NewSubject(ctx, "u_a"); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("second key for one person: %v", err)
	}
	b, _ := v.NewSubject(ctx, "u_b")
	ct := a.Seal("phone", "0912-345-678")
	if again := a.Seal("phone", "0912-345-678"); string(again) == string(ct) {
		t.Fatal("equal ciphertexts for equal values: the nonce is not random")
	}
	reopened, err := v.For(ctx, "u_a")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := reopened.Open("phone", ct); err != nil || got != "0912-345-678" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := reopened.Open("address", ct); err == nil {
		t.Fatal("a phone ciphertext opened as the address")
	}
	if _, err := b.Open("phone", ct); err == nil {
		t.Fatal("another person's key opened the field")
	}
	if _, err := reopened.Open("phone", ct[:10]); err == nil {
		t.Fatal("a truncated ciphertext opened")
	}
	if _, err := vault.New([]byte("short"), store.NewKeys(db.DB)); err == nil {
		t.Fatal("a short master key was accepted")
	}
}
