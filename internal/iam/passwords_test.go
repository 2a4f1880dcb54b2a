package iam

import (
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/secconfig"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

// setSecurity changes the security config as the admin does, failing t on
// error.
func setSecurity(t *testing.T, svc *Service, admin *Principal, body string) {
	t.Helper()
	upd, err := secconfig.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSecurityConfig(t.Context(), admin, upd); err != nil {
		t.Fatalf("PUT %s: %v", body, err)
	}
}

// principalOf logs user in with pw and returns its principal.
func principalOf(t *testing.T, svc *Service, user, pw string) *Principal {
	t.Helper()
	secret, err := login(t, svc, user, pw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(t.Context(), Credential{CredSession, secret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// changeOwn has p change its own password from cur to next.
func changeOwn(t *testing.T, svc *Service, p *Principal, cur, next string) error {
	t.Helper()
	_, err := svc.UpdateUser(t.Context(), p, p.User.SID, UserUpdate{Password: &next, CurrentPassword: &cur})
	return err
}

// setPassword has admin set user sid's password to pw.
func setPassword(t *testing.T, svc *Service, admin *Principal, sid, pw string) error {
	t.Helper()
	_, err := svc.UpdateUser(t.Context(), admin, sid, UserUpdate{Password: &pw})
	return err
}

// TestPasswordReuse: with numDisallowedOldPasswords N, a new password may
// be neither the current one nor one of the N-1 before it, whether users
// change their own or an administrator sets it; only N-1 former hashes
// are kept, as argon2id, and lowering N drops the ones no longer needed.
func TestPasswordReuse(t *testing.T) {
	ctx := t.Context()
	svc, _, st, admin, sid := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"passwordReuse":{"numDisallowedOldPasswords":3}}`)
	ops := principalOf(t, svc, "ops", "ops-Password-1")
	pws := []string{"ops-Password-1", "ops-Password-2", "ops-Password-3"}
	for i := 1; i < len(pws); i++ {
		if err := changeOwn(t, svc, ops, pws[i-1], pws[i]); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
	}
	cur := pws[2]
	for _, tc := range []struct {
		name, pw string
		admin    bool
	}{
		{"own: the current one", pws[2], false},
		{"own: the one before", pws[1], false},
		{"own: two before", pws[0], false},
		{"admin: the current one", pws[2], true},
		{"admin: two before", pws[0], true},
	} {
		var err error
		if tc.admin {
			err = setPassword(t, svc, admin, sid, tc.pw)
		} else {
			err = changeOwn(t, svc, ops, cur, tc.pw)
		}
		if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "passwordReuse.numDisallowedOldPasswords is 3") {
			t.Errorf("%s: %v, want 400 naming the setting", tc.name, err)
		}
	}
	old, err := st.PasswordHistory(ctx, sid)
	if err != nil || len(old) != 2 || !strings.HasPrefix(old[0], "$argon2id$") || strings.Contains(strings.Join(old, ""), "ops-Password") {
		t.Fatalf("former passwords kept: %q, %v; want 2 argon2id hashes", old, err)
	}

	// A fourth password pushes the first out of reach.
	if err := changeOwn(t, svc, ops, cur, "ops-Password-4"); err != nil {
		t.Fatal(err)
	}
	if err := setPassword(t, svc, admin, sid, pws[0]); err != nil {
		t.Errorf("the password three before, set by an admin: %v", err)
	}
	if old, _ := st.PasswordHistory(ctx, sid); len(old) != 2 {
		t.Errorf("%d former passwords kept, want 2", len(old))
	}

	// N = 1 refuses only the current one, and keeps none.
	setSecurity(t, svc, admin, `{"passwordReuse":{"numDisallowedOldPasswords":1}}`)
	if old, _ := st.PasswordHistory(ctx, sid); len(old) != 0 {
		t.Errorf("after lowering N to 1, %d former passwords kept, want 0", len(old))
	}
	err = setPassword(t, svc, admin, sid, pws[0])
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "is the current one;") {
		t.Errorf("the current one with N = 1: %v", err)
	}
	if err := setPassword(t, svc, admin, sid, "ops-Password-4"); err != nil {
		t.Errorf("the one before with N = 1: %v", err)
	}
}

// TestNewChars: the characters of the new password that the old one
// lacks, counted as multisets.
func TestNewChars(t *testing.T) {
	for _, tc := range []struct {
		old, pw string
		want    int
	}{
		{"abc", "abc", 0},
		{"abc", "cba", 0},
		{"abc", "aab", 1},
		{"abc", "abcd", 1},
		{"abc", "ABC", 3},
		{"aaa", "aaaa", 1},
		{"", "xyz", 3},
		{"Password-1", "Password-2", 1},
		{"héllo", "hello", 1},
		{"ab😀", "ab😀😀", 1},
	} {
		if got := newChars(tc.old, tc.pw); got != tc.want {
			t.Errorf("newChars(%q, %q) = %d, want %d", tc.old, tc.pw, got, tc.want)
		}
	}
}

// TestPasswordDifferentChars: with numDifferentChars D, users who change
// their own password must bring D characters the current one lacks; an
// administrator setting it is not held to it.
func TestPasswordDifferentChars(t *testing.T) {
	svc, _, _, admin, sid := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"passwordReuse":{"numDifferentChars":3}}`)
	ops := principalOf(t, svc, "ops", "ops-Password-1")
	err := changeOwn(t, svc, ops, "ops-Password-1", "ops-Password-12")
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "passwordReuse.numDifferentChars is 3") ||
		!strings.Contains(err.Error(), "holds 1") {
		t.Errorf("one new character: %v, want 400 naming the setting", err)
	}
	if err := changeOwn(t, svc, ops, "ops-Password-1", "ops-Password-1xyz"); err != nil {
		t.Errorf("three new characters: %v", err)
	}
	if err := setPassword(t, svc, admin, sid, "ops-Password-1xy"); err != nil {
		t.Errorf("an administrator's reset with one new character: %v", err)
	}
}

// TestPasswordLifetime: a password maxLifetimeDays old logs in with
// forcePasswordChange set, so that the session may only change it (the
// built-in admin's too); users may not change their own again within
// minLifetimeDays, unless it must be changed, while an administrator may.
func TestPasswordLifetime(t *testing.T) {
	ctx := t.Context()
	svc, clk, st, admin, sid := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"passwordLifetime":{"minLifetimeDays":2,"maxLifetimeDays":30}}`)
	day := 24 * time.Hour
	clk.add(30*day - time.Minute)
	if p := principalOf(t, svc, "ops", "ops-Password-1"); p.User.ForcePasswordChange {
		t.Fatal("a password a minute short of 30 days must be changed")
	}
	clk.add(time.Minute)
	ops := principalOf(t, svc, "ops", "ops-Password-1")
	if !ops.User.ForcePasswordChange {
		t.Fatal("a password 30 days old need not be changed")
	}
	if _, err := svc.ListUsers(ctx, ops, UserQuery{}); KindOf(err) != KindForbidden || !strings.Contains(err.Error(), "must be changed first") {
		t.Errorf("list users with an expired password: %v, want 403", err)
	}
	if _, err := svc.GetUser(ctx, ops, sid); err != nil {
		t.Errorf("read itself with an expired password: %v", err)
	}
	if u, _ := st.GetUser(ctx, sid); !u.ForcePasswordChange {
		t.Error("forcePasswordChange is not stored")
	}
	if p := principalOf(t, svc, "admin", "admin-Password-1"); !p.User.ForcePasswordChange {
		t.Error("the built-in admin's expired password need not be changed")
	}

	// The change ends it, and the new password must then wait 2 days.
	if err := changeOwn(t, svc, ops, "ops-Password-1", "ops-Password-2"); err != nil {
		t.Fatalf("change an expired password: %v", err)
	}
	ops = principalOf(t, svc, "ops", "ops-Password-2")
	if ops.User.ForcePasswordChange {
		t.Error("forcePasswordChange after the change")
	}
	clk.add(2*day - time.Minute)
	err := changeOwn(t, svc, ops, "ops-Password-2", "ops-Password-3")
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "passwordLifetime.minLifetimeDays is 2") ||
		!strings.Contains(err.Error(), "from 2030-02-02T") {
		t.Errorf("a change within minLifetimeDays: %v, want 400 saying when it may", err)
	}
	if err := setPassword(t, svc, admin, sid, "ops-Password-4"); err != nil {
		t.Errorf("an administrator's reset within minLifetimeDays: %v", err)
	}
	// A password that must be changed may be, however young.
	err = st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
			u.ForcePasswordChange = true
			return u, nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ops = principalOf(t, svc, "ops", "ops-Password-4")
	if err := changeOwn(t, svc, ops, "ops-Password-4", "ops-Password-5"); err != nil {
		t.Errorf("a young password that must be changed: %v", err)
	}
	clk.add(2 * day)
	if err := changeOwn(t, svc, ops, "ops-Password-5", "ops-Password-6"); err != nil {
		t.Errorf("a change after minLifetimeDays: %v", err)
	}
}

// TestPasswordExpiryWithRehash: an expired password still forces its
// change at the log-in that hashes it again with stronger parameters.
func TestPasswordExpiryWithRehash(t *testing.T) {
	ctx := t.Context()
	st := testbackend.Open(t).Store
	weak := openService(t, st, cheapParams)
	if _, err := weak.EnsureAdmin(ctx, "admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	setSecurity(t, weak, principalOf(t, weak, "admin", "admin-Password-1"), `{"passwordLifetime":{"maxLifetimeDays":30}}`)
	strong := cheapParams
	strong.MemoryKiB = 2048
	svc := openService(t, st, strong)
	svc.now = (&clock{t: time.Now().Add(31 * day)}).now
	if p := principalOf(t, svc, "admin", "admin-Password-1"); !p.User.ForcePasswordChange {
		t.Error("a log-in that rehashed an expired password did not force its change")
	}
	if u, _ := st.GetUserByName(ctx, "", LocalDomain, "admin"); !strings.Contains(u.PasswordHash, "m=2048") {
		t.Errorf("the password was not hashed again: %q", u.PasswordHash)
	}
}
