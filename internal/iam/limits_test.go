package iam

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// TestMaxAPIKeysPerUser: a user holds at most the keys the limit allows;
// one more is refused with 400 saying so (a service account made 50,000
// for itself before, and every listing of them carried 24 MB).
func TestMaxAPIKeysPerUser(t *testing.T) {
	ctx := t.Context()
	svc, _, _ := newTestService(t, Config{MaxAPIKeysPerUser: 3})
	admin := adminPrincipal(t, svc)
	for i := range 3 {
		if _, _, err := svc.CreateAPIKey(ctx, admin, admin.User.SID, APIKeyInput{Name: fmt.Sprint("k", i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := svc.CreateAPIKey(ctx, admin, admin.User.SID, APIKeyInput{Name: "k3"})
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "holds 3 API keys") {
		t.Fatalf("a fourth key: %v, want 400 saying the user holds 3", err)
	}
	keys, err := svc.ListUserAPIKeys(ctx, admin, admin.User.SID, KeyQuery{})
	if err != nil || len(keys) != 3 {
		t.Fatalf("keys after the refusal: %d, %v", len(keys), err)
	}
}

// TestCreateUsersRefusedBeforeHashing: a bulk create that will be refused
// for a taken name, or for a role the caller may not grant, hashes no
// password. Before, 1,000 taken names cost 1,000 hashes (11.7 s) and
// slowed every log-in meanwhile.
func TestCreateUsersRefusedBeforeHashing(t *testing.T) {
	ctx := t.Context()
	svc, _, _ := newTestService(t, Config{})
	admin := adminPrincipal(t, svc)
	var batch []NewUser
	for i := range 50 {
		batch = append(batch, NewUser{Username: fmt.Sprint("u", i), Domain: LocalDomain, Password: "u-Password-123"})
	}
	if _, err := svc.CreateUsers(ctx, admin, batch); err != nil {
		t.Fatal(err)
	}
	manager, err := svc.CreateRole(ctx, admin, RoleInput{Name: "Manager", Privileges: []string{PrivPrincipalView, PrivPrincipalModify}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "mgr", Domain: LocalDomain, Password: "mgr-Password-123", Roles: []string{manager.Name}}}); err != nil {
		t.Fatal(err)
	}
	_, mgr, err := svc.Login(ctx, LoginInput{Username: "mgr", Password: "mgr-Password-123"}, store.SessionKindSession)
	if err != nil {
		t.Fatal(err)
	}
	granting := []NewUser{{Username: "x1", Domain: LocalDomain, Password: "x-Password-123", Roles: []string{RoleAdmin}}}
	for _, tc := range []struct {
		name string
		p    *Principal
		in   []NewUser
		kind Kind
	}{
		{"every name taken", admin, batch, KindConflict},
		{"the last name taken", admin, append([]NewUser{{Username: "fresh", Domain: LocalDomain, Password: "f-Password-123"}}, batch[49]), KindConflict},
		{"a role the caller may not grant", mgr, granting, KindForbidden},
	} {
		before := svc.hasher.Derived()
		_, err := svc.CreateUsers(ctx, tc.p, tc.in)
		if KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.kind)
		}
		if n := svc.hasher.Derived() - before; n != 0 {
			t.Errorf("%s: %d passwords hashed before the refusal, want none", tc.name, n)
		}
	}
}

// TestCurrentPassword: changing one's own password checks the current one
// as a log-in would: a wrong one counts towards the lock-out and is in the
// audit trail; an account without a password gets 400, not a 500.
func TestCurrentPassword(t *testing.T) {
	ctx := t.Context()
	svc, _, st, admin, sid := lockoutFixture(t, Config{})
	_, ops, err := svc.Login(ctx, LoginInput{Username: "ops", Password: "ops-Password-1"}, store.SessionKindSession)
	if err != nil {
		t.Fatal(err)
	}
	pw, wrong := "ops-Password-2", "Wrong-Password-1"
	for i := range 5 {
		_, err := svc.UpdateUser(ctx, ops, sid, UserUpdate{Password: &pw, CurrentPassword: &wrong})
		if KindOf(err) != KindInvalid {
			t.Fatalf("wrong current password %d: %v, want 400", i, err)
		}
		svc.Wait()
	}
	u, err := st.GetUser(ctx, sid)
	if err != nil || !u.Locked || u.LockedReason != FailedLoginAttempts {
		t.Fatalf("after 5 wrong current passwords: locked %v (%s), %v; want locked by failed log-ins", u.Locked, u.LockedReason, err)
	}
	if got := auditActions(t, st); strings.Count(strings.Join(got, " "), "LoginFailed") < 5 {
		t.Errorf("audit trail %v: want a LoginFailed entry per wrong current password", got)
	}

	// A service account (no password) sending a current password.
	users, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "svc", Domain: LocalDomain, Roles: []string{RoleViewer}}})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := svc.CreateAPIKey(ctx, admin, users[0].SID, APIKeyInput{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, Credential{CredAPIKey, key})
	if err != nil {
		t.Fatal(err)
	}
	cur := "anything-at-all-1"
	_, err = svc.UpdateUser(ctx, p, users[0].SID, UserUpdate{Password: &pw, CurrentPassword: &cur})
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("a service account's current password: %v, want 400 saying it has none", err)
	}
}
