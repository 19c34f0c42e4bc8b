package staff

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// staffHomePage is the staff home: for administrators, a warning about the backups.
type staffHomePage struct {
	Backup *backupWarning
	Disk   *diskWarning
	Locked []account.LockedAccount // staff accounts locked by failed sign-ins
	// CalendarMissing is next year, from 1 November while its calendar lists no date:
	// requests filed in December fall due in January, on holidays nobody loaded.
	CalendarMissing int
	// Counts are the open requests needing attention, for officers and administrators.
	Counts *requestCounts
}

// requestCounts are the staff home's figures on the open requests: all of them, and
// those assigned to the person looking.
type requestCounts = rights.Attention

// backupWarning is why the data backups need attention.
type backupWarning struct {
	backup.Attention
	backup.Status
	Days int // whole days since the last success started
}

// StaffHome is the starting page of every staff member: the areas their roles open.
// Administrators are the ones to notice that the nightly backup stopped working: the
// operator's cron mail is easily ignored, this page is not.
func (h *Handlers) StaffHome(c *gin.Context) error {
	var p staffHomePage
	if u := web.CurrentUser(c); h.backups != nil && u != nil && u.Has(account.RoleAdmin) {
		st, err := h.backups.BackupStatus(c.Request.Context(), backup.Data)
		if err != nil {
			return err
		}
		now := h.Now()
		if a := st.Attention(now); a.Any() {
			p.Backup = &backupWarning{Attention: a, Status: st, Days: int(now.Sub(st.LastOK.At) / (24 * time.Hour))}
		}
	}
	if u := web.CurrentUser(c); u != nil && u.Has(account.RoleAdmin) {
		p.Disk = h.diskWarning(c.Request.Context())
		locked, err := h.Accounts.LockedStaff(c.Request.Context())
		if err != nil {
			return err
		}
		p.Locked = locked
	}
	if u := web.CurrentUser(c); u != nil && (u.Has(account.RoleAdmin) || u.Has(account.RoleOfficer)) {
		counts, err := rights.CountAttention(c.Request.Context(), h.requests, h.fulfilDays, rights.DateOf(h.Now()), u.ID)
		if err != nil {
			return err
		}
		p.Counts = &counts
		if today := rights.DateOf(h.Now()); today.Month >= time.November {
			next, err := h.calendar.List(c.Request.Context(), today.Year+1)
			if err != nil {
				return err
			}
			if len(next) == 0 {
				p.CalendarMissing = today.Year + 1
			}
		}
	}
	h.Render(c, http.StatusOK, "staff_home", h.View(c, "staff.title", p))
	return nil
}

// diskWarning is the administrators' warning that the disk is filling.
type diskWarning struct {
	Percent int
	Free    string
}

// diskWarning is the administrators' warning, when the disk is filling (else nil).
func (h *Handlers) diskWarning(ctx context.Context) *diskWarning {
	d, ok := h.disk.Reading(ctx)
	if !ok || h.Opt.DiskWarnPercent <= 0 || d.UsedPercent() < h.Opt.DiskWarnPercent {
		return nil
	}
	return &diskWarning{Percent: d.UsedPercent(), Free: humanBytes(d.Free)}
}

// humanBytes writes n in the largest binary unit under it, with one decimal.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
