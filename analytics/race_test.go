//go:build race

package analytics

// raceDetector reports a build with the race detector, which makes sync.Pool drop items
// at random: a pooled buffer is then made again now and then, so counts of allocations
// are checked only without it.
const raceDetector = true
