// Package version says which build of clusteriam is running, from the
// build information the Go toolchain records in the binary.
package version

import (
	"fmt"
	"runtime/debug"
)

// Info is what a build says of itself.
type Info struct {
	// Version is the module version (v1.2.3) for `go install ...@v1.2.3`,
	// "(devel)" for a build from a checkout.
	Version string `json:"version"`
	// Commit is the VCS revision the build came from, when known, and
	// Modified whether the tree held uncommitted changes.
	Commit   string `json:"commit,omitempty"`
	Time     string `json:"commitTime,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"goVersion"`
}

// Get returns the running binary's Info.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "unknown"}
	}
	info := Info{Version: bi.Main.Version, Go: bi.GoVersion}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is Info on one line, e.g.
// "clusteriam (devel) commit 1a2b3c4d5e6f (modified) 2026-11-30T09:00:00Z go1.26.8".
func (i Info) String() string {
	s := "clusteriam " + i.Version
	if i.Commit != "" {
		s += " commit " + short(i.Commit)
		if i.Modified {
			s += " (modified)"
		}
	}
	if i.Time != "" {
		s += " " + i.Time
	}
	return fmt.Sprintf("%s %s", s, i.Go)
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
