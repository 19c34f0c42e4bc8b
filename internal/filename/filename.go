// Package filename writes the name of a file handed over — a download or a mail's
// attachment — into its Content-Disposition, in the reader's language.
package filename

import (
	"mime"
	"strings"
)

// Disposition is the Content-Disposition of an attachment named name. A name in plain
// ASCII is written as it is. Any other (a Chinese one) is written as filename* in UTF-8
// (RFC 5987 for the web, RFC 2231 for mail, the same syntax), after fallback, an ASCII
// name for the programs that read only filename.
func Disposition(name, fallback string) string {
	if plain(name) {
		return mime.FormatMediaType("attachment", map[string]string{"filename": name})
	}
	out := "attachment"
	if fallback != "" && plain(fallback) {
		out = mime.FormatMediaType("attachment", map[string]string{"filename": fallback})
	}
	return out + "; filename*=UTF-8''" + escape(name)
}

// plain tells whether s is printable ASCII, which filename carries without encoding.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// escape percent-encodes every byte of s outside RFC 5987's attr-char.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
