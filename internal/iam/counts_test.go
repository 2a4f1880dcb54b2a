package iam

import (
	"slices"
	"testing"
	"time"
)

// TestCounts: each count follows its list's privilege; the numbers are
// those of the organization the principal acts in.
func TestCounts(t *testing.T) {
	svc, _, _ := newTestService(t, Config{})
	ctx := t.Context()
	admin := principalOf(t, svc, "admin", "admin-Password-1")
	if _, err := svc.CreateUsers(ctx, admin, []NewUser{
		{Username: "vera", Domain: LocalDomain, Password: "vera-Password-1", Roles: []string{RoleViewer}},
		{Username: "lou", Domain: LocalDomain, Password: "lou-Password-1", Locked: true},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := login(t, svc, "vera", "wrong-Password-1"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	svc.Wait()
	q := CountsQuery{KeysWithin: 7 * 24 * time.Hour, FailedSince: svc.now().Add(-24 * time.Hour)}
	c, err := svc.Counts(ctx, admin, q)
	if err != nil {
		t.Fatal(err)
	}
	val := func(n *int64) int64 {
		if n == nil {
			return -1
		}
		return *n
	}
	got := []int64{val(c.Users), val(c.LockedUsers), val(c.Groups), val(c.LiveSessions), val(c.ExpiringKeys), val(c.FailedLogins)}
	want := []int64{3, 1, 0, 1, 0, 1}
	if !slices.Equal(got, want) {
		t.Errorf("admin's counts %v, want %v", got, want)
	}
	vera := principalOf(t, svc, "vera", "vera-Password-1")
	c, err = svc.Counts(ctx, vera, q)
	if err != nil {
		t.Fatal(err)
	}
	if c.Users == nil || *c.Users != 3 || c.ExpiringKeys != nil {
		t.Errorf("a viewer's counts: users %v, keys %v; want 3 and none", val(c.Users), val(c.ExpiringKeys))
	}
}

// TestEndOtherSessions: the caller's session lasts, its others end.
func TestEndOtherSessions(t *testing.T) {
	svc, _, _ := newTestService(t, Config{})
	ctx := t.Context()
	other := mustLogin(t, svc)
	p := principalOf(t, svc, "admin", "admin-Password-1")
	if err := svc.EndOtherSessions(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, Credential{CredSession, other}); KindOf(err) != KindUnauthenticated {
		t.Errorf("the other session: %v, want it ended", err)
	}
	counts, err := svc.SessionCounts(ctx, p, []string{p.User.SID})
	if err != nil || len(counts) != 1 || counts[0].Count != 1 {
		t.Errorf("sessions left %v (%v), want the caller's one", counts, err)
	}
}
