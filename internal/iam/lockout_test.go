package iam

import (
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// TestLockout: five wrong passwords within the window lock the account;
// the right password is then refused as any failure is, the credentials
// already issued keep working, and the lock ends by itself after its
// duration or when an admin ends it.
func TestLockout(t *testing.T) {
	ctx := t.Context()
	svc, clk, st := newTestService(t, Config{})
	const pw = "admin-Password-1"
	session, err := login(t, svc, "admin", pw)
	if err != nil {
		t.Fatal(err)
	}
	fail := func(n int) { failLogins(t, svc, n) }
	admin, err := st.GetUserByName(ctx, LocalDomain, "admin")
	if err != nil {
		t.Fatal(err)
	}
	state := func() store.User {
		u, err := st.GetUser(ctx, admin.SID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	fail(4)
	if u := state(); u.Locked || u.FailedLogins != 4 {
		t.Fatalf("after 4 failures: locked %v, %d failures", u.Locked, u.FailedLogins)
	}
	// Failures spread wider than the window do not add up.
	clk.add(16 * time.Minute)
	fail(4)
	if u := state(); u.Locked || u.FailedLogins != 4 {
		t.Fatalf("after 4 failures in a new window: locked %v, %d failures", u.Locked, u.FailedLogins)
	}
	fail(1)
	u := state()
	if !u.Locked || u.LockedReason != FailedLoginAttempts || u.LockedUntilMsecs != svc.nowMsecs()+15*60_000 {
		t.Fatalf("after 5 failures in 15 min: %+v", u)
	}
	if _, err := login(t, svc, "admin", pw); err != errBadLogin {
		t.Fatalf("right password while locked: %v, want the same answer as a wrong one", err)
	}
	if _, err := svc.Authenticate(ctx, Credential{Kind: CredSession, Secret: session}); err != nil {
		t.Errorf("a session made before the lock-out: %v", err)
	}

	// It ends by itself, and reads as ended before anyone logs in again.
	clk.add(15*time.Minute + time.Second)
	reader, err := svc.Authenticate(ctx, Credential{Kind: CredSession, Secret: session})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := svc.GetUser(ctx, reader, admin.SID)
	listed, err2 := svc.ListUsers(ctx, reader, store.UserFilter{SIDs: []string{admin.SID}})
	if err != nil || err2 != nil || shown.Locked || shown.LockedReason != NotLocked || len(listed) != 1 || listed[0].Locked {
		t.Fatalf("a lock that ran out still shows: read %v %q, listed %d (%v, %v)", shown.Locked, shown.LockedReason, len(listed), err, err2)
	}
	if _, err := login(t, svc, "admin", pw); err != nil {
		t.Fatalf("right password after the lock ran out: %v", err)
	}
	if u := state(); u.Locked || u.FailedLogins != 0 || u.LockedUntilMsecs != 0 {
		t.Errorf("after a log-in past the lock: %+v", u)
	}

	// Or an admin ends it.
	fail(5)
	p, err := svc.Authenticate(ctx, Credential{Kind: CredSession, Secret: session})
	if err != nil {
		t.Fatal(err)
	}
	unlock := false
	if _, err := svc.UpdateUser(ctx, p, admin.SID, UserUpdate{Locked: &unlock}); err != nil {
		t.Fatal(err)
	}
	if _, err := login(t, svc, "admin", pw); err != nil {
		t.Errorf("right password after an admin's unlock: %v", err)
	}

	// Unknown users fail the same way and write nothing.
	if _, err := login(t, svc, "nobody", pw); err != errBadLogin {
		t.Errorf("unknown user: %v", err)
	}
}

// TestLockoutOff: a negative threshold never locks.
func TestLockoutOff(t *testing.T) {
	svc, _, st := newTestService(t, Config{Lockout: LockoutPolicy{Threshold: -1}})
	for range 8 {
		login(t, svc, "admin", "Wrong-Password-1")
	}
	svc.Wait()
	u, err := st.GetUserByName(t.Context(), LocalDomain, "admin")
	if err != nil || u.Locked || u.FailedLogins != 0 {
		t.Errorf("with lock-out off: %+v, %v", u, err)
	}
}

// TestLockoutAgainAfterExpiry: once a lock-out has run out, further wrong
// passwords lock the account again, whether or not its owner logged in
// meanwhile; otherwise the failed log-ins on an account would be unbounded
// after its first lock-out.
func TestLockoutAgainAfterExpiry(t *testing.T) {
	ctx := t.Context()
	svc, clk, st := newTestService(t, Config{})
	const pw = "admin-Password-1"
	fail := func(n int) { failLogins(t, svc, n) }
	admin, err := st.GetUserByName(ctx, LocalDomain, "admin")
	if err != nil {
		t.Fatal(err)
	}
	fail(5)
	for round := range 3 {
		clk.add(15*time.Minute + time.Second) // the lock runs out
		fail(5)
		u, err := st.GetUser(ctx, admin.SID)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Locked || u.LockedReason != FailedLoginAttempts || u.LockedUntilMsecs <= svc.nowMsecs() {
			t.Fatalf("round %d: 5 failures after the lock ran out left %+v, want a new lock", round, u)
		}
		if _, err := login(t, svc, "admin", pw); err != errBadLogin {
			t.Fatalf("round %d: right password during the new lock: %v", round, err)
		}
	}
}

// failLogins fails n log-ins as admin, then waits until they are counted.
func failLogins(t *testing.T, svc *Service, n int) {
	t.Helper()
	for range n {
		if _, err := login(t, svc, "admin", "Wrong-Password-1"); KindOf(err) != KindUnauthenticated {
			t.Fatalf("wrong password: %v", err)
		}
	}
	svc.Wait()
}
