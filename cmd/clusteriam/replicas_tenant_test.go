package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/testtier"
)

// Organizations on two replicas (issue 12).

// orgCall is the admin acting inside organization org through replica r:
// its requests carry both headers.
type orgCall struct {
	r     *replica
	admin header
	org   string
}

// call makes a request as the admin acting inside the organization.
func (o orgCall) call(c *http.Client, method, path string, body any) (int, []byte) {
	return o.r.callWith(c, method, path, []header{o.admin, {"x-impersonate-tenant-id", o.org}}, body)
}

// enableOrgs turns organizations on through r.
func enableOrgs(t *testing.T, c *http.Client, r *replica, admin header) {
	t.Helper()
	r.want(t, c, 200, "POST", "/v2/clusters/tenant-config", admin,
		map[string]any{"organizationsEnabled": true, "organizationsStorageDomainSharingEnabled": false}, nil)
}

// testTenantDeactivation deactivates an organization on A and measures
// how soon B refuses its user's token; activating it on A restores it on
// B.
func testTenantDeactivation(t *testing.T, c *http.Client, a, b *replica, admin header) {
	enableOrgs(t, c, a, admin)
	a.want(t, c, 201, "POST", "/v2/tenants", admin, map[string]any{"name": "Deact", "tenantIdSuffix": "deact"}, nil)
	in := orgCall{a, admin, "deact/"}
	if code, body := in.call(c, "POST", "/v2/users", []map[string]any{{"username": "dee", "domain": "LOCAL",
		"roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]any{"password": "Dee-Password-1"}}}); code != 201 {
		t.Fatalf("create dee inside deact/: %d %s", code, body)
	}
	var tok accessToken
	a.want(t, c, 201, "POST", "/v2/access-tokens", header{}, loginBody("dee@deact", "Dee-Password-1"), &tok)
	h := bearer(tok.AccessToken)
	b.want(t, c, 200, "GET", "/v2/users", h, nil, nil)
	action := func(what string) {
		a.want(t, c, 200, "POST", "/v2/tenants/"+url.PathEscape("deact/")+"/actions", admin, map[string]any{"action": what}, nil)
	}
	action("Deactivate")
	waitFor(t, b, c, h, 401, "refused the token of a deactivated organization's user")
	action("Activate")
	waitFor(t, b, c, h, 200, "took the token again after the organization's activation")
}

// waitFor polls B with h until it answers code, and fails t unless it
// does within revocationDeadline.
func waitFor(t *testing.T, b *replica, c *http.Client, h header, code int, what string) {
	t.Helper()
	start := time.Now()
	for {
		got, body := b.call(c, "GET", "/v2/users", h, nil)
		if got == code {
			t.Logf("B %s %v after A's change", what, time.Since(start))
			return
		}
		if time.Since(start) > revocationDeadline {
			t.Fatalf("B answers %d %s %v after A's change; want %d", got, body, revocationDeadline, code)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testTenantDeleteRace: A creates users inside an organization while B
// deletes its users and then the organization. Whichever wins, an
// organization that ends deleted holds no user: a create refused for the
// deletion answers 404, a deletion refused for a new user 400.
func testTenantDeleteRace(t *testing.T, c *http.Client, a, b *replica, admin header) {
	enableOrgs(t, c, b, admin)
	for round := range testtier.Pick(t, "rounds", 4, 12) {
		org := fmt.Sprintf("race%d/", round)
		a.want(t, c, 201, "POST", "/v2/tenants", admin, map[string]any{"name": org, "tenantIdSuffix": org[:len(org)-1]}, nil)
		onA, onB := orgCall{a, admin, org}, orgCall{b, admin, org}
		var created, refused atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// Pauses of 0 to 3 ms leave B windows to win in, race
				// detector or not.
				time.Sleep(time.Duration(i%4) * time.Millisecond)
				code, body := onA.call(c, "POST", "/v2/users", []map[string]any{{"username": fmt.Sprintf("u%d", i), "domain": "LOCAL", "roles": []string{}}})
				switch code {
				case 201:
					created.Add(1)
				case 404:
					refused.Add(1)
					return // deleted: every later create is refused as well
				default:
					t.Errorf("create inside %s: %d %s", org, code, body)
					return
				}
			}
		})
		// Let A get going, so that B's deletions meet its creates.
		for deadline := time.Now().Add(10 * time.Second); created.Load() < 5 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		// B empties the organization and deletes it, again and again while
		// A creates; should A keep winning, B finishes once A stops.
		deleted, attempts, raced := false, 0, true
		for ; attempts < 50 && !deleted; attempts++ {
			deleted = emptyAndDelete(t, c, b, onB, admin, org)
		}
		close(stop)
		wg.Wait()
		for ; attempts < 55 && !deleted; attempts++ {
			deleted, raced = emptyAndDelete(t, c, b, onB, admin, org), false
		}
		if !deleted {
			t.Fatalf("round %d: %s never got deleted", round, org)
		}
		var ul usersList
		b.want(t, c, 200, "GET", "/v2/users?tenantIds="+url.QueryEscape(org), admin, nil, &ul)
		if len(ul.Users) != 0 {
			t.Errorf("round %d: deleted %s holds %d users", round, org, len(ul.Users))
		}
		t.Logf("round %d: %d users created inside %s, deleted at B's attempt %d (while A created: %t), %d creates refused after",
			round, created.Load(), org, attempts, raced, refused.Load())
	}
}

// emptyAndDelete deletes, through B acting inside organization org, the
// users it holds, then org itself; it reports whether org went, which it
// does not when a user came in between.
func emptyAndDelete(t *testing.T, c *http.Client, b *replica, onB orgCall, admin header, org string) bool {
	t.Helper()
	var ul usersList
	code, body := onB.call(c, "GET", "/v2/users", nil)
	if code != 200 {
		t.Fatalf("list inside %s: %d %s", org, code, body)
	}
	must(t, json.Unmarshal(body, &ul))
	if len(ul.Users) > 0 {
		sids := make([]string, len(ul.Users))
		for i, u := range ul.Users {
			sids[i] = u.SID
		}
		if code, body := onB.call(c, "POST", "/v2/users/delete", map[string]any{"sids": sids}); code != 204 {
			t.Fatalf("delete users inside %s: %d %s", org, code, body)
		}
	}
	switch code, body := b.call(c, "DELETE", "/v2/tenants/"+url.PathEscape(org), admin, nil); code {
	case 204:
		return true
	case 400: // a user came in between
		return false
	default:
		t.Fatalf("delete %s: %d %s", org, code, body)
		return false
	}
}
