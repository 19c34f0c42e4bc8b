package incident

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
)

// Limits of the people entered without an account.
const (
	MaxContacts = 10_000 // per channel, as for accounts
	MaxName     = 100
	MaxAddress  = 300
	maxShown    = 10 // bad lines named in one message
)

// ParseEmails reads the e-mail recipients, one a line: "address" or "address | en"
// (the language of the mail; Chinese by default). The same address twice is one person.
func ParseEmails(text string) ([]Contact, error) {
	inv := &apperr.Invalid{}
	var out []Contact
	var bad []string
	seen := map[string]bool{}
	lines := nonEmptyLines(text)
	if len(lines) > MaxContacts {
		return nil, inv.Add("emails", "incident.too_many", MaxContacts)
	}
	for _, line := range lines {
		parts := splitBar(line)
		addr, lang, ok := parts[0], "", len(parts) <= 2
		if len(parts) == 2 {
			lang, ok = langOf(parts[1])
		}
		if !ok || !validEmail(addr) {
			bad = append(bad, clipText(line, 100))
			continue
		}
		if key := strings.ToLower(addr); !seen[key] {
			seen[key] = true
			out = append(out, Contact{Email: addr, Lang: lang})
		}
	}
	if len(bad) > 0 {
		inv.Add("emails", "incident.bad_emails", strings.Join(bad[:min(len(bad), maxShown)], ", "))
	}
	return out, inv.OrNil()
}

// ParseLetters reads the postal recipients, one a line: "name | address" or
// "name | address | en".
func ParseLetters(text string) ([]Contact, error) {
	inv := &apperr.Invalid{}
	var out []Contact
	var bad []string
	seen := map[string]bool{}
	lines := nonEmptyLines(text)
	if len(lines) > MaxContacts {
		return nil, inv.Add("letters", "incident.too_many", MaxContacts)
	}
	for _, line := range lines {
		parts := splitBar(line)
		ok := len(parts) == 2 || len(parts) == 3
		lang := ""
		if ok && len(parts) == 3 {
			lang, ok = langOf(parts[2])
		}
		if !ok || parts[0] == "" || parts[1] == "" || utf8.RuneCountInString(parts[0]) > MaxName || utf8.RuneCountInString(parts[1]) > MaxAddress {
			bad = append(bad, clipText(line, 100))
			continue
		}
		c := Contact{Name: parts[0], Address: parts[1], Lang: lang}
		if key := c.key(); !seen[key] {
			seen[key] = true
			out = append(out, c)
		}
	}
	if len(bad) > 0 {
		inv.Add("letters", "incident.bad_letters", strings.Join(bad[:min(len(bad), maxShown)], ", "), MaxName, MaxAddress)
	}
	return out, inv.OrNil()
}

// EmailLines and LetterLines write contacts back in the form they are entered in.
func EmailLines(cs []Contact) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Email)
		if c.Lang != "" {
			b.WriteString(" | " + c.Lang)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func LetterLines(cs []Contact) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Name + " | " + c.Address)
		if c.Lang != "" {
			b.WriteString(" | " + c.Lang)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// KeepTold carries over when each person already told was told, so editing the list
// never tells anyone twice.
func KeepTold(old, updated []Contact) []Contact {
	told := map[string]Contact{}
	before := map[int64]int{} // letters produced at each instant so far
	for _, c := range old {
		if c.ToldAt.IsZero() {
			continue
		}
		at := c.ToldAt.UnixNano()
		if c.Letter == "" && c.Email == "" {
			// A letter produced before letters were named keeps the name its place
			// gave it (LetterOf), so its number stays its own once others are removed.
			c.Letter = legacyLetter(c.ToldAt, before[at])
		}
		before[at]++
		told[c.key()] = c
	}
	for k := range updated {
		c := told[updated[k].key()]
		updated[k].ToldAt, updated[k].Letter = c.ToldAt, c.Letter
	}
	return updated
}

// Untold returns the indexes of the contacts not told yet.
func Untold(cs []Contact) []int {
	var out []int
	for k, c := range cs {
		if c.ToldAt.IsZero() {
			out = append(out, k)
		}
	}
	return out
}

func (c Contact) key() string {
	if c.Email != "" {
		return "e:" + strings.ToLower(c.Email)
	}
	return "p:" + c.Name + "\x00" + c.Address
}

// LangOr is the contact's language, or def when none was given.
func (c Contact) LangOr(def string) string {
	if c.Lang == "" {
		return def
	}
	return c.Lang
}

func nonEmptyLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// splitBar splits at "|" or its full-width form, which a Chinese keyboard types.
func splitBar(line string) []string {
	parts := strings.FieldsFunc(line, func(r rune) bool { return r == '|' || r == '｜' })
	if len(parts) == 0 {
		return []string{""}
	}
	for k := range parts {
		parts[k] = strings.TrimSpace(parts[k])
	}
	return parts
}

func langOf(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "en", "english":
		return "en", true
	case "zh", "zh-tw", "中文":
		return "zh-TW", true
	}
	return "", false
}

// validEmail accepts a bare address with a dotted domain, as mail servers deliver.
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.HasSuffix(s, ".")
}

func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
