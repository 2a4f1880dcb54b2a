package main

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/clusteriam/clusteriam/internal/cli"
	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
)

// TestCLI runs the scripts of testdata/script: the CLI end to end, as a
// user types it, against a real `clusteriam serve` (the binary built from
// this package) that each script starts with serve-bg.
func TestCLI(t *testing.T) {
	bin := buildBinary(t)
	// sso.txtar trusts a real OpenID provider, and reads a SAML
	// provider's certificate.
	op := optest.Start(t)
	files := t.TempDir()
	opCA, samlCert := filepath.Join(files, "op-ca.pem"), filepath.Join(files, "saml.pem")
	must(t, os.WriteFile(opCA, op.CertPEM(), 0o600))
	_, cert := samltest.NewKey(t, "cli idp")
	must(t, os.WriteFile(samlCert, []byte(samltest.PEM(cert)), 0o600))
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(e.WorkDir, "config"))
			e.Setenv("HOME", e.WorkDir)
			e.Setenv("OP_KEYS_URL", op.KeysURL)
			e.Setenv("OP_CA", opCA)
			e.Setenv("SAML_CERT", samlCert)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"serve-bg": func(ts *testscript.TestScript, neg bool, args []string) { serveBackground(ts, bin, args) },
			// totp VAR SECRET sets VAR to SECRET's TOTP code of now.
			"totp": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: totp VAR SECRET")
				}
				code, err := totp.GenerateCode(args[1], time.Now())
				ts.Check(err)
				ts.Setenv(args[0], code)
			},
			// capture VAR REGEXP sets VAR to REGEXP's first group in the
			// last command's stdout.
			"capture": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: capture VAR REGEXP")
				}
				m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
				if len(m) < 2 {
					ts.Fatalf("no match for %s in stdout", args[1])
				}
				ts.Setenv(args[0], m[1])
			},
		},
	})
}

// serveBackground starts `clusteriam serve` on a free port with the
// admin's password Admin-Password-1 (with -generated as the first
// argument, one it makes up, set as ADMIN_PASSWORD) and the flags given,
// waits for it, and sets SERVER (its URL) and FINGERPRINT (its
// certificate's).
func serveBackground(ts *testscript.TestScript, bin string, args []string) {
	dir := ts.MkAbs("server-data")
	env := append(os.Environ(), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	generated := len(args) > 0 && args[0] == "-generated"
	if generated {
		env, args = append(os.Environ(), "CLUSTERIAM_ADMIN_PASSWORD="), args[1:]
	}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir}, args...)...)
	cmd.Env = env
	stderr, err := cmd.StdoutPipe()
	ts.Check(err)
	cmd.Stderr = cmd.Stdout // the banner and the logs on one pipe
	ts.Check(cmd.Start())
	log := &lockedText{}
	exited := make(chan struct{})
	urlc := watchServing(stderr, log, func() { close(exited) })
	ts.Defer(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
	})
	select {
	case url := <-urlc:
		ts.Setenv("SERVER", url)
	case <-exited:
		ts.Fatalf("serve exited:\n%s", log)
	case <-time.After(60 * time.Second):
		ts.Fatalf("serve did not start:\n%s", log)
	}
	b, err := os.ReadFile(filepath.Join(dir, "tls.crt"))
	ts.Check(err)
	block, _ := pem.Decode(b)
	if block == nil {
		ts.Fatalf("tls.crt holds no PEM")
	}
	fp := cli.Fingerprint(block.Bytes)
	if !strings.Contains(log.String(), "fingerprint is "+fp) {
		ts.Fatalf("serve did not print its certificate's fingerprint %s:\n%s", fp, log)
	}
	ts.Setenv("FINGERPRINT", fp)
	if generated {
		m := regexp.MustCompile(`created LOCAL user "admin" with password (\S+)`).FindStringSubmatch(log.String())
		if m == nil {
			ts.Fatalf("no generated password printed:\n%s", log)
		}
		ts.Setenv("ADMIN_PASSWORD", m[1])
	}
}
