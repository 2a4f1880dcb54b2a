package testtier

import "testing"

func TestSoak(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  bool
	}{{"", false}, {"0", false}, {"false", false}, {"yes", false}, {"1", true}, {"true", true}} {
		t.Setenv(EnvVar, tt.value)
		if got := Soak(); got != tt.want {
			t.Errorf("%s=%q: Soak() = %v, want %v", EnvVar, tt.value, got, tt.want)
		}
		if got, want := Pick(t, "cycles", 3, 20), map[bool]int{false: 3, true: 20}[tt.want]; got != want {
			t.Errorf("%s=%q: Pick = %d, want %d", EnvVar, tt.value, got, want)
		}
	}
}
