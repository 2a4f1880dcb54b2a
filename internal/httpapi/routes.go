package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// route is one operation: its ServeMux pattern, its name (as the vendor
// SDKs and api/openapi.yaml call it) and its handler.
type route struct {
	pattern, op string
	handler     http.Handler
}

// routes lists every route of the API.
func routes(svc *iam.Service, opts Options) []route {
	var rs []route
	open := func(pattern, op string, h http.Handler) {
		rs = append(rs, route{pattern, op, instrument(op, opts, h)})
	}
	authed := func(pattern, op string, h authedHandler) {
		open(pattern, op, authenticate(svc, opts, h))
	}

	open("GET /healthz", "get_health", handleHealth(svc, opts.Version))
	open("GET /v2/openapi.yaml", "get_openapi", handleSpec(opts.Spec))
	if opts.ServeMetrics && opts.Metrics != nil {
		rs = append(rs, route{"GET /metrics", "get_metrics", opts.Metrics.Handler()})
	}

	open("POST /v2/access-tokens", "create_access_token", handleCreateAccessToken(svc, opts))
	open("POST /v2/users/sessions", "create_session", handleCreateSession(svc, opts))
	authed("DELETE /v2/users/sessions", "delete_session", handleDeleteSession(svc))
	authed("GET /v2/users/sessions", "get_active_sessions_count", handleSessionsCount(svc))

	authed("GET /v2/mfa-config", "get_mfa_config", handleGetMFAConfig(svc))
	authed("PUT /v2/mfa-config", "update_mfa_config", handleUpdateMFAConfig(svc))
	authed("POST /v2/totp-key", "create_totp_key", handleCreateTOTPKey(svc))
	open("POST /v2/email-otp", "create_email_otp", handleCreateEmailOTP(svc, opts))
	authed("POST /v2/send-email-otp", "send_email_otp", handleSendEmailOTP(svc))

	authed("GET /v2/security-config", "get_security_config", handleGetSecurityConfig(svc))
	authed("PUT /v2/security-config", "update_security_config", handleUpdateSecurityConfig(svc))

	authed("GET /v2/active-directories", "get_active_directory", handleListADs(svc))
	authed("POST /v2/active-directories", "create_active_directory", handleCreateAD(svc))
	authed("GET /v2/active-directories/{id}", "get_active_directory_by_id", handleGetAD(svc))
	authed("PUT /v2/active-directories/{id}", "update_active_directory", handleUpdateAD(svc))
	authed("DELETE /v2/active-directories/{id}", "delete_active_directory", handleDeleteAD(svc))
	authed("GET /v2/active-directory-principals", "get_active_directory_principals", handleSearchADPrincipals(svc))
	authed("POST /v2/active-directory-principals", "add_active_directory_principals", handleAddADPrincipals(svc))
	authed("GET /v2/trusted-domains", "get_trusted_domains", handleGetTrusted(svc))
	authed("POST /v2/trusted-domains", "update_trusted_domains", handleUpdateTrusted(svc))
	authed("PUT /v2/trusted-domains", "trigger_trusted_domains_discovery", handleTriggerTrusted(svc))
	authed("GET /v2/domain-controllers", "get_domain_controllers", handleDomainControllers(svc))
	authed("GET /v2/idps", "get_identity_providers", handleListIdPs(svc))
	authed("POST /v2/idps", "create_identity_provider", handleCreateIdP(svc))
	authed("PUT /v2/idps/{id}", "update_identity_provider", handleUpdateIdP(svc))
	authed("DELETE /v2/idps/{id}", "delete_identity_provider", handleDeleteIdP(svc))
	open("GET /v2/idps/login", "idps_login", handleIdPLogin(svc, opts))

	authed("GET /v2/ldap", "get_ldaps", handleListLDAPs(svc))
	authed("POST /v2/ldap", "create_ldap_provider", handleCreateLDAP(svc))
	authed("PUT /v2/ldap", "update_ldap_provider", handleUpdateLDAP(svc))
	authed("DELETE /v2/ldap/{id}", "delete_ldap_provider", handleDeleteLDAP(svc))
	authed("GET /v2/ldap/{id}/connection-status", "get_ldap_connection_status", handleLDAPStatus(svc))
	authed("GET /v2/identity-providers", "get_identities", handleListIdentities(svc))
	authed("POST /v2/identity-providers", "create_identity", handleCreateIdentity(svc))
	authed("PUT /v2/identity-providers/{id}", "update_identity", handleUpdateIdentity(svc))
	authed("DELETE /v2/identity-providers/{id}", "delete_identity", handleDeleteIdentity(svc))
	authed("POST /v2/identity-providers/actions", "perform_identity_action", handleIdentityAction(svc))

	authed("POST /v2/users", "create_users", handleCreateUsers(svc))
	authed("GET /v2/users", "get_users", handleGetUsers(svc, opts))
	authed("POST /v2/users/delete", "delete_users", handleDeleteMany(svc.DeleteUsers))
	authed("GET /v2/users/{sid}", "get_user_by_sid", handleGetBySID(svc.GetUser, toUser))
	authed("PUT /v2/users/{sid}", "update_user", handleUpdateUser(svc, opts))
	authed("DELETE /v2/users/{sid}", "delete_user", handleDeleteOne(svc.DeleteUsers))
	authed("POST /v2/users/{sid}/s3-secret-key", "regenerate_s3_key", handleRegenerateS3Key(svc))
	authed("POST /v2/users/{sid}/revoke-credentials", "revoke_user_credentials", handleAct("sid", svc.RevokeCredentials)) // a clusteriam extension
	authed("POST /v2/users/{sid}/reset-mfa", "reset_user_mfa", handleAct("sid", svc.ResetMFA))                            // a clusteriam extension

	authed("POST /v2/users/{userSid}/api-keys", "create_user_api_key", handleCreateAPIKey(svc))
	authed("GET /v2/users/{userSid}/api-keys", "get_user_api_keys", handleGetUserAPIKeys(svc, opts))
	authed("GET /v2/users/{userSid}/api-keys/{id}", "get_user_api_key_by_id", handleGetAPIKey(svc))
	authed("PUT /v2/users/{userSid}/api-keys/{id}", "update_user_api_key_by_id", handleUpdateAPIKey(svc))
	authed("DELETE /v2/users/{userSid}/api-keys/{id}", "delete_user_api_key_by_id", handleDeleteAPIKey(svc))
	authed("POST /v2/users/{userSid}/api-keys/{id}/rotate", "rotate_user_api_key", handleRotateAPIKey(svc))
	authed("GET /v2/api-keys", "get_all_api_keys", handleGetAllAPIKeys(svc, opts))

	authed("POST /v2/groups", "create_group", handleCreateGroups(svc))
	authed("GET /v2/groups", "get_groups", handleGetGroups(svc, opts))
	authed("POST /v2/groups/delete", "delete_groups", handleDeleteMany(svc.DeleteGroups))
	authed("GET /v2/groups/{sid}", "get_group_by_sid", handleGetBySID(svc.GetGroup, toGroup))
	authed("PUT /v2/groups/{sid}", "update_group", handleUpdateGroup(svc))
	authed("DELETE /v2/groups/{sid}", "delete_group", handleDeleteOne(svc.DeleteGroups))

	authed("GET /v2/security-principals", "get_security_principals", handleSecurityPrincipals(svc))
	authed("GET /v2/security-principals/{sid}/sources", "get_principal_sources", handleGetSources(svc))
	authed("PUT /v2/security-principals/{sid}/sources", "update_principal_sources", handleUpdateSources(svc))

	authed("GET /v2/roles", "get_roles", handleGetRoles(svc))
	authed("POST /v2/roles", "create_role", handleCreateRole(svc))
	authed("PUT /v2/roles/{name}", "update_role", handleUpdateRole(svc))
	authed("DELETE /v2/roles/{name}", "delete_role", handleAct("name", svc.DeleteRole))
	authed("GET /v2/privileges", "get_privileges", handleGetPrivileges(svc))

	authed("POST /v2/tenants", "create_tenant", handleCreateTenant(svc))
	authed("GET /v2/tenants", "list_tenants", handleListTenants(svc))
	authed("GET /v2/tenants/{id}", "get_tenant_by_id", handleGetTenant(svc))
	authed("PUT /v2/tenants/{id}", "update_tenant", handleUpdateTenant(svc))
	authed("DELETE /v2/tenants/{id}", "delete_tenant", handleAct("id", svc.DeleteTenant))
	authed("POST /v2/tenants/{id}/actions", "perform_tenant_action", handleTenantAction(svc))
	authed("GET /v2/clusters/tenant-config", "get_on_prem_tenant_config", handleGetTenantConfig(svc))
	authed("POST /v2/clusters/tenant-config", "update_on_prem_tenant_config", handleUpdateTenantConfig(svc))

	authed("GET /v2/audit-logs", "get_audit_logs", handleGetAuditLogs(svc, opts))
	authed("GET /v2/audit-logs/actions", "get_audit_logs_actions",
		handleAuditNames(svc, func(actions, _ []string) any { return auditLogsActions{actions} }))
	authed("GET /v2/audit-logs/entity-types", "get_audit_logs_entity_types",
		handleAuditNames(svc, func(_, types []string) any { return auditLogsEntityTypes{types} }))
	return rs
}
