package httpapi

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A user manager: Manage Users and viewing users, nothing else.
var userManager = map[string]any{"name": "UserManager", "privileges": []string{"PRINCIPAL_VIEW", "PRINCIPAL_MODIFY"}}

// TestUserManagerCannotRemoveAdmins: issue 11's report. A user manager
// cannot end the admin's sessions or delete it (both answered 204), nor
// lock, expire, demote or otherwise act on it; each refusal is a 403 that
// says why.
func TestUserManagerCannotRemoveAdmins(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("POST", "/v2/roles", e.admin, userManager), 201)
	_, um := e.loginAs("manager1", "UserManager")
	admin := e.adminSID()
	for _, tc := range []struct{ method, path, why string }{
		{"DELETE", "/v2/users/sessions?sid=" + admin, "holds privilege"},
		{"POST", "/v2/users/delete", "built-in administrator"},
		{"DELETE", "/v2/users/" + admin, "built-in administrator"},
	} {
		var body any
		if tc.method == "POST" {
			body = map[string]any{"sids": []string{admin}}
		}
		e.wantMsg(e.do(tc.method, tc.path, um, body), 403, tc.why)
	}
	for _, body := range []map[string]any{
		{"locked": true}, {"expiryTimeMsecs": 4102444800000}, {"roles": []string{"COHESITY_VIEWER"}},
		{"description": "x"}, {"localUserParams": map[string]any{"email": "x@example.com"}},
	} {
		e.wantMsg(e.do("PUT", "/v2/users/"+admin, um, body), 403, `holds privilege`)
	}
	e.wantMsg(e.do("PUT", "/v2/security-principals/"+admin+"/sources", um, map[string]any{"sourceIds": []int{1}}), 403, `holds privilege`)
	e.wantMsg(e.do("POST", "/v2/users/"+admin+"/s3-secret-key", um, nil), 403, "S3_KEY_MODIFY")
	// The admin's session still works.
	e.want(e.do("GET", "/v2/users/"+admin, e.admin, nil), 200)
}

// TestLastAdmin runs writes against the last administrator: nobody, the
// administrator included, can delete, lock, expire or demote it, delete
// its group or take it out of it; the built-in admin is never deleted.
func TestLastAdmin(t *testing.T) {
	e := newEnv(t)
	admin := e.adminSID()
	// boss is an administrator through the group admins; admin is one too.
	bossSID := e.createUser("boss", "boss-Password-1")
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "admins", "domain": "LOCAL",
		"roles": []string{"COHESITY_ADMIN"}, "localGroupParams": map[string]any{"userSids": []string{bossSID}}}}), 201).decode(t, &gl)
	admins := gl.Groups[0].SID
	boss := bearerCred(e.accessToken("boss", "boss-Password-1"))

	// The built-in admin is never deleted, though another admin remains.
	e.wantMsg(e.do("DELETE", "/v2/users/"+admin, boss, nil), 403, "built-in administrator")
	// With two administrators, one may demote itself: boss remains.
	e.want(e.do("PUT", "/v2/users/"+admin, boss, map[string]any{"roles": []string{"COHESITY_VIEWER"}}), 200)
	// Now boss is the last, through its group alone.
	last := "without an administrator"
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"delete it", "DELETE", "/v2/users/" + bossSID, nil},
		{"delete it in bulk", "POST", "/v2/users/delete", map[string]any{"sids": []string{bossSID}}},
		{"lock it", "PUT", "/v2/users/" + bossSID, map[string]any{"locked": true}},
		{"expire it", "PUT", "/v2/users/" + bossSID, map[string]any{"expiryTimeMsecs": 4102444800000}},
		{"put off its effective time", "PUT", "/v2/users/" + bossSID, map[string]any{"effectiveTimeMsecs": 4102444800000}},
		{"take it out of its group", "PUT", "/v2/groups/" + admins, map[string]any{"localGroupParams": map[string]any{"userSids": []string{}}}},
		{"strip its group's roles", "PUT", "/v2/groups/" + admins, map[string]any{"roles": []string{"COHESITY_VIEWER"}}},
		{"delete its group", "DELETE", "/v2/groups/" + admins, nil},
		{"delete its group in bulk", "POST", "/v2/groups/delete", map[string]any{"sids": []string{admins}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			for _, c := range []cred{e.admin, boss} {
				r := e.do(tc.method, tc.path, c, tc.body)
				if r.status != 403 {
					t.Fatalf("%s %s: status %d, want 403; body %s", tc.method, tc.path, r.status, r.body)
				}
			}
			// boss itself is told why: it is the last (or, acting on
			// itself, that it cannot).
			r := e.do(tc.method, tc.path, boss, tc.body)
			if msg, _ := r.obj(t)["message"].(string); !containsAny(msg, last, "yourself") {
				t.Errorf("refusal %q says neither why nor who", msg)
			}
		})
	}
	e.t = t
	// A second administrator frees the first: then boss may be demoted.
	e.want(e.do("PUT", "/v2/users/"+admin, boss, map[string]any{"roles": []string{"COHESITY_ADMIN"}}), 200)
	e.want(e.do("PUT", "/v2/groups/"+admins, e.admin, map[string]any{"localGroupParams": map[string]any{"userSids": []string{}}}), 200)
	e.want(e.do("GET", "/v2/users", e.admin, nil), 200)
}

func containsAny(s string, words ...string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

// TestPlantedKey: issue 19's attack. A user manager cannot empty the
// admins' group to reach boss, plant a key, and wait for the membership to
// come back; and a key it minted for anyone never carries more than it
// held when it minted it.
func TestPlantedKey(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("POST", "/v2/roles", e.admin, userManager), 201)
	_, um := e.loginAs("um", "UserManager")
	bossSID := e.createUser("boss", "boss-Password-1")
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "admins", "domain": "LOCAL",
		"roles": []string{"COHESITY_ADMIN"}, "localGroupParams": map[string]any{"userSids": []string{bossSID}}}}), 201).decode(t, &gl)
	admins := gl.Groups[0].SID

	e.wantMsg(e.do("POST", "/v2/users/"+bossSID+"/api-keys", um, map[string]any{"name": "planted"}), 403, "holds privilege")
	e.wantMsg(e.do("PUT", "/v2/groups/"+admins, um, map[string]any{"localGroupParams": map[string]any{"userSids": []string{}}}), 403, "holds privilege")
	e.wantMsg(e.do("PUT", "/v2/groups/"+admins, um, map[string]any{"roles": []string{}}), 403, "holds privilege")

	// A viewer um may reach gets a key from um; the admin then promotes
	// the viewer. The key still carries only what um held.
	vicSID := e.createUser("vic", "vic-Password-1", "COHESITY_VIEWER")
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "Watchers", "privileges": []string{"PRINCIPAL_VIEW"}}), 201)
	e.want(e.do("PUT", "/v2/users/"+vicSID, e.admin, map[string]any{"roles": []string{"Watchers"}}), 200)
	_, key := e.createAPIKey(um, vicSID, "planted")
	e.want(e.do("PUT", "/v2/users/"+vicSID, um, map[string]any{"localUserParams": map[string]any{"password": "set-by-um-Password-1"}}), 200)
	e.want(e.do("PUT", "/v2/users/"+vicSID, e.admin, map[string]any{"roles": []string{"COHESITY_ADMIN"}}), 200)
	// Through the key: what um holds, not Admin.
	e.wantMsg(e.do("POST", "/v2/roles", apiKeyCred(key), map[string]any{"name": "Mine", "privileges": []string{"PRINCIPAL_VIEW"}}), 403, "ROLE_MODIFY")
	e.want(e.do("GET", "/v2/users", apiKeyCred(key), nil), 200)
	// Through the password um set: the same, even after vic changes it.
	tok := bearerCred(e.accessToken("vic", "set-by-um-Password-1"))
	e.wantMsg(e.do("POST", "/v2/roles", tok, map[string]any{"name": "Mine", "privileges": []string{"PRINCIPAL_VIEW"}}), 403, "ROLE_MODIFY")
	e.want(e.do("PUT", "/v2/users/"+vicSID, tok, map[string]any{"localUserParams": map[string]any{
		"password": "changed-by-vic-Password-1", "currentPassword": "set-by-um-Password-1"}}), 200)
	tok = bearerCred(e.accessToken("vic", "changed-by-vic-Password-1"))
	e.wantMsg(e.do("POST", "/v2/roles", tok, map[string]any{"name": "Mine", "privileges": []string{"PRINCIPAL_VIEW"}}), 403, "ROLE_MODIFY")
	// An administrator's reset lifts the cap.
	e.want(e.do("PUT", "/v2/users/"+vicSID, e.admin, map[string]any{"localUserParams": map[string]any{"password": "set-by-admin-Password-1"}}), 200)
	tok = bearerCred(e.accessToken("vic", "set-by-admin-Password-1"))
	e.want(e.do("POST", "/v2/roles", tok, map[string]any{"name": "Mine", "privileges": []string{"PRINCIPAL_VIEW"}}), 201)
}

// TestConcurrentGroupUpdates: issue 11's lost update. One client changes
// a group's description while another sets its members; both land, in
// every round. Before, the members from before the second update came
// back in 44 of 60 rounds: the update wrote back fields it had read
// outside its transaction.
func TestConcurrentGroupUpdates(t *testing.T) {
	e := newEnv(t)
	a := e.createUser("ga", "ga-Password-1")
	b := e.createUser("gb", "gb-Password-1")
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "racers", "domain": "LOCAL", "roles": []string{}}}), 201).decode(t, &gl)
	g := gl.Groups[0].SID
	for round := range 60 {
		members := []string{a}
		if round%2 == 1 {
			members = []string{b, a}
		}
		desc := fmt.Sprint("round ", round)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, body := range []map[string]any{
			{"description": desc},
			{"localGroupParams": map[string]any{"userSids": members}},
		} {
			wg.Go(func() {
				<-start
				if r := e.do("PUT", "/v2/groups/"+g, e.admin, body); r.status != 200 {
					t.Errorf("round %d: %d %s", round, r.status, r.body)
				}
			})
		}
		close(start)
		wg.Wait()
		var got groupParams
		e.want(e.do("GET", "/v2/groups/"+g, e.admin, nil), 200).decode(t, &got)
		if got.Description != desc || got.LocalGroupParams == nil || !slices.Equal(got.LocalGroupParams.UserSids, members) {
			t.Fatalf("round %d: description %q, members %+v; want %q and %v: an update was lost",
				round, got.Description, got.LocalGroupParams, desc, members)
		}
	}
}
