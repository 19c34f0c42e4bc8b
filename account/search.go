package account

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// An officer finds a person by what a caller says: the name or the phone number. Both
// are kept sealed with the person's key, so the store indexes keyed hashes of search
// terms instead — the terms are made here, the same way when written and when searched.

// NormalizeName is a name as compared: NFKC (full-width letters become ordinary ones),
// lower case, without spaces, dots and hyphens ("王 小明" = "王小明", "Chen, Mei-Ling" =
// "chenmeiling").
func NormalizeName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(strings.ToLower(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NormalizePhone is a phone number as compared: its digits, a Taiwanese international
// prefix (+886, 00886) read as the leading 0 ("+886 912-345-678" = "0912345678").
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "+886"):
		d = "0" + strings.TrimPrefix(strings.TrimPrefix(d, "886"), "0")
	case strings.HasPrefix(d, "00886"):
		d = "0" + strings.TrimPrefix(strings.TrimPrefix(d, "00886"), "0")
	}
	return d
}

// nameTokens are the parts of a name written with spaces ("Mary Chen"): each finds the
// person too, so a caller giving only the family name is found. A name without spaces
// (most Chinese names) is one token, the whole name.
func nameTokens(name string) []string {
	var out []string
	parts := strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '-' || r == '·' || r == '‧' })
	if len(parts) < 2 {
		return nil
	}
	for _, p := range parts {
		if n := NormalizeName(p); len([]rune(n)) >= 2 {
			out = append(out, "n:"+n)
		}
	}
	return out
}

// SearchTerms are the terms a person is found by: the whole name, the parts of a name
// written with spaces, and the phone number.
func SearchTerms(name, phone string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if n := NormalizeName(name); n != "" {
		add("n:" + n)
	}
	for _, t := range nameTokens(name) {
		add(t)
	}
	if p := NormalizePhone(phone); len(p) >= 6 {
		add("p:" + p)
	}
	return out
}

// QueryTerm is the one term a search for q looks up: a phone number when q is written
// like one (digits with +, spaces, hyphens, brackets; at least six digits), else a name.
func QueryTerm(q string) string {
	q = strings.TrimSpace(q)
	if validPhone(q) && len(NormalizePhone(q)) >= 6 {
		return "p:" + NormalizePhone(q)
	}
	if n := NormalizeName(q); n != "" {
		return "n:" + n
	}
	return ""
}

// Matches reports whether the person's name and phone give the term: a look-up through
// an index written ahead of the account (intent first) is checked against the account.
func Matches(name, phone, term string) bool {
	for _, t := range SearchTerms(name, phone) {
		if t == term {
			return true
		}
	}
	return false
}
