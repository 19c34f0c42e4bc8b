package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

func problemKeys(err error) string {
	var inv *apperr.Invalid
	if !errors.As(err, &inv) {
		return ""
	}
	var keys []string
	for _, p := range inv.Problems {
		keys = append(keys, p.Key)
	}
	return strings.Join(keys, ",")
}

func TestPasswordPolicy(t *testing.T) {
	p := account.PasswordPolicy{}
	cases := []struct{ pw, email, name, want string }{
		{"Str0ng!Pass", "a@b.example", "王小明", ""},
		{"密碼Aa1!密碼", "a@b.example", "x", ""},
		{"Sh0rt!", "a@b.example", "x", "password.too_short"},
		{"alllower1!", "a@b.example", "x", "password.classes"},
		{"NoDigits!!", "a@b.example", "x", "password.classes"},
		{"NoSymbol11A", "a@b.example", "x", "password.classes"},
		{"Officer1!x", "officer@agency.example", "x", "password.contains_email"},
		{"Wang!2026ab", "a@b.example", "wang", "password.contains_name"},
		{strings.Repeat("Aa1!", 65), "a@b.example", "x", "password.too_long"},
	}
	for _, c := range cases {
		if got := problemKeys(p.Check(c.pw, c.email, c.name)); got != c.want {
			t.Errorf("%q: problems %q, want %q", c.pw, got, c.want)
		}
	}
	// Configuration may raise the minimum, never lower it below 8.
	if problemKeys(account.PasswordPolicy{MinLength: 12}.Check("Str0ng!Pass", "", "")) != "password.too_short" {
		t.Error("a raised minimum is not applied")
	}
	if problemKeys(account.PasswordPolicy{MinLength: 4}.Check("Ab1!x", "", "")) != "password.too_short" {
		t.Error("a configured minimum below 8 was honoured")
	}
}

func TestPasswordHashIsArgon2idAndVerifies(t *testing.T) {
	h, err := account.HashPassword("Str0ng!Pass")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	h2, _ := account.HashPassword("Str0ng!Pass")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !account.VerifyPassword(h, "Str0ng!Pass") || account.VerifyPassword(h, "Str0ng!PasS") {
		t.Fatal("verification is wrong")
	}
	// Zero rounds or threads made argon2 panic; the others would allocate without bound.
	for _, bad := range []string{"", "$argon2id$", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$bcrypt$x$y$z$w",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5", "$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$a2V5a2V5",
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5", "$argon2id$v=19$m=64,t=4294967295,p=1$c2FsdHNhbHQ$a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 200)} {
		if account.VerifyPassword(bad, "x") {
			t.Fatalf("malformed hash %q verified", bad)
		}
	}
}

// Hashes are written at the real cost unless a test asks for cheap ones; either kind
// verifies whatever the setting, since each hash carries its own cost.
func TestCheapHashesAreOptInAndStillVerify(t *testing.T) {
	full, _ := account.HashPassword("Str0ng!Pass")
	if !strings.HasPrefix(full, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q is not at the real cost", full)
	}
	account.CheapHashesInTests(true)
	t.Cleanup(func() { account.CheapHashesInTests(false) })
	cheap, _ := account.HashPassword("Str0ng!Pass")
	if !strings.HasPrefix(cheap, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not cheap", cheap)
	}
	for _, h := range []string{full, cheap} {
		if !account.VerifyPassword(h, "Str0ng!Pass") || account.VerifyPassword(h, "Str0ng!PasS") {
			t.Fatalf("verification of %q is wrong", h)
		}
	}
}

func TestValidateNewUser(t *testing.T) {
	for _, c := range []struct{ email, name, want string }{
		{"a@agency.example", "王小明", ""},
		{"", "", "field.required,field.required"},
		{"not-an-address", "x", "email.invalid"},
		{"Name <a@agency.example>", "x", "email.invalid"},
		{"a@agency.example", strings.Repeat("名", 101), "field.too_long"},
	} {
		if got := problemKeys(account.ValidateNewUser(c.email, c.name).OrNil()); got != c.want {
			t.Errorf("%q %q: %q, want %q", c.email, c.name, got, c.want)
		}
	}
}
