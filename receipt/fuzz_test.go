package receipt_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/receipt"
)

// FuzzVerify: no input makes Verify panic, every failure is one of the three errors, and
// only the signer's own output verifies. Ed25519 signing is deterministic and Verify
// accepts one spelling of each part, so a token that verifies must be byte for byte what
// Sign makes of the receipt it carries; any mutation of a valid token must fail.
// The committed seeds (testdata/fuzz/FuzzVerify) hold a valid token, a truncated one and
// one with alg "none"; `go test` runs them without -fuzz.
func FuzzVerify(f *testing.F) {
	s := receipt.NewSigner(testKey("fuzz"))
	trusted := receipt.Trusted(s.PublicKey())
	valid := sign(f, s, sample())
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(strings.ReplaceAll(valid, ".", ".."))
	f.Fuzz(func(t *testing.T, jws string) {
		r, err := receipt.Verify(jws, trusted)
		if err != nil {
			if r != nil {
				t.Fatalf("receipt returned with error %v", err)
			}
			if !errors.Is(err, receipt.ErrMalformed) && !errors.Is(err, receipt.ErrUnknownKey) && !errors.Is(err, receipt.ErrBadSignature) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		again, err := s.Sign(r)
		if err != nil {
			t.Fatalf("verified receipt cannot be signed again: %v", err)
		}
		if again != jws {
			t.Fatalf("verified a token Sign did not make:\n got %q\nwant %q", jws, again)
		}
	})
}

// The committed valid seed is a receipt issued earlier: it must keep verifying as the code
// changes (receipts are kept for years). If this fails, old receipts in citizens' hands
// have stopped verifying.
func TestCommittedReceiptStillVerifies(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzVerify", "valid"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		t.Fatalf("seed file format: %q", b)
	}
	jws, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := receipt.Verify(jws, receipt.Trusted(receipt.NewSigner(testKey("fuzz")).PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if r.ConsentReceiptID != "3f1c9a52-7d0e-4b8e-9c61-2a4d5e6f7081" || r.PIIControllers[0].PIIController != "範例市政府數位服務處" || r.Portal.Action != receipt.ActionGrant {
		t.Errorf("committed receipt reads %+v", r)
	}
}
