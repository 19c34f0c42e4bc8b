package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeRun runs only the WCAG 2.0/2.1 level A and AA rules, the standard we
// claim; best-practice rules would add noise that is not a conformance failure.
// It maps the result down to the fields Violation needs.
const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
	resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		// A target inside an iframe or shadow root is an array of selectors.
		target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)),
		html: n.html,
	})),
})))`

// Violation is one failed axe rule and the elements that fail it.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target []string `json:"target"`
		HTML   string   `json:"html"`
	} `json:"nodes"`
}

// The axe-core source is read (and installed if needed) once per test binary.
var (
	axeOnce sync.Once
	axeSrc  string
	axeErr  error
)

// Axe injects axe-core into the current page and runs the WCAG 2.0/2.1 A and
// AA rules. Each violation is reported with t.Errorf. It returns the number of
// violations. If axe-core is unavailable the test is skipped (fails under CI).
func Axe(t testing.TB, ctx context.Context, pageName string) int {
	t.Helper()
	axeOnce.Do(func() { axeSrc, axeErr = loadAxe(t) })
	if axeErr != nil {
		unavailable(t, "axe-core unavailable: %v; "+
			"set PORTAL_AXE_JS or make npm reach its registry", axeErr)
	}

	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err == nil && !loaded {
		// "void 0" keeps the script's completion value (axe's module object)
		// from being serialised back; the newline ends a trailing // comment.
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSrc+"\n;void 0"))
	}
	if err != nil {
		t.Fatalf("browsertest: inject axe-core into %q: %v", pageName, err)
	}

	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: run axe on %q: %v", pageName, err)
	}
	if len(violations) > 0 {
		t.Errorf("axe: %d WCAG 2.1 A/AA violation(s) on %q:\n%s", len(violations), pageName, formatViolations(violations))
	}
	return len(violations)
}

// formatViolations lists each rule with its first few failing elements.
func formatViolations(vs []Violation) string {
	const maxNodes, maxHTML = 3, 200
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  - %s [%s] %s (%s)\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == maxNodes {
				fmt.Fprintf(&b, "      ... and %d more\n", len(v.Nodes)-maxNodes)
				break
			}
			html := n.HTML
			if len(html) > maxHTML {
				html = html[:maxHTML] + "…"
			}
			fmt.Fprintf(&b, "      %s  %s\n", strings.Join(n.Target, ", "), html)
		}
	}
	return b.String()
}

// loadAxe returns the axe-core source from $PORTAL_AXE_JS, or from
// <module root>/tmp/npm, running npm install there first if needed.
func loadAxe(t testing.TB) (string, error) {
	if p := os.Getenv("PORTAL_AXE_JS"); p != "" {
		src, err := os.ReadFile(p) // #nosec G304 G703 -- the developer's or CI's PORTAL_AXE_JS
		return string(src), err
	}
	tmp := filepath.Join(ModuleRoot(t), "tmp")
	final := filepath.Join(tmp, "npm")
	rel := filepath.Join("node_modules", "axe-core", "axe.min.js")
	if src, err := os.ReadFile(filepath.Join(final, rel)); err == nil { // #nosec G304 -- a test helper's own files under the module root
		return string(src), nil
	}

	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("%s missing and npm not found", filepath.Join(final, rel))
	}
	// go test runs packages as parallel processes, so install into a private
	// directory and rename it into place: the rename is atomic, and a loser
	// of the race just uses its own copy.
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return "", err
	}
	stage, err := os.MkdirTemp(tmp, "npm-install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stage) // no-op after a successful rename

	t.Logf("browsertest: installing axe-core with npm into %s", final)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", stage, "axe-core@4") // #nosec G204 -- npm from PATH with fixed arguments
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install axe-core@4: %v\n%s", err, out)
	}
	src, err := os.ReadFile(filepath.Join(stage, rel)) // #nosec G304 -- a test helper's own files under the module root
	if err != nil {
		return "", err
	}
	_ = os.Rename(stage, final) // fails harmlessly if another process won
	return string(src), nil
}
