// Package wiretest wires the portal over a fresh test database, as the services' own
// tests use it: the real stores and services, no handlers.
package wiretest

import (
	"crypto/ed25519"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/store/storetest"
)

// New is the portal over a new test database (in storetest's mode) with the test keys,
// its clock stopped at now and its log discarded.
func New(t testing.TB, now time.Time) *wire.Portal {
	t.Helper()
	db := storetest.New(t)
	p, err := wire.New(db.DB, wire.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now },
		MasterKey: storetest.TestMasterKey, EmailKey: storetest.EmailKey, AuditKey: []byte("test audit key"),
		Signer: receipt.NewSigner(ed25519.NewKeyFromSeed(make([]byte, 32))), BaseURL: "https://portal.example"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
