package backup

import (
	"testing"
	"time"
)

func TestAttention(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ok := func(ago time.Duration) Run { return Run{At: now.Add(-ago), OK: true, Size: 1} }
	failed := Run{At: now.Add(-time.Hour), Error: "cannot write /var/backups/portal/x.tar.gz"}
	for _, tc := range []struct {
		name string
		s    Status
		want Attention
	}{
		{"never run", Status{}, Attention{Never: true}},
		{"never succeeded", Status{Last: failed}, Attention{Never: true, Failed: true}},
		{"last night", Status{Last: ok(7 * time.Hour), LastOK: ok(7 * time.Hour)}, Attention{}},
		{"one night missed", Status{Last: ok(47 * time.Hour), LastOK: ok(47 * time.Hour)}, Attention{}},
		{"two nights missed", Status{Last: ok(49 * time.Hour), LastOK: ok(49 * time.Hour)}, Attention{Stale: true}},
		{"failed last night, success the night before", Status{Last: failed, LastOK: ok(25 * time.Hour)}, Attention{Failed: true}},
		{"failing for days", Status{Last: failed, LastOK: ok(72 * time.Hour)}, Attention{Failed: true, Stale: true}},
	} {
		if got := tc.s.Attention(now); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		} else if got.Any() != (tc.want != Attention{}) {
			t.Errorf("%s: Any() = %v", tc.name, got.Any())
		}
	}
}
