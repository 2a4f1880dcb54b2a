// Package testtier tells tests which tier runs. Plain go test ./... is the
// quick tier: it runs every test, long ones in a short version. The soak
// tier, asked for with CLUSTERIAM_SOAK=1 (.ci/run sets it), runs them at
// full length: the minute-long concurrent load, the 20-kill durability
// loops and the like.
package testtier

import (
	"os"
	"strconv"
	"testing"
)

// EnvVar is the environment variable that asks for the soak tier.
const EnvVar = "CLUSTERIAM_SOAK"

// Soak reports whether the soak tier runs: CLUSTERIAM_SOAK is 1 (or
// another true value of strconv.ParseBool).
func Soak() bool {
	on, _ := strconv.ParseBool(os.Getenv(EnvVar))
	return on
}

// Pick returns soak in the soak tier and quick otherwise, and logs which
// one t uses so that a quick run says how to get the long one.
func Pick[T any](t testing.TB, what string, quick, soak T) T {
	t.Helper()
	if Soak() {
		t.Logf("soak tier: %s %v", what, soak)
		return soak
	}
	t.Logf("quick tier: %s %v (soak tier: %v; set %s=1 to run it, as .ci/run does)", what, quick, soak, EnvVar)
	return quick
}

// SkipUnlessSoak skips t outside the soak tier, saying why and how to run it.
func SkipUnlessSoak(t testing.TB, why string) {
	t.Helper()
	if !Soak() {
		t.Skipf("soak test (%s): set %s=1 to run it (.ci/run does)", why, EnvVar)
	}
}
