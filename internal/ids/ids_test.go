package ids_test

import (
	"regexp"
	"testing"

	"github.com/example/pdpa-portal/internal/ids"
)

// Ids carry their prefix and 80 random bits in lower-case base32, never repeat, and hex
// ids have the asked length.
func TestIDsAreRandomAndWellFormed(t *testing.T) {
	shape := regexp.MustCompile(`^u_[a-z2-7]{16}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := ids.New("u")
		if !shape.MatchString(id) {
			t.Fatalf("id %q is not u_ and 16 base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
	}
	if h := ids.Hex(8); len(h) != 16 || !regexp.MustCompile(`^[0-9a-f]+$`).MatchString(h) {
		t.Fatalf("Hex(8) = %q", h)
	}
	if tok := ids.Token(32); len(tok) != 52 {
		t.Fatalf("Token(32) has %d characters, want 52", len(tok))
	}
}
