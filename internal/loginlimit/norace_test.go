//go:build !race

package loginlimit

// raceDetector reports whether the tests run under -race.
const raceDetector = false
