package iam

import (
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/secconfig"
	"github.com/clusteriam/clusteriam/internal/store"
)

// TestSecurityConfigReachesReplica: a second service on the same store,
// as a second replica is, applies a change of the password strength
// within policyTTL, and the first at once.
func TestSecurityConfigReachesReplica(t *testing.T) {
	a, _, st := newTestService(t, Config{})
	box, err := auth.NewSecretBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(t.Context(), st, auth.NewHasher(auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2), box, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Wait)
	const weak = "lowercase-only-password"
	for _, s := range []*Service{a, b} {
		if err := s.checkNewPassword(t.Context(), weak); err != nil { // read now, kept a while
			t.Fatal(err)
		}
	}
	_, p, err := a.Login(t.Context(), LoginInput{Username: "admin", Password: "admin-Password-1"}, store.SessionKindSession)
	if err != nil {
		t.Fatal(err)
	}
	upper := true
	if _, err := a.SetSecurityConfig(t.Context(), p, secconfig.Config{PasswordStrength: &secconfig.PasswordStrength{IncludeUpperLetter: &upper}}); err != nil {
		t.Fatal(err)
	}
	if a.checkNewPassword(t.Context(), weak) == nil {
		t.Error("the replica that made the change still takes a password without an upper-case letter")
	}
	start := time.Now()
	for b.checkNewPassword(t.Context(), weak) == nil {
		if time.Since(start) > policyTTL+500*time.Millisecond {
			t.Fatalf("the other replica still takes it after %v", time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the other replica applied the change after %v", time.Since(start).Round(10*time.Millisecond))
}
