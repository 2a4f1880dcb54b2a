package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit: deploy/clusteriam.service is hardened as issue 14 asks
// and systemd-analyze verify takes it without a word, run against the
// binary of this package.
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("../../deploy/clusteriam.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nDynamicUser=yes\n", "\nProtectSystem=strict\n", "\nStateDirectory=clusteriam\n",
		"\nNoNewPrivileges=yes\n", "\nCapabilityBoundingSet=\n", "\nExecStart=/usr/local/bin/clusteriam serve "} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze on this machine (Debian's systemd); .ci/run installs it")
	}
	path := filepath.Join(t.TempDir(), "clusteriam.service")
	body := strings.ReplaceAll(string(unit), "/usr/local/bin/clusteriam", buildBinary(t))
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
