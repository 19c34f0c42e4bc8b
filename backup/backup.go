// Package backup is the record of the operator's scheduled backups (`portal backup`),
// and the rule for when an administrator must be told they need attention: a portal
// whose backups silently stopped loses everything at the first disk failure.
package backup

import "time"

// Kind is what a backup holds.
type Kind string

const (
	// Data is the database without the key store, backed up daily.
	Data Kind = "data"
	// Keys is the key store alone, backed up on its own schedule and kept apart.
	Keys Kind = "keys"
)

// MaxAge is how old the last successful data backup may be before administrators are
// warned: a daily job may miss one night (a reboot at 02:15), not two.
const MaxAge = 48 * time.Hour

// Run is the outcome of one `portal backup`.
type Run struct {
	At       time.Time // when it started: the data is of about this instant
	OK       bool
	Size     int64 // bytes of the archive (0 when it failed)
	Duration time.Duration
	// Error says why it failed: the command's own message (files, the database), never
	// personal data.
	Error string
}

// Status is what is known of one kind of backup.
type Status struct {
	Last   Run // the latest run (zero At: none was ever recorded)
	LastOK Run // the latest successful run (zero At: none)
}

// Attention is what administrators must be told about a kind of backup now.
type Attention struct {
	Never  bool // no backup ever succeeded
	Stale  bool // the last success is older than MaxAge
	Failed bool // the latest run failed
}

// Any reports whether there is anything to tell.
func (a Attention) Any() bool { return a.Never || a.Stale || a.Failed }

// Attention applies the rule at now.
func (s Status) Attention(now time.Time) Attention {
	return Attention{
		Never:  s.LastOK.At.IsZero(),
		Stale:  !s.LastOK.At.IsZero() && now.Sub(s.LastOK.At) > MaxAge,
		Failed: !s.Last.At.IsZero() && !s.Last.OK,
	}
}
