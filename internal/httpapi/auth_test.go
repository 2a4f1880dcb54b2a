package httpapi

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCredentialKinds(t *testing.T) {
	e := newEnv(t)
	adminSID := e.adminSID()
	_, key := e.createAPIKey(e.admin, adminSID, "ci")
	creds := map[string]cred{
		"apiKey":     apiKeyCred(key),
		"bearer":     bearerCred(e.accessToken("admin", adminPassword)),
		"session-id": sessionCred(e.session("admin", adminPassword)),
	}
	for name, c := range creds {
		t.Run(name, func(t *testing.T) {
			var u userParams
			e.want(e.do("GET", "/v2/users/"+adminSID, c, nil), 200).decode(t, &u)
			if u.Username != "admin" {
				t.Fatalf("got %+v", u)
			}
		})
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t)
	cases := map[string]cred{
		"none":                 noCred,
		"unknown apiKey":       apiKeyCred("nope"),
		"unknown bearer":       bearerCred("nope"),
		"unknown session":      sessionCred("nope"),
		"basic auth":           {"Authorization", "Basic YWRtaW46eA=="},
		"bearer without token": {"Authorization", "Bearer"},
		"huge key":             apiKeyCred(strings.Repeat("k", 4000)),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := e.want(e.do("GET", "/v2/users", c, nil), 401)
			if r.obj(t)["errorCode"] != "Unauthorized" {
				t.Errorf("body %s", r.body)
			}
		})
	}
}

func TestLoginFailuresAreUniform(t *testing.T) {
	e := newEnv(t)
	e.createUser("hank", "hank-Password-1", "COHESITY_VIEWER")
	attempts := []map[string]string{
		{"username": "hank", "password": "wrong-password", "domain": "LOCAL"},
		{"username": "nobody", "password": "wrong-password", "domain": "LOCAL"},
		{"username": "hank", "password": "hank-Password-1", "domain": "corp.example.com"},
	}
	var msgs []string
	for _, path := range []string{"/v2/access-tokens", "/v2/users/sessions"} {
		for _, a := range attempts {
			r := e.want(e.do("POST", path, noCred, a), 401)
			msgs = append(msgs, r.obj(t)["message"].(string))
		}
	}
	slices.Sort(msgs)
	if len(slices.Compact(slices.Clone(msgs))) != 1 {
		t.Fatalf("log-in failures differ: %q", msgs)
	}
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "hank"}), 400)
	e.want(e.do("POST", "/v2/users/sessions", noCred, map[string]any{"username": "hank", "password": "x", "certificate": "PEM"}), 400)
	// Username matching is case-insensitive; domain defaults to LOCAL.
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "HANK", "password": "hank-Password-1"}), 201)
}

func TestAccessTokenPrivileges(t *testing.T) {
	e := newEnv(t)
	e.createUser("norole", "norole-Password-1")
	for _, path := range []string{"/v2/access-tokens", "/v2/users/sessions"} {
		r := e.want(e.do("POST", path, noCred, map[string]string{"username": "norole", "password": "norole-Password-1"}), 403)
		if !strings.Contains(string(r.body), "no role") {
			t.Errorf("message %s", r.body)
		}
	}
	e.createUser("ivy", "ivy-Password-1", "COHESITY_VIEWER")
	var tok accessTokenResponse
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "ivy", "password": "ivy-Password-1", "domain": "LOCAL"}), 201).decode(t, &tok)
	if tok.TokenType != "Bearer" || len(tok.AccessToken) < 43 {
		t.Fatalf("token %+v", tok)
	}
	if !slices.Contains(tok.Privileges, "PRINCIPAL_VIEW") || slices.Contains(tok.Privileges, "PRINCIPAL_MODIFY") {
		t.Fatalf("viewer privileges %v", tok.Privileges)
	}
}

func TestForbidden(t *testing.T) {
	e := newEnv(t)
	viewerSID, viewer := e.loginAs("viewer", "COHESITY_VIEWER")
	// A user whose only role grants nothing beyond the self-service rights.
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "S3Only", "privileges": []string{"S3_KEY_MODIFY"}}), 201)
	otherSID, none := e.loginAs("plain", "S3Only")
	user := []map[string]any{{"username": "x", "domain": "LOCAL", "localUserParams": map[string]any{"password": "xxxxxxxx1"}}}
	cases := []struct {
		name         string
		c            cred
		method, path string
		body         any
		status       int
	}{
		{"viewer creates user", viewer, "POST", "/v2/users", user, 403},
		{"viewer lists users", viewer, "GET", "/v2/users", nil, 200},
		{"viewer deletes user", viewer, "DELETE", "/v2/users/" + otherSID, nil, 403},
		{"viewer creates group", viewer, "POST", "/v2/groups", []map[string]any{{"name": "g", "domain": "LOCAL"}}, 403},
		{"viewer creates role", viewer, "POST", "/v2/roles", map[string]any{"name": "r", "privileges": []string{"PRINCIPAL_VIEW"}}, 403},
		{"viewer key for other", viewer, "POST", "/v2/users/" + otherSID + "/api-keys", map[string]any{"name": "k"}, 403},
		{"viewer own key", viewer, "POST", "/v2/users/" + viewerSID + "/api-keys", map[string]any{"name": "k"}, 201},
		{"viewer regenerates own s3", viewer, "POST", "/v2/users/" + viewerSID + "/s3-secret-key", nil, 403},
		{"viewer sets sources", viewer, "PUT", "/v2/security-principals/" + otherSID + "/sources", map[string]any{"sourceIds": []int{1}}, 403},
		{"viewer ends all sessions", viewer, "DELETE", "/v2/users/sessions", nil, 403},
		{"no-role reads itself", none, "GET", "/v2/users/" + otherSID, nil, 200},
		{"no-role reads other", none, "GET", "/v2/users/" + viewerSID, nil, 403},
		{"no-role lists users", none, "GET", "/v2/users", nil, 403},
		{"no-role lists groups", none, "GET", "/v2/groups", nil, 403},
		{"no-role lists roles", none, "GET", "/v2/roles", nil, 403},
		{"no-role principals", none, "GET", "/v2/security-principals?sids=" + viewerSID, nil, 403},
		{"no-role ends own sessions", none, "DELETE", "/v2/users/sessions?sid=" + otherSID, nil, 204},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.want(e.do(c.method, c.path, c.c, c.body), c.status)
		})
	}
}

func TestAPIKeyLifecycle(t *testing.T) {
	e := newEnv(t)
	sid, c := e.loginAs("jack", "COHESITY_VIEWER")
	r := e.want(e.do("POST", "/v2/users/"+sid+"/api-keys", c, map[string]any{"name": "ci"}), 201)
	created := r.obj(t)
	if created["isActive"] != true || created["isExpired"] != false || created["userSid"] != sid || created["createdByUserSid"] != sid {
		t.Fatalf("created %v", created)
	}
	if _, ok := created["expiryTimeMsecs"]; ok {
		t.Errorf("a key without expiry sends expiryTimeMsecs: %v", created)
	}
	id, secret := created["id"].(string), created["apiKey"].(string)
	key := apiKeyCred(secret)
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 200)

	// Never shown again.
	for _, path := range []string{"/v2/users/" + sid + "/api-keys", "/v2/users/" + sid + "/api-keys/" + id, "/v2/api-keys"} {
		if r := e.want(e.do("GET", path, c, nil), 200); strings.Contains(string(r.body), secret) {
			t.Fatalf("%s shows the secret", path)
		}
	}

	// Rotate: the old secret stops at once.
	var rot createdUserAPIKey
	e.want(e.do("POST", "/v2/users/"+sid+"/api-keys/"+id+"/rotate", c, nil), 200).decode(t, &rot)
	if rot.ID != id || rot.APIKey == secret || rot.LastRotatedTimeMsecs == nil {
		t.Fatalf("rotated %+v", rot)
	}
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 401)
	key = apiKeyCred(rot.APIKey)
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 200)

	// Deactivate, reactivate, expire.
	var k userAPIKey
	e.want(e.do("PUT", "/v2/users/"+sid+"/api-keys/"+id, c, map[string]any{"name": "ci2", "isActive": false}), 200).decode(t, &k)
	if k.IsActive || k.Name != "ci2" {
		t.Fatalf("deactivated %+v", k)
	}
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 401)
	e.want(e.do("PUT", "/v2/users/"+sid+"/api-keys/"+id, c, map[string]any{"name": "ci2", "isActive": true}), 200)
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 200)
	past := time.Now().Add(-time.Minute).UnixMilli()
	e.want(e.do("PUT", "/v2/users/"+sid+"/api-keys/"+id, c, map[string]any{"name": "ci2", "expiryTimeMsecs": past}), 200).decode(t, &k)
	if !k.IsExpired {
		t.Fatalf("expired key %+v", k)
	}
	e.want(e.do("GET", "/v2/users/"+sid, key, nil), 401)

	// Validation and ownership.
	e.want(e.do("POST", "/v2/users/"+sid+"/api-keys", c, map[string]any{}), 400)
	e.want(e.do("POST", "/v2/users/"+sid+"/api-keys", c, map[string]any{"name": "old", "expiryTimeMsecs": past}), 400)
	e.want(e.do("GET", "/v2/users/"+e.adminSID()+"/api-keys/"+id, e.admin, nil), 404)
	e.want(e.do("GET", "/v2/users/"+sid+"/api-keys/nope", c, nil), 404)

	e.want(e.do("DELETE", "/v2/users/"+sid+"/api-keys/"+id, c, nil), 204)
	e.want(e.do("GET", "/v2/users/"+sid+"/api-keys/"+id, c, nil), 404)
	e.want(e.do("DELETE", "/v2/users/"+sid+"/api-keys/"+id, c, nil), 404)
}

func TestAPIKeyFilters(t *testing.T) {
	e := newEnv(t)
	adminSID := e.adminSID()
	sid, c := e.loginAs("kate", "COHESITY_VIEWER")
	a1, _ := e.createAPIKey(e.admin, adminSID, "a1")
	k1, _ := e.createAPIKey(c, sid, "k1")
	k2, _ := e.createAPIKey(c, sid, "k2")
	e.want(e.do("PUT", "/v2/users/"+sid+"/api-keys/"+k2, c, map[string]any{"name": "k2", "isActive": false}), 200)
	past := time.Now().Add(-time.Minute).UnixMilli()
	e.want(e.do("PUT", "/v2/users/"+adminSID+"/api-keys/"+a1, e.admin, map[string]any{"name": "a1", "expiryTimeMsecs": past}), 200)

	ids := func(c cred, path string) []string {
		var ks userAPIKeys
		e.want(e.do("GET", path, c, nil), 200).decode(t, &ks)
		out := []string{}
		for _, k := range ks.APIKeys {
			out = append(out, k.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }
	cases := []struct {
		c    cred
		path string
		want []string
	}{
		{e.admin, "/v2/api-keys", sorted(a1, k1, k2)},
		{c, "/v2/api-keys", sorted(k1, k2)},
		{c, "/v2/api-keys?ownerSids=" + adminSID, []string{}},
		{e.admin, "/v2/api-keys?ownerSids=" + sid, sorted(k1, k2)},
		{e.admin, "/v2/api-keys?isActive=true", sorted(a1, k1)},
		{e.admin, "/v2/api-keys?isExpired=true", []string{a1}},
		{e.admin, "/v2/api-keys?isExpired=false&isActive=true", []string{k1}},
		{e.admin, "/v2/api-keys?ids=" + k1 + "&ids=" + a1, sorted(a1, k1)},
		{c, "/v2/users/" + sid + "/api-keys?isActive=false", []string{k2}},
		{e.admin, "/v2/users/" + sid + "/api-keys?ids=" + k1 + "," + a1, []string{k1}},
	}
	for _, tc := range cases {
		if got := ids(tc.c, tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.path, got, tc.want)
		}
	}
	e.want(e.do("GET", "/v2/api-keys?isActive=yes", e.admin, nil), 400)
}

func TestSessions(t *testing.T) {
	e := newEnv(t)
	sid, _ := e.loginAs("liam", "COHESITY_VIEWER")
	s1 := sessionCred(e.session("liam", "liam-Password-1"))
	var cnt activeSessionsCountParams
	e.want(e.do("GET", "/v2/users/sessions?sids="+sid, e.admin, nil), 200).decode(t, &cnt)
	// loginAs made an access token; session() one session: both count.
	if cnt.TotalSessionsCount != 2 || len(cnt.SessionsPerUser) != 1 || cnt.SessionsPerUser[0].SessionsCount != 2 {
		t.Fatalf("count %+v", cnt)
	}
	e.want(e.do("GET", "/v2/users/sessions", e.admin, nil), 200).decode(t, &cnt)
	if cnt.TotalSessionsCount != 3 { // + the admin's token
		t.Fatalf("system-wide count %+v", cnt)
	}
	e.want(e.do("DELETE", "/v2/users/sessions?sid="+sid, e.admin, nil), 204)
	e.want(e.do("GET", "/v2/users/"+sid, s1, nil), 401)
	e.want(e.do("GET", "/v2/users/sessions?sids="+sid, e.admin, nil), 200).decode(t, &cnt)
	if cnt.TotalSessionsCount != 0 || len(cnt.SessionsPerUser) != 0 {
		t.Fatalf("count after delete %+v", cnt)
	}
	e.want(e.do("DELETE", "/v2/users/sessions?sid=S-1-100-21-1-1-77", e.admin, nil), 404)
	// A system-wide delete revokes every session but the caller's own.
	other := sessionCred(e.session("admin", adminPassword))
	e.want(e.do("DELETE", "/v2/users/sessions", e.admin, nil), 204)
	e.want(e.do("GET", "/v2/users", other, nil), 401)
	e.want(e.do("GET", "/v2/users", e.admin, nil), 200)
	e.want(e.do("GET", "/v2/users/sessions", e.admin, nil), 200).decode(t, &cnt)
	if cnt.TotalSessionsCount != 1 {
		t.Fatalf("count after system-wide delete %+v", cnt)
	}
}

// TestSeveralCredentials: clients may send every credential they hold; any
// one valid credential is enough, but valid ones of two users are refused.
func TestSeveralCredentials(t *testing.T) {
	e := newEnv(t)
	viewerSID, _ := e.loginAs("sam", "COHESITY_VIEWER")
	adminSession := e.session("admin", adminPassword)
	send := func(headers map[string]string) resp {
		t.Helper()
		req, err := http.NewRequest("GET", e.srv.URL+"/v2/users/"+viewerSID, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return resp{status: res.StatusCode, body: body}
	}
	cases := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"bad apiKey, good bearer", map[string]string{"apiKey": "nope", e.admin.name: e.admin.value}, 200},
		{"basic auth, good session", map[string]string{"Authorization": "Basic eDp5", "session-id": adminSession}, 200},
		{"bearer and session of one user", map[string]string{e.admin.name: e.admin.value, "session-id": adminSession}, 200},
		{"admin bearer, viewer session", map[string]string{e.admin.name: e.admin.value, "session-id": e.session("sam", "sam-Password-1")}, 401},
		{"all bad", map[string]string{"apiKey": "x", "Authorization": "Bearer y", "session-id": "z"}, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := send(c.headers); r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
		})
	}
}

func TestS3Key(t *testing.T) {
	e := newEnv(t)
	sid, c := e.loginAs("mia", "COHESITY_OPERATOR")
	var s secretKeyEntity
	r := e.want(e.do("POST", "/v2/users/"+sid+"/s3-secret-key", c, nil), 201)
	r.decode(t, &s)
	if len(s.SecretKey) < 40 || !strings.Contains(string(r.body), `"secret-key"`) {
		t.Fatalf("body %s", r.body)
	}
	got, err := e.svc.S3Secret(t.Context(), sid)
	if err != nil || got != s.SecretKey {
		t.Fatalf("stored secret %q, %v", got, err)
	}
	if u := e.want(e.do("GET", "/v2/users/"+sid, c, nil), 200); strings.Contains(string(u.body), s.SecretKey) {
		t.Fatal("user shows the S3 secret")
	}
	e.want(e.do("POST", "/v2/users/"+e.adminSID()+"/s3-secret-key", c, nil), 403)
	e.want(e.do("POST", "/v2/users/"+sid+"/s3-secret-key", e.admin, nil), 201)
	e.want(e.do("POST", "/v2/users/S-1-100-21-1-1-5/s3-secret-key", e.admin, nil), 404)
}
