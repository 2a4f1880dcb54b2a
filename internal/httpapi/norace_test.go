//go:build !race

package httpapi

// raceDetector reports whether the tests run under -race.
const raceDetector = false
