package iam

import (
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// BenchmarkAuthenticate is the credential check of every request: from the
// cache, and from the store with the cache off.
func BenchmarkAuthenticate(b *testing.B) {
	svc, _, _ := newTestService(b, Config{})
	ctx := b.Context()
	secret, _, err := svc.Login(ctx, LoginInput{Username: "admin", Password: "admin-Password-1", Domain: LocalDomain}, store.SessionKindSession)
	if err != nil {
		b.Fatal(err)
	}
	cred := Credential{Kind: CredSession, Secret: secret}
	for _, tc := range []struct {
		name string
		off  bool
	}{{"cached", false}, {"store", true}} {
		b.Run(tc.name, func(b *testing.B) {
			svc.cache.setOff(tc.off)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Authenticate(ctx, cred); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLogin is a log-in's cost beside its password hash (the hash is
// made cheap here): the user's lookup, its privileges, the session and
// the last-log-in time, both written durably.
func BenchmarkLogin(b *testing.B) {
	svc, _, _ := newTestService(b, Config{})
	ctx := b.Context()
	in := LoginInput{Username: "admin", Password: "admin-Password-1", Domain: LocalDomain}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := svc.Login(ctx, in, store.SessionKindToken); err != nil {
			b.Fatal(err)
		}
	}
}
