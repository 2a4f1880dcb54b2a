package httpapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/testtier"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
)

// The organizations' side of the authorization matrix (issue 12): every
// operation, as each caller below, on records of another organization
// and of the cluster. Besides the status, each cell checks that the
// answer names nothing of an organization the caller does not reach, and
// that nothing outside the caller's organization changed.

// The organizations of the tenant matrix. Every record's name starts
// with its organization's marker, so that an answer that leaks one is
// seen.
const (
	orgA, orgB, orgC = "ta/", "tb/", "tc/" // orgC is deactivated
)

var orgMarker = map[string]string{orgA: "zant", orgB: "zbee", orgC: "zcat", "": "zclu"}

// The callers of the tenant matrix.
const (
	tAdminA  = "A-admin"            // COHESITY_ADMIN of ta/, Bearer
	tViewerA = "A-viewer"           // COHESITY_VIEWER of ta/, API key
	tAdminB  = "B-admin"            // COHESITY_ADMIN of tb/, session-id
	tImpA    = "cluster-admin-in-A" // the cluster's admin, API key, acting inside ta/
	tDeact   = "deactivated-user"   // COHESITY_ADMIN of tc/, Bearer, since deactivated
)

// tenantCaller is one caller of the tenant matrix.
type tenantCaller struct {
	name, org string // org: the organization it acts in
	c         cred
	imp       string // x-impersonate-tenant-id, if any
}

// tenantRow is one operation of the tenant matrix. Rows with target act on
// records ({user}, {key}, {group}, {role}, {tenant}) made for each cell in
// another organization and in the cluster, and give the status of an
// administrator from outside (of A, of B when the records are the
// cluster's, and the cluster's admin acting inside A), of A's viewer, and
// of the records' owner (B's admin, for B's records). Rows without target
// (lists, creates) give the status of an administrator (of A, of B, the
// cluster's acting inside A) as outsider and owner alike.
type tenantRow struct {
	op, req, body                    string
	target                           bool
	outsider, viewer, owner, deacted int // deacted: 0 means 401
}

// tenantRows are the tenant matrix.
func tenantMatrixRows() []tenantRow {
	nf, ok, no := 404, 200, 204
	rows := []tenantRow{
		// Log-ins are open: the caller's credential plays no part. A user
		// logs in as user@org, and as nobody else's.
		{op: "create_access_token", req: "POST /v2/access-tokens", body: `{"username":"{login}{at}","password":"{login}-Password-1","domain":"LOCAL"}`, target: true, outsider: 201, viewer: 201, owner: 201, deacted: 201},
		{op: "create_session", req: "POST /v2/users/sessions", body: `{"username":"{login}@ta","password":"{login}-Password-1","domain":"LOCAL"}`, target: true, outsider: 401, viewer: 401, owner: 401, deacted: 401},
		{op: "delete_session", req: "DELETE /v2/users/sessions?sid={user}", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "get_active_sessions_count", req: "GET /v2/users/sessions?sids={user}", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "create_users", req: "POST /v2/users", body: `[{"username":"{name}","domain":"LOCAL","roles":["COHESITY_VIEWER"]}]`, outsider: 201, viewer: 403, owner: 201},
		{op: "get_users", req: "GET /v2/users?includeTenants=true", outsider: ok, viewer: ok, owner: ok},
		{op: "delete_users", req: "POST /v2/users/delete", body: `{"sids":["{user}"]}`, target: true, outsider: nf, viewer: nf, owner: no},
		{op: "get_user_by_sid", req: "GET /v2/users/{user}", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "update_user", req: "PUT /v2/users/{user}", body: `{"description":"x"}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_user", req: "DELETE /v2/users/{user}", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "regenerate_s3_key", req: "POST /v2/users/{user}/s3-secret-key", target: true, outsider: nf, viewer: nf, owner: 201},
		{op: "revoke_user_credentials", req: "POST /v2/users/{user}/revoke-credentials", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "create_user_api_key", req: "POST /v2/users/{user}/api-keys", body: `{"name":"k"}`, target: true, outsider: nf, viewer: nf, owner: 201},
		{op: "get_user_api_keys", req: "GET /v2/users/{user}/api-keys", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "get_user_api_key_by_id", req: "GET /v2/users/{user}/api-keys/{key}", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "update_user_api_key_by_id", req: "PUT /v2/users/{user}/api-keys/{key}", body: `{"name":"k2"}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_user_api_key_by_id", req: "DELETE /v2/users/{user}/api-keys/{key}", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "rotate_user_api_key", req: "POST /v2/users/{user}/api-keys/{key}/rotate", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "get_all_api_keys", req: "GET /v2/api-keys?ownerSids={user}", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "create_group", req: "POST /v2/groups", body: `[{"name":"{name}","domain":"LOCAL","roles":["COHESITY_VIEWER"]}]`, outsider: 201, viewer: 403, owner: 201},
		{op: "get_groups", req: "GET /v2/groups?includeTenants=true", outsider: ok, viewer: ok, owner: ok},
		{op: "delete_groups", req: "POST /v2/groups/delete", body: `{"sids":["{group}"]}`, target: true, outsider: nf, viewer: nf, owner: no},
		{op: "get_group_by_sid", req: "GET /v2/groups/{group}", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "update_group", req: "PUT /v2/groups/{group}", body: `{"description":"x"}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_group", req: "DELETE /v2/groups/{group}", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "get_security_principals", req: "GET /v2/security-principals?sids={user},{group}", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "get_principal_sources", req: "GET /v2/security-principals/{user}/sources", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "update_principal_sources", req: "PUT /v2/security-principals/{group}/sources", body: `{"sourceIds":[7]}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "get_roles", req: "GET /v2/roles?includeTenants=true", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "create_role", req: "POST /v2/roles", body: `{"name":"{name}","privileges":["PRINCIPAL_VIEW"]}`, outsider: 201, viewer: 403, owner: 201},
		{op: "update_role", req: "PUT /v2/roles/{role}", body: `{"privileges":["PRINCIPAL_VIEW"],"description":"x"}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_role", req: "DELETE /v2/roles/{role}", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "get_privileges", req: "GET /v2/privileges", outsider: ok, viewer: ok, owner: ok},
		{op: "get_audit_logs", req: "GET /v2/audit-logs?includeTenants=true&count=10000", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "get_audit_logs_actions", req: "GET /v2/audit-logs/actions", outsider: ok, viewer: ok, owner: ok},
		{op: "get_audit_logs_entity_types", req: "GET /v2/audit-logs/entity-types", outsider: ok, viewer: ok, owner: ok},
		{op: "list_tenants", req: "GET /v2/tenants?statuses=Active,Inactive,Deleted", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "get_tenant_by_id", req: "GET /v2/tenants/{tenant}", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "create_tenant", req: "POST /v2/tenants", body: `{"name":"{name}","tenantIdSuffix":"{name}"}`, outsider: 201, viewer: 403, owner: 201},
		{op: "update_tenant", req: "PUT /v2/tenants/{tenant}", body: `{"description":"x"}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_tenant", req: "DELETE /v2/tenants/{tenant}", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "perform_tenant_action", req: "POST /v2/tenants/{tenant}/actions", body: `{"action":"Deactivate"}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "get_on_prem_tenant_config", req: "GET /v2/clusters/tenant-config", outsider: ok, viewer: ok, owner: ok},
		// CLUSTER_MODIFY is the cluster's only, even to its admin acting
		// inside an organization.
		{op: "update_on_prem_tenant_config", req: "POST /v2/clusters/tenant-config",
			body: `{"organizationsEnabled":true,"organizationsStorageDomainSharingEnabled":false}`, outsider: 403, viewer: 403, owner: 403},
		// MFA_MODIFY is the cluster's only, as CLUSTER_MODIFY. Everyone
		// enrols its own factors; the test server has no mail server, so
		// e-mailed codes are refused (400) once the caller is let through.
		{op: "get_mfa_config", req: "GET /v2/mfa-config", outsider: ok, viewer: ok, owner: ok},
		{op: "update_mfa_config", req: "PUT /v2/mfa-config", body: `{"enabled":false,"retainUserMfaSettings":true}`, outsider: 403, viewer: 403, owner: 403},
		{op: "create_totp_key", req: "POST /v2/totp-key", body: `{}`, outsider: 201, viewer: 201, owner: 201},
		{op: "create_email_otp", req: "POST /v2/email-otp", outsider: 400, viewer: 400, owner: 400},
		{op: "send_email_otp", req: "POST /v2/send-email-otp", outsider: 400, viewer: 400, owner: 400},
		{op: "reset_user_mfa", req: "POST /v2/users/{user}/reset-mfa", target: true, outsider: nf, viewer: nf, owner: no},
		// SECURITY_ADVISOR_MODIFY is the cluster's only.
		{op: "get_security_config", req: "GET /v2/security-config", outsider: ok, viewer: ok, owner: ok},
		{op: "update_security_config", req: "PUT /v2/security-config", body: `{}`, outsider: 403, viewer: 403, owner: 403},
	}
	return append(rows, tenantDirectoryRows()...)
}

// tenantDirectoryRows are the AD and LDAP operations. The records' domains
// cannot be reached (saved anyway), so what would read their directory
// is 503 to their owner.
func tenantDirectoryRows() []tenantRow {
	nf, ok, no, down := 404, 200, 204, 503
	return []tenantRow{
		{op: "get_active_directory", req: "GET /v2/active-directories?includeTenants=true", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "get_active_directory_by_id", req: "GET /v2/active-directories/{ad}", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "create_active_directory", req: "POST /v2/active-directories?saveAnyway=true", body: adBody("{name}.example"), outsider: 201, viewer: 403, owner: 201},
		{op: "update_active_directory", req: "PUT /v2/active-directories/{ad}", body: `{"machineAccounts":[{"name":"CIAM1"}],"workGroupName":"W"}`,
			target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_active_directory", req: "DELETE /v2/active-directories/{ad}?forceRemove=true", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "get_active_directory_principals", req: "GET /v2/active-directory-principals?domainName=LOCAL", outsider: ok, viewer: ok, owner: ok},
		{op: "add_active_directory_principals", req: "POST /v2/active-directory-principals", body: `[{"domainName":"{adname}","name":"x","objectClass":"User"}]`,
			target: true, outsider: 400, viewer: 403, owner: down},
		{op: "get_trusted_domains", req: "GET /v2/trusted-domains?domainName={adname}", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "update_trusted_domains", req: "POST /v2/trusted-domains?domainName={adname}", body: `{"enabled":false}`, target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "trigger_trusted_domains_discovery", req: "PUT /v2/trusted-domains?domainName={adname}&rediscover=false", target: true, outsider: nf, viewer: nf, owner: 202},
		{op: "get_domain_controllers", req: "GET /v2/domain-controllers?domainNames={adname}", target: true, outsider: nf, viewer: nf, owner: down},
		{op: "get_ldaps", req: "GET /v2/ldap?includeTenants=true", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "create_ldap_provider", req: "POST /v2/ldap?saveAnyway=true", body: ldapBody("{name}.example", ""), outsider: 201, viewer: 403, owner: 201},
		{op: "update_ldap_provider", req: "PUT /v2/ldap?saveAnyway=true", body: ldapBody("{ldapname}", "{ldap}"), target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_ldap_provider", req: "DELETE /v2/ldap/{ldap}", target: true, outsider: nf, viewer: nf, owner: no},
		{op: "get_ldap_connection_status", req: "GET /v2/ldap/{ldap}/connection-status", target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "get_identity_providers", req: "GET /v2/idps?includeAllTenants=true", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "create_identity_provider", req: "POST /v2/idps", body: samlBody("{name}.example", "COHESITY_VIEWER", ""), outsider: 201, viewer: 403, owner: 201},
		{op: "update_identity_provider", req: "PUT /v2/idps/{saml}", body: `{"issuerId":"https://idp.example/m2","ssoUrl":"https://idp.example/sso2","certificate":"` + samlCert() + `"}`,
			target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_identity_provider", req: "DELETE /v2/idps/{saml}", target: true, outsider: nf, viewer: nf, owner: no},
		// The fixtures' providers are disabled: no organization's starts.
		{op: "idps_login", req: "GET /v2/idps/login?tenantId={tenant}", outsider: 404, viewer: 404, owner: 404, deacted: 404},
		{op: "get_identities", req: "GET /v2/identity-providers?includeAllTenants=true", target: true, outsider: ok, viewer: ok, owner: ok},
		{op: "create_identity", req: "POST /v2/identity-providers", body: identityBody("{name}.example", "{keysurl}"), outsider: 201, viewer: 403, owner: 201},
		{op: "update_identity", req: "PUT /v2/identity-providers/{idp}", body: identityBody("{idpname}", "{keysurl}"), target: true, outsider: nf, viewer: nf, owner: ok},
		{op: "delete_identity", req: "DELETE /v2/identity-providers/{idp}", target: true, outsider: nf, viewer: nf, owner: no},
		// The action names no issuer: it refreshes those the caller may
		// change, in its own organization and below (none: 201 as well).
		{op: "perform_identity_action", req: "POST /v2/identity-providers/actions",
			body: `{"identityProviderType":"OpenIdConnect","openIdConnectParams":{"action":"RefreshPublicKeys"}}`, outsider: 201, viewer: 403, owner: 201},
	}
}

// tenantMatrix is the server of the tenant matrix, its callers and the
// users whose log-in rows use.
type tenantMatrix struct {
	e       *env
	op      *optest.OP // the OpenID provider the identity-provider rows trust
	callers []tenantCaller
	seq     int
}

func newTenantMatrix(t *testing.T) *tenantMatrix {
	op := optest.Start(t)
	e := newEnvConfig(t, testParams, iam.Config{IdPClient: op.Client()})
	tm := &tenantMatrix{e: e, op: op}
	e.enableOrgs()
	for _, org := range []string{orgA, orgB, orgC} {
		e.createTenant(e.admin, strings.TrimSuffix(org, "/"), orgMarker[org])
	}
	_, adminA := e.tenantAdmin(orgA, "zant-boss", "COHESITY_ADMIN")
	viewerSID, viewerTok := e.tenantAdmin(orgA, "zant-vera", "COHESITY_VIEWER")
	_, viewerKey := e.createAPIKey(viewerTok, viewerSID, "zant-key")
	e.tenantAdmin(orgB, "zbee-boss", "COHESITY_ADMIN")
	adminB := sessionCred(e.session("zbee-boss@tb", "zbee-boss-Password-1"))
	_, deact := e.tenantAdmin(orgC, "zcat-dora", "COHESITY_ADMIN")
	e.want(e.do("POST", tenantPath(orgC, "/actions"), e.admin, map[string]any{"action": "Deactivate"}), 200)
	_, key := e.createAPIKey(e.admin, e.adminSID(), "zclu-key")
	tm.callers = []tenantCaller{
		{tAdminA, orgA, adminA, ""}, {tViewerA, orgA, apiKeyCred(viewerKey), ""}, {tAdminB, orgB, adminB, ""},
		{tImpA, orgA, apiKeyCred(key), orgA}, {tDeact, orgC, deact, ""},
	}
	return tm
}

// TestTenantMatrix runs every operation as each caller of an organization
// on the records of another organization and of the cluster; see
// tenantRow. No cell may read or change anything outside the caller's
// organization.
func TestTenantMatrix(t *testing.T) {
	rows := tenantMatrixRows()
	checkTenantCoverage(t, rows)
	tm := newTenantMatrix(t)
	// The quick tier runs a third of the cells, staggered so that every
	// row and every caller still meets others; the soak tier runs all,
	// but under -race (where .ci/run's PostgreSQL pass, without -race,
	// runs them all) its third.
	every := testtier.Pick(t, "cells: one in", 3, 1)
	if raceDetector {
		every = 3
	}
	cells := 0
	for i, row := range rows {
		wheres := []string{""}
		if row.target {
			wheres = []string{orgB, ""}
		}
		for _, where := range wheres {
			for j, c := range tm.callers {
				if (i+j)%every != 0 {
					continue
				}
				t.Run(fmt.Sprintf("%s/records-of-%s/%s", row.op, orgMarker[where], c.name), func(t *testing.T) {
					tm.run(t, row, where, c)
				})
				cells++
			}
		}
	}
	t.Logf("%d rows, %d cells", len(rows), cells)
}

// checkTenantCoverage fails for every operation routes() serves that has
// no row, the unauthenticated service endpoints aside.
func checkTenantCoverage(t *testing.T, rows []tenantRow) {
	covered := map[string]bool{"get_health": true, "get_metrics": true, "get_openapi": true}
	for _, r := range rows {
		covered[r.op] = true
	}
	for _, r := range routes(nil, Options{Metrics: NewMetrics(), ServeMetrics: true}) {
		if !covered[r.op] {
			t.Errorf("tenant matrix: operation %s has no row; add one to tenantMatrixRows", r.op)
		}
	}
}

// want is the status c gets for row on records of where.
func (row tenantRow) want(c tenantCaller, where string) int {
	switch {
	case c.name == tDeact:
		if row.deacted == 0 {
			return 401
		}
		return row.deacted
	case c.name == tViewerA:
		return row.viewer
	case row.target && c.org == where:
		return row.owner
	case !row.target && c.name == tAdminB:
		return row.owner
	}
	return row.outsider
}

// tenantFixture holds the values of a cell's placeholders.
type tenantFixture struct {
	user, login, key, group, role, tenant, name string
	ad, adName, ldap, ldapName                  string
	idp, idpName, keysURL                       string
	saml                                        string
}

// fixture makes the records a cell of row acts on, in organization where
// ("" the cluster), as the cluster's admin acting inside it.
func (tm *tenantMatrix) fixture(t *testing.T, row tenantRow, where string) tenantFixture {
	e := tm.e
	tm.seq++
	fx := tenantFixture{name: fmt.Sprintf("n%04d", tm.seq), keysURL: tm.op.KeysURL}
	do := func(method, path string, body any, status int) resp {
		t.Helper()
		if where == "" {
			return e.want(e.do(method, path, e.admin, body), status)
		}
		return e.want(e.doIn(where, method, path, e.admin, body), status)
	}
	mark := orgMarker[where]
	if row.target {
		fx.login = fmt.Sprintf("%s-u%04d", mark, tm.seq)
		var ul usersList
		do("POST", "/v2/users", []map[string]any{{"username": fx.login, "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"},
			"localUserParams": map[string]any{"password": fx.login + "-Password-1"}}}, 201).decode(t, &ul)
		fx.user = ul.Users[0].SID
		e.session(fx.login+strings.TrimSuffix(strings.Replace(where, "t", "@t", 1), "/"), fx.login+"-Password-1")
		var k createdUserAPIKey
		do("POST", "/v2/users/"+fx.user+"/api-keys", map[string]any{"name": mark + "-k"}, 201).decode(t, &k)
		fx.key = k.ID
		var gl groupsJSON
		do("POST", "/v2/groups", []map[string]any{{"name": fmt.Sprintf("%s-g%04d", mark, tm.seq), "domain": "LOCAL",
			"roles": []string{"COHESITY_VIEWER"}}}, 201).decode(t, &gl)
		fx.group = gl.Groups[0].SID
		fx.role = fmt.Sprintf("%s-r%04d", mark, tm.seq)
		do("POST", "/v2/roles", map[string]any{"name": fx.role, "privileges": []string{"PRINCIPAL_VIEW"}}, 201)
		var ti tenantInfo
		do("POST", "/v2/tenants", map[string]any{"name": fmt.Sprintf("%s-t%04d", mark, tm.seq), "tenantIdSuffix": fmt.Sprintf("s%04d", tm.seq)}, 201).decode(t, &ti)
		fx.tenant = ti.ID
		tm.domainFixtures(t, row, &fx, mark, do)
	}
	return fx
}

// domainFixtures makes the directory domains and identity providers a
// row names, and only those: each costs a write, and an issuer's a fetch
// of its metadata and keys.
func (tm *tenantMatrix) domainFixtures(t *testing.T, row tenantRow, fx *tenantFixture, mark string, do func(method, path string, body any, status int) resp) {
	t.Helper()
	uses := func(placeholders ...string) bool {
		return slices.ContainsFunc(placeholders, func(p string) bool { return strings.Contains(row.req+row.body, p) })
	}
	var d struct {
		ID int64 `json:"id"`
	}
	if uses("{ad}", "{adname}") {
		fx.adName = fmt.Sprintf("%s-a%04d.example", mark, tm.seq)
		do("POST", "/v2/active-directories?saveAnyway=true", json.RawMessage(adBody(fx.adName)), 201).decode(t, &d)
		fx.ad = fmt.Sprint(d.ID)
	}
	if uses("{ldap}", "{ldapname}") {
		fx.ldapName = fmt.Sprintf("%s-l%04d.example", mark, tm.seq)
		do("POST", "/v2/ldap?saveAnyway=true", json.RawMessage(ldapBody(fx.ldapName, "")), 201).decode(t, &d)
		fx.ldap = fmt.Sprint(d.ID)
	}
	if uses("{idp}", "{idpname}") {
		fx.idpName = fmt.Sprintf("%s-i%04d.example", mark, tm.seq)
		do("POST", "/v2/identity-providers", json.RawMessage(identityBody(fx.idpName, tm.op.KeysURL)), 201).decode(t, &d)
		fx.idp = fmt.Sprint(d.ID)
	}
	if uses("{saml}") {
		do("POST", "/v2/idps", json.RawMessage(samlBody(fmt.Sprintf("%s-s%04d.example", mark, tm.seq), "COHESITY_VIEWER", "")), 201).decode(t, &d)
		fx.saml = fmt.Sprint(d.ID)
	}
}

// run runs one cell.
func (tm *tenantMatrix) run(t *testing.T, row tenantRow, where string, c tenantCaller) {
	fx := tm.fixture(t, row, where)
	before := tm.foreign(t, c)
	method, path, r, op := tm.send(t, row, where, c, fx)
	if op != row.op {
		t.Errorf("%s %s reached %q, not %q", method, path, op, row.op)
	}
	if want := row.want(c, where); r.status != want {
		t.Errorf("%s %s as %s: status %d, want %d; body %.300s", method, path, c.name, r.status, want, r.body)
	}
	checkErrorModel(t, r)
	if strings.HasPrefix(row.op, "create_session") || strings.HasPrefix(row.op, "create_access_token") {
		return // open: the caller's credential plays no part
	}
	tm.checkNoLeak(t, row, c, r, where, fx)
	if after := tm.foreign(t, c); !reflect.DeepEqual(before, after) {
		t.Errorf("%s %s as %s (status %d) changed records outside its organization:\nbefore %+v\nafter  %+v", method, path, c.name, r.status, before, after)
	}
}

// send sends row's request as c, with fx's values in its placeholders.
func (tm *tenantMatrix) send(t *testing.T, row tenantRow, where string, c tenantCaller, fx tenantFixture) (method, path string, r resp, op string) {
	t.Helper()
	rep := strings.NewReplacer("{user}", fx.user, "{key}", fx.key, "{group}", fx.group, "{role}", fx.role,
		"{tenant}", url.PathEscape(fx.tenant), "{name}", fx.name, "{login}", fx.login,
		"{adname}", fx.adName, "{ad}", fx.ad, "{ldapname}", fx.ldapName, "{ldap}", fx.ldap,
		"{idp}", fx.idp, "{idpname}", fx.idpName, "{keysurl}", fx.keysURL, "{saml}", fx.saml,
		"{at}", strings.TrimSuffix(strings.Replace(where, "t", "@t", 1), "/"))
	method, path, _ = strings.Cut(row.req, " ")
	path, body := rep.Replace(path), rep.Replace(row.body)
	var rd any
	if body != "" {
		rd = body
	}
	req := tm.e.request(method, path, c.c, rd)
	if c.imp != "" {
		req.Header.Set(ImpersonateHeader, c.imp)
	}
	r, op = tm.e.roundTrip(t, req)
	return method, path, r, op
}

// ghost is fx with every record replaced by one that does not exist.
func ghost(fx tenantFixture, where string) tenantFixture {
	g := fx
	swap := func(id, tail string) string {
		if len(id) < 4 {
			return id
		}
		return id[:len(id)-4] + tail
	}
	g.user, g.key, g.group = swap(fx.user, "9991"), swap(fx.key, "9992"), swap(fx.group, "9993")
	g.role, g.tenant = "zghost-r", where+"g9999/"
	g.ad, g.ldap, g.adName, g.ldapName = "999991", "999992", "zghost-a.example", "zghost-l.example"
	g.idp, g.idpName, g.saml = "999993", "zghost-i.example", "999994"
	return g
}

// checkLikeGhost fails unless the refusal r of a record of an
// organization c does not reach is the refusal of a record that does not
// exist, but for the ids it quotes back.
func (tm *tenantMatrix) checkLikeGhost(t *testing.T, row tenantRow, where string, c tenantCaller, fx tenantFixture, r resp) {
	t.Helper()
	g := ghost(fx, where)
	_, _, gr, _ := tm.send(t, row, where, c, g)
	norm := func(body []byte, f tenantFixture) string {
		var pairs []string
		for _, p := range [][3]string{{"", f.user, "{user}"}, {"", f.key, "{key}"}, {"", f.group, "{group}"}, {"", f.role, "{role}"},
			{"", f.tenant, "{tenant}"}, {"", f.adName, "{adname}"}, {"", f.ldapName, "{ldapname}"}, {"directory domain ", f.ad, "{ad}"},
			{"directory domain ", f.ldap, "{ldap}"}, {"identity provider ", f.idp, "{idp}"}, {"", f.idpName, "{idpname}"},
			{"directory domain ", f.saml, "{saml}"}, {"identity provider ", f.saml, "{saml}"}} {
			if p[1] != "" { // a record the row made: the fixtures make only those it names
				pairs = append(pairs, p[0]+p[1], p[0]+p[2])
			}
		}
		return strings.NewReplacer(pairs...).Replace(string(body))
	}
	if gr.status != r.status || norm(gr.body, g) != norm(r.body, fx) {
		t.Errorf("as %s: the refusal tells a record of %q from none:\n%d %s\nnone: %d %s", c.name, where, r.status, r.body, gr.status, gr.body)
	}
}

// checkNoLeak fails when the answer r to c names a record of an
// organization c does not reach: by the markers every name starts with,
// by the organization's id, or, in a success, by the ids of the cell's
// records. A refusal quotes back what it was asked for; checkLikeGhost
// checks it tells nothing more. The audit trail is checked entry by
// entry: it records what a caller asked for, names of other
// organizations included.
func (tm *tenantMatrix) checkNoLeak(t *testing.T, row tenantRow, c tenantCaller, r resp, where string, fx tenantFixture) {
	t.Helper()
	if row.target && !reaches(c.org, where) && r.status >= 400 {
		tm.checkLikeGhost(t, row, where, c, fx, r)
		return
	}
	if row.op == "get_audit_logs" && r.status == 200 {
		var out auditLogs
		r.decode(t, &out)
		for _, en := range out.AuditLogs {
			if !reaches(c.org, en.TenantID) {
				t.Errorf("as %s: an entry of %q: %+v", c.name, en.TenantID, en)
			}
		}
		return
	}
	body := string(r.body)
	for org, mark := range orgMarker {
		if reaches(c.org, org) {
			continue
		}
		if strings.Contains(body, mark+"-") || (org != "" && strings.Contains(body, `"`+org)) {
			t.Errorf("as %s: the answer names a record of %q: %.500s", c.name, org, body)
		}
	}
	if reaches(c.org, where) || r.status >= 300 {
		return
	}
	for _, id := range []string{fx.user, fx.key, fx.group, fx.tenant} {
		if id != "" && strings.Contains(body, id) {
			t.Errorf("as %s: the answer names %s, of %q: %.500s", c.name, id, where, body)
		}
	}
}

// reaches reports whether a caller acting in org reaches records of
// other.
func reaches(org, other string) bool { return strings.HasPrefix(other, org) }

// foreignState is what the store holds of the organizations a caller does
// not reach.
type foreignState struct {
	Users   []store.User
	Keys    []store.APIKey
	Groups  []store.Group
	Roles   []store.Role
	Tenants []store.Tenant
	Domains []store.DirectoryDomain
}

// foreign reads the records of every organization (and the cluster) c does
// not reach. Log-in bookkeeping, which an open log-in row may change, is
// left out.
func (tm *tenantMatrix) foreign(t *testing.T, c tenantCaller) foreignState {
	t.Helper()
	ctx, st := t.Context(), tm.e.st
	var orgs []string
	for _, org := range slices.Sorted(maps.Keys(orgMarker)) {
		if !reaches(c.org, org) {
			orgs = append(orgs, org)
		}
	}
	var s foreignState
	users, err := st.ListUsers(ctx, store.UserFilter{TenantIDs: orgs})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		u.LastLoginMsecs, u.FailedLogins, u.FailedSinceMsecs, u.LoginsPending, u.LoginsPendingUntilMsecs = 0, 0, 0, 0, 0
		s.Users = append(s.Users, u)
	}
	if s.Keys, err = st.ListAPIKeys(ctx, store.APIKeyFilter{OwnerSIDs: sidsOfUsers(users)}); err != nil {
		t.Fatal(err)
	}
	if s.Groups, err = st.ListGroups(ctx, store.GroupFilter{TenantIDs: orgs}); err != nil {
		t.Fatal(err)
	}
	if s.Roles, err = st.ListRoles(ctx, store.RoleFilter{TenantIDs: orgs}); err != nil {
		t.Fatal(err)
	}
	all, err := st.ListTenants(ctx, store.TenantFilter{})
	if err != nil {
		t.Fatal(err)
	}
	s.Tenants = slices.DeleteFunc(all, func(x store.Tenant) bool { return reaches(c.org, x.ID) })
	domains, err := st.ListDirectoryDomains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Domains = slices.DeleteFunc(domains, func(d store.DirectoryDomain) bool { return reaches(c.org, d.TenantID) })
	return s
}

func sidsOfUsers(users []store.User) []string {
	out := []string{}
	for _, u := range users {
		out = append(out, u.SID)
	}
	return out
}
