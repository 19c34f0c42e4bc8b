package embedded

import (
	"context"
	"log/slog"
	"slices"
)

// Logger is the logger to give Start: the engine's errors only, since at info and warn
// level it logs every connection and protocol detail; all passes on everything (the
// portal's debug level).
func Logger(log *slog.Logger, all bool) *slog.Logger {
	if all {
		return log.With("component", "ferretdb")
	}
	return slog.New(minLevel{Handler: log.Handler(), min: slog.LevelError}).With("component", "ferretdb")
}

// minLevel passes on records at min or above. Attributes added with With are kept as
// they are and handed over only with a record that is passed on: the embedded engine adds
// every SQL statement's arguments (whole documents) to its logger for a debug line, and
// a text handler would format them at once, for nothing (15 % of the demo's CPU).
type minLevel struct {
	slog.Handler
	min   slog.Level
	attrs []slog.Attr
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

// applied is the wrapped handler with the attributes kept so far.
func (m minLevel) applied() slog.Handler {
	if len(m.attrs) == 0 {
		return m.Handler
	}
	return m.Handler.WithAttrs(m.attrs)
}

func (m minLevel) Handle(ctx context.Context, r slog.Record) error { return m.applied().Handle(ctx, r) }

func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{Handler: m.Handler, min: m.min, attrs: append(slices.Clip(m.attrs), a...)}
}

// WithGroup applies what came before: groups are rare, statements' arguments are not.
func (m minLevel) WithGroup(g string) slog.Handler {
	return minLevel{Handler: m.applied().WithGroup(g), min: m.min}
}
