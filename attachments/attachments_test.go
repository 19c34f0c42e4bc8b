package attachments

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		mime string
		ok   bool
	}{
		{"pdf", "%PDF-1.7\n%\xe2\xe3", PDF, true},
		{"pdf header only", "%PDF-", PDF, true},
		{"jpeg jfif", "\xff\xd8\xff\xe0\x00\x10JFIF", JPEG, true},
		{"jpeg exif", "\xff\xd8\xff\xe1", JPEG, true},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG, true},
		{"png cut short", "\x89PNG\r\n\x1a", "", false},
		{"png with unix line ending", "\x89PNG\n\x1a\n", "", false},
		{"pdf lower case", "%pdf-1.4", "", false},
		{"pdf after a byte order mark", "\ufeff%PDF-1.4", "", false},
		{"jpeg two bytes", "\xff\xd8", "", false},
		{"text", "hello, this is a PDF, honestly", "", false},
		{"html", "<!DOCTYPE html><script>", "", false},
		{"svg", `<svg xmlns="http://www.w3.org/2000/svg">`, "", false},
		{"gif", "GIF89a", "", false},
		{"zip (docx)", "PK\x03\x04", "", false},
		{"empty", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mime, ok := Sniff([]byte(tc.head))
			if mime != tc.mime || ok != tc.ok {
				t.Fatalf("Sniff(%q) = %q, %v; want %q, %v", tc.head, mime, ok, tc.mime, tc.ok)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("身", 200)
	for _, tc := range []struct {
		name, in, mime, want string
	}{
		{"kept", "身分證影本.pdf", PDF, "身分證影本.pdf"},
		{"upper-case extension lowered", "SCAN.PDF", PDF, "SCAN.pdf"},
		{"jpeg spelled out", "photo.JPEG", JPEG, "photo.jpeg"},
		{"missing extension", "scan", PNG, "scan.png"},
		{"wrong extension appended", "report.docx", PDF, "report.docx.pdf"},
		{"pdf name, png content", "scan.pdf", PNG, "scan.pdf.png"},
		{"unix path", "../../etc/passwd", PDF, "passwd.pdf"},
		{"windows path", `C:\Users\王\Desktop\委任書.pdf`, PDF, "委任書.pdf"},
		{"mixed separators", `a/b\c.png`, PNG, "c.png"},
		{"trailing separator", "dir/", PDF, "attachment.pdf"},
		{"control characters", "a\x00b\tc\r\nd\x7f.pdf", PDF, "abcd.pdf"},
		{"right-to-left override", "invoice\u202Egnp.exe", PNG, "invoicegnp.exe.png"},
		{"line separator", "a\u2028b.png", PNG, "ab.png"},
		{"invalid utf-8", "ab\xff\xfecd.jpg", JPEG, "abcd.jpg"},
		{"spaces trimmed", "  scan 1 .pdf  ", PDF, "scan 1.pdf"},
		{"leading dots", "...hidden.png", PNG, "hidden.png"},
		{"extension only", ".pdf", PDF, "attachment.pdf"},
		{"empty", "", JPEG, "attachment.jpg"},
		{"only junk", "\x01\x02 \u200b", PDF, "attachment.pdf"},
		{"capped with extension", long + ".pdf", PDF, strings.Repeat("身", 116) + ".pdf"},
		{"capped then extension", long, PDF, strings.Repeat("身", 116) + ".pdf"},
		{"unknown type keeps the name", "notes.txt", "text/plain", "notes.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanName(tc.in, tc.mime); got != tc.want {
				t.Fatalf("CleanName(%q, %q) = %q, want %q", tc.in, tc.mime, got, tc.want)
			}
		})
	}
}

// FuzzCleanName: any name gives valid UTF-8 of at most 120 characters, without a path
// separator, control or format character (a right-to-left override could disguise the
// extension), not starting with a dot nor ending in a space, ending in the type's
// extension, and unchanged when cleaned again. Seeds are in testdata/fuzz/FuzzCleanName.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"scan.pdf", `..\..\x.PNG`, "a\x00b/c\xff.jpeg", "\u202Egnp.exe", strings.Repeat("é", 130) + ".pdf", ""} {
		f.Add(s, uint8(0))
	}
	mimes := []string{PDF, JPEG, PNG, ""}
	f.Fuzz(func(t *testing.T, name string, m uint8) {
		mime := mimes[int(m)%len(mimes)]
		got := CleanName(name, mime)
		if !utf8.ValidString(got) {
			t.Fatalf("CleanName(%q) = %q: invalid UTF-8", name, got)
		}
		if n := utf8.RuneCountInString(got); n == 0 || n > maxNameRunes {
			t.Fatalf("CleanName(%q) = %q: %d characters", name, got, n)
		}
		if strings.ContainsAny(got, `/\`) {
			t.Fatalf("CleanName(%q) = %q: path separator", name, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
				t.Fatalf("CleanName(%q) = %q: control or format character %U", name, got, r)
			}
		}
		if strings.HasPrefix(got, ".") || strings.TrimRightFunc(got, unicode.IsSpace) != got {
			t.Fatalf("CleanName(%q) = %q: hidden or with trailing space", name, got)
		}
		if ext := Ext(mime); !strings.HasSuffix(got, ext) && !(mime == JPEG && strings.HasSuffix(got, ".jpeg")) {
			t.Fatalf("CleanName(%q, %q) = %q: does not end in %s", name, mime, got, ext)
		}
		if got != CleanName(got, mime) {
			t.Fatalf("CleanName(%q) = %q is not stable", name, got)
		}
	})
}
