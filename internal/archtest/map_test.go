package archtest

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// mapLine is one package of the README's map: its folder, a slash, and what it holds.
var mapLine = regexp.MustCompile(`^([a-z0-9_./-]+)/ {2,}\S`)

// The README's package map lists every package of the module, each once and on one
// line, and nothing that is not a package: a folder added, moved or removed without
// its line fails here.
func TestREADMEPackageMapListsEveryPackage(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := packageMap(t, string(readme))
	out, err := exec.Command("go", "list", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	exist := map[string]bool{}
	for _, path := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(path, module)
		exist[rel] = true
		if !listed[rel] {
			t.Errorf("package %s is not in the README's package map (## Architecture): add a line saying what it holds", rel)
		}
	}
	for rel := range listed {
		if !exist[rel] {
			t.Errorf("the README's package map lists %s/, which is not a package", rel)
		}
	}
}

// packageMap reads the first code block under "## Architecture": a line per package,
// with "#" headings and blank lines between groups.
func packageMap(t *testing.T, readme string) map[string]bool {
	t.Helper()
	_, arch, ok := strings.Cut(readme, "\n## Architecture\n")
	if !ok {
		t.Fatal(`README.md has no "## Architecture" section`)
	}
	_, block, ok := strings.Cut(arch, "```\n")
	if ok {
		block, _, ok = strings.Cut(block, "```\n")
	}
	if !ok {
		t.Fatal("the Architecture section has no code block holding the package map")
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := mapLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("package map line %q is not \"folder/  what it holds\" on one line", line)
			continue
		}
		if listed[m[1]] {
			t.Errorf("the package map lists %s/ twice", m[1])
		}
		listed[m[1]] = true
	}
	return listed
}

// readmeHandlerPath is a file of the web layer the README or the benchmarks name.
var readmeHandlerPath = regexp.MustCompile("`(handlers/[A-Za-z0-9_./-]+\\.(?:go|json))`")

// The files of the web layer the README and BENCHMARKS.md name exist: a file moved or
// renamed leaves no reader looking for it.
func TestREADMENamesOnlyExistingHandlerFiles(t *testing.T) {
	for _, doc := range []string{"README.md", "BENCHMARKS.md"} {
		text, err := os.ReadFile("../../" + doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range readmeHandlerPath.FindAllStringSubmatch(string(text), -1) {
			if _, err := os.Stat("../../" + m[1]); err != nil {
				t.Errorf("%s names %s, which does not exist", doc, m[1])
			}
		}
	}
}
