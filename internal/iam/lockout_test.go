package iam

import (
	"sync"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// lockoutFixture starts a service with an ordinary user "ops" (viewer) and
// returns the admin's principal and ops's sid.
func lockoutFixture(t *testing.T, cfg Config) (*Service, *clock, store.Store, *Principal, string) {
	t.Helper()
	svc, clk, st := newTestService(t, cfg)
	admin := adminPrincipal(t, svc)
	users, err := svc.CreateUsers(t.Context(), admin, []NewUser{{Username: "ops", Domain: LocalDomain,
		Password: "ops-Password-1", Roles: []string{RoleViewer}}})
	if err != nil {
		t.Fatal(err)
	}
	return svc, clk, st, admin, users[0].SID
}

// adminPrincipal logs in as admin and returns its principal.
func adminPrincipal(t *testing.T, svc *Service) *Principal {
	t.Helper()
	p, err := svc.Authenticate(t.Context(), Credential{CredSession, mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLockout: five wrong passwords within the window lock the account;
// the right password is then refused as any failure is, the credentials
// already issued keep working, and the lock ends by itself after its
// duration or when an admin ends it.
func TestLockout(t *testing.T) {
	ctx := t.Context()
	svc, clk, st, admin, sid := lockoutFixture(t, Config{})
	const pw = "ops-Password-1"
	session, err := login(t, svc, "ops", pw)
	if err != nil {
		t.Fatal(err)
	}
	fail := func(n int) { failLogins(t, svc, "ops", n) }
	state := func() store.User {
		u, err := st.GetUser(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	fail(4)
	if u := state(); u.Locked || u.FailedLogins != 4 || u.LoginsPending != 0 {
		t.Fatalf("after 4 failures: locked %v, %d failures, %d pending", u.Locked, u.FailedLogins, u.LoginsPending)
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
	if _, err := login(t, svc, "ops", pw); err != errBadLogin {
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
	shown, err := svc.GetUser(ctx, reader, sid)
	listed, err2 := svc.ListUsers(ctx, reader, UserQuery{SIDs: []string{sid}})
	if err != nil || err2 != nil || shown.Locked || shown.LockedReason != NotLocked || len(listed) != 1 || listed[0].Locked {
		t.Fatalf("a lock that ran out still shows: read %v %q, listed %d (%v, %v)", shown.Locked, shown.LockedReason, len(listed), err, err2)
	}
	if _, err := login(t, svc, "ops", pw); err != nil {
		t.Fatalf("right password after the lock ran out: %v", err)
	}
	if u := state(); u.Locked || u.FailedLogins != 0 || u.LockedUntilMsecs != 0 || u.LoginsPending != 0 {
		t.Errorf("after a log-in past the lock: %+v", u)
	}

	// Or an admin ends it.
	fail(5)
	unlock := false
	if _, err := svc.UpdateUser(ctx, admin, sid, UserUpdate{Locked: &unlock}); err != nil {
		t.Fatal(err)
	}
	if _, err := login(t, svc, "ops", pw); err != nil {
		t.Errorf("right password after an admin's unlock: %v", err)
	}

	// Unknown users fail the same way.
	if _, err := login(t, svc, "nobody", pw); err != errBadLogin {
		t.Errorf("unknown user: %v", err)
	}
}

// TestLockoutOff: a negative threshold never locks.
func TestLockoutOff(t *testing.T) {
	svc, _, st, _, sid := lockoutFixture(t, Config{Lockout: LockoutPolicy{Threshold: -1}})
	failLogins(t, svc, "ops", 8)
	u, err := st.GetUser(t.Context(), sid)
	if err != nil || u.Locked || u.FailedLogins != 0 || u.LoginsPending != 0 {
		t.Errorf("with lock-out off: %+v, %v", u, err)
	}
}

// TestLockoutAgainAfterExpiry: once a lock-out has run out, further wrong
// passwords lock the account again, whether or not its owner logged in
// meanwhile; otherwise the failed log-ins on an account would be unbounded
// after its first lock-out.
func TestLockoutAgainAfterExpiry(t *testing.T) {
	ctx := t.Context()
	svc, clk, st, _, sid := lockoutFixture(t, Config{})
	failLogins(t, svc, "ops", 5)
	for round := range 3 {
		clk.add(15*time.Minute + time.Second) // the lock runs out
		failLogins(t, svc, "ops", 5)
		u, err := st.GetUser(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Locked || u.LockedReason != FailedLoginAttempts || u.LockedUntilMsecs <= svc.nowMsecs() {
			t.Fatalf("round %d: 5 failures after the lock ran out left %+v, want a new lock", round, u)
		}
		if _, err := login(t, svc, "ops", "ops-Password-1"); err != errBadLogin {
			t.Fatalf("round %d: right password during the new lock: %v", round, err)
		}
	}
}

// TestLockoutConcurrent: wrong passwords sent all at once reach the
// password check no more often than the lock-out allows: each check is
// reserved on the account before it is made. Before reservations, 200
// parallel wrong log-ins were all checked (the lock-out was counted after
// the answers).
func TestLockoutConcurrent(t *testing.T) {
	svc, _, st, _, sid := lockoutFixture(t, Config{})
	const n = 60
	var wg sync.WaitGroup
	kinds := make(chan Kind, n)
	for range n {
		wg.Go(func() {
			_, err := login(t, svc, "ops", "Wrong-Password-1")
			kinds <- KindOf(err)
		})
	}
	wg.Wait()
	close(kinds)
	svc.Wait()
	u, err := st.GetUser(t.Context(), sid)
	if err != nil {
		t.Fatal(err)
	}
	// Every wrong password that was checked is a failure on the account.
	if !u.Locked || u.FailedLogins != 5 || u.LoginsPending != 0 {
		t.Fatalf("after %d parallel wrong passwords: locked %v, %d failures counted, %d pending; want locked, 5, 0",
			n, u.Locked, u.FailedLogins, u.LoginsPending)
	}
	for k := range kinds {
		if k != KindUnauthenticated && k != KindTooMany {
			t.Errorf("a parallel wrong log-in answered kind %v", k)
		}
	}
}

// TestSoftLockout: the built-in admin, and the last administrator, are
// never locked out by failed log-ins; past the threshold each further
// check waits a growing delay, during which even the right password is
// refused with 429, and the right one gets in once it has passed.
func TestSoftLockout(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name, user, pw string
		setup          func(t *testing.T, svc *Service, admin *Principal)
	}{
		{"built-in admin", "admin", "admin-Password-1", nil},
		{"last administrator", "boss", "boss-Password-1", func(t *testing.T, svc *Service, admin *Principal) {
			// boss becomes the only administrator: admin gives up its role.
			if _, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "boss", Domain: LocalDomain,
				Password: "boss-Password-1", Roles: []string{RoleAdmin}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.UpdateUser(ctx, admin, admin.User.SID, UserUpdate{Roles: []string{RoleViewer}}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, clk, st := newTestService(t, Config{})
			if tc.setup != nil {
				tc.setup(t, svc, adminPrincipal(t, svc))
			}
			failLogins(t, svc, tc.user, 5)
			u, err := st.GetUserByName(ctx, "", LocalDomain, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			if u.Locked || u.LockedUntilMsecs != svc.nowMsecs()+1000 {
				t.Fatalf("after 5 failures: locked %v until %d, want unlocked and a 1 s delay", u.Locked, u.LockedUntilMsecs-svc.nowMsecs())
			}
			_, err = login(t, svc, tc.user, tc.pw)
			if e, ok := err.(*Error); !ok || e.Kind != KindTooMany || e.Retry <= 0 {
				t.Fatalf("right password during the delay: %v, want 429 with a retry time", err)
			}
			// Each further failure doubles the delay, up to the most.
			for want := 2 * time.Second; want <= maxSoftDelay; want = min(2*want, maxSoftDelay) {
				clk.add(maxSoftDelay)
				failLogins(t, svc, tc.user, 1)
				u, _ = st.GetUser(ctx, u.SID)
				if got := time.Duration(u.LockedUntilMsecs-svc.nowMsecs()) * time.Millisecond; got != want {
					t.Fatalf("delay %s, want %s", got, want)
				}
				if want == maxSoftDelay {
					break
				}
			}
			clk.add(maxSoftDelay)
			if _, err := login(t, svc, tc.user, tc.pw); err != nil {
				t.Fatalf("right password after the delay: %v", err)
			}
		})
	}
}

// failLogins fails n log-ins as user, then waits until they are counted.
func failLogins(t *testing.T, svc *Service, user string, n int) {
	t.Helper()
	for range n {
		if _, err := login(t, svc, user, "Wrong-Password-1"); KindOf(err) != KindUnauthenticated {
			t.Fatalf("wrong password: %v", err)
		}
		svc.Wait() // counted before the next
	}
}

// TestLoginsAtOnce: right passwords for one account sent at once all get
// in. On PostgreSQL, a log-in that inserted its session (a share lock on
// the user's row, through the foreign key) before locking the row to
// record the log-in deadlocked with the next one doing the same; the
// retries after each deadlock left log-ins waiting 30 s and failing.
func TestLoginsAtOnce(t *testing.T) {
	svc, _, _, _, _ := lockoutFixture(t, Config{})
	const workers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				_, err := login(t, svc, "ops", "ops-Password-1")
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a log-in with the right password: %v", err)
		}
	}
}
