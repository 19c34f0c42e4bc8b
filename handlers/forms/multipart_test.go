package forms

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// Only part headers are cleaned: control characters there become BadNameRune, while
// the content — long lines past the read buffer, bytes that look like headers — passes
// unchanged, with CRLF or bare LF line ends.
func TestCleanPartHeaders(t *testing.T) {
	big := bytes.Repeat([]byte{0x01, 'x', 0x7f}, 50_000) // longer than the buffer, no line end
	for _, nl := range []string{"\r\n", "\n"} {
		content := "\x00\x07" + nl + "Content-Type: \x01" + nl + nl + string(big)
		body := "preamble\x01" + nl +
			"--B" + nl + "Content-Disposition: form-data; name=\"files\"; filename=\"a\x07b.pdf\"" + nl + nl + content + nl +
			"--B" + nl + "Content-Disposition: form-data; name=\"x\"\x7f" + nl + nl + "v\x01" + nl +
			"--B--" + nl + "epilogue\x02"
		got, err := io.ReadAll(cleanPartHeaders(strings.NewReader(body), "B"))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.NewReplacer(`filename="a`+"\x07"+`b.pdf"`, `filename="a`+string(BadNameRune)+`b.pdf"`,
			`name="x"`+"\x7f", `name="x"`+string(BadNameRune)).Replace(body)
		if !bytes.Equal(got, []byte(want)) {
			t.Fatalf("%q line ends: the cleaned body differs (%d bytes, want %d)", nl, len(got), len(want))
		}
	}
}
