// Package archtest checks the layers the README's package map promises.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/example/pdpa-portal/"

// The domain: rules and values, with no web, database or page in them, so each can be
// read and tested on its own and the store and web layers can change beneath and above.
var domain = []string{
	"account", "analytics", "apitoken", "apperr", "attachments", "audit", "backup", "consent", "disclosure", "export",
	"i18n", "incident", "inventory", "letters", "mail", "ratelimit", "receipt", "retention", "rights", "vault",
	"internal/background", "internal/filename", "internal/ids", "internal/twtime",
}

// What a domain package may not import, directly or through another package; and what
// it may not import itself (the mail library renders its own parts with templates).
var (
	forbidden       = []string{"github.com/gin-gonic/", "go.mongodb.org/mongo-driver", "github.com/FerretDB/", "net/http"}
	forbiddenDirect = []string{"html/template", "text/template"}
)

// The application layer: workflows over the domain. Like the domain, it has no web,
// database or page in it; it declares what it needs of the stores.
var application = []string{"casework"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func TestDomainPackagesImportNoWebOrDatabase(t *testing.T) {
	args := []string{"list", "-json=ImportPath,Imports,Deps"}
	for _, d := range append(append([]string(nil), domain...), application...) {
		args = append(args, "../../"+d)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		for _, c := range []struct {
			imports, bad []string
		}{{p.Deps, forbidden}, {p.Imports, forbiddenDirect}} {
			for _, dep := range c.imports {
				if slices.ContainsFunc(c.bad, func(f string) bool { return strings.HasPrefix(dep, f) }) {
					t.Errorf("%s imports %s (a domain or application package imports no web framework, database driver or template)", strings.TrimPrefix(p.ImportPath, module), dep)
				}
			}
		}
	}
	if seen != len(domain)+len(application) {
		t.Fatalf("go list described %d packages, want %d", seen, len(domain)+len(application))
	}
}

// The store speaks only the MongoDB protocol, so it runs unchanged on MongoDB; what only
// the embedded engine needs (starting it, its SQLite files) lives in store/embedded.
func TestStoreImportsNoEmbeddedEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "../../store").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var p pkg
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	for _, dep := range p.Deps {
		for _, bad := range []string{"github.com/FerretDB/", "modernc.org/sqlite", module + "store/embedded"} {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("store imports %s (engine-specific code belongs in store/embedded)", dep)
			}
		}
	}
}
