package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/web"
)

// diskInterval is how long a reading of the disk is reused by default: a page then
// costs no system call, and a disk filling at 100 MB/s moves 200 MB in between.
const diskInterval = 2 * time.Second

// disk returns the latest reading of the disk (ok false when it is not watched or
// cannot be read: nothing is refused on a guess).
func (s *Server) disk(ctx context.Context) (web.DiskSpace, bool) {
	if s.Disk == nil {
		return web.DiskSpace{}, false
	}
	s.diskMu.Lock()
	defer s.diskMu.Unlock()
	every := s.Opt.DiskInterval
	if every <= 0 {
		every = diskInterval
	}
	if now := time.Now(); now.Sub(s.diskAt) >= every {
		d, err := s.Disk(ctx)
		if err != nil {
			s.Log.Warn("cannot read the free space of the data directory", "err", err)
		}
		s.diskLast, s.diskOK, s.diskAt = d, err == nil, now
	}
	return s.diskLast, s.diskOK
}

// diskLow: free space is under the readiness floor (PORTAL_DISK_LOW).
func (s *Server) diskLow(ctx context.Context) bool {
	d, ok := s.disk(ctx)
	return ok && s.Opt.DiskLow.Below(d)
}

// errUploadsPaused refuses new attachments while free space is under PORTAL_UPLOADS_LOW
// (the casework service refuses a filing's and a message's alike).
var errUploadsPaused = casework.ErrUploadsPaused

func (s *Server) uploadsPaused(ctx context.Context) bool {
	d, ok := s.disk(ctx)
	return ok && s.Opt.UploadsLow.Below(d)
}

// diskWarning is the administrators' warning that the disk is filling.
type diskWarning struct {
	Percent int
	Free    string
}

func (s *Server) diskWarningFor(ctx context.Context) *diskWarning {
	d, ok := s.disk(ctx)
	if !ok || s.Opt.DiskWarnPercent <= 0 || d.UsedPercent() < s.Opt.DiskWarnPercent {
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
