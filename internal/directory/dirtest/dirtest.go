// Package dirtest starts real directory servers for integration tests: an
// OpenLDAP slapd (Slapd) and a Samba Active Directory domain controller
// (SambaAD), both on 127.0.0.1 and both loaded with the same fixture.
//
// Fixture (domain example.test, identical names and passwords on both):
//
//	users   alice "Alice Doe" alice@example.test  Alice-Password-1
//	        bob   "Bob Roe"   bob@example.test    Bob-Password-1
//	        carol "Carol Poe" carol@example.test  Carol-Password-1
//	        dave  "Dave Moe"  dave@example.test   Dave-Password-1
//	groups  ops (alice, dave), eng (bob, dave), staff (group eng),
//	        all-staff (group staff); carol is in no group
//
// slapd: users are uid=NAME,ou=people,dc=example,dc=test (inetOrgPerson),
// groups cn=NAME,ou=groups,dc=example,dc=test (groupOfNames); the memberof
// overlay maintains memberOf (direct memberships only).
// Samba AD: users are CN=Full Name,CN=Users,DC=example,DC=test (for example
// CN=Alice Doe,CN=Users,DC=example,DC=test, sAMAccountName alice,
// userPrincipalName alice@example.test), groups CN=NAME,CN=Users,DC=example,DC=test.
//
// The servers need the Debian packages slapd and ldap-utils (Slapd) or samba,
// samba-ad-dc and ldap-utils (SambaAD), and root; tests skip without them. A
// test package that uses SambaAD must call Run from its TestMain.
package dirtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a running directory server with the fixture loaded.
type Server struct {
	Kind         string // "ldap" or "activeDirectory"
	Domain       string // "example.test" for both
	URL          string // plain: ldap://127.0.0.1:PORT (StartTLS-capable)
	LDAPSURL     string // ldaps://127.0.0.1:PORT
	BaseDN       string // "dc=example,dc=test" (slapd) / "DC=example,DC=test" (AD)
	BindDN       string // a service account able to search everything
	BindPassword string
	CAFile       string // PEM file of the CA that signed the server certificate (SANs 127.0.0.1 and localhost)
	// Stop stops the server (blocking until its ports no longer accept
	// connections); Start starts it again with the same data, waiting until
	// it answers. Both fail the test on error.
	Stop  func(t testing.TB)
	Start func(t testing.TB)
}

// Values of Server.Kind.
const (
	kindLDAP            = "ldap"
	kindActiveDirectory = "activeDirectory"
)

// fixtureUser is a user of the fixture.
type fixtureUser struct {
	Name, Given, Surname, Password string
}

// fixtureGroup is a group of the fixture; Members name users or groups.
type fixtureGroup struct {
	Name    string
	Members []string
}

// fixture returns the users and groups loaded into both servers; groups come
// after the groups they contain.
func fixture() ([]fixtureUser, []fixtureGroup) {
	users := []fixtureUser{
		{"alice", "Alice", "Doe", "Alice-Password-1"},
		{"bob", "Bob", "Roe", "Bob-Password-1"},
		{"carol", "Carol", "Poe", "Carol-Password-1"},
		{"dave", "Dave", "Moe", "Dave-Password-1"},
	}
	groups := []fixtureGroup{
		{"ops", []string{"alice", "dave"}},
		{"eng", []string{"bob", "dave"}},
		{"staff", []string{"eng"}},
		{"all-staff", []string{"staff"}},
	}
	return users, groups
}

// skipUnlessInstalled skips t, naming the Debian packages, unless all files
// exist.
func skipUnlessInstalled(t testing.TB, packages string, files ...string) {
	t.Helper()
	var missing []string
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Skipf("dirtest: %s not found; install the Debian packages %s", strings.Join(missing, ", "), packages)
	}
}

// ldapEnv is the environment for the ldap-utils commands: it trusts only
// caFile and ignores the user's ldaprc files.
func ldapEnv(caFile string) []string {
	env := []string{"LDAPTLS_CACERT=" + caFile, "LDAPTLS_REQCERT=demand", "LDAPRC=/nonexistent"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LDAP") {
			env = append(env, kv)
		}
	}
	return env
}

// ldapSearch runs ldapsearch with a simple bind against url (with StartTLS if
// startTLS) and returns its LDIF output, unwrapped.
func ldapSearch(caFile, url string, startTLS bool, bindDN, password, base, scope, filter string, attrs ...string) (string, error) {
	args := []string{"-x", "-LLL", "-o", "ldif-wrap=no", "-o", "nettimeout=5", "-H", url}
	if startTLS {
		args = append(args, "-ZZ")
	}
	args = append(args, "-D", bindDN, "-w", password, "-b", base, "-s", scope, filter)
	args = append(args, attrs...)
	return runTool(ldapEnv(caFile), "ldapsearch", args...)
}

// runTool runs a command with env (nil: the process's) and returns its
// standard output, or an error that includes its standard error. It kills
// the command after two minutes.
func runTool(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()+" "+stdout.String()))
	}
	return stdout.String(), nil
}

// waitFor calls check until it succeeds, exited is closed (the server died)
// or timeout passes.
func waitFor(timeout time.Duration, exited <-chan struct{}, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("server exited before it answered: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %v: %w", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// listening reports whether something accepts TCP connections on addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitClosed waits until no address accepts connections.
func waitClosed(timeout time.Duration, addrs ...string) error {
	deadline := time.Now().Add(timeout)
	for _, addr := range addrs {
		for listening(addr) {
			if time.Now().After(deadline) {
				return fmt.Errorf("%s still accepts connections %v after stop", addr, timeout)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// freePorts returns n distinct TCP ports that were free on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// tlsDialCheck dials addr with TLS, verifying the certificate against caFile
// for the name 127.0.0.1.
func tlsDialCheck(addr, caFile string) error {
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return fmt.Errorf("no certificate in %s", caFile)
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		return fmt.Errorf("TLS dial %s: %w", addr, err)
	}
	return c.Close()
}

// proc is a server process started by this package, in its own process
// group, killed by the kernel if this test process dies.
type proc struct {
	cmd    *exec.Cmd
	done   chan struct{} // closed once the process has exited
	err    error         // the result of Wait, set before done is closed
	output string        // file receiving its standard output and error
}

// startProc starts name with args, appending its output to the file output.
func startProc(output, name string, args ...string) (*proc, error) {
	out, err := os.OpenFile(output, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer out.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), output: output}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pgid is the process group of the process and its children.
func (p *proc) pgid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM to the process group, waits for the process to exit
// (SIGKILL after timeout), then kills what is left of its group.
func (p *proc) stop(timeout time.Duration) error {
	pgid := p.pgid()
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s: %w", p.cmd.Path, err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Children still exiting; the group cannot be reused while they live.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// tail returns the end of the process's output, for error messages.
func (p *proc) tail() string {
	return fileTail(p.output)
}

// fileTail returns the last few lines of a file, or a note why not.
func fileTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return fmt.Sprintf("--- end of %s ---\n%s", path, b)
}

// Run is for TestMain: it runs m, then stops the shared Samba instance if
// one still runs (the cleanup of the test that started it stops it), and
// returns the exit code:
//
//	func TestMain(m *testing.M) { os.Exit(dirtest.Run(m)) }
func Run(m *testing.M) int {
	shared.mu.Lock()
	shared.runActive = true
	shared.mu.Unlock()

	code := m.Run()

	if err := closeShared(); err != nil {
		fmt.Fprintf(os.Stderr, "dirtest: stopping Samba AD: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	shared.mu.Lock()
	shared.runActive = false
	shared.mu.Unlock()
	return code
}
