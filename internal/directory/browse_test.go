package directory_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/directory/dirtest"
)

func names(ps []directory.Principal) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

// TestBrowse: principal search, the connection check and group
// memberships by SID, on both directories.
func TestBrowse(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			ctx := t.Context()
			d := newDir(t, config(srv))
			if err := d.Check(ctx); err != nil {
				t.Fatalf("Check: %v", err)
			}
			tests := []struct {
				term          string
				users, groups bool
				want          []string
			}{
				{"ali", true, true, []string{"alice"}},
				{"DOE", true, false, []string{"alice"}}, // the full name, any case
				{"staff", true, true, []string{"all-staff", "staff"}},
				{"staff", true, false, []string{}},
				{"ops", false, true, []string{"ops"}},
				{"*", true, true, []string{}}, // a filter value, escaped
				{"alice)(|(objectClass=*", true, true, []string{}},
				{`\2a`, true, true, []string{}},
			}
			for _, tc := range tests {
				got, err := d.Search(ctx, tc.term, tc.users, tc.groups, 50)
				if err != nil || !slices.Equal(names(got), tc.want) {
					t.Errorf("Search(%q, users %v, groups %v) = %v, %v; want %v", tc.term, tc.users, tc.groups, names(got), err, tc.want)
				}
			}
			if got, err := d.Search(ctx, "", true, true, 3); err != nil || len(got) != 3 {
				t.Errorf("Search with limit 3 = %d principals, %v", len(got), err)
			}
			alice, err := d.User(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			ops, _ := d.Group(ctx, "ops")
			groups, err := d.GroupsOf(ctx, alice.SID)
			if err != nil || !slices.Equal(groups, []string{ops.SID}) {
				t.Errorf("GroupsOf(alice) = %v, %v; want [%s]", groups, err, ops.SID)
			}
			if _, err := d.GroupsOf(ctx, ops.SID); !errors.Is(err, directory.ErrNotFound) {
				t.Errorf("GroupsOf(a group) = %v, want ErrNotFound", err)
			}
			bad := config(srv)
			bad.BindPassword = "wrong"
			if err := newDir(t, bad).Check(ctx); !errors.Is(err, directory.ErrUnavailable) || !strings.Contains(err.Error(), "service account") {
				t.Errorf("Check with a wrong bind password = %v", err)
			}
		})
	}
}

// TestMoreURLs: a domain whose first server does not answer is served by
// the next.
func TestMoreURLs(t *testing.T) {
	srv := dirtest.Slapd(t)
	cfg := config(srv)
	cfg.URL, cfg.MoreURLs = "ldap://127.0.0.1:1", []string{srv.URL}
	if err := newDir(t, cfg).Check(t.Context()); err != nil {
		t.Errorf("Check with the second URL up: %v", err)
	}
}

// TestJoin: the cluster joins the Samba domain as machine accounts made
// with the administrator's credentials, binds as the first, and leaves.
func TestJoin(t *testing.T) {
	srv := dirtest.SambaAD(t)
	ctx := t.Context()
	cfg := config(srv)
	cfg.URL, cfg.StartTLS = srv.LDAPSURL, false
	d := newDir(t, cfg)
	accounts := []string{"CIAMJOIN1", "CIAMJOIN2"}
	t.Cleanup(func() { _ = d.Leave(ctx, srv.BindDN, srv.BindPassword, accounts) })

	if _, err := d.Join(ctx, directory.JoinRequest{AdminUser: "Administrator", AdminPassword: "wrong", Accounts: accounts}); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("Join with a wrong admin password = %v", err)
	}
	joined, err := d.Join(ctx, directory.JoinRequest{AdminUser: "Administrator", AdminPassword: srv.BindPassword, Accounts: accounts})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(joined.BindDN, "CN=CIAMJOIN1,CN=Computers,") || len(joined.Password) < 40 {
		t.Errorf("joined as %q with a %d-character password", joined.BindDN, len(joined.Password))
	}
	asMachine := cfg
	asMachine.BindDN, asMachine.BindPassword = joined.BindDN, joined.Password
	m := newDir(t, asMachine)
	if err := m.Check(ctx); err != nil {
		t.Fatalf("bind as the machine account: %v", err)
	}
	if u, _, err := m.Authenticate(ctx, "alice", "Alice-Password-1"); err != nil || u.Name != "alice" {
		t.Errorf("log-in through the machine account: %+v, %v", u, err)
	}
	if _, err := d.Join(ctx, directory.JoinRequest{AdminUser: "Administrator", AdminPassword: srv.BindPassword, Accounts: accounts[:1]}); !errors.Is(err, directory.ErrExists) {
		t.Errorf("a second join without overwrite = %v, want ErrExists", err)
	}
	again, err := d.Join(ctx, directory.JoinRequest{AdminUser: "Administrator", AdminPassword: srv.BindPassword, Accounts: accounts[:1], Overwrite: true})
	if err != nil || again.BindDN != joined.BindDN || again.Password == joined.Password {
		t.Errorf("join with overwrite = %q, %v", again.BindDN, err)
	}
	// The old password may still bind a while: Active Directory allows
	// an old password for an hour after a reset.
	dcs, err := d.Controllers(ctx)
	if err != nil || len(dcs) == 0 {
		t.Errorf("Controllers = %+v, %v", dcs, err)
	}
	if trusts, err := d.TrustedDomains(ctx); err != nil || len(trusts) != 0 {
		t.Errorf("TrustedDomains = %v, %v; the test domain trusts none", trusts, err)
	}
	if err := d.Leave(ctx, "Administrator", srv.BindPassword, accounts); err != nil {
		t.Fatal(err)
	}
	asMachine.BindPassword = again.Password
	if err := newDir(t, asMachine).Check(ctx); err == nil {
		t.Error("the machine account still binds after Leave")
	}
}
