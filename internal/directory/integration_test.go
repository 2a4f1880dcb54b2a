package directory_test

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/directory/dirtest"
)

func TestMain(m *testing.M) { os.Exit(dirtest.Run(m)) }

// servers returns the two real directories of the fixture.
func servers(t *testing.T) map[string]func(t *testing.T) *dirtest.Server {
	return map[string]func(t *testing.T) *dirtest.Server{
		"ldap": func(t *testing.T) *dirtest.Server { return dirtest.Slapd(t) },
		"ad":   func(t *testing.T) *dirtest.Server { return dirtest.SambaAD(t) },
	}
}

// config is the domain of srv over StartTLS, verified against its CA.
func config(srv *dirtest.Server) directory.Config {
	return directory.Config{Domain: srv.Domain, Type: srv.Kind, URL: srv.URL, StartTLS: true,
		RootCA: srv.CAFile, BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN}
}

func newDir(t *testing.T, cfg directory.Config) *directory.Directory {
	t.Helper()
	d, err := directory.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDirectories(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			testLookups(t, srv)
			testAuthenticate(t, srv)
			testTLS(t, srv)
			testDown(t, srv)
		})
	}
}

func testLookups(t *testing.T, srv *dirtest.Server) {
	ctx := t.Context()
	d := newDir(t, config(srv))
	alice, err := d.User(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if alice.Name != "alice" || alice.FullName != "Alice Doe" || alice.Email != "alice@example.test" || alice.IsGroup {
		t.Errorf("alice = %+v", alice)
	}
	if !strings.HasPrefix(alice.SID, "S-1-5-21-") || !d.OwnsSID(ctx, alice.SID) {
		t.Errorf("alice's SID %q is not a SID of the domain", alice.SID)
	}
	if again, _ := d.User(ctx, "ALICE"); again.SID != alice.SID {
		t.Errorf("the same user looked up twice has SIDs %q and %q", alice.SID, again.SID)
	}
	ops, err := d.Group(ctx, "ops")
	if err != nil || !ops.IsGroup || ops.Name != "ops" || ops.SID == alice.SID {
		t.Errorf("group ops = %+v, %v", ops, err)
	}
	for _, sid := range []string{alice.SID, ops.SID} {
		p, err := d.BySID(ctx, sid)
		if err != nil || p.SID != sid {
			t.Errorf("BySID(%s) = %+v, %v", sid, p, err)
		}
	}
	if got, _ := d.BySID(ctx, ops.SID); !got.IsGroup {
		t.Error("BySID of a group says it is not one")
	}
	for _, bad := range []string{"nobody", "*", "alice)(uid=*", "al*", `alice\`, "alice)(|(objectClass=*"} {
		if p, err := d.User(ctx, bad); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("User(%q) = %+v, %v; want ErrNotFound (filter values are escaped)", bad, p, err)
		}
	}
	if _, err := d.Group(ctx, "nogroup"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := d.BySID(ctx, "S-1-5-21-1-2-3-4"); !errors.Is(err, directory.ErrNotFound) || d.OwnsSID(ctx, "S-1-5-21-1-2-3-4") {
		t.Errorf("a foreign SID: %v", err)
	}
}

func testAuthenticate(t *testing.T, srv *dirtest.Server) {
	ctx := t.Context()
	d := newDir(t, config(srv))
	sidOf := func(group string) string {
		g, err := d.Group(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		return g.SID
	}
	tests := []struct {
		user, password string
		err            error
		groups         []string
	}{
		{"alice", "Alice-Password-1", nil, []string{"ops"}},
		{"bob", "Bob-Password-1", nil, []string{"eng", "staff", "all-staff"}}, // nested twice
		{"dave", "Dave-Password-1", nil, []string{"ops", "eng", "staff", "all-staff"}},
		{"carol", "Carol-Password-1", nil, nil},
		{"alice", "wrong", directory.ErrInvalidCredentials, nil},
		{"alice", "", directory.ErrInvalidCredentials, nil},
		{"nobody", "Alice-Password-1", directory.ErrNotFound, nil},
		{"*", "Alice-Password-1", directory.ErrNotFound, nil},
		{"alice)(uid=*", "Alice-Password-1", directory.ErrNotFound, nil},
	}
	for _, tc := range tests {
		u, groups, err := d.Authenticate(ctx, tc.user, tc.password)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Authenticate(%q, %q) = %v, want %v", tc.user, tc.password, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Authenticate(%q): %v", tc.user, err)
			continue
		}
		var want []string
		for _, g := range tc.groups {
			want = append(want, sidOf(g))
		}
		slices.Sort(want)
		slices.Sort(groups)
		if u.Name != tc.user || !slices.Equal(groups, want) {
			t.Errorf("Authenticate(%q) = %s with groups %v, want groups %v (%v)", tc.user, u.Name, groups, want, tc.groups)
		}
	}
}

// testTLS: ldaps and StartTLS, verified against the CA or not verified.
func testTLS(t *testing.T, srv *dirtest.Server) {
	ctx := t.Context()
	variants := map[string]func(c *directory.Config){
		"StartTLS rootCA":   func(c *directory.Config) {},
		"StartTLS insecure": func(c *directory.Config) { c.RootCA, c.InsecureSkipVerify = "", true },
		"ldaps rootCA":      func(c *directory.Config) { c.URL, c.StartTLS = srv.LDAPSURL, false },
		"ldaps insecureSkipVerify": func(c *directory.Config) {
			c.URL, c.StartTLS, c.RootCA, c.InsecureSkipVerify = srv.LDAPSURL, false, "", true
		},
		"ldaps untrusted (refused)": func(c *directory.Config) { c.URL, c.StartTLS, c.RootCA = srv.LDAPSURL, false, "" },
	}
	for name, change := range variants {
		cfg := config(srv)
		change(&cfg)
		_, err := newDir(t, cfg).User(ctx, "alice")
		refused := strings.Contains(name, "refused")
		if refused != (err != nil) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// testDown: with the server stopped, calls fail with ErrUnavailable within
// the timeout; once it is back they work again.
func testDown(t *testing.T, srv *dirtest.Server) {
	ctx := t.Context()
	cfg := config(srv)
	cfg.Timeout = 2 * time.Second
	d := newDir(t, cfg)
	srv.Stop(t)
	restarted := false
	defer func() {
		if !restarted {
			srv.Start(t)
		}
	}()
	start := time.Now()
	_, _, err := d.Authenticate(ctx, "alice", "Alice-Password-1")
	if !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("Authenticate with the directory down: %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > cfg.Timeout+time.Second {
		t.Errorf("the failure took %v, beyond the %v timeout", took, cfg.Timeout)
	}
	srv.Start(t)
	restarted = true
	if _, _, err := d.Authenticate(context.WithoutCancel(ctx), "alice", "Alice-Password-1"); err != nil {
		t.Errorf("Authenticate after the directory is back: %v", err)
	}
}

// TestSlowDirectory: a server that accepts connections but never answers
// costs a caller no more than the timeout, and reads as unavailable.
func TestSlowDirectory(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	for _, url := range []string{"ldap://" + ln.Addr().String(), "ldaps://" + ln.Addr().String()} {
		d := newDir(t, directory.Config{Domain: "slow.test", Type: directory.TypeLDAP, URL: url,
			BindDN: "cn=admin,dc=slow,dc=test", BindPassword: "pw", BaseDN: "dc=slow,dc=test",
			InsecureSkipVerify: true, Timeout: 500 * time.Millisecond})
		start := time.Now()
		_, _, err := d.Authenticate(t.Context(), "alice", "pw")
		if !errors.Is(err, directory.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", url, err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %v for a 500ms timeout", url, took)
		}
	}
}
