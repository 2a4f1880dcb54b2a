package httpapi

import (
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"strconv"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// frozenClock is a limiter's clock that stands still.
func frozenClock() func() time.Time {
	t := time.Unix(1_700_000_000, 0)
	return func() time.Time { return t }
}

// TestFailedLoginRateLimit: after its allowance of failed log-ins, a client
// address gets 429 with Retry-After for that account, even with the right
// password; other operations, and log-ins with the right password before
// that, spend nothing; credentials already issued keep working.
func TestFailedLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	// Not the admin, whose failures would slow its checks down (its soft
	// lock-out) before the limiter does: this test is about the limiter.
	// bob is locked out after five; the limiter still counts what follows.
	e.createUser("bob", "bob-Password-1", "COHESITY_VIEWER")
	bad := map[string]string{"username": "bob", "password": "Wrong-Password-9", "domain": "LOCAL"}
	good := map[string]string{"username": "bob", "password": "bob-Password-1", "domain": "LOCAL"}
	e.createUser("roleless", "roleless-Password-1")
	for range 3 * loginlimit.DefaultFailedLoginsPerAccountPerMinute {
		e.want(e.do("POST", "/v2/access-tokens", noCred, good), 201)
		// The right password of an account without access: not a guess.
		e.want(e.do("POST", "/v2/access-tokens", noCred, loginBodyOf("roleless", "roleless-Password-1")), 403)
	}
	for i := range loginlimit.DefaultFailedLoginsPerAccountPerMinute {
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
	e.want(e.do("GET", "/v2/users", e.admin, nil), 200)
}
