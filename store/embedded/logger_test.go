package embedded_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/store/embedded"
)

// The engine's logger drops what is below the level, formats nothing it drops, and
// passes on what it keeps with every attribute and group added on the way.
func TestEngineLoggerKeepsErrorsOnly(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l := embedded.Logger(base, false)
	l.With("args", strings.Repeat("x", 10)).Debug(">>> INSERT")
	l.With("args", "y").Info("connected")
	if buf.Len() != 0 {
		t.Fatalf("below the level, yet written: %q", buf.String())
	}
	l.With("args", "doc").WithGroup("g").With("n", 1).Error("failed", "err", "disk full")
	got := buf.String()
	for _, want := range []string{"component=ferretdb", "args=doc", "g.n=1", "g.err=\"disk full\"", "msg=failed"} {
		if !strings.Contains(got, want) {
			t.Errorf("error line %q lacks %q", got, want)
		}
	}
	buf.Reset()
	embedded.Logger(base, true).Debug(">>> SELECT")
	if !strings.Contains(buf.String(), "SELECT") {
		t.Errorf("all hides the engine's lines: %q", buf.String())
	}
}
