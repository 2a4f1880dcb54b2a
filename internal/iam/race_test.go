//go:build race

package iam

// raceDetector reports whether the tests run under -race, where the
// sequence search is many times slower and runs only its quick part.
const raceDetector = true
