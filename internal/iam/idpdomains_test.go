package iam

import (
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// TestIdPDomainUsers: users and groups of an identity provider's domain
// are added by name, without a password or members, are no password
// log-in domain, and hold the roles their provider gave them.
func TestIdPDomainUsers(t *testing.T) {
	svc, _, st := newTestService(t, Config{})
	ctx := t.Context()
	admin, err := svc.Authenticate(ctx, Credential{Kind: CredSession, Secret: mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.CreateDirectoryDomain(ctx, store.DirectoryDomain{Type: store.DirectorySAML, Domain: "sso.example.com",
			Spec: []byte(`{"saml":{}}`), CreatedMsecs: 1, UpdatedMsecs: 1})
		return err
	}))
	svc.staleDomains()

	if got := svc.LoginDomains(ctx); slices.Contains(got, "sso.example.com") {
		t.Errorf("LoginDomains = %v, offers the provider's domain for a password", got)
	}
	_, err = svc.CreateUsers(ctx, admin, []NewUser{{Username: "ann", Domain: "SSO.example.com", Password: "Pass-word-12345", Roles: []string{"COHESITY_VIEWER"}}})
	if KindOf(err) != KindInvalid {
		t.Errorf("an IdP user with a password: %v, want invalid", err)
	}
	_, err = svc.CreateGroups(ctx, admin, []NewGroup{{Name: "ops", Domain: "sso.example.com", Members: []string{"S-1-1"}, Roles: []string{"COHESITY_VIEWER"}}})
	if KindOf(err) != KindInvalid {
		t.Errorf("an IdP group with members: %v, want invalid", err)
	}
	users, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "ann", Domain: "SSO.example.com", Roles: []string{"COHESITY_VIEWER"}}})
	must(err)
	u := users[0]
	if u.Domain != "sso.example.com" || u.PasswordHash != "" {
		t.Fatalf("IdP user = %s|%s hash %q, want domain sso.example.com and no password", u.Domain, u.Username, u.PasswordHash)
	}
	if _, err := login(t, svc, "ann", "anything"); err == nil {
		t.Error("an IdP user logged in with a password")
	}

	privs := func() []string {
		got, err := svc.store.GetUser(ctx, u.SID)
		must(err)
		p, err := svc.privilegesOf(ctx, st, got)
		must(err)
		return p
	}
	viewer := privs()
	if slices.Contains(viewer, PrivPrincipalModify) {
		t.Fatalf("a viewer holds %s", PrivPrincipalModify)
	}
	must(st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.UpdateUser(ctx, u.SID, func(u store.User) (store.User, error) {
			u.IdPRoles = []string{"COHESITY_ADMIN"}
			return u, nil
		})
		return err
	}))
	if got := privs(); !slices.Contains(got, PrivPrincipalModify) {
		t.Errorf("with the provider's COHESITY_ADMIN the user holds %v", got)
	}
}
