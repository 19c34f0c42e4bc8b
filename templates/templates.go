// Package templates parses the portal's pages once at start-up: each page is its own set
// of the layout, the partials and the page file, so pages cannot clash on block names.
// Each page is parsed once per language with its words already in place (fold.go), so
// rendering does not look every word up again through reflection.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync/atomic"
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

// Constants are what a page's calls with constant arguments resolve to in one language:
// `.T "key"` (any receiver) to the catalogue's message, `.Asset "name"` to the asset's
// URL. Both must be pure: the same arguments give the same text for the life of the
// process.
type Constants struct {
	Langs []string
	T     func(lang, key string) string
	Asset func(name string) string
}

// VerifyFolding makes every Execute also render the page as parsed without folding and
// fail on any difference (tests set it; it doubles the cost of a page).
var VerifyFolding bool

// Set is the parsed pages.
type Set struct {
	pages map[string]map[string]*template.Template // language → page
	def   string                                   // the first language, for any other
	plain map[string]*template.Template            // unfolded, kept only to verify
	// used marks the pages rendered since start, one flag a page made at parse time:
	// every render sets its page's without a lock shared by all renders.
	used map[string]*atomic.Bool
}

// Parse parses every page with the layout and partials, once per language of consts.
func Parse(funcs template.FuncMap, consts Constants) (*Set, error) {
	if len(consts.Langs) == 0 {
		return nil, errors.New("templates: no language")
	}
	s := &Set{pages: map[string]map[string]*template.Template{}, def: consts.Langs[0], used: map[string]*atomic.Bool{}}
	for _, lang := range consts.Langs {
		pages, err := parseAll(funcs, func(method, arg string) (string, bool) {
			switch method {
			case "T":
				if consts.T != nil {
					return consts.T(lang, arg), true
				}
			case "Asset":
				if consts.Asset != nil {
					return consts.Asset(arg), true
				}
			}
			return "", false
		})
		if err != nil {
			return nil, err
		}
		s.pages[lang] = pages
		for name := range pages {
			if s.used[name] == nil {
				s.used[name] = new(atomic.Bool)
			}
		}
	}
	if VerifyFolding {
		plain, err := parseAll(funcs, nil)
		if err != nil {
			return nil, err
		}
		s.plain = plain
	}
	return s, nil
}

// parseAll parses every page; resolve (when not nil) folds constant calls.
func parseAll(funcs template.FuncMap, resolve resolver) (map[string]*template.Template, error) {
	dict := dictMakesMaps(funcs)
	out := map[string]*template.Template{}
	names, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := partialFiles()
	if err != nil {
		return nil, err
	}
	for _, p := range names {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, partials.of("layout.html", p)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	// Standalone documents (the offline index.html of a copy package) have no site
	// layout: each file is the whole document, with the partials available.
	alone, err := fs.Glob(files, "standalone/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range alone {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New(path.Base(p)).Funcs(funcs).ParseFS(files, partials.of(p)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	if resolve == nil {
		return out, nil
	}
	for name, t := range out {
		if err := fold(t, resolve, dict); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
	}
	return out, nil
}

// Execute renders page in lang with data.
func (s *Set) Execute(w io.Writer, lang, page string, data any) error {
	return s.run(w, lang, page, "", data)
}

// FragmentPrefix begins the name of a template a page defines for the handlers to render
// on their own with ExecuteFragment: a piece, such as a table's row, that is rendered once
// and kept while what it shows stays the same. It is escaped as HTML text.
const FragmentPrefix = "fragment/"

// ExecuteFragment renders the template name (beginning with FragmentPrefix) of page in
// lang with data.
func (s *Set) ExecuteFragment(w io.Writer, lang, page, name string, data any) error {
	if !strings.HasPrefix(name, FragmentPrefix) {
		return fmt.Errorf("template %q of %q is no fragment", name, page)
	}
	return s.run(w, lang, page, name, data)
}

// run executes page, or its template name when not "".
func (s *Set) run(w io.Writer, lang, page, name string, data any) error {
	pages, ok := s.pages[lang]
	if !ok {
		// The catalogue answers an unknown language in the first one, word by word.
		lang, pages = s.def, s.pages[s.def]
	}
	t, ok := pages[page]
	if !ok {
		return fmt.Errorf("no template %q in %q", page, lang)
	}
	if u := s.used[page]; !u.Load() {
		u.Store(true)
	}
	label := page
	if name != "" {
		label += " " + name
	}
	exec := func(t *template.Template, w io.Writer) error {
		if name == "" {
			return t.Execute(w, data)
		}
		return t.ExecuteTemplate(w, name, data)
	}
	if s.plain == nil {
		return exec(t, w)
	}
	var folded, plain bytes.Buffer
	errF, errP := exec(t, &folded), exec(s.plain[page], &plain)
	if (errF == nil) != (errP == nil) {
		return fmt.Errorf("page %s in %s: folded: %v, as written: %v", label, lang, errF, errP)
	}
	if errF == nil && !bytes.Equal(folded.Bytes(), plain.Bytes()) {
		return fmt.Errorf("page %s in %s: folded page differs from the page as written: %w", label, lang, firstDifference(folded.Bytes(), plain.Bytes()))
	}
	_, err := w.Write(folded.Bytes())
	return errors.Join(errF, err)
}

func firstDifference(a, b []byte) error {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Errorf("at byte %d: %q vs %q", i, a[from:min(len(a), i+60)], b[from:min(len(b), i+60)])
}

// Names lists the pages.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.pages[s.def]))
	for n := range s.pages[s.def] {
		out = append(out, n)
	}
	return out
}

// Used reports whether a page has been rendered since start (tests check every page is).
func (s *Set) Used(page string) bool {
	u := s.used[page]
	return u != nil && u.Load()
}

// partialIndex maps each template a partial file defines to the file, and each file to
// the templates it calls.
type partialIndex struct {
	defines map[string]string   // template name → partial file
	calls   map[string][]string // any file → the templates it calls
}

var (
	defineRE = regexp.MustCompile(`\{\{-?\s*define\s+"([^"]+)"`)
	callRE   = regexp.MustCompile(`\{\{-?\s*template\s+"([^"]+)"`)
)

func partialFiles() (*partialIndex, error) {
	ix := &partialIndex{defines: map[string]string{}, calls: map[string][]string{}}
	names, err := fs.Glob(files, "partials/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range names {
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return nil, err
		}
		for _, m := range defineRE.FindAllSubmatch(b, -1) {
			ix.defines[string(m[1])] = p
		}
	}
	return ix, nil
}

// of lists the files to parse for a page: its own and the partial files it calls,
// directly or through one another. Every page once carried every partial, which held
// each partial's parsed and escaped tree once per page and language (about half of the
// templates' memory) for the few each page uses.
func (ix *partialIndex) of(own ...string) []string {
	out := append([]string(nil), own...)
	seen := map[string]bool{}
	for _, f := range own {
		seen[f] = true
	}
	for i := 0; i < len(out); i++ {
		for _, name := range ix.callsOf(out[i]) {
			if f, ok := ix.defines[name]; ok && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

func (ix *partialIndex) callsOf(file string) []string {
	if c, ok := ix.calls[file]; ok {
		return c
	}
	b, err := fs.ReadFile(files, file)
	if err != nil {
		return nil // ParseFS reports the missing file
	}
	var c []string
	for _, m := range callRE.FindAllSubmatch(b, -1) {
		c = append(c, string(m[1]))
	}
	ix.calls[file] = c
	return c
}
