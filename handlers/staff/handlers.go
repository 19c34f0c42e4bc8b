// Package staff is the staff home every staff member starts from, whatever their roles:
// the areas their roles open and what needs their attention (open requests, a missing
// calendar, locked accounts, the backups, the disk).
package staff

import (
	"context"

	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// Backups read the record of the operator's backups (the administrators' warning).
type Backups interface {
	BackupStatus(ctx context.Context, kind backup.Kind) (backup.Status, error)
}

// Services are what the staff home reads.
type Services struct {
	Requests rights.Requests
	Calendar rights.CalendarStore
	Fulfil   rights.FulfilSetting
	Backups  Backups // nil: not shown
	Disk     *web.DiskWatch
}

// Handlers answer the staff home.
type Handlers struct {
	*web.Core
	requests   rights.Requests
	calendar   rights.CalendarStore
	fulfilDays rights.FulfilSetting
	backups    Backups
	disk       *web.DiskWatch
}

// New builds the staff home's handlers.
func New(core *web.Core, s Services) *Handlers {
	return &Handlers{Core: core, requests: s.Requests, calendar: s.Calendar, fulfilDays: s.Fulfil, backups: s.Backups, disk: s.Disk}
}
