package httpapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestCreateUserWireShape(t *testing.T) {
	e := newEnv(t)
	body := []map[string]any{{
		"username": "alice", "domain": "LOCAL", "description": "first",
		"localUserParams": map[string]any{"password": "alice-Password-1", "email": "alice@example.com"},
	}}
	r := e.want(e.do("POST", "/v2/users", e.admin, body), 201)
	users := r.obj(t)["users"].([]any)
	if len(users) != 1 {
		t.Fatalf("got %d users", len(users))
	}
	u := users[0].(map[string]any)
	// Zero values are sent, not dropped; enums are never "".
	for field, want := range map[string]any{
		"username": "alice", "domain": "LOCAL", "description": "first", "locked": false, "restricted": false,
		"forcePasswordChange": false, "lockedReason": "NotLocked",
	} {
		if u[field] != want {
			t.Errorf("%s = %#v, want %#v", field, u[field], want)
		}
	}
	for _, field := range []string{"roles", "otherGroups"} {
		if l, ok := u[field].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %#v, want []", field, u[field])
		}
	}
	if !strings.HasPrefix(u["sid"].(string), "S-1-100-21-") {
		t.Errorf("sid %v is not a cluster SID", u["sid"])
	}
	if lp := u["localUserParams"].(map[string]any); lp["email"] != "alice@example.com" || len(lp) != 1 {
		t.Errorf("localUserParams = %v", lp)
	}
	s3 := u["s3AccountParams"].(map[string]any)
	if s3["s3AccessKeyId"] == "" || s3["s3AccountId"] == "" || s3["s3SecretKey"] != nil {
		t.Errorf("s3AccountParams = %v", s3)
	}
	if strings.Contains(string(r.body), "alice-Password-1") || strings.Contains(string(r.body), "argon2") {
		t.Fatal("response carries the password or its hash")
	}
	// Stable S3 identity.
	g := e.want(e.do("GET", "/v2/users/"+u["sid"].(string), e.admin, nil), 200).obj(t)
	if g["s3AccountParams"].(map[string]any)["s3AccessKeyId"] != s3["s3AccessKeyId"] {
		t.Error("s3AccessKeyId changed between create and get")
	}
}

func TestCreateUsersValidation(t *testing.T) {
	e := newEnv(t)
	e.createUser("taken", "taken-Password-1")
	user := func(name string, extra map[string]any) map[string]any {
		u := map[string]any{"username": name, "domain": "LOCAL", "localUserParams": map[string]any{"password": name + "-Password-1"}}
		for k, v := range extra {
			u[k] = v
		}
		return u
	}
	many := make([]map[string]any, 1001)
	for i := range many {
		many[i] = user(fmt.Sprintf("u%d", i), nil)
	}
	cases := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"unknown role names entry", []any{user("ok1", nil), user("bad", map[string]any{"roles": []string{"NOPE"}})}, 400, `users[1] "bad": role "NOPE" does not exist`},
		{"duplicate in batch", []any{user("dup", nil), user("DUP", nil)}, 409, `users[1] "DUP" duplicates users[0]`},
		{"duplicate existing case-insensitive", []any{user("ok2", nil), user("TAKEN", nil)}, 409, "already exists"},
		{"unknown domain", []any{user("ad", map[string]any{"domain": "corp.example.com"})}, 400, "not registered"},
		{"missing username", []any{map[string]any{"domain": "LOCAL", "localUserParams": map[string]any{"password": "xxxxxxxxxxx1"}}}, 400, "username is required"},
		{"missing domain", []any{map[string]any{"username": "x", "localUserParams": map[string]any{"password": "xxxxxxxxxxx1"}}}, 400, "domain is required"},
		{"short password", []any{map[string]any{"username": "x", "domain": "LOCAL", "localUserParams": map[string]any{"password": "elevenchars"}}}, 400, "at least 12"},
		{"bad email", []any{user("e", map[string]any{"localUserParams": map[string]any{"password": "xxxxxxxxxxx1", "email": "not an email"}})}, 400, "email"},
		{"expiry before effective", []any{user("w", map[string]any{"effectiveTimeMsecs": 2000, "expiryTimeMsecs": 1000})}, 400, "expiryTimeMsecs"},
		{"empty list", []any{}, 400, "at least one user"},
		{"over 1000", many, 400, "at most 1000"},
		{"string for int", []any{user("t", map[string]any{"expiryTimeMsecs": "soon"})}, 400, "expiryTimeMsecs"},
		{"object not array", map[string]any{"username": "x"}, 400, "expected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.want(e.do("POST", "/v2/users", e.admin, c.body), c.status)
			if msg := r.obj(t)["message"].(string); !strings.Contains(msg, c.msg) {
				t.Errorf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	// Nothing of the failed batches was written.
	var ul usersList
	e.want(e.do("GET", "/v2/users", e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 2 {
		names := []string{}
		for _, u := range ul.Users {
			names = append(names, u.Username)
		}
		t.Fatalf("users after failed batches: %v, want admin and taken only", names)
	}
}

func TestCreateUsersAcceptsNulls(t *testing.T) {
	e := newEnv(t)
	// The Go SDK sends unset fields as null.
	body := `[{"username":"gosdk","domain":"LOCAL","roles":null,"description":null,"effectiveTimeMsecs":null,
		"localUserParams":{"password":"gosdk-Password-1","email":null},"locked":null,"restricted":null}]`
	r := e.want(e.do("POST", "/v2/users", e.admin, body), 201)
	var ul usersList
	r.decode(t, &ul)
	if ul.Users[0].Username != "gosdk" || len(ul.Users[0].Roles) != 0 {
		t.Fatalf("got %+v", ul.Users[0])
	}
}

func TestUpdateUserMerges(t *testing.T) {
	e := newEnv(t)
	body := []map[string]any{{"username": "bob", "domain": "LOCAL", "description": "d1", "roles": []string{"COHESITY_VIEWER"},
		"localUserParams": map[string]any{"password": "bob-Password-1", "email": "bob@example.com"}}}
	var ul usersList
	e.want(e.do("POST", "/v2/users", e.admin, body), 201).decode(t, &ul)
	sid := ul.Users[0].SID

	var u userParams
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"description": "d2", "roles": nil}), 200).decode(t, &u)
	if u.Description != "d2" || len(u.Roles) != 1 || u.Roles[0] != "COHESITY_VIEWER" || u.LocalUserParams.Email != "bob@example.com" {
		t.Fatalf("after merge: %+v", u)
	}
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"roles": []string{}, "restricted": true, "expiryTimeMsecs": 4102444800000}), 200).decode(t, &u)
	if len(u.Roles) != 0 || !u.Restricted || u.ExpiryTimeMsecs == nil || *u.ExpiryTimeMsecs != 4102444800000 || u.Description != "d2" {
		t.Fatalf("after second update: %+v", u)
	}
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"roles": []string{"NOPE"}}), 400)
	e.want(e.do("PUT", "/v2/users/S-1-100-21-1-1-999999", e.admin, map[string]any{"description": "x"}), 404)
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, `{"locked": "yes"}`), 400)
}

func TestLockUser(t *testing.T) {
	e := newEnv(t)
	sid := e.createUser("carol", "carol-Password-1", "COHESITY_VIEWER")
	sess := sessionCred(e.session("carol", "carol-Password-1"))
	e.want(e.do("GET", "/v2/users/"+sid, sess, nil), 200)

	var u userParams
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"locked": true}), 200).decode(t, &u)
	if !u.Locked || u.LockedReason != "LockedByAdmin" {
		t.Fatalf("locked user: %+v", u)
	}
	e.want(e.do("GET", "/v2/users/"+sid, sess, nil), 401)
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "carol", "password": "carol-Password-1", "domain": "LOCAL"}), 401)

	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"locked": false}), 200).decode(t, &u)
	if u.Locked || u.LockedReason != "NotLocked" {
		t.Fatalf("unlocked user: %+v", u)
	}
	// The lock revoked the old session for good; a new log-in works.
	e.want(e.do("GET", "/v2/users/"+sid, sess, nil), 401)
	e.accessToken("carol", "carol-Password-1")
}

func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t)
	sid := e.createUser("dave", "dave-Password-1", "COHESITY_VIEWER")
	mine := sessionCred(e.session("dave", "dave-Password-1"))
	other := bearerCred(e.accessToken("dave", "dave-Password-1"))

	set := func(pw any, cur any) map[string]any {
		return map[string]any{"localUserParams": map[string]any{"password": pw, "currentPassword": cur}}
	}
	r := e.want(e.do("PUT", "/v2/users/"+sid, mine, set("dave-Password-2", nil)), 400)
	if !strings.Contains(r.obj(t)["message"].(string), "currentPassword") {
		t.Errorf("message: %s", r.body)
	}
	e.want(e.do("PUT", "/v2/users/"+sid, mine, set("dave-Password-2", "wrong-password")), 400)
	e.accessToken("dave", "dave-Password-1") // unchanged

	e.want(e.do("PUT", "/v2/users/"+sid, mine, set("dave-Password-2", "dave-Password-1")), 200)
	e.want(e.do("GET", "/v2/users/"+sid, mine, nil), 200)  // the session that made the change lives
	e.want(e.do("GET", "/v2/users/"+sid, other, nil), 401) // others are revoked
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "dave", "password": "dave-Password-1"}), 401)
	e.accessToken("dave", "dave-Password-2")

	// A viewer may change its password but nothing else of itself.
	e.want(e.do("PUT", "/v2/users/"+sid, mine, map[string]any{"roles": []string{"COHESITY_ADMIN"}}), 403)
	e.want(e.do("PUT", "/v2/users/"+sid, mine, map[string]any{"locked": false}), 403)
	e.want(e.do("PUT", "/v2/users/"+sid, mine, map[string]any{"description": "me"}), 200)
}

func TestAdminCannotRaiseOwnRolesButMayKeepThem(t *testing.T) {
	e := newEnv(t)
	// A user manager with a custom role cannot give itself Admin.
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "UserManager", "privileges": []string{"PRINCIPAL_VIEW", "PRINCIPAL_MODIFY"}}), 201)
	sid, c := e.loginAs("manager", "UserManager")
	e.want(e.do("PUT", "/v2/users/"+sid, c, map[string]any{"roles": []string{"UserManager", "COHESITY_ADMIN"}}), 403)
	e.want(e.do("PUT", "/v2/users/"+sid, c, map[string]any{"roles": []string{"UserManager"}}), 200)
	// Nor through a group.
	r := e.want(e.do("POST", "/v2/groups", c, []map[string]any{{"name": "admins", "domain": "LOCAL", "roles": []string{"COHESITY_ADMIN"},
		"localGroupParams": map[string]any{"userSids": []string{sid}}}}), 403)
	if !strings.Contains(string(r.body), "yourself") {
		t.Errorf("message: %s", r.body)
	}
}

func TestDeleteUserCascades(t *testing.T) {
	e := newEnv(t)
	sid, c := e.loginAs("erin", "COHESITY_VIEWER")
	_, key := e.createAPIKey(c, sid, "k1")
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "g", "domain": "LOCAL",
		"localGroupParams": map[string]any{"userSids": []string{sid}}}}), 201).decode(t, &gl)
	e.want(e.do("PUT", "/v2/security-principals/"+sid+"/sources", e.admin, map[string]any{"sourceIds": []int64{1}, "viewIds": []int64{}}), 200)

	e.want(e.do("DELETE", "/v2/users/"+sid, e.admin, nil), 204)
	e.want(e.do("GET", "/v2/users/"+sid, e.admin, nil), 404)
	e.want(e.do("GET", "/v2/users/"+sid, c, nil), 401)
	e.want(e.do("GET", "/v2/privileges", apiKeyCred(key), nil), 401)
	var g groupParams
	e.want(e.do("GET", "/v2/groups/"+gl.Groups[0].SID, e.admin, nil), 200).decode(t, &g)
	if len(g.LocalGroupParams.UserSids) != 0 {
		t.Fatalf("group still lists deleted user: %v", g.LocalGroupParams.UserSids)
	}
	e.want(e.do("GET", "/v2/security-principals/"+sid+"/sources", e.admin, nil), 404)
	e.want(e.do("DELETE", "/v2/users/"+sid, e.admin, nil), 404)
}

func TestDeleteUsersAtomic(t *testing.T) {
	e := newEnv(t)
	a := e.createUser("a1", "a1-Password-1")
	b := e.createUser("b1", "b1-Password-1")
	r := e.want(e.do("POST", "/v2/users/delete", e.admin, map[string]any{"sids": []string{a, "S-1-100-21-1-1-424242", b}}), 404)
	if !strings.Contains(string(r.body), "S-1-100-21-1-1-424242") {
		t.Errorf("404 does not name the missing sid: %s", r.body)
	}
	e.want(e.do("GET", "/v2/users/"+a, e.admin, nil), 200)
	e.want(e.do("POST", "/v2/users/delete", e.admin, map[string]any{}), 400)
	e.want(e.do("POST", "/v2/users/delete", e.admin, map[string]any{"sids": []string{e.adminSID()}}), 403)
	e.want(e.do("POST", "/v2/users/delete", e.admin, map[string]any{"sids": []string{a, b}}), 204)
	var ul usersList
	e.want(e.do("GET", "/v2/users?sids="+a+","+b, e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 0 {
		t.Fatalf("deleted users still listed: %+v", ul.Users)
	}
}

func TestUserFilters(t *testing.T) {
	e := newEnv(t)
	mk := func(name, email string, roles ...string) string {
		body := []map[string]any{{"username": name, "domain": "LOCAL", "roles": roles,
			"localUserParams": map[string]any{"password": name + "-Password-1", "email": email}}}
		var ul usersList
		e.want(e.do("POST", "/v2/users", e.admin, body), 201).decode(t, &ul)
		return ul.Users[0].SID
	}
	s1 := mk("Frank", "frank@example.com", "COHESITY_VIEWER")
	s2 := mk("frances", "fran@example.com", "COHESITY_OPERATOR")
	mk("gina", "gina@example.com")
	e.renameUser(mk("pct_x", "pct@example.com"), "100%_x") // a name from before the rule

	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"admin", "Frank", "frances", "gina", "100%_x"}},
		{"usernames=frank", []string{"Frank"}},
		{"usernames=FRANK,gina", []string{"Frank", "gina"}},
		{"usernames=frank&usernames=gina", []string{"Frank", "gina"}},
		{"usernames=fran&matchPartialNames=true", []string{"Frank", "frances"}},
		{"usernames=fran&matchPartialNames=false", []string{}},
		{"usernames=%25_&matchPartialNames=true", []string{"100%_x"}},
		{"usernames=_&matchPartialNames=true", []string{"100%_x"}},
		{"sids=" + s1 + "," + s2, []string{"Frank", "frances"}},
		{"sids=" + s1 + "&usernames=frances", []string{}},
		{"emailAddresses=GINA@example.com", []string{"gina"}},
		{"roles=COHESITY_VIEWER,COHESITY_OPERATOR", []string{"Frank", "frances"}},
		{"roles=COHESITY_ADMIN", []string{"admin"}},
		{"domain=LOCAL&roles=COHESITY_OPERATOR", []string{"frances"}},
		{"domain=corp.example.com", []string{}},
		{"tenantIds=t1/&includeTenants=true", []string{}},
		{"usernames=" + url.QueryEscape("' OR 1=1 --"), []string{}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			var ul usersList
			e.want(e.do("GET", "/v2/users?"+c.query, e.admin, nil), 200).decode(t, &ul)
			got := []string{}
			for _, u := range ul.Users {
				got = append(got, u.Username)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	e.want(e.do("GET", "/v2/users?matchPartialNames=maybe", e.admin, nil), 400)
	e.want(e.do("GET", "/v2/users?includeTenants=1", e.admin, nil), 400)
}

// TestServiceAccount: a LOCAL user made without a password cannot log in
// with any password, and works through an API key made for it.
func TestServiceAccount(t *testing.T) {
	e := newEnv(t)
	var ul usersList
	e.want(e.do("POST", "/v2/users", e.admin, []any{map[string]any{"username": "svc-backup", "domain": "LOCAL",
		"roles": []string{"COHESITY_VIEWER"}}}), 201).decode(t, &ul)
	sid := ul.Users[0].SID
	for _, pw := range []string{"anything-at-all", " "} {
		e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "svc-backup", "password": pw, "domain": "LOCAL"}), 401)
	}
	_, key := e.createAPIKey(e.admin, sid, "backup")
	e.want(e.do("GET", "/v2/users/"+sid, apiKeyCred(key), nil), 200)
}

// TestCreateUsersAnswersAsStored checks that create_users answers with
// the users as get_users then reads them, byte for byte: the answer is
// built from what was written (store.AsStored), not read back.
func TestCreateUsersAnswersAsStored(t *testing.T) {
	e := newEnv(t)
	far := int64(4_000_000_000_000)
	var body []map[string]any
	for i := range 12 {
		u := map[string]any{"username": fmt.Sprintf("same%02d", i), "domain": "LOCAL", "description": []string{"", "Ünïcödé <b>&", "tab\tline"}[i%3]}
		switch i % 4 {
		case 1:
			u["roles"] = []string{"COHESITY_VIEWER", "COHESITY_ADMIN", "COHESITY_VIEWER"}
			u["localUserParams"] = map[string]any{"email": fmt.Sprintf("s%d@example.com", i), "password": fmt.Sprintf("same%02d-Password-1", i)}
		case 2:
			u["effectiveTimeMsecs"], u["expiryTimeMsecs"], u["locked"], u["restricted"] = 0, far, true, true
		case 3:
			u["roles"], u["allowSmbAccessToken"] = []string{}, true
		}
		body = append(body, u)
	}
	var made struct{ Users []json.RawMessage }
	if err := json.Unmarshal(e.want(e.do("POST", "/v2/users", e.admin, body), 201).body, &made); err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, u := range made.Users {
		var v struct{ Sid string }
		if err := json.Unmarshal(u, &v); err != nil {
			t.Fatal(err)
		}
		sids = append(sids, v.Sid)
	}
	var read struct{ Users []json.RawMessage }
	if err := json.Unmarshal(e.want(e.do("GET", "/v2/users?sids="+strings.Join(sids, ","), e.admin, nil), 200).body, &read); err != nil {
		t.Fatal(err)
	}
	if len(made.Users) != len(body) || len(read.Users) != len(body) {
		t.Fatalf("created %d users, read %d, want %d", len(made.Users), len(read.Users), len(body))
	}
	for i := range made.Users {
		if string(made.Users[i]) != string(read.Users[i]) {
			t.Errorf("user %d: create_users answered\n%s\nget_users reads\n%s", i, made.Users[i], read.Users[i])
		}
	}
}
