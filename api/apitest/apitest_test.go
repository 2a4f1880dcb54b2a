package apitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/clusteriam/clusteriam/api"
)

// recorder is a fake testing.TB that records failures instead of failing the test.
type recorder struct {
	testing.TB // nil: calling anything not overridden panics
	mu         sync.Mutex
	msgs       []string
	fatal      bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
}
func (r *recorder) Fatal(args ...any)                { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *recorder) Log(args ...any)                  {}
func (r *recorder) Logf(format string, args ...any)  {}
func (r *recorder) Failed() bool                     { return len(r.msgs) > 0 }
func (r *recorder) Name() string                     { return "recorder" }
func (r *recorder) Cleanup(func())                   {}
func (r *recorder) Skip(args ...any)                 {}
func (r *recorder) Skipf(format string, args ...any) {}
func (r *recorder) Fail()                            { r.Errorf("Fail") }
func (r *recorder) FailNow()                         { r.Fatalf("FailNow") }
func (r *recorder) String() string                   { return strings.Join(r.msgs, "\n") }

const jsonCT = "application/json"

func hdr(ct string) http.Header {
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return h
}

const goodUser = `{
  "sid": "S-1-100-1", "domain": "LOCAL", "username": "alice", "roles": ["COHESITY_ADMIN"],
  "locked": false, "lockedReason": "NotLocked", "restricted": false, "forcePasswordChange": false,
  "createdTimeMsecs": 1700000000000, "lastUpdatedTimeMsecs": 1700000000001, "otherGroups": [],
  "description": "Alice", "effectiveTimeMsecs": 1700000000000, "lastLoginTimeMsecs": 1700000000002,
  "primaryGroup": "users", "tenantId": "t1/", "localUserParams": {"email": "alice@example.test"},
  "s3AccountParams": {"s3AccessKeyId": "AK", "s3AccountId": "acct"}
}`

const goodGroup = `{
  "sid": "S-1-100-2", "name": "ops", "domain": "LOCAL", "roles": [], "restricted": true,
  "tenantIds": [], "smbPrincipals": [], "createdTimeMsecs": 1, "lastUpdatedTimeMsecs": 2,
  "localGroupParams": {"userSids": ["S-1-100-1"]}
}`

const goodKey = `{"id": "k1", "userSid": "S-1-100-1", "name": "ci", "isActive": true, "isExpired": false,
  "createdByUserSid": "S-1-100-1", "createdTimeMsecs": 5`

const goodRole = `{"name": "Viewer", "label": "Viewer", "privileges": ["CLUSTER_VIEW"], "isUserCreatedRole": true,
  "tenantIds": [], "createdTimestampMsecs": 1, "lastUpdatedTimestampMsecs": 1}`

type exchange struct {
	name   string
	method string
	target string
	status int
	ct     string
	body   string
	op     string
}

func TestGoodResponsesPass(t *testing.T) {
	v := NewValidator(t)
	cases := []exchange{
		{"get_users", "GET", "/v2/users?sids=a,b&includeTenants=true", 200, jsonCT, `{"users": [` + goodUser + `]}`, "get_users"},
		{"get_users empty", "GET", "/v2/users", 200, "application/json; charset=utf-8", `{"users": []}`, "get_users"},
		{"create_users", "POST", "/v2/users", 201, jsonCT, `{"users": [` + goodUser + `]}`, "create_users"},
		{"get_user_by_sid minimal", "GET", "/v2/users/S-1-100-1", 200, jsonCT, `{"sid": "s", "domain": "LOCAL", "username": "u", "roles": [], "locked": true, "lockedReason": "FailedLoginAttempts", "restricted": false, "forcePasswordChange": true, "createdTimeMsecs": 0, "lastUpdatedTimeMsecs": 0, "otherGroups": []}`, "get_user_by_sid"},
		{"update_user", "PUT", "/v2/users/S-1-100-1", 200, jsonCT, goodUser, "update_user"},
		{"delete_user", "DELETE", "/v2/users/S-1-100-1", 204, "", ``, "delete_user"},
		{"delete_users", "POST", "/v2/users/delete", 204, "", ``, "delete_users"},
		{"get_groups", "GET", "/v2/groups?names=ops", 200, jsonCT, `{"groups": [` + goodGroup + `]}`, "get_groups"},
		{"create_group", "POST", "/v2/groups", 201, jsonCT, `{"groups": [` + goodGroup + `]}`, "create_group"},
		{"get_group_by_sid", "GET", "/v2/groups/S-1-100-2", 200, jsonCT, goodGroup, "get_group_by_sid"},
		{"update_group", "PUT", "/v2/groups/S-1-100-2", 200, jsonCT, goodGroup, "update_group"},
		{"delete_group", "DELETE", "/v2/groups/S-1-100-2", 204, "", ``, "delete_group"},
		{"delete_groups", "POST", "/v2/groups/delete", 204, "", ``, "delete_groups"},
		{"create_session", "POST", "/v2/users/sessions", 201, jsonCT, `{"sessionId": "abc"}`, "create_session"},
		{"get_active_sessions_count", "GET", "/v2/users/sessions?sids=S-1", 200, jsonCT, `{"sessionsPerUser": [{"sid": "S-1", "sessionsCount": 0}], "totalSessionsCount": 0}`, "get_active_sessions_count"},
		{"delete_session", "DELETE", "/v2/users/sessions?sid=S-1", 204, "", ``, "delete_session"},
		{"create_user_api_key", "POST", "/v2/users/S-1/api-keys", 201, jsonCT, goodKey + `, "apiKey": "secret", "expiryTimeMsecs": 9}`, "create_user_api_key"},
		{"get_user_api_keys", "GET", "/v2/users/S-1/api-keys?isActive=true", 200, jsonCT, `{"apiKeys": [` + goodKey + `}]}`, "get_user_api_keys"},
		{"get_user_api_key_by_id", "GET", "/v2/users/S-1/api-keys/k1", 200, jsonCT, goodKey + `, "lastRotatedTimeMsecs": 7}`, "get_user_api_key_by_id"},
		{"update_user_api_key_by_id", "PUT", "/v2/users/S-1/api-keys/k1", 200, jsonCT, goodKey + `}`, "update_user_api_key_by_id"},
		{"rotate_user_api_key", "POST", "/v2/users/S-1/api-keys/k1/rotate", 200, jsonCT, goodKey + `, "apiKey": "new"}`, "rotate_user_api_key"},
		{"delete_user_api_key_by_id", "DELETE", "/v2/users/S-1/api-keys/k1", 204, "", ``, "delete_user_api_key_by_id"},
		{"get_all_api_keys", "GET", "/v2/api-keys?ownerSids=S-1,S-2", 200, jsonCT, `{"apiKeys": []}`, "get_all_api_keys"},
		{"regenerate_s3_key", "POST", "/v2/users/S-1/s3-secret-key", 201, jsonCT, `{"secret-key": "xyz"}`, "regenerate_s3_key"},
		{"get_security_principals", "GET", "/v2/security-principals?sids=S-1", 200, jsonCT, `{"securityPrincipals": [{"sid": "S-1", "principalName": "alice", "objectClass": "User", "domainName": "LOCAL", "fullName": "Alice Doe"}]}`, "get_security_principals"},
		{"get_principal_sources", "GET", "/v2/security-principals/S-1/sources", 200, jsonCT, `{"sourceIds": [1, 2], "viewIds": []}`, "get_principal_sources"},
		{"update_principal_sources", "PUT", "/v2/security-principals/S-1/sources", 200, jsonCT, `{"sourceIds": [], "viewIds": [3]}`, "update_principal_sources"},
		{"create_access_token", "POST", "/v2/access-tokens", 201, jsonCT, `{"accessToken": "tok", "tokenType": "Bearer", "privileges": ["CLUSTER_VIEW"]}`, "create_access_token"},
		{"get_roles", "GET", "/v2/roles?names=Viewer", 200, jsonCT, `{"roles": [` + goodRole + `]}`, "get_roles"},
		{"create_role", "POST", "/v2/roles", 201, jsonCT, goodRole, "create_role"},
		{"update_role", "PUT", "/v2/roles/Viewer", 200, jsonCT, goodRole, "update_role"},
		{"delete_role", "DELETE", "/v2/roles/Viewer", 204, "", ``, "delete_role"},
		{"get_privileges", "GET", "/v2/privileges", 200, jsonCT, `{"privileges": [{"category": "Cluster", "description": "View", "id": 1, "isAvailableOnHelios": false, "isCustomRoleDefault": false, "isSpecial": false, "isViewOnly": true, "label": "Cluster View", "name": "CLUSTER_VIEW"}]}`, "get_privileges"},
		{"error 404", "GET", "/v2/users/nope", 404, jsonCT, `{"errorCode": "KNotFound", "message": "no such user"}`, "get_user_by_sid"},
		{"error 401 with taskLogId", "POST", "/v2/users", 401, jsonCT, `{"errorCode": "KUnauthorized", "message": "no credentials", "taskLogId": "t"}`, "create_users"},
		{"error on delete", "DELETE", "/v2/roles/Viewer", 409, jsonCT, `{"errorCode": "KConflict", "message": "in use"}`, "delete_role"},
		{"healthz", "GET", "/healthz", 200, jsonCT, `{"status": "ok"}`, "get_health"},
		{"healthz 503", "GET", "/healthz", 503, jsonCT, `{"errorCode": "KUnavailable", "message": "store down"}`, "get_health"},
		{"metrics", "GET", "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", "# HELP up Up.\n# TYPE up gauge\nup 1\n", "get_metrics"},
		{"openapi", "GET", "/v2/openapi.yaml", 200, "application/yaml", string(api.Spec()), "get_openapi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.target, nil)
			got := v.Check(t, req, c.status, hdr(c.ct), []byte(c.body))
			if got != c.op {
				t.Errorf("Check = %q, want %q", got, c.op)
			}
		})
	}
}

// TestAbsoluteURL checks that a request as an http.Client sends it (absolute https URL) routes too.
func TestAbsoluteURL(t *testing.T) {
	v := NewValidator(t)
	req, err := http.NewRequest("GET", "https://127.0.0.1:8443/v2/users/S-1/api-keys/k1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Check(t, req, 200, hdr(jsonCT), []byte(goodKey+`}`)); got != "get_user_api_key_by_id" {
		t.Errorf("Check = %q", got)
	}
}

func TestBadResponsesFail(t *testing.T) {
	v := NewValidator(t)
	cases := []struct {
		exchange
		want []string // substrings of the failure message
	}{
		{exchange{"misspelled field", "GET", "/v2/users/S-1", 200, jsonCT,
			strings.Replace(goodUser, `"lastLoginTimeMsecs"`, `"lastLoginTimeMsec"`, 1), "get_user_by_sid"},
			[]string{"lastLoginTimeMsec", "unsupported"}},
		{exchange{"misspelled secret-key", "POST", "/v2/users/S-1/s3-secret-key", 201, jsonCT, `{"secretKey": "x"}`, "regenerate_s3_key"},
			[]string{"secret"}},
		{exchange{"missing required field", "GET", "/v2/users/S-1", 200, jsonCT,
			strings.Replace(goodUser, `"otherGroups": [],`, ``, 1), "get_user_by_sid"},
			[]string{"otherGroups", "missing"}},
		{exchange{"missing isActive", "GET", "/v2/users/S-1/api-keys/k1", 200, jsonCT,
			strings.Replace(goodKey, `"isActive": true,`, ``, 1) + `}`, "get_user_api_key_by_id"},
			[]string{"isActive"}},
		{exchange{"string where int64 goes", "GET", "/v2/users/S-1", 200, jsonCT,
			strings.Replace(goodUser, `"createdTimeMsecs": 1700000000000`, `"createdTimeMsecs": "1700000000000"`, 1), "get_user_by_sid"},
			[]string{"createdTimeMsecs", "integer"}},
		{exchange{"float where int64 goes", "GET", "/v2/users/sessions", 200, jsonCT,
			`{"sessionsPerUser": [], "totalSessionsCount": 1.0}`, "get_active_sessions_count"},
			[]string{"1.0", "integer"}},
		{exchange{"bad enum", "GET", "/v2/users/S-1", 200, jsonCT,
			strings.Replace(goodUser, `"NotLocked"`, `"Unlocked"`, 1), "get_user_by_sid"},
			[]string{"lockedReason", "Unlocked"}},
		{exchange{"empty enum", "GET", "/v2/security-principals", 200, jsonCT,
			`{"securityPrincipals": [{"sid": "S-1", "principalName": "alice", "objectClass": "", "domainName": "LOCAL"}]}`, "get_security_principals"},
			[]string{"objectClass"}},
		{exchange{"token type lower case", "POST", "/v2/access-tokens", 201, jsonCT,
			`{"accessToken": "tok", "tokenType": "bearer", "privileges": ["X"]}`, "create_access_token"},
			[]string{"tokenType"}},
		{exchange{"role without privileges", "GET", "/v2/roles", 200, jsonCT,
			`{"roles": [` + strings.Replace(goodRole, `["CLUSTER_VIEW"]`, `[]`, 1) + `]}`, "get_roles"},
			[]string{"privileges"}},
		{exchange{"null list", "GET", "/v2/groups", 200, jsonCT, `{"groups": null}`, "get_groups"},
			[]string{"groups"}},
		{exchange{"null optional field", "GET", "/v2/users/S-1", 200, jsonCT,
			strings.Replace(goodUser, `"description": "Alice"`, `"description": null`, 1), "get_user_by_sid"},
			[]string{"description"}},
		{exchange{"source id 0", "GET", "/v2/security-principals/S-1/sources", 200, jsonCT, `{"sourceIds": [0], "viewIds": []}`, "get_principal_sources"},
			[]string{"sourceIds"}},
		{exchange{"text/plain error", "GET", "/v2/users/S-1", 404, "text/plain; charset=utf-8", "404 page not found\n", "get_user_by_sid"},
			[]string{"Content-Type", "text/plain"}},
		{exchange{"error without Content-Type", "GET", "/v2/users/S-1", 500, "", `{"errorCode": "KInternal", "message": "x"}`, "get_user_by_sid"},
			[]string{"Content-Type"}},
		{exchange{"success without Content-Type", "GET", "/v2/users", 200, "", `{"users": []}`, "get_users"},
			[]string{"Content-Type"}},
		{exchange{"error with misspelled field", "GET", "/v2/users/S-1", 404, jsonCT, `{"error_code": "KNotFound", "message": "x"}`, "get_user_by_sid"},
			[]string{"error_code"}},
		{exchange{"200 where 201 is declared", "POST", "/v2/users", 200, jsonCT, `{"users": []}`, "create_users"},
			[]string{"status 200", "201"}},
		{exchange{"200 where 204 is declared", "DELETE", "/v2/users/S-1", 200, jsonCT, `{}`, "delete_user"},
			[]string{"status 200", "204"}},
		{exchange{"201 where 200 is declared", "POST", "/v2/users/S-1/api-keys/k1/rotate", 201, jsonCT, goodKey + `, "apiKey": "new"}`, "rotate_user_api_key"},
			[]string{"status 201", "200"}},
		{exchange{"redirect", "GET", "/v2/users", 302, "", ``, "get_users"},
			[]string{"status 302"}},
		{exchange{"204 with a body", "DELETE", "/v2/groups/S-2", 204, jsonCT, `{}`, "delete_group"},
			[]string{"no body"}},
		{exchange{"not JSON", "GET", "/v2/users", 200, jsonCT, `{"users": [`, "get_users"},
			[]string{"JSON"}},
		{exchange{"two JSON values", "GET", "/v2/users", 200, jsonCT, `{"users": []}{"users": []}`, "get_users"},
			[]string{"more than one"}},
		{exchange{"wrong openapi body", "GET", "/v2/openapi.yaml", 200, "application/yaml", "openapi: 3.0.3\n", "get_openapi"},
			[]string{"not api/openapi.yaml"}},
		{exchange{"metrics as JSON", "GET", "/metrics", 200, jsonCT, `{}`, "get_metrics"},
			[]string{"Content-Type"}},
		{exchange{"no route", "GET", "/v2/nothing", 404, jsonCT, `{"errorCode": "KNotFound", "message": "x"}`, ""},
			[]string{"no operation", "/v2/nothing"}},
		{exchange{"method not allowed", "PATCH", "/v2/users/S-1", 405, jsonCT, `{"errorCode": "KMethod", "message": "x"}`, ""},
			[]string{"no operation"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			req := httptest.NewRequest(c.method, c.target, nil)
			got := v.Check(rec, req, c.status, hdr(c.ct), []byte(c.body))
			if got != c.op {
				t.Errorf("Check = %q, want %q", got, c.op)
			}
			if !rec.Failed() {
				t.Fatalf("Check passed; want a failure mentioning %q", c.want)
			}
			msg := rec.String()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("failure message lacks %q:\n%s", w, msg)
				}
			}
			t.Logf("failure (as expected):\n%s", msg)
		})
	}
}

func TestOperationsAndRoutes(t *testing.T) {
	v := NewValidator(t)
	ops := v.Operations()
	if len(ops) != 81 {
		t.Errorf("Operations() has %d entries, want 81: %v", len(ops), ops)
	}
	for _, id := range []string{"create_group", "get_users", "create_access_token", "get_privileges", "get_health", "get_metrics", "get_openapi"} {
		if !slices.Contains(ops, id) {
			t.Errorf("Operations() lacks %s", id)
		}
	}
	routes := v.Routes()
	if len(routes) != 81 {
		t.Errorf("Routes() has %d entries, want 81", len(routes))
	}
	for _, r := range []string{"GET /v2/users/{sid}", "DELETE /v2/users/{userSid}/api-keys/{id}", "POST /v2/users/{userSid}/api-keys/{id}/rotate", "GET /healthz", "GET /v2/openapi.yaml"} {
		if !slices.Contains(routes, r) {
			t.Errorf("Routes() lacks %q", r)
		}
	}
	if !slices.IsSorted(ops) || !slices.IsSorted(routes) {
		t.Error("Operations() and Routes() are not sorted")
	}
}

// TestStaticBeforeTemplate checks that the fixed segments sessions and delete win over {sid}.
func TestStaticBeforeTemplate(t *testing.T) {
	v := NewValidator(t)
	for target, want := range map[string]string{
		"GET /v2/users/sessions": "get_active_sessions_count",
		"POST /v2/users/delete":  "delete_users",
		"POST /v2/groups/delete": "delete_groups",
		"GET /v2/users/S-1":      "get_user_by_sid",
	} {
		method, path, _ := strings.Cut(target, " ")
		rec := &recorder{}
		got := v.Check(rec, httptest.NewRequest(method, path, nil), 418, hdr(jsonCT), []byte(`{"errorCode": "x", "message": "y"}`))
		if got != want || rec.Failed() {
			t.Errorf("%s routed to %q (failures: %s), want %s", target, got, rec, want)
		}
	}
}

func TestNewValidatorConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			rec := &recorder{}
			v := NewValidator(rec)
			v.Check(rec, httptest.NewRequest("GET", "/v2/users", nil), 200, hdr(jsonCT), []byte(`{"users": [`+goodUser+`]}`))
			if rec.Failed() {
				t.Errorf("concurrent check failed: %s", rec)
			}
		})
	}
	wg.Wait()
}
