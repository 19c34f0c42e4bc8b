//go:build !race

package analytics

// raceDetector reports a build with the race detector (race_test.go).
const raceDetector = false
