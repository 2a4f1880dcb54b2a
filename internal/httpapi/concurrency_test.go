package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/testtier"
)

// How long the mixed load runs: a minute in the soak tier, a few seconds
// in go test ./... (testtier) and with -short.
const (
	concurrencyDuration      = 60 * time.Second
	concurrencyQuickDuration = 3 * time.Second
)

// TestConcurrentMixedLoad runs 64 clients doing mixed operations at once
// (under -race in CI). No answer may be a 5xx or break the contract, and
// afterwards the store is consistent: no group lists a deleted user, every
// counted session and every API key belongs to a live user.
func TestConcurrentMixedLoad(t *testing.T) {
	dur := testtier.Pick(t, "load for", concurrencyQuickDuration, concurrencyDuration)
	if testing.Short() {
		dur = 3 * time.Second
	}
	e := newEnv(t)
	const pw = "Load-Password-1"
	var sids []string
	for i := range 16 {
		sids = append(sids, e.createUser(fmt.Sprintf("load%d", i), pw, "COHESITY_VIEWER"))
	}
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "load-g", "domain": "LOCAL",
		"roles": []string{"COHESITY_VIEWER"}, "localGroupParams": map[string]any{"userSids": sids[:4]}}}), 201).decode(t, &gl)
	group := gl.Groups[0].SID

	var calls, fivexx atomic.Int64
	call := func(method, path string, c cred, body any) (int, []byte) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, e.srv.URL+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.name != "" {
			req.Header.Set(c.name, c.value)
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return 0, nil
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		e.v.Check(t, req, res.StatusCode, res.Header, out)
		calls.Add(1)
		if res.StatusCode >= 500 {
			fivexx.Add(1)
			t.Errorf("%s %s: %d %s", method, path, res.StatusCode, out)
		}
		return res.StatusCode, out
	}
	var mu sync.Mutex
	pick := func(r *rand.Rand) string {
		mu.Lock()
		defer mu.Unlock()
		return sids[r.IntN(len(sids))]
	}
	ops := []func(r *rand.Rand, w int){
		func(r *rand.Rand, w int) { // create a user
			code, b := call("POST", "/v2/users", e.admin, []map[string]any{{"username": fmt.Sprintf("w%d-%d", w, r.Int()), "domain": "LOCAL",
				"roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]any{"password": pw}}})
			var ul usersList
			if code == 201 && json.Unmarshal(b, &ul) == nil {
				mu.Lock()
				sids = append(sids, ul.Users[0].SID)
				mu.Unlock()
			}
		},
		func(r *rand.Rand, w int) { call("DELETE", "/v2/users/"+pick(r), e.admin, nil) },
		func(r *rand.Rand, w int) { // put users in the group
			call("PUT", "/v2/groups/"+group, e.admin, map[string]any{"localGroupParams": map[string]any{"userSids": []string{pick(r), pick(r)}}})
		},
		func(r *rand.Rand, w int) { // log in, use the session, sometimes end it
			mu.Lock()
			i := r.IntN(16)
			mu.Unlock()
			code, b := call("POST", "/v2/users/sessions", noCred, map[string]string{"username": fmt.Sprintf("load%d", i), "password": pw, "domain": "LOCAL"})
			var s userSession
			if code == 201 && json.Unmarshal(b, &s) == nil {
				call("GET", "/v2/users", sessionCred(s.SessionID), nil)
				if r.IntN(2) == 0 {
					call("DELETE", "/v2/users/sessions", sessionCred(s.SessionID), nil)
				}
			}
		},
		func(r *rand.Rand, w int) { // a key, used, sometimes deleted
			sid := pick(r)
			code, b := call("POST", "/v2/users/"+sid+"/api-keys", e.admin, map[string]any{"name": "k"})
			var k createdUserAPIKey
			if code == 201 && json.Unmarshal(b, &k) == nil {
				call("GET", "/v2/users/"+sid, apiKeyCred(k.APIKey), nil)
				if r.IntN(2) == 0 {
					call("DELETE", "/v2/users/"+sid+"/api-keys/"+k.ID, e.admin, nil)
				}
			}
		},
		func(r *rand.Rand, w int) {
			call("PUT", "/v2/users/"+pick(r), e.admin, map[string]any{"description": "d"})
		},
		func(r *rand.Rand, w int) { call("GET", "/v2/users/sessions", e.admin, nil) },
		func(r *rand.Rand, w int) { call("GET", "/v2/groups", e.admin, nil) },
		func(r *rand.Rand, w int) { call("GET", "/v2/api-keys", e.admin, nil) },
	}
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for time.Now().Before(deadline) {
				ops[r.IntN(len(ops))](r, w)
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests in %v from 64 clients, %d answered 5xx", calls.Load(), dur, fivexx.Load())
	checkInvariants(t, e.st)
}

// checkInvariants fails t where the store refers to users it no longer has.
func checkInvariants(t *testing.T, st store.Store) {
	t.Helper()
	ctx := t.Context()
	users, err := st.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	live := map[string]bool{}
	for _, u := range users {
		live[u.SID] = true
	}
	groups, err := st.ListGroups(ctx, store.GroupFilter{})
	must(t, err)
	for _, g := range groups {
		for _, m := range g.Members {
			if !live[m] {
				t.Errorf("group %s lists the deleted user %s", g.Name, m)
			}
		}
	}
	counts, err := st.CountSessions(ctx, nil, time.Now().UnixMilli())
	must(t, err)
	for _, c := range counts {
		if !live[c.UserSID] {
			t.Errorf("%d live sessions of the deleted user %s", c.Count, c.UserSID)
		}
	}
	keys, err := st.ListAPIKeys(ctx, store.APIKeyFilter{})
	must(t, err)
	for _, k := range keys {
		if !live[k.UserSID] {
			t.Errorf("API key %s of the deleted user %s", k.ID, k.UserSID)
		}
	}
	t.Logf("after the load: %d users, %d groups, %d users with sessions, %d keys", len(users), len(groups), len(counts), len(keys))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
