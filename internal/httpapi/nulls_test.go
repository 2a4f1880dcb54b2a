package httpapi

import (
	"maps"
	"reflect"
	"testing"
	"time"
)

// TestAPIKeyNullExpiry: CreateOrUpdateAPIKeyRequest.expiryTimeMsecs says
// "Set null for no expiry", and the Python SDK sends that null when the
// caller sets expiry_time_msecs=None. On update it removes the expiry (an
// expired key works again); left out, the expiry stays; on create, null is
// no expiry, as absent is.
func TestAPIKeyNullExpiry(t *testing.T) {
	e := newEnv(t)
	sid, c := e.loginAs("nell", "COHESITY_VIEWER")
	keys := "/v2/users/" + sid + "/api-keys"
	future := time.Now().Add(time.Hour).UnixMilli()
	r := e.want(e.do("POST", keys, c, map[string]any{"name": "ci", "expiryTimeMsecs": future}), 201)
	created := r.obj(t)
	id, key := created["id"].(string), apiKeyCred(created["apiKey"].(string))

	expiry := func() any {
		t.Helper()
		return e.want(e.do("GET", keys+"/"+id, c, nil), 200).obj(t)["expiryTimeMsecs"]
	}
	e.want(e.do("PUT", keys+"/"+id, c, `{"name":"ci"}`), 200)
	if got := expiry(); got != float64(future) {
		t.Fatalf("expiry left out: expiryTimeMsecs %v, want %d unchanged", got, future)
	}
	past := time.Now().Add(-time.Minute).UnixMilli()
	e.want(e.do("PUT", keys+"/"+id, c, map[string]any{"name": "ci", "expiryTimeMsecs": past}), 200)
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 401)

	r = e.want(e.do("PUT", keys+"/"+id, c, `{"name":"ci","expiryTimeMsecs":null}`), 200)
	if k := r.obj(t); k["expiryTimeMsecs"] != nil || k["isExpired"] != false {
		t.Fatalf(`after "expiryTimeMsecs":null the answer is %v, want no expiryTimeMsecs and isExpired false`, k)
	}
	if got := expiry(); got != nil {
		t.Fatalf(`after "expiryTimeMsecs":null a GET shows expiryTimeMsecs %v, want none`, got)
	}
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 200)

	r = e.want(e.do("POST", keys, c, `{"name":"ci2","expiryTimeMsecs":null,"isActive":null}`), 201)
	if k := r.obj(t); k["expiryTimeMsecs"] != nil || k["isActive"] != true {
		t.Fatalf("created with nulls: %v, want no expiry, active", k)
	}
	e.wantMsg(e.do("PUT", keys+"/"+id, c, `{"name":"ci","expiryTimeMsecs":"never"}`), 400, "expiryTimeMsecs")
	e.wantMsg(e.do("PUT", keys+"/"+id, c, `{"name":null}`), 400, "name")
}

// TestNullIsAbsent: every other nullable field of the request models the
// operations take reads null as absent (the Go SDK sends "roles": null on
// every create_users and update_user, "name": null and "privileges": null
// when unset; the Python SDK sends null only where the caller set None).
// Each case sends a body of nulls and wants the record as it was, or as
// the defaults make it.
func TestNullIsAbsent(t *testing.T) {
	e := newEnv(t)
	get := func(path string) map[string]any {
		t.Helper()
		m := e.want(e.do("GET", path, e.admin, nil), 200).obj(t)
		delete(m, "lastUpdatedTimeMsecs")
		delete(m, "lastUpdatedTimestampMsecs")
		return m
	}
	same := func(what string, before, after map[string]any) {
		t.Helper()
		if !reflect.DeepEqual(before, after) {
			t.Errorf("%s changed:\nbefore %v\nafter  %v", what, before, after)
		}
	}
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "nulls-role", "description": "d", "privileges": []string{"PRINCIPAL_VIEW"}}), 201)

	t.Run("create_users", func(t *testing.T) {
		var ul usersList
		e.want(e.do("POST", "/v2/users", e.admin, `[{"username":"nuls","domain":"LOCAL","roles":null,"description":null,
			"effectiveTimeMsecs":null,"expiryTimeMsecs":null,"locked":null,"restricted":null,"allowSmbAccessToken":null,
			"otherGroups":null,"primaryGroup":null,
			"localUserParams":{"password":"nuls-Password-1","email":null,"groups":null,"primaryGroup":null}}]`), 201).decode(t, &ul)
		u := ul.Users[0]
		if len(u.Roles) != 0 || u.Description != "" || u.EffectiveTimeMsecs != nil || u.ExpiryTimeMsecs != nil || u.Locked || u.Restricted || u.LocalUserParams.Email != "" {
			t.Fatalf("created with nulls: %+v, want the defaults", u)
		}
	})
	t.Run("update_user", func(t *testing.T) {
		sid := e.createUser("nulu", "nulu-Password-1", "COHESITY_VIEWER")
		soon, later := time.Now().Add(-time.Hour).UnixMilli(), time.Now().Add(time.Hour).UnixMilli()
		e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"description": "d", "effectiveTimeMsecs": soon,
			"expiryTimeMsecs": later, "restricted": true, "localUserParams": map[string]any{"email": "nulu@example.com"}}), 200)
		before := get("/v2/users/" + sid)
		e.want(e.do("PUT", "/v2/users/"+sid, e.admin, `{"description":null,"effectiveTimeMsecs":null,"expiryTimeMsecs":null,
			"locked":null,"restricted":null,"roles":null,"localUserParams":null}`), 200)
		same("user after nulls", before, get("/v2/users/"+sid))
		e.want(e.do("PUT", "/v2/users/"+sid, e.admin, `{"roles":null,"localUserParams":{"email":null,"password":null,
			"currentPassword":null,"groups":null,"primaryGroup":null}}`), 200)
		same("user after null localUserParams fields", before, get("/v2/users/"+sid))
		e.accessToken("nulu", "nulu-Password-1") // the password too
	})
	t.Run("create_group", func(t *testing.T) {
		var gl groupsJSON
		e.want(e.do("POST", "/v2/groups", e.admin, `[{"name":"nulg","domain":"LOCAL","description":null,"restricted":null,
			"roles":null,"tenantIds":null,"localGroupParams":{"userSids":null}}]`), 201).decode(t, &gl)
		g := gl.Groups[0]
		if g.Description != "" || g.Restricted || len(g.Roles) != 0 || len(g.TenantIDs) != 0 || len(g.LocalGroupParams.UserSids) != 0 {
			t.Fatalf("created with nulls: %+v, want the defaults", g)
		}
	})
	t.Run("update_group", func(t *testing.T) {
		member := e.createUser("nulm", "nulm-Password-1")
		var gl groupsJSON
		e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "nulg2", "domain": "LOCAL", "description": "d",
			"restricted": true, "roles": []string{"COHESITY_VIEWER"},
			"localGroupParams": map[string]any{"userSids": []string{member}}}}), 201).decode(t, &gl)
		path := "/v2/groups/" + gl.Groups[0].SID
		before := get(path)
		e.want(e.do("PUT", path, e.admin, `{"description":null,"restricted":null,"roles":null,"tenantIds":null,"localGroupParams":null}`), 200)
		same("group after nulls", before, get(path))
		e.want(e.do("PUT", path, e.admin, `{"localGroupParams":{"userSids":null}}`), 200)
		same("group after null userSids", before, get(path))
	})
	t.Run("update_principal_sources", func(t *testing.T) {
		// A PUT replaces the assignment whole: a list left out or null is
		// none.
		sid := e.createUser("nuls2", "nuls2-Password-1")
		path := "/v2/security-principals/" + sid + "/sources"
		e.want(e.do("PUT", path, e.admin, map[string]any{"sourceIds": []int{1, 2}, "viewIds": []int{3}}), 200)
		got := e.want(e.do("PUT", path, e.admin, `{"sourceIds":null,"viewIds":[4]}`), 200).obj(t)
		if want := map[string]any{"sourceIds": []any{}, "viewIds": []any{float64(4)}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("sources %v, want %v", got, want)
		}
	})
	t.Run("create_role and update_role", func(t *testing.T) {
		r := e.want(e.do("POST", "/v2/roles", e.admin, `{"name":"nulr","description":null,"privileges":["PRINCIPAL_VIEW"]}`), 201).obj(t)
		if _, ok := r["description"]; ok {
			t.Fatalf("created with description null: %v", r)
		}
		roles := func() map[string]any {
			var rl map[string]any
			rl = get("/v2/roles?names=nulls-role")
			role := maps.Clone(rl["roles"].([]any)[0].(map[string]any))
			delete(role, "lastUpdatedTimestampMsecs")
			return role
		}
		before := roles()
		e.want(e.do("PUT", "/v2/roles/nulls-role", e.admin, `{"description":null,"privileges":["PRINCIPAL_VIEW"]}`), 200)
		same("role after description null", before, roles())
		e.wantMsg(e.do("PUT", "/v2/roles/nulls-role", e.admin, `{"privileges":null}`), 400, "privilege")
		e.wantMsg(e.do("POST", "/v2/roles", e.admin, `{"name":null,"privileges":null}`), 400, "")
	})
	t.Run("create_access_token and create_session", func(t *testing.T) {
		e.want(e.do("POST", "/v2/access-tokens", noCred, `{"username":"admin","password":"`+adminPassword+`","domain":null}`), 201)
		e.want(e.do("POST", "/v2/users/sessions", noCred, `{"username":"admin","password":"`+adminPassword+`","domain":null,
			"certificate":null,"privateKey":null,"otpCode":null,"otpType":null}`), 201)
		e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, `{"username":null,"password":null}`), 400, "required")
	})
}
