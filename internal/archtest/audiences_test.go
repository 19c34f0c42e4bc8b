package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The web layer's audiences: each holds only its own handlers and the services they use,
// sharing handlers/web, never one another, so an audience can change without the others.
var audiences = []string{"public", "citizen", "staff", "officer", "admin", "webmaster", "api"}

func TestAudiencesImportNoOtherAudience(t *testing.T) {
	args := []string{"list", "-e", "-json=ImportPath,Imports,Deps"}
	for _, a := range audiences {
		args = append(args, "../../handlers/"+a)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		for _, dep := range p.Deps {
			for _, a := range audiences {
				if other := module + "handlers/" + a; dep == other && p.ImportPath != other {
					t.Errorf("%s imports %s: audiences share handlers/web, not one another", strings.TrimPrefix(p.ImportPath, module), strings.TrimPrefix(dep, module))
				}
			}
		}
	}
}
