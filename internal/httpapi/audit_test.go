package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// trail reads GET /v2/audit-logs with query as cred c, and returns the
// entries as "Action EntityType EntityName" and the total count.
func (e *env) trail(c cred, query string) ([]string, []auditLog, int64) {
	e.t.Helper()
	var out auditLogs
	e.want(e.do("GET", "/v2/audit-logs?"+query, c, nil), 200).decode(e.t, &out)
	lines := make([]string, len(out.AuditLogs))
	for i, l := range out.AuditLogs {
		lines[i] = strings.TrimSpace(l.Action + " " + l.EntityType + " " + l.EntityName)
	}
	return lines, out.AuditLogs, out.Count
}

// TestAuditLogs makes one change of every kind through the API and reads
// the trail back: each change once, newest first, by its actor and from
// its address; failed changes not at all; every filter; paging; who may
// read it; bad parameters; and no secret in it.
func TestAuditLogs(t *testing.T) {
	e := newEnv(t)
	before := time.Now().UnixMicro()
	sid := e.createUser("bob", "bob-Password-1", "COHESITY_VIEWER")
	// Refused before the transaction (with a password to hash) and in it.
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "BOB", "domain": "LOCAL", "roles": []string{},
		"localUserParams": map[string]any{"password": "bob-Password-1"}}}), 409)
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "BOB", "domain": "LOCAL", "roles": []string{}}}), 409)
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"description": "d", "localUserParams": map[string]any{"password": "bob-Password-2"}}), 200)
	keyID, keySecret := e.createAPIKey(e.admin, sid, "k1")
	var rotated createdUserAPIKey
	e.want(e.do("POST", "/v2/users/"+sid+"/api-keys/"+keyID+"/rotate", e.admin, nil), 200).decode(t, &rotated)
	e.want(e.do("PUT", "/v2/users/"+sid+"/api-keys/"+keyID, e.admin, map[string]any{"name": "k1", "isActive": false}), 200)
	e.want(e.do("DELETE", "/v2/users/"+sid+"/api-keys/"+keyID, e.admin, nil), 204)
	s3 := e.want(e.do("POST", "/v2/users/"+sid+"/s3-secret-key", e.admin, nil), 201).obj(t)["secret-key"].(string)
	e.want(e.do("PUT", "/v2/security-principals/"+sid+"/sources", e.admin, map[string]any{"sourceIds": []int{7}}), 200)
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "Auditors", "privileges": []string{"AUDIT_LOG_VIEW"}}), 201)
	e.want(e.do("PUT", "/v2/roles/Auditors", e.admin, map[string]any{"privileges": []string{"AUDIT_LOG_VIEW", "PRINCIPAL_VIEW"}}), 200)
	e.want(e.do("DELETE", "/v2/roles/Auditors", e.admin, nil), 204)
	gsid := e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "ops", "domain": "LOCAL", "roles": []string{}}}), 201).obj(t)["groups"].([]any)[0].(map[string]any)["sid"].(string)
	e.want(e.do("PUT", "/v2/groups/"+gsid, e.admin, map[string]any{"localGroupParams": map[string]any{"userSids": []string{sid}}}), 200)
	e.want(e.do("DELETE", "/v2/groups/"+gsid, e.admin, nil), 204)
	bobSession := e.session("bob", "bob-Password-2")
	e.want(e.do("POST", "/v2/users/sessions", noCred, map[string]string{"username": "bob", "password": "wrong-Password-9"}), 401)
	e.want(e.do("DELETE", "/v2/users/sessions?sid="+sid, sessionCred(bobSession), nil), 204)
	e.want(e.do("DELETE", "/v2/users/"+sid, e.admin, nil), 204)
	e.svc.Wait() // the failed log-in is recorded after its answer

	want := []string{
		`Delete User LOCAL\bob`, `Logout User LOCAL\bob`, `LoginFailed User LOCAL\bob`, `Login User LOCAL\bob`,
		`Delete Group LOCAL\ops`, `Modify Group LOCAL\ops`, `Create Group LOCAL\ops`,
		`Delete Role Auditors`, `Modify Role Auditors`, `Create Role Auditors`,
		`Modify SecurityPrincipal LOCAL\bob`, `Regenerate S3SecretKey LOCAL\bob`,
		`Delete ApiKey k1`, `Modify ApiKey k1`, `Rotate ApiKey k1`, `Create ApiKey k1`,
		`Modify User LOCAL\bob`, `Refused User LOCAL\BOB`, `Refused User LOCAL\BOB`, `Create User LOCAL\bob`,
	}
	got, logs, total := e.trail(e.admin, "usernames=admin,bob&startTimeUsecs="+fmt.Sprint(before))
	if !slices.Equal(got, want) || total != int64(len(want)) {
		t.Fatalf("trail (total %d):\n got %q\nwant %q", total, got, want)
	}
	for _, l := range logs {
		if l.IP != "127.0.0.1" || l.TimestampUsecs < before || l.TimestampUsecs > time.Now().UnixMicro() || l.Domain != "LOCAL" {
			t.Errorf("entry %+v: want domain LOCAL, ip 127.0.0.1 and a time within the test", l)
		}
		if (l.Username == "bob") != (strings.HasPrefix(l.Action, "Login") || l.Action == "Logout") {
			t.Errorf("entry %+v: the actor should be bob exactly for bob's log-ins and log-out", l)
		}
	}
	for _, l := range logs[len(logs)-3 : len(logs)-1] {
		if d := l.Details; !strings.Contains(d, "create_user: ") || !strings.Contains(d, "already exists") {
			t.Errorf("the refused create's details %q do not say what was refused and why", d)
		}
	}
	if d := logs[len(logs)-4].Details; !strings.Contains(d, "description, password") {
		t.Errorf("update details %q do not name the fields changed", d)
	}

	// No secret is in the trail, even as a substring.
	body := string(e.want(e.do("GET", "/v2/audit-logs", e.admin, nil), 200).body)
	for _, secret := range []string{"bob-Password-1", "bob-Password-2", "wrong-Password-9", adminPassword, keySecret, rotated.APIKey, s3, bobSession} {
		if strings.Contains(body, secret) {
			t.Errorf("the audit trail holds a secret: %q", secret)
		}
	}

	for _, tc := range []struct{ query, want string }{
		{"actions=Delete&entityTypes=ApiKey", `Delete ApiKey k1`},
		{"actions=Create&searchString=" + url.QueryEscape(`local\BOB`), `Create User LOCAL\bob`},
		{"searchString=Auditors&count=1", `Delete Role Auditors`},
		{"searchString=Auditors&startIndex=2&count=5", `Create Role Auditors`},
		{"usernames=BOB&domains=local&actions=Login", `Login User LOCAL\bob`},
		{"entityTypes=S3SecretKey&endTimeUsecs=" + fmt.Sprint(time.Now().UnixMicro()), `Regenerate S3SecretKey LOCAL\bob`},
		{"entityTypes=S3SecretKey&endTimeUsecs=" + fmt.Sprint(before), ``},
		{"searchString=" + url.QueryEscape("' OR 1=1 --"), ``},
		{"tenantIds=t1/", ``},
	} {
		got, _, total := e.trail(e.admin, tc.query)
		if strings.Join(got, "|") != tc.want {
			t.Errorf("%s: got %q (total %d), want %q", tc.query, got, total, tc.want)
		}
	}
	if _, _, total := e.trail(e.admin, "searchString=Auditors&count=1"); total != 3 {
		t.Errorf("count with a page of 1 = %d, want the 3 that match", total)
	}

	// Who may read it: AUDIT_LOG_VIEW (the viewer has it), no one else.
	_, viewer := e.loginAs("vera", "COHESITY_VIEWER")
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "Keepers", "privileges": []string{"PRINCIPAL_VIEW"}}), 201)
	_, keeper := e.loginAs("kim", "Keepers")
	e.trail(viewer, "")
	for _, path := range []string{"/v2/audit-logs", "/v2/audit-logs/actions", "/v2/audit-logs/entity-types"} {
		e.want(e.do("GET", path, keeper, nil), 403)
		e.want(e.do("GET", path, noCred, nil), 401)
	}
	actions := e.want(e.do("GET", "/v2/audit-logs/actions", viewer, nil), 200).obj(t)["actions"].([]any)
	types := e.want(e.do("GET", "/v2/audit-logs/entity-types", viewer, nil), 200).obj(t)["entityTypes"].([]any)
	if !slices.Contains(actions, any("LoginFailed")) || !slices.Contains(types, any("ApiKey")) || len(actions) != 12 || len(types) != 9 {
		t.Errorf("actions %v, entity types %v", actions, types)
	}

	for _, q := range []string{"count=0", "count=10001", "startIndex=-1", "startTimeUsecs=abc",
		"startTimeUsecs=20&endTimeUsecs=10", "actions=Bogus", "entityTypes=user", "includeTenants=maybe",
		"endTimeUsecs=99999999999999999999"} {
		e.want(e.do("GET", "/v2/audit-logs?"+q, e.admin, nil), 400)
	}
}
