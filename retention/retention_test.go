package retention

import (
	"errors"
	"testing"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/twtime"
)

// The audit trail's period runs in calendar years: three years back from 2026-12-06 is
// 2023-12-06 (1 096 days across the leap day of 2024), never 1 095 days.
func TestAuditPeriodInCalendarYears(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, twtime.Zone)
	cut := Periods{}.Before("audit", now)
	if want := time.Date(2023, 12, 6, 10, 0, 0, 0, twtime.Zone); !cut.Equal(want) {
		t.Fatalf("cut-off %v, want %v", cut, want)
	}
	if days := int(now.Sub(cut) / Day); days != 1096 {
		t.Fatalf("%d days", days)
	}
	if cut := (Periods{"audit": 5}).Before("audit", now); !cut.Equal(time.Date(2021, 12, 6, 10, 0, 0, 0, twtime.Zone)) {
		t.Fatalf("five years: %v", cut)
	}
	// From a leap day, at least the years set lie between.
	if cut := (Periods{}).Before("audit", time.Date(2028, 2, 29, 12, 0, 0, 0, twtime.Zone)); !cut.Equal(time.Date(2025, 3, 1, 12, 0, 0, 0, twtime.Zone)) {
		t.Fatalf("from a leap day: %v", cut)
	}
	// A period in days stays one.
	if cut := (Periods{"sessions": 30}).Before("sessions", now); !cut.Equal(now.Add(-30 * Day)) {
		t.Fatalf("sessions: %v", cut)
	}
}

// A period saved as days before it was counted in years reads as the years it covers,
// rounded up; out-of-range years are named in years.
func TestAuditPeriodSavedAsDays(t *testing.T) {
	for days, years := range map[int]int{1095: 3, 1096: 4, 1460: 4, 3650: 10} {
		if got := (Periods{"audit": days}).Days("audit"); got != years {
			t.Errorf("%d days read as %d years, want %d", days, got, years)
		}
	}
	var inv *apperr.Invalid
	if err := (Periods{"audit": 2}).Validate(); !errors.As(err, &inv) || inv.Problems[0].Key != "retention.out_of_range_years" {
		t.Fatalf("two years: %v", err)
	}
	if err := (Periods{"audit": 3, "sessions": 30}).Validate(); err != nil {
		t.Fatal(err)
	}
}
