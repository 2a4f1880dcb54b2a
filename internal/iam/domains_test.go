package iam

import (
	"context"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

// unreachableLDAP is an LDAP provider for domain name whose server does
// not answer: saved anyway.
func unreachableLDAP(name string) domainspec.LDAP {
	return domainspec.LDAP{Name: ptr(name), DomainName: ptr(name), BaseDistinguishedName: ptr("dc=x"),
		AuthType: ptr(domainspec.AuthSimple), PreferredLdapServers: []string{"127.0.0.1:1"},
		SimpleAuthParams: &domainspec.SimpleAuthParams{UserDistinguishedName: ptr("cn=a,dc=x"), UserPassword: ptr("pw")}}
}

// unreachableAD is an AD domain name whose controller does not answer.
func unreachableAD(name string) domainspec.ADRequest {
	return domainspec.ADRequest{AD: domainspec.AD{DomainName: ptr(name),
		MachineAccounts:            []domainspec.MachineAccount{{Name: "CIAM1"}},
		PreferredDomainControllers: []domainspec.DomainController{{Name: "127.0.0.1:1"}}},
		ActiveDirectoryAdminParams: &domainspec.AdminParams{Username: ptr("a"), Password: ptr("b")}}
}

// TestDomainReach: changing, deleting or re-creating a domain needs
// every privilege its users hold on the cluster, beside AD_LDAP_MODIFY:
// whoever points a domain at another server decides who its users are.
func TestDomainReach(t *testing.T) {
	ctx := context.Background()
	svc, _, st := newTestService(t, Config{})
	admin := adminOf(t, svc)
	mgr := userWithRole(t, svc, admin, "dirmgr", RoleInput{Name: "DirMgr", Privileges: []string{PrivADLDAPView, PrivADLDAPModify}})
	corp, err := svc.CreateLDAPProvider(ctx, mgr, unreachableLDAP("corp.example"), true)
	if err != nil {
		t.Fatalf("a domain nobody is in: %v", err)
	}
	// An administrator of the domain, as if added from its directory.
	adminOf := func(domain, sid string) {
		t.Helper()
		err := st.Update(ctx, func(tx store.Tx) error {
			return tx.CreateUsers(ctx, []store.User{{SID: sid, Domain: domain, Username: "boss", Roles: []string{RoleAdmin}, Groups: []string{},
				DirectoryGroups: []string{}, SourceIDs: []int64{}, ViewIDs: []int64{}}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	adminOf("corp.example", "S-1-5-21-1-2-3-1001")
	upd := unreachableLDAP("corp.example")
	upd.ID = corp.ID
	upd.PreferredLdapServers = []string{"attacker.example"}
	for what, err := range map[string]error{
		"update": second(svc.UpdateLDAPProvider(ctx, mgr, upd, true)),
		"delete": svc.DeleteLDAPProvider(ctx, mgr, *corp.ID),
	} {
		if KindOf(err) != KindForbidden {
			t.Errorf("%s of a domain whose user is an admin, by a directory manager: %v, want forbidden", what, err)
		}
	}
	if _, err := svc.UpdateLDAPProvider(ctx, admin, upd, true); err != nil {
		t.Errorf("the same update by the admin: %v", err)
	}

	// A domain deleted with its admin user left behind cannot be made
	// anew by whoever could not have changed it.
	left, err := svc.CreateActiveDirectory(ctx, admin, unreachableAD("left.example"), true)
	if err != nil {
		t.Fatal(err)
	}
	adminOf("left.example", "S-1-5-21-1-2-3-1002")
	if err := svc.DeleteActiveDirectory(ctx, admin, *left.ID, ADLeave{}); KindOf(err) != KindInvalid {
		t.Errorf("delete with a user left and no credentials: %v, want invalid", err)
	}
	if err := svc.DeleteActiveDirectory(ctx, admin, *left.ID, ADLeave{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateActiveDirectory(ctx, mgr, unreachableAD("left.example"), true); KindOf(err) != KindForbidden {
		t.Errorf("re-creating a domain whose leftover user is an admin: %v, want forbidden", err)
	}
	if _, err := svc.CreateActiveDirectory(ctx, mgr, unreachableAD("new.example"), true); err != nil {
		t.Errorf("a new domain: %v", err)
	}
}

// TestDomainReachesReplica: a domain created on one replica is served by
// another within a second, and a deleted one stops being served as soon.
func TestDomainReachesReplica(t *testing.T) {
	ctx := context.Background()
	be := testbackend.Open(t)
	box, err := auth.NewSecretBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	a, err := New(ctx, be.Store, h, box, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Wait)
	if _, err := a.EnsureAdmin(ctx, "admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	// Another store on the same database: no change it hears of but
	// through the database.
	b, err := New(ctx, be.Reopen(t), h, box, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Wait)
	const name = "replica.example"
	if b.domainByName(ctx, name) != nil { // read now, kept a while
		t.Fatal("a domain before any was made")
	}
	admin, err := a.Authenticate(ctx, Credential{CredSession, mustLogin(t, a)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := a.CreateLDAPProvider(ctx, admin, unreachableLDAP(name), true)
	if err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, done func() bool) {
		t.Helper()
		start := time.Now()
		for !done() {
			if time.Since(start) > time.Second { // the bound issue 16 sets
				t.Fatalf("the other replica: %s after %v", what, time.Since(start))
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("the other replica: %s after %v", what, time.Since(start).Round(10*time.Millisecond))
	}
	waitFor("serves the new domain", func() bool { return b.domainByName(ctx, name) != nil })
	if err := a.DeleteLDAPProvider(ctx, admin, *l.ID); err != nil {
		t.Fatal(err)
	}
	waitFor("forgets the deleted domain", func() bool { return b.domainByName(ctx, name) == nil })
}
