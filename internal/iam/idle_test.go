package iam

import (
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
)

// lastUse is the last use the store records of session secret.
func lastUse(t *testing.T, st store.Store, secret string) time.Time {
	t.Helper()
	sess, err := st.GetSessionByHash(t.Context(), auth.HashToken(secret))
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(sess.LastUsedMsecs).UTC()
}

// use authenticates with secret, a session or a token, and reports
// whether it was accepted.
func use(t *testing.T, svc *Service, secret string) bool {
	t.Helper()
	_, err := svc.Authenticate(t.Context(), Credential{CredSession, secret})
	if err != nil && KindOf(err) != KindUnauthenticated {
		t.Fatal(err)
	}
	return err == nil
}

// TestIdleTimeout: with inactivityTimeout 10 minutes (a step of 1
// minute), a session or token used keeps living, and its uses are
// recorded at most once a step; one unused ends between 10 and 11
// minutes after its last use, and is neither counted nor kept.
func TestIdleTimeout(t *testing.T) {
	ctx := t.Context()
	svc, clk, st, admin, _ := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"inactivityTimeout":600}}`)
	busy := mustLogin(t, svc)
	tok, _, err := svc.Login(ctx, LoginInput{Username: "ops", Password: "ops-Password-1"}, store.SessionKindToken)
	if err != nil {
		t.Fatal(err)
	}
	made := clk.now()
	for _, step := range []time.Duration{10 * time.Second, 20 * time.Second} {
		clk.add(step)
		if !use(t, svc, busy) {
			t.Fatal("a session in use ended")
		}
		if got := lastUse(t, st, busy); !got.Equal(made) {
			t.Errorf("a use %v after the last recorded one was recorded (%v)", clk.now().Sub(made), got.Sub(made))
		}
	}
	clk.add(30 * time.Second) // a minute after the last recorded use
	if !use(t, svc, busy) || !lastUse(t, st, busy).Equal(clk.now()) {
		t.Errorf("a use a step after the last recorded one: recorded %v, want %v", lastUse(t, st, busy), clk.now())
	}
	for range 10 { // used every 5 minutes for 50 more
		clk.add(5 * time.Minute)
		if !use(t, svc, busy) || !use(t, svc, tok) {
			t.Fatalf("a session or token used every 5 minutes ended at %v", clk.now())
		}
	}
	tokUsed := clk.now()
	clk.add(10*time.Minute - time.Second)
	if !use(t, svc, busy) {
		t.Error("a session unused for 10 minutes less a second ended")
	}
	clk.add(time.Minute + time.Second)
	if use(t, svc, tok) {
		t.Errorf("a token unused for %v lives", clk.now().Sub(tokUsed))
	}

	// Dead sessions (the token, the admin's first) are not counted, and
	// the upkeep deletes them.
	counts, err := svc.SessionCounts(ctx, admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := sessionTotal(counts); n != 1 {
		t.Errorf("%d live sessions counted, want 1", n)
	}
	if err := svc.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if all, _ := st.CountSessions(ctx, nil, 0); sessionTotal(all) != 1 {
		t.Errorf("%d sessions kept after the upkeep, want 1", sessionTotal(all))
	}
}

// TestIdleTimeoutTurnedOn: turning the timeout on ends no session at
// once, however long unused: it counts from the change; API keys have
// none.
func TestIdleTimeoutTurnedOn(t *testing.T) {
	svc, clk, _, admin, sid := lockoutFixture(t, Config{})
	used, unused := mustLogin(t, svc), mustLogin(t, svc)
	_, key, err := svc.CreateAPIKey(t.Context(), admin, sid, APIKeyInput{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(time.Hour)
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"inactivityTimeout":600}}`)
	if !use(t, svc, used) {
		t.Fatal("turning the timeout on ended a session unused for an hour")
	}
	clk.add(11 * time.Minute)
	if use(t, svc, unused) {
		t.Error("a session unused since 11 minutes after the timeout was turned on lives")
	}
	if _, err := svc.Authenticate(t.Context(), Credential{CredAPIKey, key}); err != nil {
		t.Errorf("an API key unused for 71 minutes: %v", err)
	}
}

// TestIdleCacheDoesNotExtend: a session the credential cache holds with
// a last use past the timeout is judged by the store, not let in.
func TestIdleCacheDoesNotExtend(t *testing.T) {
	svc, clk, _, admin, _ := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"inactivityTimeout":600}}`)
	secret := mustLogin(t, svc)
	made := clk.now().UnixMilli()
	p, err := svc.Authenticate(t.Context(), Credential{CredSession, secret})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(11 * time.Minute)
	k := credKey(Credential{CredSession, secret})
	svc.cache.put(svc.cache.generation(), k, p, 0, made, clk.now()) // fresh, with the last use at creation
	if use(t, svc, secret) {
		t.Error("a cached session idle for 11 minutes was let in")
	}
}

// TestIdleTimeoutAcrossReplicas: uses recorded by one replica keep a
// session alive on another, whose cache holds it; once unused, it ends on
// both.
func TestIdleTimeoutAcrossReplicas(t *testing.T) {
	a, clk, st, admin, _ := lockoutFixture(t, Config{})
	b := openService(t, st, cheapParams)
	b.now = clk.now
	setSecurity(t, a, admin, `{"sessionConfiguration":{"inactivityTimeout":600}}`)
	secret := mustLogin(t, a)
	if !use(t, b, secret) || !use(t, b, secret) { // the second from B's cache
		t.Fatal("B refuses a fresh session")
	}
	for range 6 {
		clk.add(5 * time.Minute)
		if !use(t, a, secret) {
			t.Fatalf("A refuses a session in use at %v", clk.now())
		}
	}
	if !use(t, b, secret) {
		t.Fatal("B refuses a session A saw used 30 minutes on end")
	}
	clk.add(11 * time.Minute)
	if use(t, b, secret) || use(t, a, secret) {
		t.Error("a session unused for 11 minutes lives")
	}
}

// TestRecheckIsNoUse: a stream's Recheck sees a session that stands and
// follows its idle timeout, but is no use of it: rechecked every minute,
// a session nobody uses still ends at the timeout (and its step).
func TestRecheckIsNoUse(t *testing.T) {
	svc, clk, st, admin, _ := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"inactivityTimeout":600}}`)
	watched := mustLogin(t, svc)
	made := clk.now()
	for range 9 {
		clk.add(time.Minute)
		if _, err := svc.Recheck(t.Context(), Credential{CredSession, watched}); err != nil {
			t.Fatalf("recheck %v after the log-in: %v", clk.now().Sub(made), err)
		}
	}
	if got := lastUse(t, st, watched); !got.Equal(made) {
		t.Errorf("a recheck was recorded as a use: last use %v after the log-in", got.Sub(made))
	}
	// The timeout, plus the step within which a use may go unrecorded.
	clk.add(2*time.Minute + time.Second)
	if _, err := svc.Recheck(t.Context(), Credential{CredSession, watched}); KindOf(err) != KindUnauthenticated {
		t.Errorf("recheck of a session idle past its timeout: %v, want refused", err)
	}
	if use(t, svc, watched) {
		t.Error("a session only rechecked for 10 minutes lives on")
	}
}
