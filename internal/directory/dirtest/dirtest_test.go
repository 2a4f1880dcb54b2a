package dirtest

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/testtier"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

// flavor describes how the fixture looks on one kind of server.
type flavor struct {
	name    string
	server  func(testing.TB) *Server
	userDN  func(name, fullName string) string
	groupDN func(name string) string
	// userBind is the bind name of a user: a DN, or a UPN on AD.
	userBind func(name, fullName string) string
	// userFilter finds a user by login name.
	userFilter func(name string) string
}

func flavors() []flavor {
	return []flavor{{
		name:       "slapd",
		server:     Slapd,
		userDN:     func(name, _ string) string { return "uid=" + name + ",ou=people,dc=example,dc=test" },
		groupDN:    func(name string) string { return "cn=" + name + ",ou=groups,dc=example,dc=test" },
		userBind:   func(name, _ string) string { return "uid=" + name + ",ou=people,dc=example,dc=test" },
		userFilter: func(name string) string { return "(uid=" + name + ")" },
	}, {
		name:       "samba",
		server:     SambaAD,
		userDN:     func(_, fullName string) string { return "CN=" + fullName + ",CN=Users,DC=example,DC=test" },
		groupDN:    func(name string) string { return "CN=" + name + ",CN=Users,DC=example,DC=test" },
		userBind:   func(name, _ string) string { return name + "@example.test" },
		userFilter: func(name string) string { return "(sAMAccountName=" + name + ")" },
	}}
}

// entry is one entry of ldapsearch's LDIF output.
type entry struct {
	dn    string
	attrs map[string][]string
}

// parseLDIF parses unwrapped LDIF (base64 values are kept encoded).
func parseLDIF(out string) []entry {
	var entries []entry
	for _, block := range strings.Split(strings.TrimSpace(out), "\n\n") {
		var e entry
		e.attrs = map[string][]string{}
		for _, line := range strings.Split(block, "\n") {
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				continue
			}
			if k == "dn" {
				e.dn = v
			} else {
				e.attrs[strings.ToLower(k)] = append(e.attrs[strings.ToLower(k)], v)
			}
		}
		if e.dn != "" {
			entries = append(entries, e)
		}
	}
	return entries
}

// search binds as bindDN and searches the subtree of srv.BaseDN, over
// StartTLS on srv.URL or over srv.LDAPSURL.
func search(t *testing.T, srv *Server, startTLS bool, bindDN, password, filter string, attrs ...string) []entry {
	t.Helper()
	u := srv.LDAPSURL
	if startTLS {
		u = srv.URL
	}
	out, err := ldapSearch(srv.CAFile, u, startTLS, bindDN, password, srv.BaseDN, "sub", filter, attrs...)
	if err != nil {
		t.Fatalf("search %s as %s for %s: %v", u, bindDN, filter, err)
	}
	return parseLDIF(out)
}

func dns(entries []entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, strings.ToLower(e.dn))
	}
	slices.Sort(out)
	return out
}

func lowerSorted(values ...string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.ToLower(v)
	}
	slices.Sort(out)
	return out
}

func hostPort(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestServers(t *testing.T) {
	for _, f := range flavors() {
		t.Run(f.name, func(t *testing.T) {
			began := time.Now()
			srv := f.server(t)
			t.Logf("%s: ready after %v: %+v", f.name, time.Since(began).Round(time.Millisecond), *srv)
			if srv.Domain != "example.test" || !strings.EqualFold(srv.BaseDN, "dc=example,dc=test") {
				t.Errorf("Domain %q BaseDN %q", srv.Domain, srv.BaseDN)
			}

			t.Run("TLS", func(t *testing.T) {
				for _, startTLS := range []bool{true, false} {
					got := search(t, srv, startTLS, srv.BindDN, srv.BindPassword, f.userFilter("alice"), "mail", "cn")
					if len(got) != 1 || !strings.EqualFold(got[0].dn, f.userDN("alice", "Alice Doe")) ||
						!slices.Equal(got[0].attrs["mail"], []string{"alice@example.test"}) || !slices.Equal(got[0].attrs["cn"], []string{"Alice Doe"}) {
						t.Errorf("startTLS=%v: alice = %+v", startTLS, got)
					}
				}
				// The certificate verifies for 127.0.0.1 with Go's TLS stack too.
				if err := tlsDialCheck(hostPort(t, srv.LDAPSURL), srv.CAFile); err != nil {
					t.Error(err)
				}
			})

			t.Run("Fixture", func(t *testing.T) {
				for _, u := range [][2]string{{"alice", "Alice Doe"}, {"bob", "Bob Roe"}, {"carol", "Carol Poe"}, {"dave", "Dave Moe"}} {
					got := search(t, srv, false, srv.BindDN, srv.BindPassword, f.userFilter(u[0]), "memberOf")
					if len(got) != 1 || !strings.EqualFold(got[0].dn, f.userDN(u[0], u[1])) {
						t.Errorf("%s: %+v", u[0], got)
						continue
					}
					want := map[string][]string{"alice": {"ops"}, "bob": {"eng"}, "carol": nil, "dave": {"ops", "eng"}}[u[0]]
					var wantDNs []string
					for _, g := range want {
						wantDNs = append(wantDNs, f.groupDN(g))
					}
					if got, want := lowerSorted(got[0].attrs["memberof"]...), lowerSorted(wantDNs...); !slices.Equal(got, want) {
						t.Errorf("%s memberOf = %q, want %q", u[0], got, want)
					}
				}
				for _, g := range [][2]string{{"staff", "eng"}, {"all-staff", "staff"}} {
					got := search(t, srv, false, srv.BindDN, srv.BindPassword, "(cn="+g[0]+")", "member")
					if len(got) != 1 || !slices.Equal(lowerSorted(got[0].attrs["member"]...), lowerSorted(f.groupDN(g[1]))) {
						t.Errorf("%s: %+v, want member %s", g[0], got, f.groupDN(g[1]))
					}
				}
				if f.name == "samba" {
					// AD resolves nesting itself: LDAP_MATCHING_RULE_IN_CHAIN.
					got := search(t, srv, false, srv.BindDN, srv.BindPassword, "(member:1.2.840.113556.1.4.1941:="+f.userDN("bob", "Bob Roe")+")", "cn")
					want := lowerSorted(f.groupDN("eng"), f.groupDN("staff"), f.groupDN("all-staff"))
					if !slices.Equal(dns(got), want) {
						t.Errorf("bob's groups through nesting = %q, want %q", dns(got), want)
					}
				}
			})

			t.Run("UserBind", func(t *testing.T) {
				got := search(t, srv, true, f.userBind("alice", "Alice Doe"), "Alice-Password-1", f.userFilter("alice"), "cn")
				if len(got) != 1 {
					t.Errorf("alice sees herself: %+v", got)
				}
				_, err := ldapSearch(srv.CAFile, srv.LDAPSURL, false, f.userBind("alice", "Alice Doe"), "Wrong-Password-1", srv.BaseDN, "base", "(objectClass=*)")
				if err == nil || !strings.Contains(err.Error(), "Invalid credentials (49)") {
					t.Errorf("bind with a wrong password: %v, want Invalid credentials (49)", err)
				}
			})

			t.Run("StopStart", func(t *testing.T) {
				began := time.Now()
				srv.Stop(t)
				stopped := time.Since(began)
				for _, u := range []string{srv.URL, srv.LDAPSURL} {
					if listening(hostPort(t, u)) {
						t.Errorf("%s accepts connections after Stop", u)
					}
				}
				srv.Stop(t) // stopping a stopped server does nothing
				began = time.Now()
				srv.Start(t)
				t.Logf("stop took %v, start %v", stopped.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
				got := search(t, srv, true, f.userBind("bob", "Bob Roe"), "Bob-Password-1", f.userFilter("bob"), "cn")
				if len(got) != 1 {
					t.Errorf("bob after restart: %+v", got)
				}
			})
			if f.name == "samba" {
				t.Run("StopReleasesEveryPort", func(t *testing.T) { testStopReleasesEveryPort(t, srv) })
			}
		})
	}
}

// TestSambaShared checks that SambaAD hands out one server at a time and
// starts it again if a test left it stopped.
func TestSambaShared(t *testing.T) {
	a := SambaAD(t)
	a.Stop(t)
	b := SambaAD(t)
	if a.CAFile != b.CAFile {
		t.Errorf("a second SambaAD made a new server: %s, %s", a.CAFile, b.CAFile)
	}
	if _, err := ldapSearch(b.CAFile, b.LDAPSURL, false, b.BindDN, b.BindPassword, b.BaseDN, "base", "(objectClass=*)"); err != nil {
		t.Errorf("SambaAD after Stop: %v", err)
	}
}

// testStopReleasesEveryPort stops and starts the Samba DC srv in a tight
// loop. Once Start returns it binds every port of sambaEndpoints; once Stop
// returns nothing binds any of them, nor any port samba's processes held:
// the lock goes to the next test process right after the same work when the
// DC is closed, and that process must find the ports free ("something
// already binds").
func testStopReleasesEveryPort(t *testing.T, srv *Server) {
	pgid := func() int {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		return shared.inst.proc.pgid()
	}
	rounds := testtier.Pick(t, "stop-start rounds", 1, 10)
	for round := range rounds {
		group := pgid()
		held, err := groupEndpoints(group)
		if err != nil {
			t.Fatal(err)
		}
		if missing := missingFrom(sambaEndpoints(), held); len(missing) > 0 {
			t.Fatalf("round %d: after Start samba binds %v, not %v", round, held, missing)
		}
		srv.Stop(t)
		busy, err := boundOf(sambaEndpoints())
		if err != nil {
			t.Fatal(err)
		}
		left, err := groupEndpoints(group)
		if err != nil {
			t.Fatal(err)
		}
		if len(busy) > 0 || len(left) > 0 {
			t.Fatalf("round %d: after Stop %v are still bound, and samba's processes still hold %v of %v", round, busy, left, held)
		}
		srv.Start(t)
	}
}

func TestEditGlobal(t *testing.T) {
	conf := t.TempDir() + "/smb.conf"
	in := "# c\n[global]\n\tlog file = /var/log/x\n\tworkgroup = X\n\n[homes]\n\tlog file = keep\n"
	if err := os.WriteFile(conf, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := editGlobal(conf, [][2]string{{"log file", "/tmp/y"}, {"tls enabled", "yes"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(conf)
	want := "# c\n[global]\n\tlog file = /tmp/y\n\ttls enabled = yes\n\tworkgroup = X\n\n[homes]\n\tlog file = keep\n"
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

// TestTemplateManifest: a template with a file missing is not used.
func TestTemplateManifest(t *testing.T) {
	dir := t.TempDir()
	if templateComplete(dir) {
		t.Error("a directory without a manifest counts as a template")
	}
	for _, f := range []string{"etc/smb.conf", "private/sam.ldb"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeManifest(dir); err != nil {
		t.Fatal(err)
	}
	if !templateComplete(dir) {
		t.Error("a whole template counts as incomplete")
	}
	if err := os.Remove(filepath.Join(dir, "private/sam.ldb")); err != nil {
		t.Fatal(err)
	}
	if templateComplete(dir) {
		t.Error("a template without private/sam.ldb counts as complete")
	}
}
