//go:build race

package loginlimit

// raceDetector reports whether the tests run under -race, where loops of a
// million steps that one goroutine runs alone are shortened.
const raceDetector = true
