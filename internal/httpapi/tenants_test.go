package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Organizations (issue 12) end to end over HTTPS: the TenantApi, acting
// inside an organization, the log-in of its users, its scope, its
// deactivation and its audit trail.

// doIn is do with the x-impersonate-tenant-id header naming tenant.
func (e *env) doIn(tenant, method, path string, c cred, body any) resp {
	e.t.Helper()
	req := e.request(method, path, c, body)
	req.Header.Set(ImpersonateHeader, tenant)
	r, _ := e.roundTrip(e.t, req)
	return r
}

// tenantPath is the path of organization id, escaped as the SDKs do.
func tenantPath(id string, rest ...string) string {
	return "/v2/tenants/" + url.PathEscape(id) + strings.Join(rest, "")
}

// enableOrgs turns organizations on.
func (e *env) enableOrgs() {
	e.t.Helper()
	e.want(e.do("POST", "/v2/clusters/tenant-config", e.admin,
		map[string]any{"organizationsEnabled": true, "organizationsStorageDomainSharingEnabled": false}), 200)
}

// createTenant makes organization suffix inside the one c acts in.
func (e *env) createTenant(c cred, suffix, name string) tenantInfo {
	e.t.Helper()
	var t tenantInfo
	e.want(e.do("POST", "/v2/tenants", c, map[string]any{"name": name, "tenantIdSuffix": suffix}), 201).decode(e.t, &t)
	return t
}

// tenantAdmin makes, acting inside organization id as the cluster's
// admin, a user name with roles, and logs it in as name@org.
func (e *env) tenantAdmin(id, name string, roles ...string) (string, cred) {
	e.t.Helper()
	pw := name + "-Password-1"
	body := []map[string]any{{"username": name, "domain": "LOCAL", "roles": roles, "localUserParams": map[string]any{"password": pw}}}
	var ul usersList
	e.want(e.doIn(id, "POST", "/v2/users", e.admin, body), 201).decode(e.t, &ul)
	if ul.Users[0].TenantID != id {
		e.t.Fatalf("user made inside %s has tenantId %q", id, ul.Users[0].TenantID)
	}
	return ul.Users[0].SID, bearerCred(e.accessToken(name+"@"+strings.TrimSuffix(id, "/"), pw))
}

// twoOrgs starts a server with organizations acme/ (Acme) and beta/
// (Beta), each with an admin named boss, and returns their credentials.
func twoOrgs(t *testing.T) (e *env, acme, beta cred) {
	e = newEnv(t)
	e.enableOrgs()
	e.createTenant(e.admin, "acme", "Acme")
	e.createTenant(e.admin, "beta", "Beta")
	_, acme = e.tenantAdmin("acme/", "boss", "COHESITY_ADMIN")
	_, beta = e.tenantAdmin("beta/", "boss", "COHESITY_ADMIN")
	return e, acme, beta
}

func tenantIDsOf(ts []tenantInfo) []string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids
}

func (e *env) listTenants(c cred, query string) []string {
	e.t.Helper()
	var ts []tenantInfo
	e.want(e.do("GET", "/v2/tenants"+query, c, nil), 200).decode(e.t, &ts)
	return tenantIDsOf(ts)
}

func TestTenantLifecycle(t *testing.T) {
	e := newEnv(t)
	e.wantMsg(e.do("POST", "/v2/tenants", e.admin, map[string]any{"name": "Acme", "tenantIdSuffix": "acme"}), 400, "organizations are disabled")
	e.enableOrgs()
	var cfg onPremTenantConfig
	e.want(e.do("GET", "/v2/clusters/tenant-config", e.admin, nil), 200).decode(t, &cfg)
	if !*cfg.OrganizationsEnabled || *cfg.OrganizationsStorageDomainSharingEnabled {
		t.Errorf("config %+v", cfg)
	}
	acme := e.createTenant(e.admin, "acme", "Acme")
	if acme.ID != "acme/" || acme.Status != "Active" || acme.CreatedAtTimeMsecs == 0 {
		t.Errorf("created %+v", acme)
	}
	for _, tc := range []struct {
		body any
		code int
	}{
		{map[string]any{"name": "Other", "tenantIdSuffix": "acme"}, 409},
		{map[string]any{"name": "ACME", "tenantIdSuffix": "other"}, 409},
		{map[string]any{"name": "X", "tenantIdSuffix": "abcdefghijk"}, 400},
		{map[string]any{"name": "X", "tenantIdSuffix": "a/b"}, 400},
		{map[string]any{"name": "X", "tenantIdSuffix": ""}, 400},
		{map[string]any{"name": "X", "tenantIdSuffix": "x\u0000"}, 400},
		{map[string]any{"name": nil, "tenantIdSuffix": "x"}, 400},
		{map[string]any{"name": "X"}, 400},
		{map[string]any{"name": "X", "tenantIdSuffix": "x", "network": map[string]any{"clusterIps": nil}}, 400},
	} {
		e.want(e.do("POST", "/v2/tenants", e.admin, tc.body), tc.code)
	}
	beta := e.createTenant(e.admin, "beta", "Beta")

	// Read, rename, list.
	var got tenantInfo
	e.want(e.do("GET", tenantPath("acme/"), e.admin, nil), 200).decode(t, &got)
	if got.Name != "Acme" {
		t.Errorf("get: %+v", got)
	}
	e.want(e.do("GET", tenantPath("nope/"), e.admin, nil), 404)
	e.want(e.do("GET", tenantPath("nope"), e.admin, nil), 400)
	e.want(e.do("PUT", tenantPath("acme/"), e.admin, map[string]any{"name": "Acme Corp", "description": "d"}), 200).decode(t, &got)
	if got.Name != "Acme Corp" || got.Description != "d" || got.ID != "acme/" {
		t.Errorf("renamed: %+v", got)
	}
	e.want(e.do("PUT", tenantPath("acme/"), e.admin, map[string]any{"name": "Beta"}), 409)
	if ids := e.listTenants(e.admin, ""); !slices.Equal(ids, []string{"acme/", beta.ID}) {
		t.Errorf("list: %q", ids)
	}
	if ids := e.listTenants(e.admin, "?ids=beta/,nope/"); !slices.Equal(ids, []string{"beta/"}) {
		t.Errorf("list ids: %q", ids)
	}
	e.want(e.do("GET", "/v2/tenants?statuses=Gone", e.admin, nil), 400)
	e.want(e.do("GET", "/v2/tenants?ids=beta", e.admin, nil), 400)

	// Deactivate and activate.
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": "Deactivate"}), 200).decode(t, &got)
	if got.Status != "Inactive" {
		t.Errorf("deactivated: %+v", got)
	}
	if ids := e.listTenants(e.admin, "?statuses=Inactive"); !slices.Equal(ids, []string{"acme/"}) {
		t.Errorf("inactive: %q", ids)
	}
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": "Pause"}), 400)
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": nil}), 400)
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": "Activate"}), 200).decode(t, &got)
	if got.Status != "Active" {
		t.Errorf("activated: %+v", got)
	}

	// Deletion is refused while the organization holds anything.
	e.tenantAdmin("beta/", "boss", "COHESITY_ADMIN")
	e.wantMsg(e.do("DELETE", tenantPath("beta/"), e.admin, nil), 400, "still holds users")
	e.want(e.do("DELETE", tenantPath("acme/"), e.admin, nil), 204)
	e.want(e.do("DELETE", tenantPath("acme/"), e.admin, nil), 400)
	e.want(e.do("PUT", tenantPath("acme/"), e.admin, map[string]any{"name": "again"}), 400)
	if ids := e.listTenants(e.admin, ""); !slices.Equal(ids, []string{"beta/"}) {
		t.Errorf("after delete: %q", ids)
	}
	var deleted []tenantInfo
	e.want(e.do("GET", "/v2/tenants?statuses=Deleted", e.admin, nil), 200).decode(t, &deleted)
	if len(deleted) != 1 || deleted[0].DeletedAtTimeMsecs == 0 {
		t.Errorf("deleted: %+v", deleted)
	}
	// Its name is free again, its id never.
	e.want(e.do("POST", "/v2/tenants", e.admin, map[string]any{"name": "Acme Corp", "tenantIdSuffix": "acme"}), 409)
	e.createTenant(e.admin, "acme2", "Acme Corp")

	// Sharing, once on, stays on.
	e.want(e.do("POST", "/v2/clusters/tenant-config", e.admin,
		map[string]any{"organizationsEnabled": true, "organizationsStorageDomainSharingEnabled": true}), 200)
	e.want(e.do("POST", "/v2/clusters/tenant-config", e.admin,
		map[string]any{"organizationsEnabled": true, "organizationsStorageDomainSharingEnabled": false}), 400)
	e.want(e.do("POST", "/v2/clusters/tenant-config", e.admin, map[string]any{"organizationsEnabled": true}), 400)
}

// TestTenantAdmin: the cluster's admin makes an organization's first
// admin by acting inside it; that admin logs in as user@org, manages its
// organization's users and nothing else, and every other record answers
// as if it did not exist.
func TestTenantAdmin(t *testing.T) {
	e := newEnv(t)
	e.enableOrgs()
	e.createTenant(e.admin, "acme", "Acme")
	e.createTenant(e.admin, "beta", "Beta")
	clusterSID := e.createUser("carol", "carol-Password-1", "COHESITY_VIEWER")
	bossSID, boss := e.tenantAdmin("acme/", "boss", "COHESITY_ADMIN")
	betaSID, beta := e.tenantAdmin("beta/", "boss", "COHESITY_ADMIN") // the same name, another organization
	if betaSID == bossSID {
		t.Fatal("two organizations' users share a sid")
	}

	// The organization's admin manages its users.
	var ul usersList
	e.want(e.do("POST", "/v2/users", boss, []map[string]any{{"username": "ann", "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"},
		"localUserParams": map[string]any{"password": "ann-Password-1"}}}), 201).decode(t, &ul)
	annSID := ul.Users[0].SID
	if ul.Users[0].TenantID != "acme/" {
		t.Errorf("ann: tenantId %q", ul.Users[0].TenantID)
	}
	e.want(e.do("PUT", "/v2/users/"+annSID, boss, map[string]any{"description": "mine"}), 200)
	e.accessToken("ann@acme", "ann-Password-1")
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "ann", "password": "ann-Password-1", "domain": "LOCAL"}), 401)
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "ann@beta", "password": "ann-Password-1", "domain": "LOCAL"}), 401)

	for _, tc := range []struct {
		who   string
		c     cred
		query string
		want  []string
	}{
		{"acme admin", boss, "", []string{"ann@acme/", "boss@acme/"}},
		{"acme admin, beta named", boss, "?tenantIds=beta/", nil},
		{"acme admin, all below", boss, "?includeTenants=true", []string{"ann@acme/", "boss@acme/"}},
		{"beta admin", beta, "", []string{"boss@beta/"}},
		{"cluster admin", e.admin, "", []string{"admin@", "carol@"}},
		{"cluster admin, acme", e.admin, "?tenantIds=acme/", []string{"ann@acme/", "boss@acme/"}},
		{"cluster admin, everyone", e.admin, "?includeTenants=true", []string{"admin@", "ann@acme/", "boss@acme/", "boss@beta/", "carol@"}},
		{"cluster admin, unknown", e.admin, "?tenantIds=nope/", nil},
	} {
		if got := users(t, e, tc.c, tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%s: users %q, want %q", tc.who, got, tc.want)
		}
	}
	e.want(e.do("GET", "/v2/users?tenantIds=acme", e.admin, nil), 400)

	// Anything else is not found, by id too, and cannot be changed.
	for _, sid := range []string{clusterSID, betaSID, e.adminSID()} {
		e.want(e.do("GET", "/v2/users/"+sid, boss, nil), 404)
		e.want(e.do("PUT", "/v2/users/"+sid, boss, map[string]any{"description": "x"}), 404)
		e.want(e.do("DELETE", "/v2/users/"+sid, boss, nil), 404)
		e.want(e.do("GET", "/v2/users/"+sid+"/api-keys", boss, nil), 404)
		e.want(e.do("POST", "/v2/users/"+sid+"/api-keys", boss, map[string]any{"name": "k"}), 404)
		e.want(e.do("GET", "/v2/security-principals/"+sid+"/sources", boss, nil), 404)
	}
	var sp securityPrincipals
	e.want(e.do("GET", "/v2/security-principals?sids="+clusterSID+","+annSID, boss, nil), 200).decode(t, &sp)
	if len(sp.SecurityPrincipals) != 1 || sp.SecurityPrincipals[0].SID != annSID {
		t.Errorf("security principals seen by acme's admin: %+v", sp.SecurityPrincipals)
	}
	// Nor can it reach out through a group, nor do cluster-wide acts.
	e.want(e.do("POST", "/v2/groups", boss, []map[string]any{{"name": "g", "domain": "LOCAL", "roles": []string{},
		"localGroupParams": map[string]any{"userSids": []string{clusterSID}}}}), 400)
	e.want(e.do("POST", "/v2/groups", boss, []map[string]any{{"name": "g", "domain": "LOCAL", "roles": []string{}, "tenantIds": []string{"beta/"}}}), 400)
	e.want(e.do("POST", "/v2/clusters/tenant-config", boss, map[string]any{"organizationsEnabled": false, "organizationsStorageDomainSharingEnabled": false}), 403)
	e.want(e.do("POST", tenantPath("acme/", "/actions"), boss, map[string]any{"action": "Deactivate"}), 403)
	e.want(e.do("POST", tenantPath("beta/", "/actions"), boss, map[string]any{"action": "Deactivate"}), 404)
	e.want(e.do("DELETE", "/v2/users/sessions", boss, nil), 403)
	e.want(e.doIn("beta/", "GET", "/v2/users", boss, nil), 404)
	e.want(e.doIn("acme", "GET", "/v2/users", boss, nil), 400)
	e.want(e.doIn("", "GET", "/v2/users", boss, nil), 200) // none
	twice := e.request("GET", "/v2/users", e.admin, nil)
	twice.Header.Add(ImpersonateHeader, "acme/")
	twice.Header.Add(ImpersonateHeader, "beta/")
	if r, _ := e.roundTrip(t, twice); r.status != 400 {
		t.Errorf("the header twice: %d %s", r.status, r.body)
	}

	if got := e.listTenants(boss, ""); !slices.Equal(got, []string{"acme/"}) {
		t.Errorf("organizations acme's admin sees: %q", got)
	}

	// A sub-organization, and the acme admin's view of it. Names are
	// unique inside one parent: beta's may be the same, and beta learns
	// nothing of acme's.
	e.createTenant(boss, "eu", "Acme EU")
	e.createTenant(beta, "eu", "Acme EU")
	// Acting inside one takes ORGANIZATION_IMPERSONATE, which a viewer
	// lacks.
	ann := bearerCred(e.accessToken("ann@acme", "ann-Password-1"))
	e.wantMsg(e.doIn("acme/eu/", "GET", "/v2/users", ann, nil), 403, "ORGANIZATION_IMPERSONATE")
	e.want(e.doIn("acme/eu/", "GET", "/v2/users", boss, nil), 200)
	e.want(e.do("POST", "/v2/tenants", boss, map[string]any{"name": "acme eu", "tenantIdSuffix": "eu2"}), 409)
	if got := e.listTenants(boss, ""); !slices.Equal(got, []string{"acme/", "acme/eu/"}) {
		t.Errorf("after the sub-organization: %q", got)
	}
	e.want(e.doIn("acme/eu/", "POST", "/v2/users", boss, []map[string]any{{"username": "eve", "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"},
		"localUserParams": map[string]any{"password": "eve-Password-1"}}}), 201)
	if got := users(t, e, boss, "?includeTenants=true"); !slices.Equal(got, []string{"ann@acme/", "boss@acme/", "eve@acme/eu/"}) {
		t.Errorf("acme admin with sub-organizations: %q", got)
	}
	e.accessToken("eve@acme/eu", "eve-Password-1")
	e.want(e.do("POST", tenantPath("acme/eu/", "/actions"), boss, map[string]any{"action": "Deactivate"}), 200)
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "eve@acme/eu", "password": "eve-Password-1", "domain": "LOCAL"}), 403)
}

// TestTenantRoles: custom roles belong to their organization; nobody
// grants what it does not hold, nor what an organization cannot hold.
func TestTenantRoles(t *testing.T) {
	e, boss, beta := twoOrgs(t)

	var role roleJSON
	e.want(e.do("POST", "/v2/roles", boss, map[string]any{"name": "acme-ops", "privileges": []string{"PRINCIPAL_VIEW"}}), 201).decode(t, &role)
	if !slices.Equal(role.TenantIDs, []string{"acme/"}) {
		t.Errorf("acme's role: tenantIds %q", role.TenantIDs)
	}
	e.want(e.do("POST", "/v2/roles", boss, map[string]any{"name": "acme-cl", "privileges": []string{"CLUSTER_MODIFY"}}), 403)
	roles := func(c cred, query string) []string {
		var rs rolesJSON
		e.want(e.do("GET", "/v2/roles"+query, c, nil), 200).decode(t, &rs)
		var names []string
		for _, r := range rs.Roles {
			if r.IsUserCreatedRole {
				names = append(names, r.Name)
			}
		}
		return names
	}
	if got := roles(boss, ""); !slices.Equal(got, []string{"acme-ops"}) {
		t.Errorf("acme sees custom roles %q", got)
	}
	if got := roles(beta, ""); len(got) != 0 {
		t.Errorf("beta sees custom roles %q", got)
	}
	if got := roles(e.admin, ""); len(got) != 0 {
		t.Errorf("the cluster sees custom roles %q by default", got)
	}
	if got := roles(e.admin, "?includeTenants=true"); !slices.Equal(got, []string{"acme-ops"}) {
		t.Errorf("the cluster sees custom roles %q with includeTenants", got)
	}
	e.want(e.do("POST", "/v2/users", beta, []map[string]any{{"username": "x", "domain": "LOCAL", "roles": []string{"acme-ops"}}}), 400)
	e.want(e.do("PUT", "/v2/roles/acme-ops", beta, map[string]any{"privileges": []string{"PRINCIPAL_VIEW"}}), 404)
	e.want(e.do("DELETE", "/v2/roles/acme-ops", beta, nil), 404)
	e.want(e.do("DELETE", "/v2/roles/COHESITY_VIEWER", boss, nil), 400)
	// The built-in Admin role, given inside an organization, grants only
	// what an organization may hold.
	var tok accessTokenResponse
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "boss@acme", "password": "boss-Password-1", "domain": "LOCAL"}), 201).decode(t, &tok)
	if slices.Contains(tok.Privileges, "CLUSTER_MODIFY") || !slices.Contains(tok.Privileges, "PRINCIPAL_MODIFY") {
		t.Errorf("acme admin's privileges: %q", tok.Privileges)
	}
}

// TestTenantRoleNames: role names are unique per organization, as user
// and group names are: each organization names its roles as it likes,
// learns nothing of the others' names, and its names mean its own roles.
func TestTenantRoleNames(t *testing.T) {
	e, acme, beta := twoOrgs(t)
	for _, c := range []struct {
		who  cred
		priv string
	}{{e.admin, "AUDIT_LOG_VIEW"}, {acme, "PRINCIPAL_VIEW"}, {beta, "ROLE_VIEW"}} {
		e.want(e.do("POST", "/v2/roles", c.who, map[string]any{"name": "Operators", "privileges": []string{c.priv}}), 201)
	}
	// Look-alikes: of one's own, refused; of another organization's, none of
	// its business; of a built-in role, refused everywhere.
	e.wantMsg(e.do("POST", "/v2/roles", acme, map[string]any{"name": "0perators", "privileges": []string{"PRINCIPAL_VIEW"}}), 400, `looks like the role name "Operators"`)
	e.want(e.do("POST", "/v2/roles", acme, map[string]any{"name": "COHESITY_ADMIN", "privileges": []string{"PRINCIPAL_VIEW"}}), 409)
	e.wantMsg(e.do("POST", "/v2/roles", acme, map[string]any{"name": "C0HESITY_ADMIN", "privileges": []string{"PRINCIPAL_VIEW"}}), 400, "COHESITY_ADMIN")
	e.want(e.do("POST", "/v2/roles", acme, map[string]any{"name": "Operators", "privileges": []string{"PRINCIPAL_VIEW"}}), 409)

	var ul usersList
	e.want(e.do("POST", "/v2/users", acme, []map[string]any{{"username": "op", "domain": "LOCAL", "roles": []string{"Operators"},
		"localUserParams": map[string]any{"password": "op-Password-1"}}}), 201).decode(t, &ul)
	if !slices.Equal(ul.Users[0].Roles, []string{"Operators"}) {
		t.Errorf("acme's op has roles %q", ul.Users[0].Roles)
	}
	var tok accessTokenResponse
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "op@acme", "password": "op-Password-1", "domain": "LOCAL"}), 201).decode(t, &tok)
	if !slices.Equal(tok.Privileges, []string{"PRINCIPAL_VIEW"}) {
		t.Errorf("acme's Operators grant %q, want acme's own", tok.Privileges)
	}
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", beta, []map[string]any{{"name": "ops", "domain": "LOCAL", "roles": []string{"Operators"}}}), 201).decode(t, &gl)
	if !slices.Equal(gl.Groups[0].Roles, []string{"Operators"}) {
		t.Errorf("beta's group has roles %q", gl.Groups[0].Roles)
	}

	roles := func(c cred, query string) []string {
		var rs rolesJSON
		e.want(e.do("GET", "/v2/roles"+query, c, nil), 200).decode(t, &rs)
		var out []string
		for _, r := range rs.Roles {
			if r.IsUserCreatedRole {
				out = append(out, fmt.Sprintf("%s%q:%s", r.Name, r.TenantIDs, strings.Join(r.Privileges, ",")))
			}
		}
		slices.Sort(out)
		return out
	}
	if got := roles(acme, "?names=Operators"); !slices.Equal(got, []string{`Operators["acme/"]:PRINCIPAL_VIEW`}) {
		t.Errorf("acme's Operators: %q", got)
	}
	if got := roles(e.admin, "?names=Operators&includeTenants=true"); !slices.Equal(got, []string{
		`Operators["acme/"]:PRINCIPAL_VIEW`, `Operators["beta/"]:ROLE_VIEW`, `Operators[]:AUDIT_LOG_VIEW`}) {
		t.Errorf("everyone's Operators: %q", got)
	}
	if got := users(t, e, acme, "?roles=Operators"); !slices.Equal(got, []string{"op@acme/"}) {
		t.Errorf("acme's users with Operators: %q", got)
	}
	if got := users(t, e, e.admin, "?roles=Operators&includeTenants=true"); !slices.Equal(got, []string{"op@acme/"}) {
		t.Errorf("everyone's users with Operators: %q", got)
	}

	// A change of acme's Operators is acme's alone; the name in a path is
	// read in the organization of its caller.
	e.want(e.do("PUT", "/v2/roles/Operators", acme, map[string]any{"privileges": []string{"PRINCIPAL_VIEW", "ROLE_VIEW"}}), 200)
	if got := roles(beta, ""); !slices.Equal(got, []string{`Operators["beta/"]:ROLE_VIEW`}) {
		t.Errorf("beta's roles after acme's change: %q", got)
	}
	e.wantMsg(e.do("DELETE", "/v2/roles/Operators", acme, nil), 400, `role "Operators" is still assigned`)
	e.want(e.do("DELETE", "/v2/roles/Operators", e.admin, nil), 204) // the cluster's own
	if got := roles(e.admin, "?includeTenants=true"); len(got) != 2 {
		t.Errorf("after the cluster deleted its Operators: %q", got)
	}
}

// users lists the users c sees with query, as name@tenantId.
func users(t *testing.T, e *env, c cred, query string) []string {
	t.Helper()
	var ul usersList
	e.want(e.do("GET", "/v2/users"+query, c, nil), 200).decode(t, &ul)
	var names []string
	for _, u := range ul.Users {
		names = append(names, u.Username+"@"+u.TenantID)
	}
	slices.Sort(names)
	return names
}

// TestTenantDeactivation: a deactivated organization's sessions, tokens
// and API keys are refused at once, and its users cannot log in;
// activation restores them.
func TestTenantDeactivation(t *testing.T) {
	e := newEnv(t)
	e.enableOrgs()
	e.createTenant(e.admin, "acme", "Acme")
	sid, tok := e.tenantAdmin("acme/", "boss", "COHESITY_ADMIN")
	_, key := e.createAPIKey(tok, sid, "k")
	session := sessionCred(e.session("boss@acme", "boss-Password-1"))
	creds := []cred{tok, apiKeyCred(key), session}
	for _, c := range creds {
		e.want(e.do("GET", "/v2/users", c, nil), 200) // in the cache now
	}
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": "Deactivate"}), 200)
	for _, c := range creds {
		e.want(e.do("GET", "/v2/users", c, nil), 401)
	}
	e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "boss@acme", "password": "boss-Password-1", "domain": "LOCAL"}), 403, "Inactive")
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "boss@acme", "password": "wrong-Password-1", "domain": "LOCAL"}), 401)
	// The cluster's admin may still act inside it, to empty it.
	e.want(e.doIn("acme/", "GET", "/v2/users", e.admin, nil), 200)
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": "Activate"}), 200)
	for _, c := range creds {
		e.want(e.do("GET", "/v2/users", c, nil), 200)
	}
}

// TestTenantAudit: entries carry the organization they were made in, and
// impersonation; an organization's admin reads only its own.
func TestTenantAudit(t *testing.T) {
	e, boss, beta := twoOrgs(t)
	e.want(e.do("POST", "/v2/users", boss, []map[string]any{{"username": "ann", "domain": "LOCAL", "roles": []string{}}}), 201)
	e.want(e.do("POST", "/v2/users", beta, []map[string]any{{"username": "bob", "domain": "LOCAL", "roles": []string{}}}), 201)

	_, entries, _ := e.trail(boss, "actions=Create&entityTypes=User")
	if len(entries) != 2 { // boss, made by the cluster's admin inside acme, and ann
		t.Fatalf("acme's admin reads %d user creations, want 2: %+v", len(entries), entries)
	}
	for _, en := range entries {
		if en.TenantID != "acme/" || en.TenantName != "Acme" {
			t.Errorf("acme entry %+v", en)
		}
	}
	imp := entries[1] // the older: the cluster's admin, impersonating
	if !imp.IsImpersonation || imp.Username != "admin" || imp.OriginalTenantID != "" {
		t.Errorf("impersonated entry %+v", imp)
	}
	if entries[0].IsImpersonation || entries[0].Username != "boss" {
		t.Errorf("acme admin's entry %+v", entries[0])
	}
	mine, _, _ := e.trail(e.admin, "actions=Create&entityTypes=User")
	if !slices.Equal(mine, []string{`Create User LOCAL\admin`}) {
		t.Errorf("the cluster's own trail holds user creations %q, want the built-in admin's alone", mine)
	}
	_, all, _ := e.trail(e.admin, "actions=Create&entityTypes=User&includeTenants=true")
	if len(all) != 5 {
		t.Errorf("the whole trail holds %d user creations, want 5", len(all))
	}
	_, none, _ := e.trail(boss, "tenantIds=beta/")
	if len(none) != 0 {
		t.Errorf("acme's admin reads %d of beta's entries", len(none))
	}
	// A failed log-in of acme's user, which no principal made, is in
	// acme's trail.
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "boss@acme", "password": "wrong-Password-1", "domain": "LOCAL"}), 401)
	e.svc.Wait()
	failed, _, _ := e.trail(boss, "actions=LoginFailed")
	if !slices.Equal(failed, []string{`LoginFailed User LOCAL\boss@acme`}) {
		t.Errorf("acme's trail of failed log-ins: %q", failed)
	}
	if failed, _, _ := e.trail(beta, "actions=LoginFailed"); len(failed) != 0 {
		t.Errorf("beta's trail of failed log-ins: %q", failed)
	}
}
