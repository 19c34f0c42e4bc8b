package web

import (
	"bytes"
	"html/template"
	"sync"
)

// renderedRows keeps table rows as rendered by their page's fragment template, by language
// and by the row's words. A list's rows are the same from one view of it to the next
// (an officer's queue, a person's own requests) and the template spent a dozen calls
// through reflection on each: fields, escapers. A row in words is all strings, so the
// words are the key: anything that changes what a row shows makes it another row.
type renderedRows struct {
	mu sync.RWMutex
	m  map[rowKey]template.HTML
}

type rowKey struct {
	lang, page, fragment string
	row                  any // a comparable struct of the row's words
}

// renderedRowsMax bounds the rows kept (a few KB each at most); past it the cache
// starts again.
const renderedRowsMax = 4096

// rowData is what a fragment receives: the view, for its words, and the row.
type rowData struct {
	V   *View
	Row any
}

// RowHTML is row rendered through fragment of page in the view's language.
func (s *Core) RowHTML(v *View, page, fragment string, row any) (template.HTML, error) {
	k := rowKey{v.Lang, page, fragment, row}
	s.rows.mu.RLock()
	h, ok := s.rows.m[k]
	s.rows.mu.RUnlock()
	if ok {
		return h, nil
	}
	var b bytes.Buffer
	if err := s.Templates.ExecuteFragment(&b, v.Lang, page, fragment, rowData{V: v, Row: row}); err != nil {
		return "", err
	}
	h = template.HTML(b.String()) // #nosec G203 -- the output of an html/template, escaped there
	s.rows.mu.Lock()
	if s.rows.m == nil || len(s.rows.m) >= renderedRowsMax {
		s.rows.m = map[rowKey]template.HTML{}
	}
	s.rows.m[k] = h
	s.rows.mu.Unlock()
	return h, nil
}
