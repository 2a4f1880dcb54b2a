package iam

import (
	"fmt"
	"testing"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/clusteriam/clusteriam/internal/mfa"
	"github.com/clusteriam/clusteriam/internal/store"
)

// BenchmarkAuthenticate is the credential check of every request: from the
// cache, and from the store with the cache off.
func BenchmarkAuthenticate(b *testing.B) {
	svc, cred := benchAdminSession(b)
	ctx := b.Context()
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

// benchAdminSession is a service on a test store and a session of its
// admin.
func benchAdminSession(b *testing.B) (*Service, Credential) {
	svc, _, _ := newTestService(b, Config{})
	secret, _, err := svc.Login(b.Context(), LoginInput{Username: "admin", Password: "admin-Password-1", Domain: LocalDomain}, store.SessionKindSession)
	if err != nil {
		b.Fatal(err)
	}
	return svc, Credential{Kind: CredSession, Secret: secret}
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

// BenchmarkLoginMFA is what a second factor adds to a log-in (the hash
// made cheap, as in BenchmarkLogin): the setting's read, the factors'
// read, and the code's check and spending in the log-in's transaction.
// Each TOTP log-in moves the clock a step on, so that its code is new.
func BenchmarkLoginMFA(b *testing.B) {
	for _, withMFA := range []bool{false, true} {
		name := map[bool]string{false: "password", true: "password+totp"}[withMFA]
		b.Run(name, func(b *testing.B) {
			svc, clk, _ := newTestService(b, Config{})
			ctx := b.Context()
			in := LoginInput{Username: "admin", Password: "admin-Password-1", Domain: LocalDomain}
			_, p, err := svc.Login(ctx, in, store.SessionKindSession)
			if err != nil {
				b.Fatal(err)
			}
			var secret string
			if withMFA {
				if _, err := svc.SetMFAConfig(ctx, p, MFAConfigInput{Enabled: true, Retain: true}); err != nil {
					b.Fatal(err)
				}
				k, err := svc.CreateTOTPKey(ctx, p, "bench")
				if err != nil {
					b.Fatal(err)
				}
				secret, in.OTPType = k.Secret, mfa.TypeTOTP
			}
			b.ReportAllocs()
			for b.Loop() {
				if withMFA {
					clk.add(mfa.Period)
					code, err := totp.GenerateCodeCustom(secret, clk.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
					if err != nil {
						b.Fatal(err)
					}
					in.OTPCode = code
				}
				if _, _, err := svc.Login(ctx, in, store.SessionKindSession); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateUsers is one create_users call of 1,000 users without
// passwords, each with an e-mail address and a role, as clusteriam-bench
// seeds them: validation, the look-alike check, SIDs, the audit entries
// and the inserts, in one transaction.
func BenchmarkCreateUsers(b *testing.B) {
	svc, cred := benchAdminSession(b)
	ctx := b.Context()
	admin, err := svc.Authenticate(ctx, cred)
	if err != nil {
		b.Fatal(err)
	}
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		in := make([]NewUser, 1000)
		for i := range in {
			name := fmt.Sprintf("bench%07d", next)
			next++
			in[i] = NewUser{Username: name, Domain: LocalDomain, Email: name + "@bench.example", Roles: []string{RoleViewer}}
		}
		if _, err := svc.CreateUsers(ctx, admin, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "users/s")
}
