package filename_test

import (
	"mime"
	"testing"

	"github.com/example/pdpa-portal/internal/filename"
)

func TestDisposition(t *testing.T) {
	for _, c := range []struct{ name, fallback, want string }{
		{"personal-data-2026-000001.zip", "personal-data-2026-000001.zip", `attachment; filename=personal-data-2026-000001.zip`},
		{"個人資料-2026-000001.zip", "personal-data-2026-000001.zip",
			`attachment; filename=personal-data-2026-000001.zip; filename*=UTF-8''%E5%80%8B%E4%BA%BA%E8%B3%87%E6%96%99-2026-000001.zip`},
		{"a b.zip", "", `attachment; filename="a b.zip"`},
		{"個人資料.zip", "", `attachment; filename*=UTF-8''%E5%80%8B%E4%BA%BA%E8%B3%87%E6%96%99.zip`},
	} {
		got := filename.Disposition(c.name, c.fallback)
		if got != c.want {
			t.Errorf("%q: %s, want %s", c.name, got, c.want)
		}
		// Whoever reads filename* gets the name in the reader's language back.
		if _, params, err := mime.ParseMediaType(got); err != nil || params["filename"] != c.name {
			t.Errorf("%s reads back as %q (%v), want %q", got, params["filename"], err, c.name)
		}
	}
}
