package version

import (
	"runtime"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	i := Get()
	if i.Go != runtime.Version() || i.Version == "" {
		t.Errorf("Get() = %+v; want this binary's Go version and a version", i)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   Info
		want string
	}{
		{Info{Version: "v1.2.3", Go: "go1.26.8"}, "clusteriam v1.2.3 go1.26.8"},
		{Info{Version: "(devel)", Commit: "0123456789abcdef", Time: "2026-11-30T09:00:00Z", Modified: true, Go: "go1.26.8"},
			"clusteriam (devel) commit 0123456789ab (modified) 2026-11-30T09:00:00Z go1.26.8"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !strings.HasPrefix(Get().String(), "clusteriam ") {
		t.Errorf("String() = %q", Get().String())
	}
}
