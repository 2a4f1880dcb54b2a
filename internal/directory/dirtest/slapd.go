package dirtest

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Settings of the slapd instances.
const (
	slapdBinary       = "/usr/sbin/slapd"
	slapdSuffix       = "dc=example,dc=test"
	slapdRootDN       = "cn=admin," + slapdSuffix
	slapdRootPassword = "Admin-Password-1"
	slapdReadyTimeout = 10 * time.Second
	slapdStopTimeout  = 10 * time.Second
)

// slapdConfig is the slapd.conf template; %[1]s is the instance directory,
// %[2]s %[3]s %[4]s the CA, certificate and key files, %[5]s the rootpw.
const slapdConfig = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
TLSCACertificateFile %[2]s
TLSCertificateFile %[3]s
TLSCertificateKeyFile %[4]s

database mdb
suffix "` + slapdSuffix + `"
rootdn "` + slapdRootDN + `"
rootpw %[5]s
directory %[1]s/data
index objectClass,uid,cn,member,memberOf eq
access to attrs=userPassword
	by self write
	by anonymous auth
	by * none
access to *
	by * read
overlay memberof
`

// slapdInstance is one slapd of one test.
type slapdInstance struct {
	mu            sync.Mutex // serializes start and stop
	dir           string
	conf          string
	files         tlsFiles
	port, tlsPort int
	proc          *proc // nil while stopped
}

// Slapd starts a new OpenLDAP server on free ports for this test, stopped
// and removed when t ends. It skips t (t.Skip with a message naming the
// missing packages) when slapd/ldap-utils are not installed.
func Slapd(t testing.TB) *Server {
	t.Helper()
	skipUnlessInstalled(t, "slapd and ldap-utils", slapdBinary, "/usr/sbin/slaptest", "/usr/bin/ldapsearch", "/usr/bin/ldapadd")
	began := time.Now()
	s, err := newSlapd(t.TempDir())
	if err != nil {
		t.Fatalf("dirtest: slapd: %v", err)
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("dirtest: slapd: %v", err)
		}
	})
	// Another process may take a port between freePorts and slapd's bind.
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			t.Fatalf("dirtest: slapd: %v", err)
		}
		s.port, s.tlsPort = ports[0], ports[1]
		err = s.start()
		if err == nil {
			break
		}
		if attempt == 5 || !strings.Contains(err.Error(), "Address already in use") {
			t.Fatalf("dirtest: slapd: %v", err)
		}
	}
	if err := s.load(); err != nil {
		t.Fatalf("dirtest: slapd: %v", err)
	}
	t.Logf("dirtest: slapd ready on ports %d (ldap) and %d (ldaps) in %v", s.port, s.tlsPort, time.Since(began).Round(time.Millisecond))
	return &Server{
		Kind:         kindLDAP,
		Domain:       "example.test",
		URL:          fmt.Sprintf("ldap://127.0.0.1:%d", s.port),
		LDAPSURL:     fmt.Sprintf("ldaps://127.0.0.1:%d", s.tlsPort),
		BaseDN:       slapdSuffix,
		BindDN:       slapdRootDN,
		BindPassword: slapdRootPassword,
		CAFile:       s.files.CA,
		Stop: func(t testing.TB) {
			t.Helper()
			if err := s.stop(); err != nil {
				t.Fatalf("dirtest: slapd: %v", err)
			}
		},
		Start: func(t testing.TB) {
			t.Helper()
			if err := s.start(); err != nil {
				t.Fatalf("dirtest: slapd: %v", err)
			}
		},
	}
}

// newSlapd writes certificates and configuration of a slapd into dir.
func newSlapd(dir string) (*slapdInstance, error) {
	files, err := writeCerts(dir)
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	rootpw, err := ssha(slapdRootPassword)
	if err != nil {
		return nil, err
	}
	s := &slapdInstance{dir: dir, conf: filepath.Join(dir, "slapd.conf"), files: files}
	conf := fmt.Sprintf(slapdConfig, dir, files.CA, files.Cert, files.Key, rootpw)
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("write configuration: %w", err)
	}
	if _, err := runTool(nil, "/usr/sbin/slaptest", "-Q", "-u", "-f", s.conf); err != nil {
		return nil, fmt.Errorf("check configuration: %w", err)
	}
	return s, nil
}

// start runs slapd in the foreground on the instance's ports and waits until
// it answers StartTLS and LDAPS binds. "-d none" keeps it in the foreground
// and logs only its errors (to slapd.log). It does nothing if slapd runs.
func (s *slapdInstance) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	urls := fmt.Sprintf("ldap://127.0.0.1:%d/ ldaps://127.0.0.1:%d/", s.port, s.tlsPort)
	p, err := startProc(filepath.Join(s.dir, "slapd.log"), slapdBinary, "-d", "none", "-f", s.conf, "-h", urls)
	if err != nil {
		return err
	}
	err = waitFor(slapdReadyTimeout, p.done, func() error {
		if _, err := ldapSearch(s.files.CA, fmt.Sprintf("ldaps://127.0.0.1:%d", s.tlsPort), false, slapdRootDN, slapdRootPassword, "", "base", "(objectClass=*)"); err != nil {
			return err
		}
		_, err := ldapSearch(s.files.CA, fmt.Sprintf("ldap://127.0.0.1:%d", s.port), true, slapdRootDN, slapdRootPassword, "", "base", "(objectClass=*)")
		return err
	})
	if err != nil {
		_ = p.stop(slapdStopTimeout)
		return fmt.Errorf("start on ports %d and %d: %w\n%s", s.port, s.tlsPort, err, p.tail())
	}
	s.proc = p
	return nil
}

// stop terminates slapd and waits until its ports refuse connections. It
// does nothing if slapd is stopped.
func (s *slapdInstance) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	p := s.proc
	s.proc = nil
	if err := p.stop(slapdStopTimeout); err != nil {
		return err
	}
	return waitClosed(slapdStopTimeout, fmt.Sprintf("127.0.0.1:%d", s.port), fmt.Sprintf("127.0.0.1:%d", s.tlsPort))
}

// load adds the fixture with ldapadd, so that the memberof overlay sees it.
func (s *slapdInstance) load() error {
	ldif, err := slapdFixtureLDIF()
	if err != nil {
		return err
	}
	path := filepath.Join(s.dir, "fixture.ldif")
	if err := os.WriteFile(path, []byte(ldif), 0o600); err != nil {
		return fmt.Errorf("write fixture: %w", err)
	}
	_, err = runTool(ldapEnv(s.files.CA), "ldapadd", "-x", "-H", fmt.Sprintf("ldaps://127.0.0.1:%d", s.tlsPort),
		"-D", slapdRootDN, "-w", slapdRootPassword, "-f", path)
	if err != nil {
		return fmt.Errorf("load fixture: %w", err)
	}
	return nil
}

// slapdFixtureLDIF returns the fixture as LDIF for ldapadd.
func slapdFixtureLDIF() (string, error) {
	users, groups := fixture()
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n", slapdSuffix)
	fmt.Fprintf(&b, "dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n", slapdSuffix)
	fmt.Fprintf(&b, "dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n", slapdSuffix)
	isUser := map[string]bool{}
	for _, u := range users {
		isUser[u.Name] = true
		pw, err := ssha(u.Password)
		if err != nil {
			return "", err
		}
		full := u.Given + " " + u.Surname
		fmt.Fprintf(&b, "dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\ngivenName: %s\nsn: %s\ndisplayName: %s\nmail: %s@example.test\nuserPassword: %s\n\n",
			u.Name, slapdSuffix, u.Name, full, u.Given, u.Surname, full, u.Name, pw)
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "dn: cn=%s,ou=groups,%s\nobjectClass: groupOfNames\ncn: %s\n", g.Name, slapdSuffix, g.Name)
		for _, m := range g.Members {
			if isUser[m] {
				fmt.Fprintf(&b, "member: uid=%s,ou=people,%s\n", m, slapdSuffix)
			} else {
				fmt.Fprintf(&b, "member: cn=%s,ou=groups,%s\n", m, slapdSuffix)
			}
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// ssha returns the {SSHA} userPassword value of password, as slappasswd makes.
func ssha(password string) (string, error) {
	salt := make([]byte, 8)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	h := sha1.New()
	h.Write([]byte(password))
	h.Write(salt)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(h.Sum(nil), salt...)), nil
}
