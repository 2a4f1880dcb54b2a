package main

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/clusteriam/clusteriam/internal/testtier"
)

// MFA on two replicas (issue 13): the setting made on one holds on the
// other at once, and a TOTP code sent to both at the same moment, many
// times, logs in exactly once.

// codeAt is the TOTP code of secret for time step step.
func codeAt(t *testing.T, secret string, step int64) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	must(t, err)
	return c
}

// freshStep waits, if need be, until the current 30-s step has at least
// 8 s to run, and returns it, so that a round's codes stay in the window.
func freshStep() int64 {
	now := time.Now()
	if left := 30 - now.Unix()%30; left < 8 {
		time.Sleep(time.Duration(left)*time.Second + 100*time.Millisecond)
		now = time.Now()
	}
	return now.Unix() / 30
}

func testMFAReplay(t *testing.T, c *http.Client, a, b *replica, admin header) {
	a.want(t, c, 204, "PUT", "/v2/mfa-config", admin, map[string]any{"enabled": true, "retainUserMfaSettings": true}, nil)
	t.Cleanup(func() {
		// The later subtests log in with passwords alone.
		a.want(t, c, 204, "PUT", "/v2/mfa-config", admin, map[string]any{"enabled": false, "retainUserMfaSettings": true}, nil)
	})
	// B enforces it at once: the setting is read from the store.
	if code, body := b.call(c, "POST", "/v2/access-tokens", header{}, loginBody("admin", "Admin-Password-1")); code != 403 {
		t.Fatalf("an access token on B with MFA on: %d %s, want 403", code, body)
	}
	users := testtier.Pick(t, "users", 3, 8)
	for i := range users {
		name, pw := "mfa"+string(rune('a'+i)), "Mfa-Password-1"
		newUser(t, c, a, admin, name, pw)
		// Enrol through B, confirm through A.
		var s struct{ SessionID string }
		b.want(t, c, 201, "POST", "/v2/users/sessions", header{}, loginBody(name, pw), &s)
		var k struct{ TotpSecretKey string }
		b.want(t, c, 201, "POST", "/v2/totp-key", header{"session-id", s.SessionID}, map[string]any{}, &k)
		step := freshStep()
		body := loginBody(name, pw)
		body["otpType"], body["otpCode"] = "totp", codeAt(t, k.TotpSecretKey, step-1)
		a.want(t, c, 201, "POST", "/v2/users/sessions", header{}, body, nil)

		// The next code, sent twice to each replica at once: one log-in.
		body["otpCode"] = codeAt(t, k.TotpSecretKey, step)
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for _, r := range []*replica{a, b, a, b} {
			wg.Go(func() {
				switch code, out := r.call(c, "POST", "/v2/users/sessions", header{}, body); code {
				case 201:
					ok.Add(1)
				case 401:
					refused.Add(1)
				default:
					t.Errorf("%s on %s: %d %s", name, r.name, code, out)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || refused.Load() != 3 {
			t.Errorf("%s: one code sent four times to two replicas logged in %d times (%d refused), want once", name, ok.Load(), refused.Load())
		}
		// And never again, on either.
		for _, r := range []*replica{a, b} {
			if code, out := r.call(c, "POST", "/v2/users/sessions", header{}, body); code != 401 {
				t.Errorf("%s: the used code again on %s: %d %s", name, r.name, code, out)
			}
		}
	}
}
