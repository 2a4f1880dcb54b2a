package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/internal/store"
)

// hostile is the env of TestHostileInput, with records whose names hold
// metacharacters, and the ids its cases put in paths.
type hostile struct {
	*env
	ids map[string]string // "{user}" -> a sid, ...
}

const hostilePassword = "Hostile-Password-1"

// metaNames are LOCAL users whose names hold SQL, LIKE and LDAP
// metacharacters, so that a filter that takes them as patterns finds too
// much. The API refuses such names now (docs/names.md), so they are
// given in the store, as names from before the rule, which keep working.
var metaNames = []string{"o'neil", "50%off", "snake_case", "star*", "paren)(uid=*)", `back\slash`, "%admin%", "semi;colon"}

func newHostile(t *testing.T) *hostile {
	e := newEnv(t)
	h := &hostile{env: e, ids: map[string]string{"{admin}": e.adminSID(), "{role}": url.PathEscape("role_%*")}}
	e.legacyRole("role_%*", "PRINCIPAL_VIEW")
	var body []map[string]any
	for i, n := range metaNames {
		u := map[string]any{"username": fmt.Sprintf("meta-%d", i), "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]any{"password": hostilePassword}}
		if i < 4 { // the others are no valid address
			u["localUserParams"].(map[string]any)["email"] = n + "@example.com"
		}
		if n == "50%off" {
			u["roles"] = []string{"role_%*"}
		}
		body = append(body, u)
	}
	var users usersList
	e.want(e.do("POST", "/v2/users", e.admin, body), 201).decode(t, &users)
	for i, n := range metaNames {
		e.renameUser(users.Users[i].SID, n)
	}
	h.ids["{user}"] = e.createUser("hostile-target", hostilePassword, "COHESITY_VIEWER")
	e.session("o'neil", hostilePassword)
	e.session("star*", hostilePassword)
	h.ids["{key}"], _ = e.createAPIKey(e.admin, h.ids["{user}"], "key' OR 1=1 --")
	e.createAPIKey(e.admin, h.ids["{admin}"], "*)(uid=*)")
	groups := []map[string]any{
		{"name": "grp-1", "domain": "LOCAL", "roles": []string{"role_%*"}, "localGroupParams": map[string]any{"userSids": []string{users.Users[0].SID}}},
		{"name": "grp-2", "domain": "LOCAL"},
		{"name": "grp_x", "domain": "LOCAL"},
		{"name": "grp-4", "domain": "LOCAL"},
	}
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, groups), 201).decode(t, &gl)
	for i, n := range map[int]string{0: "grp'one", 1: "grp%", 3: "grp*)(cn=*)"} {
		e.renameGroup(gl.Groups[i].SID, n)
	}
	h.ids["{group}"] = gl.Groups[1].SID
	e.want(e.do("PUT", "/v2/security-principals/"+h.ids["{user}"]+"/sources", e.admin, map[string]any{"sourceIds": []int{1, 2}}), 200)
	h.addTenant()
	h.addDomains(t)
	return h
}

// addTenant adds organization h1/ with a user, a group and a custom role
// in it, made acting inside it; {tenant} names it in paths.
func (h *hostile) addTenant() {
	e := h.env
	e.enableOrgs()
	e.createTenant(e.admin, "h1", "h1")
	h.ids["{tenant}"] = url.PathEscape("h1/")
	e.want(e.doIn("h1/", "POST", "/v2/roles", e.admin, map[string]any{"name": "h1-role", "privileges": []string{"PRINCIPAL_VIEW"}}), 201)
	e.want(e.doIn("h1/", "POST", "/v2/users", e.admin, []map[string]any{{"username": "h1-user", "domain": "LOCAL", "roles": []string{"h1-role"}}}), 201)
	e.want(e.doIn("h1/", "POST", "/v2/groups", e.admin, []map[string]any{{"name": "h1-group", "domain": "LOCAL", "roles": []string{"h1-role"}}}), 201)
}

// path puts the fixture's ids into p.
func (h *hostile) path(p string) string {
	for k, v := range h.ids {
		p = strings.ReplaceAll(p, k, v)
	}
	return p
}

// sendJSON sends v as a JSON body.
func (h *hostile) sendJSON(t *testing.T, method, path string, v any) resp {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return h.send(t, method, h.path(path), http.Header{"Content-Type": {"application/json"}}, b)
}

// snapshot is everything the API shows of the store.
func (h *hostile) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/v2/users?includeTenants=true", "/v2/groups?includeTenants=true", "/v2/roles?includeTenants=true",
		"/v2/api-keys", "/v2/users/sessions", "/v2/tenants?statuses=Active,Inactive,MarkedForDeletion,Deleted",
		"/v2/clusters/tenant-config", "/v2/mfa-config", "/v2/security-config", "/v2/active-directories", "/v2/ldap", "/v2/security-principals/{user}/sources", "/v2/security-principals/{group}/sources"} {
		r := h.send(t, "GET", h.path(p), nil, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
		b.Write(r.body)
		b.WriteByte('\n')
	}
	return b.String()
}

// testCoverage: every operation of api/openapi.yaml that takes a body has
// its cases here, and every query parameter is tried as a filter.
func (h *hostile) testCoverage(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec())
	if err != nil {
		t.Fatal(err)
	}
	tried := map[string][]string{"delete_session": {"sid"}, "list_tenants": {"ids", "statuses"}}
	for _, op := range tenantIDsOps {
		tried[op] = append(tried[op], "tenantIds") // testTenantIDs
	}
	for _, p := range auditParams {
		tried["get_audit_logs"] = append(tried["get_audit_logs"], p.name)
	}
	for op, params := range directoryParams {
		for name := range params {
			tried[op] = append(tried[op], name)
		}
	}
	for _, fs := range filterSpecs {
		for _, f := range fs.filters {
			tried[fs.op] = append(tried[fs.op], f.name)
		}
		tried[fs.op] = append(tried[fs.op], fs.bools...)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			id := op.OperationID
			if op.RequestBody != nil && !slices.ContainsFunc(hostileOps, func(o hostileOp) bool { return o.op == id }) {
				t.Errorf("%s takes a body but has no hostile cases", id)
			}
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In == "query" && !slices.Contains(tried[id], p.Value.Name) {
					t.Errorf("query parameter %s of %s is not tried", p.Value.Name, id)
				}
			}
		}
	}
}

// unicodeNames are names in other scripts, with combining marks and
// letters whose case folds oddly: each works end to end. (Emoji, NFD,
// mathematical letters and mixed scripts the rule refuses: TestNameRule.)
var unicodeNames = []string{"Zoë", "日本語ユーザー", "éclair", "Ωμέγα", "שלום", "straße", "İstanbul",
	"한국어", "क्षत्रिय", "ΣΊΣΥΦΟΣ", "ΐδα", "tanaka太郎"}

// testUnicode: a unicode name is created, found by filter, shown back
// byte for byte, and logs in.
func (h *hostile) testUnicode(t *testing.T) {
	const pw = "pässwörd-日本-1"
	for _, name := range unicodeNames {
		t.Run(name, func(t *testing.T) {
			u := []map[string]any{{"username": name, "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]any{"password": pw}}}
			var created usersList
			h.ok(t, h.sendJSON(t, "POST", "/v2/users", u), 201).decode(t, &created)
			sid := created.Users[0].SID
			h.wantUsers(t, "/v2/users?usernames="+url.QueryEscape(name), sid, name)
			h.wantUsers(t, "/v2/users?usernames="+url.QueryEscape(store.Fold(name)), sid, name)
			runes := []rune(name)
			h.wantUsers(t, "/v2/users?matchPartialNames=true&usernames="+url.QueryEscape(string(runes[1:])), sid, name)
			var got userParams
			h.ok(t, h.send(t, "GET", "/v2/users/"+sid, nil, nil), 200).decode(t, &got)
			if got.Username != name {
				t.Fatalf("get_user_by_sid shows %q, want %q", got.Username, name)
			}
			h.ok(t, h.sendJSON(t, "POST", "/v2/access-tokens", map[string]string{"username": name, "password": pw, "domain": "LOCAL"}), 201)

			var g groupsJSON
			h.ok(t, h.sendJSON(t, "POST", "/v2/groups", []map[string]any{{"name": name, "domain": "LOCAL"}}), 201)
			h.ok(t, h.send(t, "GET", "/v2/groups?names="+url.QueryEscape(name), nil, nil), 200).decode(t, &g)
			if len(g.Groups) != 1 || g.Groups[0].Name != name {
				t.Fatalf("get_groups by name: %+v", g.Groups)
			}
			var roles rolesJSON
			h.ok(t, h.sendJSON(t, "POST", "/v2/roles", map[string]any{"name": name, "privileges": []string{"PRINCIPAL_VIEW"}}), 201)
			h.ok(t, h.send(t, "GET", "/v2/roles?names="+url.QueryEscape(name), nil, nil), 200).decode(t, &roles)
			if len(roles.Roles) != 1 || roles.Roles[0].Name != name {
				t.Fatalf("get_roles by name: %+v", roles.Roles)
			}
			var k createdUserAPIKey
			h.ok(t, h.sendJSON(t, "POST", "/v2/users/"+sid+"/api-keys", map[string]any{"name": name}), 201).decode(t, &k)
			var kk userAPIKey
			h.ok(t, h.send(t, "GET", "/v2/users/"+sid+"/api-keys/"+k.ID, nil, nil), 200).decode(t, &kk)
			if kk.Name != name {
				t.Fatalf("key name %q, want %q", kk.Name, name)
			}
		})
	}
	t.Run("surrogate pair escape", func(t *testing.T) {
		body := `[{"username":"pair\ud840\udc00","domain":"LOCAL","localUserParams":{"password":"` + hostilePassword + `"}}]`
		var created usersList
		h.ok(t, h.send(t, "POST", "/v2/users", http.Header{"Content-Type": {"application/json"}}, []byte(body)), 201).decode(t, &created)
		h.wantUsers(t, "/v2/users?usernames="+url.QueryEscape("pair\U00020000"), created.Users[0].SID, "pair\U00020000")
	})
}

// ok fails t unless r has status code.
func (h *hostile) ok(t *testing.T, r resp, code int) resp {
	t.Helper()
	if r.status != code {
		t.Fatalf("status %d, want %d: %.300s", r.status, code, r.body)
	}
	return r
}

// wantUsers fails t unless the users at path are exactly one, sid, named
// name.
func (h *hostile) wantUsers(t *testing.T, path, sid, name string) {
	t.Helper()
	var ul usersList
	h.ok(t, h.send(t, "GET", path, nil, nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 || ul.Users[0].SID != sid || ul.Users[0].Username != name {
		t.Fatalf("GET %s: %+v, want only %s %q", path, ul.Users, sid, name)
	}
}

// testNoPartialWrites: a request refused for one bad entry writes none of
// the good ones, and a refused update changes no field.
func (h *hostile) testNoPartialWrites(t *testing.T) {
	good := func(n string) map[string]any {
		return map[string]any{"username": n, "domain": "LOCAL", "localUserParams": map[string]any{"password": hostilePassword}}
	}
	var ul usersList
	h.ok(t, h.sendJSON(t, "POST", "/v2/users", []any{good("pw-a"), good("pw-b")}), 201).decode(t, &ul)
	userA, userB := ul.Users[0].SID, ul.Users[1].SID
	var gl groupsJSON
	h.ok(t, h.sendJSON(t, "POST", "/v2/groups", []any{map[string]any{"name": "pw-g", "domain": "LOCAL", "description": "kept"}}), 201).decode(t, &gl)
	group := gl.Groups[0].SID
	before := h.snapshot(t)
	cases := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"create_users: a bad role last", "POST", "/v2/users", []any{good("pw-1"), good("pw-2"), map[string]any{"username": "pw-3", "domain": "LOCAL", "roles": []string{"NOPE"}}}, 400},
		{"create_users: an existing name last", "POST", "/v2/users", []any{good("pw-1"), good("pw-2"), good("admin")}, 409},
		{"create_users: a name twice", "POST", "/v2/users", []any{good("pw-1"), good("pw-2"), good("PW-1")}, 409},
		{"create_users: a short password last", "POST", "/v2/users", []any{good("pw-1"), map[string]any{"username": "pw-2", "domain": "LOCAL", "localUserParams": map[string]any{"password": "short"}}}, 400},
		{"create_group: an existing name last", "POST", "/v2/groups", []any{map[string]any{"name": "pw-g1", "domain": "LOCAL"}, map[string]any{"name": "grp_x", "domain": "LOCAL"}}, 409},
		{"create_group: an unknown member last", "POST", "/v2/groups", []any{map[string]any{"name": "pw-g1", "domain": "LOCAL"}, map[string]any{"name": "pw-g2", "domain": "LOCAL", "localGroupParams": map[string]any{"userSids": []string{"S-1-5-21-0-0-0-999999"}}}}, 400},
		{"delete_users: an unknown sid last", "POST", "/v2/users/delete", map[string]any{"sids": []string{userA, userB, "S-1-5-21-0-0-0-999999"}}, 404},
		{"delete_users: a SQL sid last", "POST", "/v2/users/delete", map[string]any{"sids": []string{userA, "' OR 1=1 --"}}, 404},
		{"delete_users: oneself last", "POST", "/v2/users/delete", map[string]any{"sids": []string{userA, h.ids["{admin}"]}}, 403},
		{"delete_groups: an unknown sid last", "POST", "/v2/groups/delete", map[string]any{"sids": []string{group, "*)(cn=*)"}}, 404},
		{"update_user: a bad email", "PUT", "/v2/users/" + userA, map[string]any{"description": "changed", "localUserParams": map[string]any{"email": "not an address"}}, 400},
		{"update_user: a bad role", "PUT", "/v2/users/" + userA, map[string]any{"description": "changed", "locked": true, "roles": []string{"NOPE"}}, 400},
		{"update_group: an unknown member", "PUT", "/v2/groups/" + group, map[string]any{"description": "changed", "localGroupParams": map[string]any{"userSids": []string{"x"}}}, 400},
		{"update_role: an unknown privilege", "PUT", "/v2/roles/{role}", map[string]any{"description": "changed", "privileges": []string{"PRINCIPAL_VIEW", "NOPE"}}, 400},
		{"update_principal_sources: a bad view id", "PUT", "/v2/security-principals/{user}/sources", map[string]any{"sourceIds": []int{5}, "viewIds": []int{-1}}, 400},
		{"update_user_api_key_by_id: a negative expiry", "PUT", "/v2/users/{user}/api-keys/{key}", map[string]any{"name": "changed", "isActive": false, "expiryTimeMsecs": -1}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, h.sendJSON(t, c.method, c.path, c.body), c.status, "")
			if after := h.snapshot(t); after != before {
				t.Fatalf("the refused request wrote:\n%s", diffLines(before, after))
			}
		})
	}
}

// diffLines shows the lines of after that differ from before.
func diffLines(before, after string) string {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out bytes.Buffer
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			out.WriteString("- " + b[min(i, len(b)-1)] + "\n+ " + a[i] + "\n")
		}
	}
	return out.String()
}
