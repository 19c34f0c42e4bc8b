package web

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/rights"
)

// Threshold is a floor of free space: a share of the disk or a number of bytes, whichever
// is more (5 % of a 2 TB disk is plenty, 500 MB of a 4 GB one is not enough). The zero
// value is never crossed.
type Threshold struct {
	Percent float64
	Bytes   int64
}

// Below reports whether d has less free space than t asks.
func (t Threshold) Below(d DiskSpace) bool {
	return d.Free < t.Bytes || float64(d.Free) < t.Percent/100*float64(d.Total)
}

func (t Threshold) String() string { return fmt.Sprintf("%g%%,%d", t.Percent, t.Bytes) }

// Options are the web settings from the configuration.
type Options struct {
	// DiskLow: under this much free space /readyz reports not ready (PORTAL_DISK_LOW);
	// UploadsLow, a higher floor: new attachments are refused (PORTAL_UPLOADS_LOW);
	// DiskWarnPercent: administrators are warned on /staff at this much use.
	DiskLow, UploadsLow Threshold
	DiskWarnPercent     int
	// DiskInterval is how long a reading of the disk is reused (default 2 s).
	DiskInterval   time.Duration
	HashKey        []byte // securecookie HMAC key (32 or 64 bytes)
	BlockKey       []byte // securecookie AES key (32 bytes)
	TrustedProxies []netip.Prefix
	MaxBody        int64
	Sessions       account.SessionPolicy
	// RateLimit is the number of sign-in, sign-up and reset attempts one address may make
	// per RateWindow, for each of the three forms (defaults 10 per 15 minutes).
	RateLimit  int
	RateWindow time.Duration
	// SignUpFloor and ResetFloor are the least time a sign-up or reset request takes to
	// answer, so the extra work done for a new (or existing) address does not show in the
	// timing (defaults 800 ms and 400 ms).
	SignUpFloor, ResetFloor time.Duration
	// Quota bounds one person's filings; a zero field sets no limit.
	Quota rights.Quota
	// AnalyticsK is the traffic report's threshold: a figure under it is hidden (default
	// 5, never below analytics.MinK).
	AnalyticsK int
	// UploadGrace and UploadMinRate pace the attachment routes' read deadline: an upload
	// may take UploadGrace plus its size at UploadMinRate bytes a second (defaults 60 s
	// and 20 KB/s), whatever the server's ReadTimeout.
	UploadGrace   time.Duration
	UploadMinRate int64
}

// DiskSpace is the state of the disk holding the database: bytes free (to the portal's
// user) and in all, and the size of the database files.
type DiskSpace struct {
	Free, Total, Database int64
}

// UsedPercent is how full the disk is, 0 to 100.
func (d DiskSpace) UsedPercent() int {
	if d.Total <= 0 {
		return 0
	}
	return int(100 - d.Free*100/d.Total)
}
