package httpapi

import (
	"slices"
	"testing"
)

// authzRow is one request of the authorization matrix and the status each
// caller gets for it.
//
// req is "METHOD /path" and body JSON text; both may hold placeholders,
// filled in for each cell: {user} (the user acted on, see on), {key} (an
// API key of that user, made for the row), {group} (a group, made for the
// row, holding groupRoles), {role} (role, or a custom role made for the
// row), {tenant} (an empty organization made for the row, its id escaped
// for a path), {name} (a name no record has, short enough for an
// organization's id suffix), {login} and {password} (the caller's own
// username and password).
type authzRow struct {
	op   string // the operation, as routes() names it
	name string // what sets this row apart, when an operation has several
	req  string
	body string
	on   string // whose user {user} is: onSelf, onOther, onAdmin, onNoRole
	// open: served without credentials, so want gives every caller a
	// status; otherwise the refused callers get 401 and want gives the
	// status of each of callers.
	open bool
	// mutates: success changes what the row acts on; any other answer,
	// and every answer of a row that does not mutate, must change nothing.
	mutates      bool
	withSession  bool     // the user acted on (not the caller) holds a session
	uses         string   // placeholders the fixture must make though req and body do not name them
	groupRoles   []string // of {group}
	groupHasUser bool     // {group} has {user} as its member
	role         string   // {role}, when not a fresh custom role
	want         statuses
	check        func(t *testing.T, fx fixture, r resp) // on success, if set
	restore      func(m *matrix, t *testing.T)          // after success, if set
}

// Whose user a row acts on.
const (
	onSelf   = "self"   // the caller's own (a fresh copy of the caller when the row mutates)
	onOther  = "other"  // a fresh user holding AuthzOther (PRINCIPAL_VIEW)
	onAdmin  = "admin"  // a fresh user holding COHESITY_ADMIN
	onNoRole = "norole" // p-norole, a user without roles
)

func (r authzRow) title() string {
	if r.name == "" {
		return r.op
	}
	return r.op + "/" + r.name
}

func (r authzRow) status(caller string) int {
	if s, ok := r.want[caller]; ok {
		return s
	}
	return 401 // a refused caller of an operation that needs credentials
}

// statuses gives the status of each caller.
type statuses map[string]int

// Callers by what their roles grant.
var (
	principalViewers  = []string{pViewer, pOperator, pAdmin, pHelpdesk, pUserMgr} // hold PRINCIPAL_VIEW
	principalManagers = []string{pAdmin, pHelpdesk, pUserMgr}                     // hold PRINCIPAL_MODIFY
	roleManagers      = []string{pAdmin, pHelpdesk}                               // hold ROLE_MODIFY
	s3KeyManagers     = []string{pOperator, pAdmin, pS3, pHelpdesk}               // hold S3_KEY_MODIFY
	auditReaders      = []string{pViewer, pOperator, pAdmin}                      // hold AUDIT_LOG_VIEW
	directoryViewers  = []string{pViewer, pOperator, pAdmin}                      // hold AD_LDAP_VIEW
)

// only gives status to the callers named and 403 to the other callers.
func only(status int, names ...string) statuses {
	w := statuses{}
	for _, c := range callers {
		w[c] = 403
	}
	for _, n := range names {
		w[n] = status
	}
	return w
}

// all gives status to every one of callers.
func all(status int) statuses { return only(status, callers...) }

// everyone gives status to every caller, refused ones included, but for
// those in except; for operations served without credentials.
func everyone(status int, except statuses) statuses {
	w := statuses{}
	for _, c := range append(slices.Clone(refused), callers...) {
		w[c] = status
	}
	for c, s := range except {
		w[c] = s
	}
	return w
}

// authzRows is the matrix: at least one row per operation of routes().
func authzRows() []authzRow {
	return slices.Concat(serviceRows(), sessionRows(), userRows(), keyRows(), groupRows(), principalRows(), roleRows(), tenantRows(), mfaRows(), securityRows(), directoryRows(), samlRows(), identityRows())
}

func serviceRows() []authzRow {
	ownLogin := `{"username":"{login}","password":"{password}","domain":"LOCAL"}`
	noRole := `{"username":"p-norole","password":"p-norole-Password-1","domain":"LOCAL"}`
	// A locked, expired or not yet effective user cannot log in; a bad credential sent along
	// does not stand in the way of one who may.
	cannotLogIn := statuses{pLocked: 401, pExpiredUser: 401, pNotYetUser: 401}
	return []authzRow{
		{op: "get_health", req: "GET /healthz", open: true, want: everyone(200, nil)},
		{op: "get_openapi", req: "GET /v2/openapi.yaml", open: true, want: everyone(200, nil)},
		{op: "get_metrics", req: "GET /metrics", open: true, want: everyone(200, nil)},
		{op: "create_access_token", name: "own-password", req: "POST /v2/access-tokens", body: ownLogin, on: onSelf, open: true, mutates: true, want: everyone(201, cannotLogIn)},
		{op: "create_access_token", name: "user-without-roles", req: "POST /v2/access-tokens", body: noRole, on: onNoRole, open: true, mutates: true, want: everyone(403, nil)},
		{op: "create_session", name: "own-password", req: "POST /v2/users/sessions", body: ownLogin, on: onSelf, open: true, mutates: true, want: everyone(201, cannotLogIn)},
		{op: "create_session", name: "user-without-roles", req: "POST /v2/users/sessions", body: noRole, on: onNoRole, open: true, mutates: true, want: everyone(403, nil)},
	}
}

func sessionRows() []authzRow {
	return []authzRow{
		{op: "delete_session", name: "own", req: "DELETE /v2/users/sessions?sid={user}", on: onSelf, mutates: true, want: all(204)},
		{op: "delete_session", name: "other", req: "DELETE /v2/users/sessions?sid={user}", on: onOther, withSession: true, mutates: true, want: only(204, principalManagers...)},
		// Everyone's sessions, admins' included: only who reaches everyone.
		{op: "delete_session", name: "everyone", req: "DELETE /v2/users/sessions", on: onOther, withSession: true, mutates: true,
			want: only(204, pAdmin), restore: (*matrix).relogin},
		// Taking access away is an act on the user like any other: Manage
		// Users reaches only who holds no more than the caller.
		{op: "delete_session", name: "admin", req: "DELETE /v2/users/sessions?sid={user}", on: onAdmin, withSession: true, mutates: true, want: only(204, pAdmin)},
		{op: "get_active_sessions_count", name: "own", req: "GET /v2/users/sessions?sids={user}", on: onSelf, want: all(200)},
		{op: "get_active_sessions_count", name: "other", req: "GET /v2/users/sessions?sids={user}", on: onOther, want: only(200, principalViewers...)},
		{op: "get_active_sessions_count", name: "everyone", req: "GET /v2/users/sessions", want: only(200, principalViewers...)},
	}
}

func userRows() []authzRow {
	return []authzRow{
		{op: "create_users", req: "POST /v2/users", body: `[{"username":"{name}","domain":"LOCAL"}]`, mutates: true, want: only(201, principalManagers...)},
		// Manage Users grants no privilege the caller lacks: the helpdesk
		// could otherwise make itself an admin account.
		{op: "create_users", name: "granting-admin", req: "POST /v2/users", body: `[{"username":"{name}","domain":"LOCAL","roles":["COHESITY_ADMIN"]}]`, mutates: true, want: only(201, pAdmin)},
		// Special privileges are kept out of Admin, not out of its reach.
		{op: "create_users", name: "granting-data-security", req: "POST /v2/users", body: `[{"username":"{name}","domain":"LOCAL","roles":["COHESITY_DATA_SECURITY"]}]`, mutates: true, want: only(201, pAdmin)},
		{op: "get_users", req: "GET /v2/users", want: only(200, principalViewers...)},
		{op: "delete_users", req: "POST /v2/users/delete", body: `{"sids":["{user}"]}`, on: onOther, mutates: true, want: only(204, principalManagers...)},
		{op: "get_user_by_sid", name: "own", req: "GET /v2/users/{user}", on: onSelf, want: all(200)},
		{op: "get_user_by_sid", name: "other", req: "GET /v2/users/{user}", on: onOther, want: only(200, principalViewers...)},
		{op: "update_user", name: "own-description-email", req: "PUT /v2/users/{user}", body: `{"description":"{name}","localUserParams":{"email":"{name}@example.com"}}`, on: onSelf, mutates: true, want: all(200)},
		{op: "update_user", name: "own-password", req: "PUT /v2/users/{user}", body: `{"localUserParams":{"password":"{password}2","currentPassword":"{password}"}}`, on: onSelf, mutates: true, want: all(200)},
		{op: "update_user", name: "own-roles", req: "PUT /v2/users/{user}", body: `{"roles":["COHESITY_ADMIN","COHESITY_VIEWER"]}`, on: onSelf, mutates: true, want: only(200, pAdmin)},
		{op: "update_user", name: "own-roles-data-security", req: "PUT /v2/users/{user}", body: `{"roles":["COHESITY_DATA_SECURITY"]}`, on: onSelf, mutates: true, want: only(403)},
		// Nobody lifts, or sets, the restrictions on itself.
		{op: "update_user", name: "own-expiry", req: "PUT /v2/users/{user}", body: `{"expiryTimeMsecs":4102444800000}`, on: onSelf, mutates: true, want: only(403)},
		{op: "update_user", name: "own-restricted", req: "PUT /v2/users/{user}", body: `{"restricted":false}`, on: onSelf, mutates: true, want: only(403)},
		{op: "update_user", name: "other-description", req: "PUT /v2/users/{user}", body: `{"description":"{name}"}`, on: onOther, mutates: true, want: only(200, principalManagers...)},
		{op: "update_user", name: "other-password", req: "PUT /v2/users/{user}", body: `{"localUserParams":{"password":"{name}-Password-2"}}`, on: onOther, mutates: true, want: only(200, principalManagers...)},
		{op: "update_user", name: "other-lock", req: "PUT /v2/users/{user}", body: `{"locked":true}`, on: onOther, mutates: true, want: only(200, principalManagers...)},
		{op: "update_user", name: "other-roles-admin", req: "PUT /v2/users/{user}", body: `{"roles":["COHESITY_ADMIN"]}`, on: onOther, mutates: true, want: only(200, pAdmin)},
		// Nor does it reach a user holding privileges the caller lacks:
		// whoever sets a user's password or makes its keys acts as it.
		{op: "update_user", name: "admin-password", req: "PUT /v2/users/{user}", body: `{"localUserParams":{"password":"{name}-Password-2"}}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "update_user", name: "admin-description", req: "PUT /v2/users/{user}", body: `{"description":"{name}"}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "update_user", name: "admin-lock", req: "PUT /v2/users/{user}", body: `{"locked":true}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "update_user", name: "admin-expiry", req: "PUT /v2/users/{user}", body: `{"expiryTimeMsecs":4102444800000}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "update_user", name: "admin-demote", req: "PUT /v2/users/{user}", body: `{"roles":["COHESITY_VIEWER"]}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "delete_user", name: "other", req: "DELETE /v2/users/{user}", on: onOther, mutates: true, want: only(204, principalManagers...)},
		{op: "delete_user", name: "own", req: "DELETE /v2/users/{user}", on: onSelf, mutates: true, want: only(403)},
		{op: "regenerate_s3_key", name: "own", req: "POST /v2/users/{user}/s3-secret-key", on: onSelf, mutates: true, want: only(201, s3KeyManagers...)},
		{op: "regenerate_s3_key", name: "other", req: "POST /v2/users/{user}/s3-secret-key", on: onOther, mutates: true, want: only(201, pAdmin, pHelpdesk)},
		{op: "regenerate_s3_key", name: "admin", req: "POST /v2/users/{user}/s3-secret-key", on: onAdmin, mutates: true, want: only(201, pAdmin)},
		{op: "revoke_user_credentials", name: "own", req: "POST /v2/users/{user}/revoke-credentials", uses: "{key}", on: onSelf, mutates: true, want: all(204)},
		{op: "revoke_user_credentials", name: "other", req: "POST /v2/users/{user}/revoke-credentials", uses: "{key}", on: onOther, withSession: true, mutates: true, want: only(204, principalManagers...)},
		{op: "revoke_user_credentials", name: "admin", req: "POST /v2/users/{user}/revoke-credentials", uses: "{key}", on: onAdmin, withSession: true, mutates: true, want: only(204, pAdmin)},
		// Taking access away is limited so too (see docs/privileges.md).
		{op: "delete_user", name: "admin", req: "DELETE /v2/users/{user}", on: onAdmin, mutates: true, want: only(204, pAdmin)},
		{op: "delete_users", name: "admin", req: "POST /v2/users/delete", body: `{"sids":["{user}"]}`, on: onAdmin, mutates: true, want: only(204, pAdmin)},
	}
}

func keyRows() []authzRow {
	key := "/v2/users/{user}/api-keys/{key}"
	return []authzRow{
		{op: "create_user_api_key", name: "own", req: "POST /v2/users/{user}/api-keys", body: `{"name":"{name}"}`, on: onSelf, mutates: true, want: all(201)},
		{op: "create_user_api_key", name: "other", req: "POST /v2/users/{user}/api-keys", body: `{"name":"{name}"}`, on: onOther, mutates: true, want: only(201, principalManagers...)},
		{op: "create_user_api_key", name: "admin", req: "POST /v2/users/{user}/api-keys", body: `{"name":"{name}"}`, on: onAdmin, mutates: true, want: only(201, pAdmin)},
		{op: "get_user_api_keys", name: "own", req: "GET /v2/users/{user}/api-keys", on: onSelf, want: all(200)},
		{op: "get_user_api_keys", name: "other", req: "GET /v2/users/{user}/api-keys", on: onOther, want: only(200, principalViewers...)},
		{op: "get_user_api_key_by_id", name: "own", req: "GET " + key, on: onSelf, want: all(200)},
		{op: "get_user_api_key_by_id", name: "other", req: "GET " + key, on: onOther, want: only(200, principalViewers...)},
		{op: "update_user_api_key_by_id", name: "own", req: "PUT " + key, body: `{"name":"{name}","isActive":false}`, on: onSelf, mutates: true, want: all(200)},
		{op: "update_user_api_key_by_id", name: "other", req: "PUT " + key, body: `{"name":"{name}","isActive":false}`, on: onOther, mutates: true, want: only(200, principalManagers...)},
		{op: "update_user_api_key_by_id", name: "admin", req: "PUT " + key, body: `{"name":"{name}","isActive":false}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "delete_user_api_key_by_id", name: "own", req: "DELETE " + key, on: onSelf, mutates: true, want: all(204)},
		{op: "delete_user_api_key_by_id", name: "other", req: "DELETE " + key, on: onOther, mutates: true, want: only(204, principalManagers...)},
		{op: "delete_user_api_key_by_id", name: "admin", req: "DELETE " + key, on: onAdmin, mutates: true, want: only(204, pAdmin)},
		{op: "rotate_user_api_key", name: "own", req: "POST " + key + "/rotate", on: onSelf, mutates: true, want: all(200)},
		{op: "rotate_user_api_key", name: "other", req: "POST " + key + "/rotate", on: onOther, mutates: true, want: only(200, principalManagers...)},
		{op: "rotate_user_api_key", name: "admin", req: "POST " + key + "/rotate", on: onAdmin, mutates: true, want: only(200, pAdmin)},
		// Everyone may list keys; only Manage Users sees other users' keys.
		{op: "get_all_api_keys", name: "own", req: "GET /v2/api-keys?ids={key}", on: onSelf, want: all(200), check: keyListedFor(callers...)},
		{op: "get_all_api_keys", name: "other", req: "GET /v2/api-keys?ids={key}", on: onOther, want: all(200), check: keyListedFor(principalManagers...)},
	}
}

// keyListedFor checks that get_all_api_keys lists {key} to the callers
// named, and lists nothing to the others.
func keyListedFor(names ...string) func(t *testing.T, fx fixture, r resp) {
	return func(t *testing.T, fx fixture, r resp) {
		t.Helper()
		var ks userAPIKeys
		r.decode(t, &ks)
		var ids []string
		for _, k := range ks.APIKeys {
			ids = append(ids, k.ID)
		}
		listed := slices.Equal(ids, []string{fx.key})
		if sees := slices.Contains(names, fx.caller.name); listed != sees || (!sees && len(ids) != 0) {
			t.Errorf("%s: listed %v, key %s should be listed: %v", fx.caller.name, ids, fx.key, sees)
		}
	}
}

func groupRows() []authzRow {
	return []authzRow{
		{op: "create_group", req: "POST /v2/groups", body: `[{"name":"{name}","domain":"LOCAL"}]`, mutates: true, want: only(201, principalManagers...)},
		{op: "create_group", name: "granting-admin", req: "POST /v2/groups", body: `[{"name":"{name}","domain":"LOCAL","roles":["COHESITY_ADMIN"]}]`, mutates: true, want: only(201, pAdmin)},
		{op: "get_groups", req: "GET /v2/groups", want: only(200, principalViewers...)},
		{op: "delete_groups", req: "POST /v2/groups/delete", body: `{"sids":["{group}"]}`, mutates: true, want: only(204, principalManagers...)},
		{op: "get_group_by_sid", req: "GET /v2/groups/{group}", want: only(200, principalViewers...)},
		{op: "update_group", req: "PUT /v2/groups/{group}", body: `{"description":"{name}"}`, mutates: true, want: only(200, principalManagers...)},
		{op: "update_group", name: "roles-admin", req: "PUT /v2/groups/{group}", body: `{"roles":["COHESITY_ADMIN"]}`, mutates: true, want: only(200, pAdmin)},
		{op: "update_group", name: "join-admin-group", req: "PUT /v2/groups/{group}", groupRoles: []string{"COHESITY_ADMIN"},
			body: `{"localGroupParams":{"userSids":["{user}"]}}`, on: onOther, mutates: true, want: only(200, pAdmin)},
		{op: "delete_group", req: "DELETE /v2/groups/{group}", mutates: true, want: only(204, principalManagers...)},
		// A group is reached with its privileges and every member the
		// change affects: emptying an admin group, stripping its roles or
		// deleting it would take an admin's access away.
		{op: "update_group", name: "remove-admin-member", req: "PUT /v2/groups/{group}", groupRoles: []string{"COHESITY_ADMIN"}, groupHasUser: true,
			body: `{"localGroupParams":{"userSids":[]}}`, on: onOther, mutates: true, want: only(200, pAdmin)},
		{op: "update_group", name: "strip-admin-roles", req: "PUT /v2/groups/{group}", groupRoles: []string{"COHESITY_ADMIN"}, groupHasUser: true,
			body: `{"roles":[]}`, on: onOther, mutates: true, want: only(200, pAdmin)},
		{op: "update_group", name: "roles-of-admin-member", req: "PUT /v2/groups/{group}", groupHasUser: true,
			body: `{"roles":["AuthzOther"]}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "update_group", name: "remove-member-admin", req: "PUT /v2/groups/{group}", groupHasUser: true,
			body: `{"localGroupParams":{"userSids":[]}}`, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "delete_group", name: "admin-group", req: "DELETE /v2/groups/{group}", groupRoles: []string{"COHESITY_ADMIN"}, groupHasUser: true,
			on: onOther, mutates: true, want: only(204, pAdmin)},
		{op: "delete_groups", name: "member-admin", req: "POST /v2/groups/delete", body: `{"sids":["{group}"]}`, groupHasUser: true,
			on: onAdmin, mutates: true, want: only(204, pAdmin)},
	}
}

func principalRows() []authzRow {
	sources := `{"sourceIds":[1],"viewIds":[2]}`
	return []authzRow{
		{op: "get_security_principals", req: "GET /v2/security-principals?sids={user}", on: onOther, want: only(200, principalViewers...)},
		{op: "get_principal_sources", name: "own", req: "GET /v2/security-principals/{user}/sources", on: onSelf, want: all(200)},
		{op: "get_principal_sources", name: "other", req: "GET /v2/security-principals/{user}/sources", on: onOther, want: only(200, principalViewers...)},
		// Sources widen what data a principal reaches: nobody sets its own.
		{op: "update_principal_sources", name: "own", req: "PUT /v2/security-principals/{user}/sources", body: sources, on: onSelf, mutates: true, want: only(403)},
		{op: "update_principal_sources", name: "other", req: "PUT /v2/security-principals/{user}/sources", body: sources, on: onOther, mutates: true, want: only(200, principalManagers...)},
		{op: "update_principal_sources", name: "admin", req: "PUT /v2/security-principals/{user}/sources", body: sources, on: onAdmin, mutates: true, want: only(200, pAdmin)},
		{op: "update_principal_sources", name: "group", req: "PUT /v2/security-principals/{group}/sources", body: sources, mutates: true, want: only(200, principalManagers...)},
		{op: "update_principal_sources", name: "admin-group", req: "PUT /v2/security-principals/{group}/sources", groupRoles: []string{"COHESITY_ADMIN"},
			body: sources, mutates: true, want: only(200, pAdmin)},
	}
}

func roleRows() []authzRow {
	return []authzRow{
		// Roles are read with PRINCIPAL_VIEW or ROLE_VIEW.
		{op: "get_roles", req: "GET /v2/roles", want: only(200, pViewer, pOperator, pAdmin, pHelpdesk, pS3, pUserMgr)},
		{op: "create_role", req: "POST /v2/roles", body: `{"name":"{name}","privileges":["PRINCIPAL_VIEW"]}`, mutates: true, want: only(201, roleManagers...)},
		{op: "create_role", name: "privilege-not-held", req: "POST /v2/roles", body: `{"name":"{name}","privileges":["CLUSTER_MODIFY"]}`, mutates: true, want: only(201, pAdmin)},
		{op: "update_role", req: "PUT /v2/roles/{role}", body: `{"privileges":["PRINCIPAL_VIEW"],"description":"{name}"}`, mutates: true, want: only(200, roleManagers...)},
		// A role is reached with its privileges: the helpdesk lacks some
		// of the viewer's, the admin is told the role is built in.
		{op: "update_role", name: "built-in", req: "PUT /v2/roles/{role}", role: "COHESITY_VIEWER", body: `{"privileges":["PRINCIPAL_VIEW"]}`, mutates: true, want: only(400, pAdmin)},
		{op: "delete_role", req: "DELETE /v2/roles/{role}", mutates: true, want: only(204, roleManagers...)},
		{op: "delete_role", name: "built-in", req: "DELETE /v2/roles/{role}", role: "COHESITY_VIEWER", mutates: true, want: only(400, pAdmin)},
		// The privilege catalog is fixed and public (docs/privileges.md):
		// any authenticated caller reads it.
		{op: "get_privileges", req: "GET /v2/privileges", want: all(200)},
		// The audit trail is read with AUDIT_LOG_VIEW, which the viewer,
		// operator and admin hold; the privilege comes before the query.
		{op: "get_audit_logs", req: "GET /v2/audit-logs", want: only(200, auditReaders...)},
		{op: "get_audit_logs", name: "bad-count", req: "GET /v2/audit-logs?count=0", want: only(400, auditReaders...)},
		{op: "get_audit_logs_actions", req: "GET /v2/audit-logs/actions", want: only(200, auditReaders...)},
		{op: "get_audit_logs_entity_types", req: "GET /v2/audit-logs/entity-types", want: only(200, auditReaders...)},
	}
}

// orgViewers hold ORGANIZATION_VIEW; clusterViewers CLUSTER_VIEW.
var (
	orgViewers     = []string{pViewer, pOperator, pAdmin}
	clusterViewers = []string{pViewer, pOperator, pAdmin, pBare}
)

// tenantRows are the organization operations, on organizations the
// callers (all of the cluster) are above. TestTenantMatrix has the
// callers of organizations.
func tenantRows() []authzRow {
	return []authzRow{
		{op: "list_tenants", req: "GET /v2/tenants", want: only(200, orgViewers...)},
		{op: "list_tenants", name: "malformed-id", req: "GET /v2/tenants?ids=x", want: only(400, orgViewers...)},
		{op: "get_tenant_by_id", req: "GET /v2/tenants/{tenant}", want: only(200, orgViewers...)},
		{op: "create_tenant", req: "POST /v2/tenants", body: `{"name":"{name}","tenantIdSuffix":"{name}"}`, mutates: true, want: only(201, pAdmin)},
		{op: "update_tenant", req: "PUT /v2/tenants/{tenant}", body: `{"description":"{name}"}`, mutates: true, want: only(200, pAdmin)},
		{op: "delete_tenant", req: "DELETE /v2/tenants/{tenant}", mutates: true, want: only(204, pAdmin)},
		{op: "perform_tenant_action", req: "POST /v2/tenants/{tenant}/actions", body: `{"action":"Deactivate"}`, mutates: true, want: only(200, pAdmin)},
		{op: "get_on_prem_tenant_config", req: "GET /v2/clusters/tenant-config", want: only(200, clusterViewers...)},
		// Setting what is set already changes nothing.
		{op: "update_on_prem_tenant_config", req: "POST /v2/clusters/tenant-config",
			body: `{"organizationsEnabled":true,"organizationsStorageDomainSharingEnabled":false}`, want: only(200, pAdmin)},
	}
}
