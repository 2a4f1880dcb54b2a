package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
)

// slowParams make a password check slow enough (4 MiB) that attempts sent
// at once overlap in it, as they do with production parameters.
var slowParams = auth.Params{MemoryKiB: 4 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// noLockout keeps accounts unlocked, so that only the limiter refuses.
var noLockout = iam.Config{Lockout: iam.LockoutPolicy{Threshold: -1}}

// clientFrom is a client of e's server whose connections come from local,
// an address of the loopback network (Linux answers on all of 127/8).
func (e *env) clientFrom(local string) *http.Client {
	tr := e.srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}).DialContext
	return &http.Client{Transport: tr}
}

// via sends a request through client c (nil: the env's), with
// X-Forwarded-For xff unless it is "".
func (e *env) via(c *http.Client, xff, method, path string, cr cred, body any) resp {
	e.t.Helper()
	if c == nil {
		c = e.srv.Client()
	}
	req := e.request(method, path, cr, body)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	r, _ := e.roundTripVia(e.t, c, req)
	return r
}

func loginBodyOf(user, pw string) map[string]string {
	return map[string]string{"username": user, "password": pw, "domain": "LOCAL"}
}

// failedLogins counts the LoginFailed entries of the audit trail: one per
// password check that failed.
func (e *env) failedLogins() int64 {
	e.t.Helper()
	e.svc.Wait() // failed log-ins are recorded after their answer
	_, _, n := e.trail(e.admin, "actions=LoginFailed&count=1")
	return n
}

// metric returns the value of the Prometheus sample named line, or -1.
func (e *env) metric(line string) float64 {
	e.t.Helper()
	body := string(e.want(e.do("GET", "/metrics", noCred, nil), 200).body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestParallelWrongLogins: 200 wrong log-ins sent at once from one address
// reach the password check only as many times as the limit allows (the
// per-account one for one user, the per-address one over eight); every
// other answer is 429 with Retry-After, and the failure metric counts the
// 401s only. The limiter's clock stands still, so nothing refills.
func TestParallelWrongLogins(t *testing.T) {
	const n = 200
	for _, tc := range []struct {
		name  string
		users int
		want  int
	}{
		{"one user", 1, loginlimit.DefaultFailedLoginsPerAccountPerMinute},
		{"four users", 4, loginlimit.DefaultFailedLoginsPerMinute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvOptions(t, slowParams, iam.Config{}, Options{now: frozenClock()})
			for i := range tc.users {
				e.createUser(fmt.Sprint("par", i), "par-Password-1", "COHESITY_VIEWER")
			}
			var mu sync.Mutex
			got := map[int]int{}
			var wg sync.WaitGroup
			for i := range n {
				req := e.request("POST", "/v2/access-tokens", noCred, loginBodyOf(fmt.Sprint("par", i%tc.users), "Wrong-Password-9"))
				wg.Go(func() {
					res, err := e.srv.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					res.Body.Close()
					if res.StatusCode == http.StatusTooManyRequests {
						if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
							t.Errorf("429 with Retry-After %q", res.Header.Get("Retry-After"))
						}
					}
					mu.Lock()
					got[res.StatusCode]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if got[401] != tc.want || got[429] != n-tc.want {
				t.Errorf("statuses %v, want %d × 401 and the rest 429", got, tc.want)
			}
			if checks := e.failedLogins(); checks != int64(tc.want) {
				t.Errorf("%d failed password checks in the audit trail, want %d", checks, tc.want)
			}
			if v := e.metric(`clusteriam_login_failures_total{operation="create_access_token"}`); v != float64(tc.want) {
				t.Errorf("login failures metric %v, want %d", v, tc.want)
			}
			if v := e.metric(`clusteriam_http_requests_total{code="429",operation="create_access_token"}`); v != float64(n-tc.want) {
				t.Errorf("429s in the requests metric %v, want %d", v, n-tc.want)
			}
		})
	}
}

// TestLimitsPerAddressAndAccount: failures from one address for one
// account refuse that account from that address only: the same account
// from a clean address, and other accounts from the same address (as
// behind a load balancer), still log in, until the address has spent its
// own allowance.
func TestLimitsPerAddressAndAccount(t *testing.T) {
	e := newEnvOptions(t, testParams, noLockout, Options{now: frozenClock()})
	for i := range 3 {
		e.createUser(fmt.Sprint("ops", i), "ops-Password-1", "COHESITY_VIEWER")
	}
	a, b := e.clientFrom("127.0.0.2"), e.clientFrom("127.0.0.3")
	for range loginlimit.DefaultFailedLoginsPerAccountPerMinute {
		e.want(e.via(a, "", "POST", "/v2/access-tokens", noCred, loginBodyOf("admin", "Wrong-Password-9")), 401)
	}
	e.wantMsg(e.via(a, "", "POST", "/v2/access-tokens", noCred, loginBodyOf("admin", adminPassword)), 429, "too many failed log-ins")
	e.want(e.via(b, "", "POST", "/v2/access-tokens", noCred, loginBodyOf("admin", adminPassword)), 201)
	e.want(e.via(a, "", "POST", "/v2/users/sessions", noCred, loginBodyOf("ops0", "ops-Password-1")), 201)

	// The rest of a's per-address allowance, spent over two more accounts.
	for i := range loginlimit.DefaultFailedLoginsPerMinute - loginlimit.DefaultFailedLoginsPerAccountPerMinute {
		e.want(e.via(a, "", "POST", "/v2/access-tokens", noCred, loginBodyOf(fmt.Sprint("ops", 1+i%2), "Wrong-Password-9")), 401)
	}
	r := e.wantMsg(e.via(a, "", "POST", "/v2/users/sessions", noCred, loginBodyOf("ops0", "ops-Password-1")), 429, "too many")
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (one of %d failures a minute)", got, loginlimit.DefaultFailedLoginsPerMinute)
	}
	e.want(e.via(b, "", "POST", "/v2/users/sessions", noCred, loginBodyOf("ops0", "ops-Password-1")), 201)
}

// TestCurrentPasswordGuessesLimited: with only an API key, guesses of
// localUserParams.currentPassword spend the limiter's tokens for the
// caller's address and account, the same ones its log-ins spend: after
// the allowance even the right password gets 429. Updates without a
// currentPassword, and other accounts, are not held back.
func TestCurrentPasswordGuessesLimited(t *testing.T) {
	e := newEnvOptions(t, testParams, noLockout, Options{now: frozenClock()})
	const pw = "cara-Password-1"
	sid := e.createUser("cara", pw, "COHESITY_VIEWER")
	_, key := e.createAPIKey(bearerCred(e.accessToken("cara", pw)), sid, "k")
	change := func(cur string) map[string]any {
		return map[string]any{"localUserParams": map[string]any{"password": "cara-Password-2", "currentPassword": cur}}
	}
	for i := range loginlimit.DefaultFailedLoginsPerAccountPerMinute {
		r := e.do("PUT", "/v2/users/"+sid, apiKeyCred(key), change(fmt.Sprint("Guess-Password-", i)))
		if r.status < 400 || r.status == http.StatusTooManyRequests {
			t.Fatalf("guess %d: %d %s, want a refusal of the guess", i, r.status, r.body)
		}
	}
	r := e.wantMsg(e.do("PUT", "/v2/users/"+sid, apiKeyCred(key), change(pw)), 429, "too many")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.want(e.do("POST", "/v2/access-tokens", noCred, loginBodyOf("cara", pw)), 429)
	e.want(e.do("PUT", "/v2/users/"+sid, apiKeyCred(key), map[string]any{"description": "still me"}), 200)
	e.want(e.do("PUT", "/v2/users/"+sid, apiKeyCred(key), change(strings.Repeat("x", MaxLoginPasswordBytes+1))), 400)

	// Another account from the same address changes its password.
	dsid := e.createUser("dora", "dora-Password-1", "COHESITY_VIEWER")
	dora := bearerCred(e.accessToken("dora", "dora-Password-1"))
	e.want(e.do("PUT", "/v2/users/"+dsid, dora, map[string]any{"localUserParams": map[string]any{"password": "dora-Password-2", "currentPassword": "dora-Password-1"}}), 200)
}

// TestTrustedProxies: X-Forwarded-For names the client only when the TCP
// peer is a trusted proxy, read from the right past trusted hops; then the
// limiter, the log and the audit trail all see that client. Otherwise,
// and when the header is malformed, the peer is the client.
func TestTrustedProxies(t *testing.T) {
	const limit = loginlimit.DefaultFailedLoginsPerAccountPerMinute
	bad, good := loginBodyOf("admin", "Wrong-Password-9"), loginBodyOf("admin", adminPassword)

	// Not trusted: a header that changes with every request changes nothing.
	for name, trusted := range map[string][]netip.Prefix{"no flag": nil, "untrusted peer": {netip.MustParsePrefix("10.0.0.0/8")}} {
		t.Run(name, func(t *testing.T) {
			e := newEnvOptions(t, testParams, noLockout, Options{now: frozenClock(), TrustedProxies: trusted})
			for i := range limit {
				e.want(e.via(nil, fmt.Sprint("203.0.113.", i), "POST", "/v2/access-tokens", noCred, bad), 401)
			}
			e.want(e.via(nil, "203.0.113.200", "POST", "/v2/access-tokens", noCred, good), 429)
			if ips := e.auditIPs("LoginFailed"); len(ips) != limit || ips[0] != "127.0.0.1" {
				t.Errorf("audit addresses %v, want %d × 127.0.0.1", ips, limit)
			}
		})
	}

	t.Run("trusted peer", func(t *testing.T) {
		e := newEnvOptions(t, testParams, noLockout, Options{now: frozenClock(),
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24")}})
		// The client wrote 198.51.100.9; the outer proxy appended
		// 203.0.113.7, the inner trusted one 192.0.2.1.
		const spoofed = "198.51.100.9, 203.0.113.7,192.0.2.1"
		for range limit {
			e.want(e.via(nil, spoofed, "POST", "/v2/access-tokens", noCred, bad), 401)
		}
		e.wantMsg(e.via(nil, spoofed, "POST", "/v2/users/sessions", noCred, good), 429, "too many")
		e.want(e.via(nil, "203.0.113.7", "POST", "/v2/access-tokens", noCred, good), 429)
		e.want(e.via(nil, "203.0.113.8", "POST", "/v2/access-tokens", noCred, good), 201)
		e.want(e.via(nil, "203.0.113.7, bogus", "POST", "/v2/access-tokens", noCred, good), 201) // malformed: the peer
		if ips := e.auditIPs("LoginFailed"); len(ips) != limit || ips[0] != "203.0.113.7" {
			t.Errorf("failed log-ins' audit addresses %v, want %d × 203.0.113.7", ips, limit)
		}
		if ips := e.auditIPs("Login"); len(ips) < 2 || ips[0] != "127.0.0.1" || ips[1] != "203.0.113.8" {
			t.Errorf("log-ins' audit addresses %v, want 127.0.0.1 then 203.0.113.8 first", ips)
		}
		if !strings.Contains(e.logBuf.String(), `"status":429,"actor":"","ip":"203.0.113.7"`) {
			t.Errorf("the log of the 429 does not name 203.0.113.7:\n%s", e.logBuf)
		}
	})
}

// auditIPs returns the addresses of the audit entries of action, newest
// first.
func (e *env) auditIPs(action string) []string {
	e.t.Helper()
	e.svc.Wait()
	_, logs, _ := e.trail(e.admin, "actions="+action)
	ips := make([]string, len(logs))
	for i, l := range logs {
		ips[i] = l.IP
	}
	return ips
}

// TestLoginFieldBounds: a log-in field past its bound is refused with 400
// before any work: quickly, and with no audit entry; at the bound it is a
// log-in like any other (401 here).
func TestLoginFieldBounds(t *testing.T) {
	e := newEnvParams(t, slowParams)
	huge := strings.Repeat("u", 1_000_000)
	at := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		path   string
		field  string
		value  string
		status int
	}{
		{"/v2/access-tokens", "username", huge, 400},
		{"/v2/users/sessions", "username", huge, 400},
		{"/v2/access-tokens", "username", at(MaxLoginNameBytes + 1), 400},
		{"/v2/access-tokens", "domain", at(MaxLoginNameBytes + 1), 400},
		{"/v2/users/sessions", "password", at(MaxLoginPasswordBytes + 1), 400},
		{"/v2/users/sessions", "otpCode", at(MaxOTPCodeBytes + 1), 400},
		{"/v2/access-tokens", "username", at(MaxLoginNameBytes), 401},
		{"/v2/access-tokens", "password", at(MaxLoginPasswordBytes), 401},
		{"/v2/users/sessions", "otpCode", at(MaxOTPCodeBytes), 401},
	}
	for _, c := range cases {
		body := loginBodyOf("admin", "Wrong-Password-9")
		body[c.field] = c.value
		before := e.failedLogins()
		start := time.Now()
		r := e.do("POST", c.path, noCred, body)
		took := time.Since(start)
		if r.status != c.status {
			t.Errorf("%s with a %s of %d bytes: %d %s, want %d", c.path, c.field, len(c.value), r.status, r.body, c.status)
			continue
		}
		after := e.failedLogins()
		if c.status == 400 {
			if !strings.Contains(string(r.body), c.field+" is longer than") {
				t.Errorf("%s: message %s does not name %s", c.path, r.body, c.field)
			}
			if after != before {
				t.Errorf("%s with a %s of %d bytes wrote %d audit entries", c.path, c.field, len(c.value), after-before)
			}
			if took > time.Second {
				t.Errorf("%s with a %s of %d bytes took %v", c.path, c.field, len(c.value), took)
			}
		}
	}
}

// TestLimitsTakeIPv6BySite: the limits count an IPv6 client by its /64,
// since one host may use any address of its site's prefix: failures from
// ever new addresses of one /64 exhaust it, while another /64, and the
// audit trail (which keeps each address), are apart. IPv4 clients stay
// one address each.
func TestLimitsTakeIPv6BySite(t *testing.T) {
	const limit = loginlimit.DefaultFailedLoginsPerAccountPerMinute
	bad, good := loginBodyOf("admin", "Wrong-Password-9"), loginBodyOf("admin", adminPassword)
	e := newEnvOptions(t, testParams, noLockout, Options{now: frozenClock(),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	for i := range limit {
		e.want(e.via(nil, fmt.Sprintf("2001:db8:1:2::%x", i+1), "POST", "/v2/access-tokens", noCred, bad), 401)
	}
	e.want(e.via(nil, "2001:db8:1:2:ffff:ffff:ffff:ffff", "POST", "/v2/access-tokens", noCred, good), 429)
	e.want(e.via(nil, "2001:db8:1:3::1", "POST", "/v2/access-tokens", noCred, good), 201)
	if ips := e.auditIPs("LoginFailed"); len(ips) != limit || ips[0] != fmt.Sprintf("2001:db8:1:2::%x", limit) {
		t.Errorf("failed log-ins' audit addresses %v, want each client's own address", ips)
	}

	for i := range limit {
		e.want(e.via(nil, fmt.Sprint("198.51.100.", i+1), "POST", "/v2/access-tokens", noCred, bad), 401)
	}
	e.want(e.via(nil, "198.51.100.200", "POST", "/v2/access-tokens", noCred, good), 201)
}
