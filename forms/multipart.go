package forms

import (
	"bufio"
	"bytes"
	"io"
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
}

// readCloser reads through a cleaner and closes the body beneath.
type readCloser struct {
	io.Reader
	io.Closer
}

func cleanPartHeaders(r io.Reader, boundary string) io.Reader {
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
		h.pending = h.next(line)
	}
	n := copy(p, h.pending)
	h.pending = h.pending[n:]
	return n, nil
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
