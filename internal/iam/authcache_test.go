package iam

import (
	"fmt"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// TestCacheAcrossReplicas: two services on one PostgreSQL schema, each
// caching credentials. A revocation on A reaches B's cache through
// LISTEN/NOTIFY at once, well before entries would age out.
func TestCacheAcrossReplicas(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Schema(t)
	box, _ := auth.NewSecretBox(make([]byte, 32))
	h := auth.NewHasher(auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	replica := func() *Service {
		st, err := postgres.Open(ctx, dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		svc, err := New(ctx, st, h, box, Config{Bus: st})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.Wait)
		return svc
	}
	a, b := replica(), replica()
	if _, err := a.EnsureAdmin(ctx, "admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	waitListening(t, a)
	waitListening(t, b)

	in := LoginInput{Username: "admin", Password: "admin-Password-1", Domain: LocalDomain}
	for _, revoke := range []struct {
		name string
		do   func(p *Principal) error
	}{
		{"delete sessions", func(p *Principal) error { return a.DeleteSessions(ctx, p, p.User.SID) }},
		{"lock", func(p *Principal) error {
			_, err := storetest.Single{Store: a.store}.UpdateUser(ctx, p.User.SID, func(u store.User) (store.User, error) { u.Locked = true; return u, nil })
			return err
		}},
	} {
		secret, p, err := a.Login(ctx, in, store.SessionKindSession)
		if err != nil {
			t.Fatalf("%s: log in: %v", revoke.name, err)
		}
		cred := Credential{Kind: CredSession, Secret: secret}
		for range 2 { // the second comes from B's cache
			if _, err := b.Authenticate(ctx, cred); err != nil {
				t.Fatalf("%s: B refuses a fresh session: %v", revoke.name, err)
			}
		}
		if p, _ := b.cache.get(credKey(cred), b.now()); p == nil {
			t.Fatalf("%s: B did not cache the session; this test would prove nothing", revoke.name)
		}
		if err := revoke.do(p); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(cacheTTL / 4)
		for {
			if _, err := b.Authenticate(ctx, cred); KindOf(err) == KindUnauthenticated {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: B still accepts the session %v after A's revocation", revoke.name, cacheTTL/4)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// waitListening waits until s's cache hears the other replicas.
func waitListening(t *testing.T, s *Service) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		s.cache.mu.Lock()
		off := s.cache.off
		s.cache.mu.Unlock()
		if !off {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache never started listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAuthCacheBounded: the cache never holds more than its bound. Full,
// it first drops the entries past their TTL, keeping the fresh ones;
// full of fresh ones, it starts again empty. The directory group checks
// have the same bound.
func TestAuthCacheBounded(t *testing.T) {
	const bound = 100
	c := newAuthCache(bound)
	t0 := time.Unix(1_900_000_000, 0)
	key := func(i int) cacheKey { return cacheKey{kind: "t", hash: [32]byte{byte(i), byte(i >> 8)}} }
	put := func(i int, at time.Time) {
		c.put(c.generation(), key(i), &Principal{User: store.User{SID: fmt.Sprint("S-", i%7)}}, 0, 0, at)
	}
	for i := range bound / 2 {
		put(i, t0) // stale by the time the cache fills
	}
	later := t0.Add(2 * cacheTTL)
	for i := bound / 2; i < bound+1; i++ {
		put(i, later)
	}
	if n := len(c.entries); n != bound/2+1 {
		t.Errorf("full with %d stale entries, then one put: %d entries, want the %d fresh ones", bound/2, n, bound/2+1)
	}
	if p, _ := c.get(key(bound), later); p == nil {
		t.Error("the fresh entry put last is gone")
	}
	for i := bound + 1; i < 3*bound; i++ {
		put(i, later)
		if n := len(c.entries); n > bound {
			t.Fatalf("%d entries, bound %d", n, bound)
		}
	}
	users := 0
	for _, m := range c.byUser {
		users += len(m)
	}
	if users != len(c.entries) {
		t.Errorf("byUser indexes %d entries, the cache holds %d", users, len(c.entries))
	}

	g := groupChecks{max: bound}
	for i := range 3 * bound {
		g.set(fmt.Sprint("S-", i), groupCheck{tried: 1})
		if len(g.m) > bound {
			t.Fatalf("%d group checks, bound %d", len(g.m), bound)
		}
	}
}
