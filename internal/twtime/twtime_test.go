package twtime_test

import (
	"testing"
	"time"

	"github.com/example/pdpa-portal/internal/twtime"
)

// Late evening in UTC is already the next day in Taiwan, and so are the dates written.
func TestDatesAreWrittenInTaiwan(t *testing.T) {
	at := time.Date(2026, 12, 6, 16, 30, 0, 0, time.UTC)
	if got := twtime.Day(at); got != "2026-12-07" {
		t.Errorf("Day = %q, want 2026-12-07", got)
	}
	if got := twtime.Minute(at); got != "2026-12-07 00:30" {
		t.Errorf("Minute = %q, want 2026-12-07 00:30", got)
	}
	if got := twtime.ROCYear(2026); got != 115 {
		t.Errorf("ROCYear(2026) = %d, want 115", got)
	}
}
