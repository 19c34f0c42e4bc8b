package apitoken_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/apperr"
)

func TestGenerateIsPrefixedRandomAndPlausible(t *testing.T) {
	a, b := apitoken.Generate(), apitoken.Generate()
	if a == b || !strings.HasPrefix(a, apitoken.Prefix) || len(a) != len(apitoken.Prefix)+52 {
		t.Fatalf("tokens %q %q", a, b)
	}
	for s, want := range map[string]bool{a: true, "pdpa_": false, "": false, "ghp_x": false, apitoken.Prefix + strings.Repeat("a", 200): false} {
		if apitoken.Plausible(s) != want {
			t.Errorf("Plausible(%.20q) = %v", s, !want)
		}
	}
}

func TestTokenScopesRevocationAndTouch(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := &apitoken.Token{Hash: strings.Repeat("ab", 32), Scopes: []apitoken.Scope{apitoken.ScopeConsentRead}}
	if !tk.Has(apitoken.ScopeConsentRead) || tk.Has("consent:write") || tk.Revoked() || tk.Ref() != strings.Repeat("ab", 8) {
		t.Fatalf("token %+v", tk)
	}
	if !tk.NeedsTouch(now) {
		t.Fatal("a never-used token needs its first use recorded")
	}
	tk.LastUsed = now
	if tk.NeedsTouch(now.Add(59*time.Second)) || !tk.NeedsTouch(now.Add(time.Minute)) {
		t.Fatal("last use must be written at most once a minute")
	}
	tk.RevokedAt = now
	if !tk.Revoked() {
		t.Fatal("not revoked")
	}
}

// Invalid requests are refused before anything is stored (the store is never reached).
func TestIssueChecksNameAndScopes(t *testing.T) {
	for _, c := range []struct {
		name   string
		scopes []apitoken.Scope
		field  string
	}{
		{"", []apitoken.Scope{apitoken.ScopeConsentRead}, "name"},
		{"   ", []apitoken.Scope{apitoken.ScopeConsentRead}, "name"},
		{strings.Repeat("名", apitoken.MaxName+1), []apitoken.Scope{apitoken.ScopeConsentRead}, "name"},
		{"CRM", nil, "scopes"},
		{"CRM", []apitoken.Scope{"admin:all"}, "scopes"},
	} {
		_, _, err := apitoken.Issue(context.Background(), nil, c.name, c.scopes, "u_admin", time.Now())
		var inv *apperr.Invalid
		if !errors.As(err, &inv) || inv.Problems[0].Field != c.field {
			t.Errorf("%.10q %v: %v", c.name, c.scopes, err)
		}
	}
}
