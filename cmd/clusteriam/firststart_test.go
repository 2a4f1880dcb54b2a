package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The first five minutes (issue 14): what a new user meets first.

func TestVersionCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, os.Getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "clusteriam ") || !strings.Contains(got, runtime.Version()) {
		t.Errorf("version printed %q; want the name, the version and %s", got, runtime.Version())
	}
	if err := run(t.Context(), []string{"version", "extra"}, os.Getenv, &out, io.Discard); err == nil {
		t.Error("version with an argument: no error")
	}
}

// TestHealthzVersion: /healthz names the build, as `version` does.
func TestHealthzVersion(t *testing.T) {
	s := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}, "--data-dir", t.TempDir())
	res, err := insecureClient().Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var h struct{ Status, Version string }
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil || h.Status != "ok" || !strings.HasPrefix(h.Version, "clusteriam ") {
		t.Errorf("healthz = %+v, %v; want ok and the version", h, err)
	}
}

// TestServePortTakenFirst: a port in use stops serve before it makes the
// data dir, the store or a password it would print for nothing.
func TestServePortTakenFirst(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := filepath.Join(t.TempDir(), "data")
	var stderr bytes.Buffer
	err = run(t.Context(), []string{"serve", "--listen", busy.Addr().String(), "--data-dir", dir}, func(string) string { return "" }, &stderr, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--listen "+busy.Addr().String()) {
		t.Errorf("serve on a port in use: %v; want the error to name --listen", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the data dir was made for a server that could not listen: %v", err)
	}
	if strings.Contains(stderr.String(), "password") {
		t.Errorf("a password was printed for a server that could not listen:\n%s", stderr.String())
	}
}

// TestServeIgnoredAdminPassword: CLUSTERIAM_ADMIN_PASSWORD on a store that
// has users is said to be ignored, not silently dropped, unless it is the
// admin's password (a variable set for good, in a unit file).
func TestServeIgnoredAdminPassword(t *testing.T) {
	dir := t.TempDir()
	first := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}, "--data-dir", dir)
	if strings.Contains(first.stderr.String(), "is ignored") {
		t.Fatalf("the first start warned:\n%s", first.stderr)
	}
	first.stop(t)
	same := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}, "--data-dir", dir)
	same.stop(t) // waits for the check, which runs in the background
	if strings.Contains(same.stderr.String(), "is ignored") {
		t.Errorf("a restart with the admin's own password warned:\n%s", same.stderr)
	}
	again := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "other-Password-1"}, "--data-dir", dir)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(again.stderr.String(), "is ignored") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(again.stderr.String(), "CLUSTERIAM_ADMIN_PASSWORD is ignored") {
		t.Errorf("no warning that the password is ignored:\n%s", again.stderr)
	}
	if code, _ := login(t, insecureClient(), again.url, "other-Password-1"); code != 401 {
		t.Errorf("log-in with the ignored password: %d, want 401", code)
	}
}

// TestServeOneServerPerSQLiteStore: a second server on the data dir of a
// running one stops at once, naming it; once the first has stopped, the
// store opens again.
func TestServeOneServerPerSQLiteStore(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}
	first := startServe(t, env, "--data-dir", dir)
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir},
		func(k string) string { return env[k] }, io.Discard, &stderr)
	want := fmt.Sprintf("another clusteriam (process %d) serves the store", os.Getpid())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("a second server on the same store: %v; want %q", err, want)
	}
	if code, _ := login(t, insecureClient(), first.url, "first-Password-1"); code != 201 {
		t.Errorf("the first server after the second was refused: log-in %d", code)
	}
	first.stop(t)
	startServe(t, env, "--data-dir", dir)
}

// TestServeBannerRuns: the log-in commands serve prints run as printed:
// the curl one, pasted into bash with the password put in, logs in.
func TestServeBannerRuns(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on this machine")
	}
	s := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}, "--data-dir", t.TempDir())
	m := regexp.MustCompile(`(?m)^clusteriam: or curl:  (curl .*)$`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no curl command printed:\n%s", s.stderr)
	}
	out, err := exec.Command("bash", "-c", strings.Replace(m[1], "PASSWORD", "first-Password-1", 1)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"accessToken"`) {
		t.Errorf("the printed curl command: %v\n%s", err, out)
	}
	if !strings.Contains(s.stderr.String(), "clusteriam login --server "+s.url+" --username admin") {
		t.Errorf("no clusteriam login command for %s:\n%s", s.url, s.stderr)
	}
}

// TestServeLogFormat: the logs go to stderr in one format, text or JSON
// as --log-format says (auto: JSON when stderr is no terminal, as here);
// what a person reads (the banner) goes to stdout, so the two never mix.
func TestServeLogFormat(t *testing.T) {
	for _, tc := range []struct {
		format string
		line   *regexp.Regexp
	}{
		{"text", regexp.MustCompile(`^time=\S+ level=[A-Z]+ msg=`)},
		{"json", regexp.MustCompile(`^\{"time":"[^"]+","level":"[A-Z]+","msg":`)},
		{"auto", regexp.MustCompile(`^\{"time":"[^"]+","level":"[A-Z]+","msg":`)},
	} {
		t.Run(tc.format, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			var stdout, stderr lockedText
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-format", tc.format},
					func(string) string { return "" }, &stdout, &stderr)
			}()
			for !strings.Contains(stdout.String(), "clusteriam: serving ") {
				select {
				case err := <-done:
					t.Fatalf("serve exited: %v\n%s", err, stderr.String())
				case <-time.After(10 * time.Millisecond):
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			for _, l := range lines {
				if !tc.line.MatchString(l) {
					t.Errorf("a log line not in the %s format: %q", tc.format, l)
				}
			}
			if len(lines) < 2 || strings.Contains(stdout.String(), `level`) {
				t.Errorf("logs %q, banner %q: want the logs apart from the banner", stderr.String(), stdout.String())
			}
		})
	}
	if err := run(t.Context(), []string{"serve", "--log-format", "xml"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--log-format") {
		t.Errorf("--log-format xml: %v", err)
	}
}
