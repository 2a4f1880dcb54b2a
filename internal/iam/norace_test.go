//go:build !race

package iam

// raceDetector reports whether the tests run under -race.
const raceDetector = false
