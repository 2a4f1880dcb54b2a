package dirtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Settings of the Samba AD DC.
const (
	sambaBinary        = "/usr/sbin/samba"
	sambaTool          = "/usr/bin/samba-tool"
	sambaBaseDN        = "DC=example,DC=test"
	sambaBindDN        = "Administrator@example.test"
	sambaAdminPassword = "Admin-Password-1"
	sambaLockPath      = "/tmp/clusteriam-samba-test.lock"
	sambaDirPrefix     = "clusteriam-samba-" // then PID-, in os.TempDir()
	sambaLockTimeout   = 10 * time.Minute
	sambaReadyTimeout  = 90 * time.Second
	sambaStopTimeout   = 20 * time.Second
)

// sambaEndpoints returns the fixed ports the DC binds with this harness's
// smb.conf: "server services = ldap, cldap, kdc, rpc" and "interfaces = lo"
// (127.0.0.1, and ::1 where lo has it). ldap: 389 LDAP, 636 LDAPS, 3268 and
// 3269 global catalog; cldap: 389/udp; kdc: 88 Kerberos and 464 kpasswd,
// TCP and UDP; rpc: 135, the endpoint mapper. The services that would bind
// 53 (dns), 137/138 (nbt) and 139/445 (smb) are off. The rpc service also
// binds dynamic ports from 49152 up ("rpc server dynamic port range"): a
// new DC takes other free ones there, and stop waits for them through the
// sockets of samba's process group.
func sambaEndpoints() []endpoint {
	return []endpoint{
		{"tcp", 88}, {"tcp", 135}, {"tcp", 389}, {"tcp", 464}, {"tcp", 636}, {"tcp", 3268}, {"tcp", 3269},
		{"udp", 88}, {"udp", 389}, {"udp", 464},
	}
}

// shared is the Samba AD DC of this test process. It is package state
// because Samba's ports are fixed: one instance per machine, started by
// SambaAD, stopped when the test that started it ends (or by Run), and
// guarded by a cross-process lock file. mu guards all fields and
// serializes SambaAD, Stop, Start and Run.
var shared struct {
	mu        sync.Mutex
	runActive bool           // Run is running the tests
	srv       *Server        // the server handed out, nil while there is none
	inst      *sambaInstance // nil while there is none
	err       error          // why a start failed; later calls fail too
}

// sambaInstance is a provisioned Samba AD DC.
type sambaInstance struct {
	dir   string   // removed by close
	conf  string   // its smb.conf
	files tlsFiles // its certificate
	lock  *os.File // holds the flock on sambaLockPath
	proc  *proc    // nil while stopped
}

// SambaAD returns THE Samba AD DC of this test process (its ports are fixed,
// so there is one per machine): started by the first call, shared by the
// calls of that test and its subtests, and stopped when that test ends; a
// later test starts another (a copy of the provisioned domain, a second or
// two). Skips t when samba/samba-ad-dc are not installed; fails t unless
// TestMain calls Run.
//
// Other test processes (other packages under go test ./...) wait for it:
// the process holds an exclusive lock on /tmp/clusteriam-samba-test.lock
// from the start until the server is stopped and its ports are free again.
// So call it from the test that needs it, not from one that runs for long
// besides.
//
// Stop and Start act on the shared server: call them only in tests that do
// not run in parallel (no t.Parallel), as every test using SambaAD sees the
// outage. If a test stops it and does not start it again, the next SambaAD
// starts it.
func SambaAD(t testing.TB) *Server {
	t.Helper()
	skipUnlessInstalled(t, "samba, samba-ad-dc and ldap-utils", sambaBinary, sambaTool, "/usr/bin/ldapsearch")
	shared.mu.Lock()
	defer shared.mu.Unlock()
	switch {
	case !shared.runActive:
		t.Fatal("dirtest: SambaAD needs a TestMain that calls dirtest.Run, which stops the shared server: func TestMain(m *testing.M) { os.Exit(dirtest.Run(m)) }")
	case shared.err != nil:
		t.Fatalf("dirtest: Samba AD failed to start earlier in this test process: %v", shared.err)
	case shared.srv == nil:
		began := time.Now()
		inst, err := newSamba(t)
		if err != nil {
			shared.err = err
			t.Fatalf("dirtest: Samba AD: %v", err)
		}
		shared.inst = inst
		shared.srv = &Server{
			Kind:         kindActiveDirectory,
			Domain:       "example.test",
			URL:          "ldap://127.0.0.1:389",
			LDAPSURL:     "ldaps://127.0.0.1:636",
			BaseDN:       sambaBaseDN,
			BindDN:       sambaBindDN,
			BindPassword: sambaAdminPassword,
			CAFile:       inst.files.CA,
			Stop:         sambaStop,
			Start:        sambaStart,
		}
		t.Cleanup(func() {
			if err := closeShared(); err != nil {
				t.Errorf("dirtest: stopping Samba AD: %v", err)
			}
		})
		t.Logf("dirtest: Samba AD ready in %v", time.Since(began).Round(time.Millisecond))
	case shared.inst.proc == nil:
		if err := shared.inst.start(); err != nil {
			t.Fatalf("dirtest: Samba AD: %v", err)
		}
	}
	srv := *shared.srv
	return &srv
}

// closeShared stops the shared Samba, releases the machine-wide lock and
// removes its directory, if there is one.
func closeShared() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.inst == nil {
		return nil
	}
	err := shared.inst.close()
	shared.inst, shared.srv = nil, nil
	return err
}

// sambaStop is Server.Stop of the shared Samba.
func sambaStop(t testing.TB) {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.inst == nil {
		t.Fatal("dirtest: Samba AD: Stop after the test that started it ended")
	}
	if err := shared.inst.stop(); err != nil {
		t.Fatalf("dirtest: Samba AD: %v", err)
	}
}

// sambaStart is Server.Start of the shared Samba.
func sambaStart(t testing.TB) {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.inst == nil {
		t.Fatal("dirtest: Samba AD: Start after the test that started it ended")
	}
	if err := shared.inst.start(); err != nil {
		t.Fatalf("dirtest: Samba AD: %v", err)
	}
}

// newSamba copies the provisioned domain with the fixture (sambaTemplate)
// into a new temporary directory, takes the machine-wide lock and starts it.
func newSamba(t testing.TB) (_ *sambaInstance, err error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", sambaDirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	s := &sambaInstance{dir: dir, conf: filepath.Join(dir, "etc", "smb.conf")}
	defer func() {
		if err != nil {
			if cerr := s.close(); cerr != nil {
				err = fmt.Errorf("%w (and cleaning up: %w)", err, cerr)
			}
		}
	}()
	tpl, err := sambaTemplate(t)
	if err != nil {
		return nil, err
	}
	if err := copyTemplate(tpl, dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{"tls", "run", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("temporary directory: %w", err)
		}
	}
	if s.files, err = writeCerts(filepath.Join(dir, "tls")); err != nil {
		return nil, err
	}
	err = editGlobal(s.conf, [][2]string{
		{"tls enabled", "yes"},
		{"tls keyfile", s.files.Key},
		{"tls certfile", s.files.Cert},
		{"tls cafile", s.files.CA},
		{"log file", filepath.Join(dir, "log", "samba.log")},
	})
	if err != nil {
		return nil, err
	}
	if s.lock, err = lockFile(t, sambaLockPath, "another test process runs the Samba AD DC"); err != nil {
		return nil, err
	}
	removeStaleDirs(t)
	// The DC of the test process that held the lock before may still be
	// letting go of its ports (a harness older than stopSamba did not wait).
	if err := waitReleased(sambaStopTimeout, 0, sambaEndpoints()); err != nil {
		return nil, fmt.Errorf("something binds Samba's ports though no other test process holds %s: %w; "+
			"probably a samba left over by a killed test run (see pgrep -a samba; ss -ltunp): stop it first", sambaLockPath, err)
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// editGlobal sets parameters in the [global] section of an smb.conf,
// replacing lines that set them already.
func editGlobal(conf string, params [][2]string) error {
	b, err := os.ReadFile(conf)
	if err != nil {
		return fmt.Errorf("edit smb.conf: %w", err)
	}
	set := map[string]bool{}
	var add []string
	for _, p := range params {
		set[p[0]] = true
		add = append(add, "\t"+p[0]+" = "+p[1])
	}
	var out []string
	inGlobal, found := false, false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") {
			inGlobal = strings.EqualFold(trimmed, "[global]")
			out = append(out, line)
			if inGlobal {
				found = true
				out = append(out, add...)
			}
			continue
		}
		if key, _, ok := strings.Cut(trimmed, "="); ok && inGlobal && set[strings.ToLower(strings.TrimSpace(key))] {
			continue
		}
		out = append(out, line)
	}
	if !found {
		return fmt.Errorf("edit smb.conf: no [global] section in %s", conf)
	}
	if err := os.WriteFile(conf, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		return fmt.Errorf("edit smb.conf: %w", err)
	}
	return nil
}

// lockFile takes an exclusive lock on path, waiting up to sambaLockTimeout
// for the test process that holds it (doing what holder says). The lock
// lasts until the file is closed or this process exits.
func lockFile(t testing.TB, path, holder string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	began := time.Now()
	for logged := false; ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		who, _ := os.ReadFile(path)
		if time.Since(began) > sambaLockTimeout {
			f.Close()
			return nil, fmt.Errorf("lock %s: still held after %v by %s", path, sambaLockTimeout, strings.TrimSpace(string(who)))
		}
		if !logged {
			t.Logf("dirtest: waiting for %s, held by %s (%s)", path, strings.TrimSpace(string(who)), holder)
			logged = true
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err := f.Truncate(0); err == nil {
		exe, _ := os.Executable()
		_, _ = fmt.Fprintf(f, "pid %d (%s)\n", os.Getpid(), exe)
	}
	return f, nil
}

// removeStaleDirs removes the Samba directories of test processes that died
// without Run (killed, or a test binary timeout). The kernel stops their
// samba with them (Pdeathsig), but not their directory.
func removeStaleDirs(t testing.TB) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), sambaDirPrefix+"*-*"))
	for _, dir := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), sambaDirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("dirtest: removing the directory of a dead test process: %v", err)
		}
	}
}

// start runs samba in the foreground and waits until it binds every port of
// sambaEndpoints and answers StartTLS and LDAPS binds. It does nothing if
// samba runs.
func (s *sambaInstance) start() error {
	if s.proc != nil {
		return nil
	}
	p, err := startProc(filepath.Join(s.dir, "log", "samba.out"), sambaBinary, "-s", s.conf, "-F", "--no-process-group")
	if err != nil {
		return err
	}
	err = waitFor(sambaReadyTimeout, p.done, func() error {
		have, err := groupEndpoints(p.pgid())
		if err != nil {
			return err
		}
		if missing := missingFrom(sambaEndpoints(), have); len(missing) > 0 {
			return fmt.Errorf("samba binds %v, not yet %v", have, missing)
		}
		if _, err := ldapSearch(s.files.CA, "ldaps://127.0.0.1:636", false, sambaBindDN, sambaAdminPassword, sambaBaseDN, "base", "(objectClass=*)", "dn"); err != nil {
			return err
		}
		_, err = ldapSearch(s.files.CA, "ldap://127.0.0.1:389", true, sambaBindDN, sambaAdminPassword, sambaBaseDN, "base", "(objectClass=*)", "dn")
		return err
	})
	if err != nil {
		err = errors.Join(err, stopSamba(p))
		return fmt.Errorf("start: %w\n%s\n%s", err, p.tail(), fileTail(filepath.Join(s.dir, "log", "samba.log")))
	}
	s.proc = p
	return nil
}

// stop terminates samba and its children and waits until none of their
// ports is bound any more (see stopSamba). It does nothing if samba is
// stopped.
func (s *sambaInstance) stop() error {
	if s.proc == nil {
		return nil
	}
	p := s.proc
	s.proc = nil
	return stopSamba(p)
}

// stopSamba stops p and waits until its children, which outlive the main
// process by a moment (the KDC's hold 88 and 464), have let go of every
// port, and nothing binds a port of sambaEndpoints: only then may the
// machine-wide lock go to the next test process, which starts its own DC
// on the same ports.
func stopSamba(p *proc) error {
	if err := p.stop(sambaStopTimeout); err != nil {
		return err
	}
	return waitReleased(sambaStopTimeout, p.pgid(), sambaEndpoints())
}

// close stops samba, releases the lock and removes the directory.
func (s *sambaInstance) close() error {
	err := s.stop()
	if s.lock != nil {
		s.lock.Close() // releases the flock
		s.lock = nil
	}
	if rerr := os.RemoveAll(s.dir); rerr != nil {
		err = errors.Join(err, fmt.Errorf("remove %s: %w", s.dir, rerr))
	}
	return err
}
