package iam

import (
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
