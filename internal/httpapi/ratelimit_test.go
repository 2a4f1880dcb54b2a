package httpapi

import (
	"strconv"
	"testing"
)

// TestFailedLoginRateLimit: after its allowance of failed log-ins, a client
// address gets 429 with Retry-After, even with the right password; other
// operations and successful log-ins before that spend nothing.
func TestFailedLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	// The failures are an unknown user's: the admin's own would slow its
	// log-ins down (its soft lock-out), and this test is about addresses.
	bad := map[string]string{"username": "nobody", "password": "Wrong-Password-9", "domain": "LOCAL"}
	good := map[string]string{"username": "admin", "password": adminPassword, "domain": "LOCAL"}
	for range 3 {
		e.want(e.do("POST", "/v2/access-tokens", noCred, good), 201)
	}
	for i := range DefaultFailedLoginsPerMinute {
		path := "/v2/access-tokens"
		if i%2 == 1 {
			path = "/v2/users/sessions"
		}
		e.want(e.do("POST", path, noCred, bad), 401)
	}
	for _, path := range []string{"/v2/access-tokens", "/v2/users/sessions"} {
		r := e.wantMsg(e.do("POST", path, noCred, good), 429, "too many failed log-ins")
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("%s: Retry-After %q, want 1..60 seconds", path, r.header.Get("Retry-After"))
		}
	}
	// The credentials already issued keep working.
	e.want(e.do("GET", "/v2/users", e.admin, nil), 200)
}
