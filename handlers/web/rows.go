package web

import (
	"bytes"
	"html/template"
	"sync"
)

// Rows keeps one kind of table row as rendered by its page's fragment template, by
// language and by the row's words. A list's rows are the same from one view of it to the
// next (an officer's queue, a person's own requests) and the template spent a dozen calls
// through reflection on each: fields, escapers. A row in words is all strings, so the
// words are the key: anything that changes what a row shows makes it another row. The
// row is the key as it is, of its own type (boxed in an interface for one shared map it
// cost an allocation a row).
type Rows[T comparable] struct {
	page, fragment string
	mu             sync.RWMutex
	m              map[rowKey[T]]template.HTML
}

type rowKey[T comparable] struct {
	lang string
	row  T
}

// renderedRowsMax bounds the rows kept (a few KB each at most); past it the cache
// starts again.
const renderedRowsMax = 4096

// rowData is what a fragment receives: the view, for its words, and the row.
type rowData struct {
	V   *View
	Row any
}

// NewRows keeps the rows fragment of page renders.
func NewRows[T comparable](page, fragment string) *Rows[T] {
	return &Rows[T]{page: page, fragment: fragment}
}

// HTML is row rendered in the view's language.
func (r *Rows[T]) HTML(s *Core, v *View, row T) (template.HTML, error) {
	k := rowKey[T]{v.Lang, row}
	r.mu.RLock()
	h, ok := r.m[k]
	r.mu.RUnlock()
	if ok {
		return h, nil
	}
	var b bytes.Buffer
	if err := s.Templates.ExecuteFragment(&b, v.Lang, r.page, r.fragment, rowData{V: v, Row: row}); err != nil {
		return "", err
	}
	h = template.HTML(b.String()) // #nosec G203 -- the output of an html/template, escaped there
	r.mu.Lock()
	if r.m == nil || len(r.m) >= renderedRowsMax {
		r.m = map[rowKey[T]]template.HTML{}
	}
	r.m[k] = h
	r.mu.Unlock()
	return h, nil
}
