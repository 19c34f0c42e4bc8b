// Package templates parses the portal's pages once at start-up: each page is its own set
// of the layout, the partials and the page file, so pages cannot clash on block names.
package templates

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
)

//go:embed layout.html partials/*.html pages/*.html standalone/*.html
var files embed.FS

// Page names, one per file in pages/.
const (
	Home    = "home"
	Privacy = "privacy"
	Setup   = "setup"
	Error   = "error"
)

// Set is the parsed pages.
type Set struct {
	pages map[string]*template.Template
	mu    sync.Mutex
	used  map[string]bool
}

// Parse parses every page with the layout and partials.
func Parse(funcs template.FuncMap) (*Set, error) {
	names, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	s := &Set{pages: map[string]*template.Template{}, used: map[string]bool{}}
	for _, p := range names {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "layout.html", "partials/*.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	// Standalone documents (the offline index.html of a copy package) have no site
	// layout: each file is the whole document, with the partials available.
	alone, err := fs.Glob(files, "standalone/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range alone {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New(path.Base(p)).Funcs(funcs).ParseFS(files, "partials/*.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// Execute renders page with data.
func (s *Set) Execute(w io.Writer, page string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	s.mu.Lock()
	s.used[page] = true
	s.mu.Unlock()
	return t.Execute(w, data)
}

// Names lists the pages.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.pages))
	for n := range s.pages {
		out = append(out, n)
	}
	return out
}

// Used reports whether a page has been rendered since start (tests check every page is).
func (s *Set) Used(page string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used[page]
}
