package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestREADME runs the README's quick start, tour and curl section as
// written, as a new user would: the server in the background, then the
// rest in a shell on a terminal (util-linux script(1) gives it one), with
// the answers a person would type. `go run ./cmd/clusteriam` and `go
// install ./cmd/clusteriam` are served by the binary this test built (a
// stand-in `go` refuses any other use), so that the steps run in a
// scratch directory rather than in the checkout.
func TestREADME(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) from util-linux for a terminal")
	}
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	quick := shellBlocks(t, string(b), "Quick start")
	if len(quick) != 2 || quick[0] != "go run ./cmd/clusteriam serve" {
		t.Fatalf("the quick start is no longer the server's command and then one more block: %q", quick)
	}
	steps := append(quick[1:], shellBlocks(t, string(b), "A tour")...)
	steps = append(steps, shellBlocks(t, string(b), "With curl")...)

	// The README names port 8443.
	if l, err := net.Listen("tcp", ":8443"); err != nil {
		t.Fatalf("port 8443, which the README uses, is taken: %v", err)
	} else {
		l.Close()
	}
	home := t.TempDir()
	env := readmeEnv(t, home, buildBinary(t))
	banner := startREADMEServer(t, home, env, quick[0])
	generated := match(t, banner, `created LOCAL user "admin" with password (\S+)`)

	chosen, alices := "Chosen-Admin-Password-1", "Alice-Password-1!"
	answers := strings.Join([]string{
		"y", generated, // login: trust the certificate, the password
		generated, chosen, chosen, // set-password --self: current, new, again
		alices, alices, // users create alice: password, again
		chosen, // the curl section's read
	}, "\n") + "\n"
	script := filepath.Join(home, "readme.sh")
	if err := os.WriteFile(script, []byte("set -euo pipefail\n"+strings.Join(steps, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("script", "-qefc", "bash "+script, "/dev/null")
	cmd.Dir, cmd.Env, cmd.Stdin = home, env, strings.NewReader(answers)
	out, err := cmd.CombinedOutput()
	t.Logf("the README's steps on a terminal:\n%s", out)
	if err != nil {
		t.Fatalf("the README's steps failed: %v", err)
	}
	for _, want := range []string{
		`Logged in to https://localhost:8443 as LOCAL\admin`,
		"This password must be changed before anything else",
		"API KEY (shown once)",
		"username: alice",
		"- auditor",
		`"username":"alice"`,
		`"name":"COHESITY_VIEWER"`,
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the README's steps did not print %q", want)
		}
	}
	if !regexp.MustCompile(`Create +User +LOCAL\\alice`).Match(out) {
		t.Errorf("audit list did not show alice's creation")
	}
}

// shellBlocks returns the ```sh blocks of the README's section heading.
func shellBlocks(t *testing.T, readme, heading string) []string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("the README has no section %q", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []string
	for {
		var block string
		var found bool
		if _, section, found = strings.Cut(section, "```sh\n"); !found {
			break
		}
		block, section, _ = strings.Cut(section, "```")
		blocks = append(blocks, strings.TrimSpace(block))
	}
	if len(blocks) == 0 {
		t.Fatalf("the README's section %q has no sh block", heading)
	}
	return blocks
}

// readmeEnv is a new user's environment in home: PATH holds the stand-in
// go and GOPATH/bin, and nothing of the tester's clusteriam settings.
func readmeEnv(t *testing.T, home, bin string) []string {
	shim := filepath.Join(home, "shim")
	if err := os.MkdirAll(shim, 0o700); err != nil {
		t.Fatal(err)
	}
	goShim := `#!/bin/sh
case "$*" in
"run ./cmd/clusteriam"|"run ./cmd/clusteriam "*) shift 2; exec "$README_BIN" "$@" ;;
"install ./cmd/clusteriam") mkdir -p "$GOPATH/bin" && cp "$README_BIN" "$GOPATH/bin/clusteriam" ;;
"env GOPATH") echo "$GOPATH" ;;
*) echo "TestREADME: no stand-in for: go $*" >&2; exit 99 ;;
esac
`
	if err := os.WriteFile(filepath.Join(shim, "go"), []byte(goShim), 0o700); err != nil {
		t.Fatal(err)
	}
	gopath := filepath.Join(home, "go")
	return []string{
		"HOME=" + home,
		"PATH=" + shim + ":" + filepath.Join(gopath, "bin") + ":/usr/local/bin:/usr/bin:/bin",
		"GOPATH=" + gopath,
		"README_BIN=" + bin,
		"TERM=dumb",
		"LANG=C.UTF-8",
	}
}

// startREADMEServer runs the quick start's server command in home and
// returns what it printed until it served.
func startREADMEServer(t *testing.T, home string, env []string, command string) string {
	cmd := exec.Command("sh", "-c", "exec "+command)
	cmd.Dir, cmd.Env = home, env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var banner strings.Builder
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the quick start's server exited:\n%s", banner.String())
			}
			fmt.Fprintln(&banner, line)
			if strings.Contains(line, "serving https://localhost:8443") {
				go func() {
					for range lines {
					}
				}()
				return banner.String()
			}
		case <-deadline:
			t.Fatalf("the quick start's server did not serve within 60 s:\n%s", banner.String())
		}
	}
}

// match returns re's first group in s.
func match(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", re, s)
	}
	return m[1]
}
