package iam

import (
	"context"
	"testing"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
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
	admin, err := svc.Authenticate(ctx, Credential{CredSession, mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRole(ctx, admin, RoleInput{Name: "DirMgr", Privileges: []string{PrivADLDAPView, PrivADLDAPModify}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "dirmgr", Domain: LocalDomain, Password: "dirmgr-Password-1", Roles: []string{"DirMgr"}}}); err != nil {
		t.Fatal(err)
	}
	secret, err := login(t, svc, "dirmgr", "dirmgr-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := svc.Authenticate(ctx, Credential{CredSession, secret})
	if err != nil {
		t.Fatal(err)
	}
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
