package attachments

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MIME types accepted.
const (
	PDF  = "application/pdf"
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// SniffLen is the most bytes Sniff looks at.
const SniffLen = 8

var signatures = []struct {
	magic []byte
	mime  string
}{
	{[]byte("%PDF-"), PDF},
	{[]byte{0xFF, 0xD8, 0xFF}, JPEG},
	{[]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, PNG},
}

// Sniff names the type of a file from its first bytes alone: the name and the browser's
// Content-Type are the uploader's claims, the content is what a reader will open.
func Sniff(head []byte) (mime string, ok bool) {
	for _, s := range signatures {
		if bytes.HasPrefix(head, s.magic) {
			return s.mime, true
		}
	}
	return "", false
}

// Ext is the extension CleanName gives a type ("" for a type not accepted).
func Ext(mime string) string {
	switch mime {
	case PDF:
		return ".pdf"
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	}
	return ""
}

// maxNameRunes caps a cleaned name, extension included.
const maxNameRunes = 120

// CleanName makes an uploaded name safe to store, list and offer for download: the base
// name only, without control, format (e.g. right-to-left override) or invalid characters,
// at most 120 characters, ending in the extension of the sniffed type so the name cannot
// pass the file off as something else.
func CleanName(name, mime string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		i += size
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			continue
		}
		b.WriteRune(r)
	}
	stem, ext := strings.TrimSpace(b.String()), Ext(mime)
	if i := strings.LastIndexByte(stem, '.'); i >= 0 && ext != "" && matches(stem[i:], mime) {
		ext = strings.ToLower(stem[i:])
		stem = stem[:i]
	}
	// Leading dots would hide the file on download; trailing ones and spaces are dropped by
	// Windows and would leave the extension detached.
	stem = strings.TrimFunc(stem, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	if room := maxNameRunes - utf8.RuneCountInString(ext); utf8.RuneCountInString(stem) > room {
		stem = string([]rune(stem)[:room])
		stem = strings.TrimRightFunc(stem, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	}
	if stem == "" {
		stem = "attachment"
	}
	return stem + ext
}

func matches(ext, mime string) bool {
	ext = strings.ToLower(ext)
	return ext == Ext(mime) || (mime == JPEG && ext == ".jpeg")
}
