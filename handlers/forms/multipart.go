package forms

import (
	"bufio"
	"bytes"
	"io"
	"mime/multipart"
	"net/url"
)

// BadNameRune replaces each control character in the headers of a multipart part (a
// file name typed or pasted with one): Go's MIME reader refuses such a header and with
// it the whole form, losing everything the visitor typed. Replaced, the form reads, and
// the handler refuses that one file, naming it (see HasBadName).
const BadNameRune = '\uFFFD'

var badName = []byte(string(BadNameRune))

// HasBadName reports whether a file name had a control character (or was not UTF-8).
func HasBadName(name string) bool { return bytes.ContainsRune([]byte(name), BadNameRune) }

// headerCleaner passes a multipart body through, replacing control characters in the
// part headers only: a part's content (a PDF holds every byte value) is never touched.
// Headers are the lines after a delimiter line ("--boundary") up to the first empty one.
type headerCleaner struct {
	src       *bufio.Reader
	delim     []byte
	lineStart bool // the next byte begins a line
	inHeaders bool
	pending   []byte
	err       error
	// text keeps the body without the files' contents (delimiters, headers and text
	// parts, up to maxText bytes), so what was typed can be read back when the upload
	// is cut short (typedValues).
	text   bytes.Buffer
	part   bytes.Buffer // the current part's delimiter and headers so far
	isFile bool         // the current part is a file
}

// maxText bounds the text kept of a multipart body: the forms' text fields are far
// smaller.
const maxText = 1 << 20

// readCloser reads through a cleaner and closes the body beneath.
type readCloser struct {
	io.Reader
	io.Closer
}

func cleanPartHeaders(r io.Reader, boundary string) *headerCleaner {
	return &headerCleaner{src: bufio.NewReaderSize(r, 64<<10), delim: []byte("--" + boundary), lineStart: true}
}

func (h *headerCleaner) Read(p []byte) (int, error) {
	for len(h.pending) == 0 {
		if h.err != nil {
			return 0, h.err
		}
		line, err := h.src.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			h.err = err
		}
		wasHeaders := h.inHeaders
		h.pending = h.next(line)
		h.keep(h.pending, wasHeaders)
	}
	n := copy(p, h.pending)
	h.pending = h.pending[n:]
	return n, nil
}

// keep records a line passed on, unless it is a file's content: a part's delimiter and
// headers wait in h.part until the headers end, then go to h.text, followed by its
// content unless a file name shows it is a file.
func (h *headerCleaner) keep(out []byte, wasHeaders bool) {
	switch {
	case h.inHeaders && !wasHeaders: // a delimiter: a new part begins
		h.part.Reset()
		h.part.Write(out)
		h.isFile = false
	case h.inHeaders:
		h.part.Write(out)
		if bytes.Contains(bytes.ToLower(out), []byte("filename=")) {
			h.isFile = true
		}
	case wasHeaders: // the empty line ending the headers
		// A file's delimiter and headers are kept without its content: they end the
		// text part before it.
		h.part.Write(out)
		if h.text.Len()+h.part.Len() <= maxText {
			h.text.Write(h.part.Bytes())
		}
	case !h.isFile && h.text.Len()+len(out) <= maxText:
		h.text.Write(out) // a text part's content, or the closing delimiter
	}
}

// next is a line (or the part of one that fit the buffer) as passed on.
func (h *headerCleaner) next(line []byte) []byte {
	start := h.lineStart
	h.lineStart = len(line) > 0 && line[len(line)-1] == '\n'
	switch {
	case start && bytes.HasPrefix(line, h.delim):
		// A delimiter: headers follow, unless it closes the body ("--boundary--").
		h.inHeaders = !bytes.HasPrefix(line[len(h.delim):], []byte("--"))
		return append([]byte(nil), line...)
	case !h.inHeaders:
		return append([]byte(nil), line...)
	case start && (bytes.Equal(line, []byte("\r\n")) || bytes.Equal(line, []byte("\n"))):
		h.inHeaders = false // the content begins
		return append([]byte(nil), line...)
	}
	out := make([]byte, 0, len(line))
	for i, b := range line {
		lineEnd := (b == '\n' && i == len(line)-1) || (b == '\r' && i == len(line)-2 && line[i+1] == '\n')
		if (b < 0x20 && b != '\t' && !lineEnd) || b == 0x7f {
			out = append(out, badName...)
			continue
		}
		out = append(out, b)
	}
	return out
}

// typedValues reads the text parts back from what headerCleaner kept of a body cut
// short; a part cut in the middle is dropped.
func typedValues(text []byte, boundary string) url.Values {
	vals := url.Values{}
	mr := multipart.NewReader(bytes.NewReader(text), boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return vals
		}
		if p.FileName() != "" {
			continue // kept without its content
		}
		b, err := io.ReadAll(io.LimitReader(p, maxText))
		if err != nil {
			return vals
		}
		if p.FormName() != "" {
			vals.Add(p.FormName(), string(b))
		}
	}
}
