package web

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/example/pdpa-portal/casework"
)

// diskInterval is how long a reading of the disk is reused by default: a page then
// costs no system call, and a disk filling at 100 MB/s moves 200 MB in between.
const diskInterval = 2 * time.Second

// DiskWatch reads the disk holding the database now and then, for readiness, the
// refusal of new attachments and the administrators' warning (handlers/staff).
type DiskWatch struct {
	read func(ctx context.Context) (DiskSpace, error) // nil: not watched
	opt  Options
	log  *slog.Logger
	mu   sync.Mutex
	at   time.Time
	last DiskSpace
	ok   bool
}

// NewDiskWatch watches the disk read reads (nil: a database elsewhere, not watched).
func NewDiskWatch(read func(ctx context.Context) (DiskSpace, error), opt Options, log *slog.Logger) *DiskWatch {
	return &DiskWatch{read: read, opt: opt, log: log}
}

// Reading returns the latest reading of the disk (ok false when it is not watched or
// cannot be read: nothing is refused on a guess).
func (s *DiskWatch) Reading(ctx context.Context) (DiskSpace, bool) {
	if s == nil || s.read == nil {
		return DiskSpace{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	every := s.opt.DiskInterval
	if every <= 0 {
		every = diskInterval
	}
	if now := time.Now(); now.Sub(s.at) >= every {
		d, err := s.read(ctx)
		if err != nil {
			s.log.Warn("cannot read the free space of the data directory", "err", err)
		}
		s.last, s.ok, s.at = d, err == nil, now
	}
	return s.last, s.ok
}

// Low: free space is under the readiness floor (PORTAL_DISK_LOW).
func (s *DiskWatch) Low(ctx context.Context) bool {
	d, ok := s.Reading(ctx)
	return ok && s.opt.DiskLow.Below(d)
}

// ErrUploadsPaused refuses new attachments while free space is under PORTAL_UPLOADS_LOW
// (the casework service refuses a filing's and a message's alike).
var ErrUploadsPaused = casework.ErrUploadsPaused

// UploadsPaused: free space is under the floor of new attachments (PORTAL_UPLOADS_LOW).
func (s *DiskWatch) UploadsPaused(ctx context.Context) bool {
	d, ok := s.Reading(ctx)
	return ok && s.opt.UploadsLow.Below(d)
}
