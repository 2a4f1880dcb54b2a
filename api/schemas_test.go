package api

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// wantRequired lists, per model, the properties that are required (a client always sends them
// in requests; the server always sends them in responses), from wire-format.md and the server's
// zero-value rules. A model not listed here has no required property.
var wantRequired = map[string][]string{
	// Responses.
	"UserParams":                 {"sid", "domain", "username", "roles", "locked", "lockedReason", "restricted", "forcePasswordChange", "createdTimeMsecs", "lastUpdatedTimeMsecs", "otherGroups"},
	"GroupParams":                {"sid", "name", "domain", "roles", "restricted", "tenantIds", "smbPrincipals", "createdTimeMsecs", "lastUpdatedTimeMsecs"},
	"LocalGroupResponseParams":   {"userSids"},
	"S3AccountParams":            {"s3AccessKeyId", "s3AccountId"},
	"UserAPIKey":                 {"id", "userSid", "name", "isActive", "isExpired", "createdByUserSid", "createdTimeMsecs"},
	"CreatedUserAPIKey":          {"id", "userSid", "name", "isActive", "isExpired", "createdByUserSid", "createdTimeMsecs", "apiKey"},
	"Role":                       {"name", "label", "privileges", "isUserCreatedRole", "tenantIds", "createdTimestampMsecs", "lastUpdatedTimestampMsecs"},
	"Privilege":                  {"category", "description", "id", "isAvailableOnHelios", "isCustomRoleDefault", "isSpecial", "isViewOnly", "label", "name"},
	"ActiveSessionsCountParams":  {"sessionsPerUser", "totalSessionsCount"},
	"UserSessionsCount":          {"sid", "sessionsCount"},
	"AssignedSourcesResponse":    {"sourceIds", "viewIds"},
	"SecurityPrincipal":          {"sid", "principalName", "objectClass", "domainName"},
	"AccessTokenResponse":        {"accessToken", "tokenType", "privileges"},
	"UserSession":                {"sessionId"},
	"SecretKeyEntity":            {"secret-key"},
	"Groups":                     {"groups"},
	"UsersList":                  {"users"},
	"UserAPIKeys":                {"apiKeys"},
	"SecurityPrincipals":         {"securityPrincipals"},
	"Roles":                      {"roles"},
	"Privileges":                 {"privileges"},
	"Error":                      {"errorCode", "message"},
	"Health":                     {"status"},
	"AuditLog":                   {"action", "details", "entityType", "isImpersonation", "timestampUsecs"},
	"AuditLogs":                  {"auditLogs", "count"},
	"AuditLogsActions":           {"actions"},
	"AuditLogsEntityTypes":       {"entityTypes"},
	"TenantInfo":                 {"id", "name", "status", "isManagedOnHelios", "createdAtTimeMsecs", "lastUpdatedAtTimeMsecs"},
	"TenantNetworkResponse":      {"connectorEnabled"},
	"OnPremTenantConfigResponse": {"organizationsEnabled", "organizationsStorageDomainSharingEnabled"},
	"MfaConfigInfoResponse":      {"enabled", "authenticationTypes", "retainUserMfaSettings"},
	"TotpKeyInfo":                {"totpKeyId", "totpKeyName", "totpSecretKey", "totpUri"},
	// The vendor's Active Directory and LDAP models (issue 16): responses.
	"ActiveDirectory":               {"id", "domainName"},
	"ActiveDirectories":             {"activeDirectories"},
	"MachineAccountResponse":        {"name"},
	"DomainControllerResponse":      {"name"},
	"DomainControllers":             {"domainName", "controllers"},
	"DomainControllersResponse":     {"domainControllers"},
	"TrustedDomainParamsResponse":   {"enabled"},
	"TrustedDomainResponse":         {"domainName"},
	"IdMappingParamsResponse":       {"sidMappedToUnixRootUser", "userIdMappingParams"},
	"UserIdMappingParamsResponse":   {"type"},
	"PartialError":                  {"errorCode", "errorMessage"},
	"Tenant":                        {"id"},
	"ActiveDirectoryPrincipal":      {"domainName", "sid", "name", "objectClass"},
	"ActiveDirectoryPrincipals":     {"principals"},
	"AddedActiveDirectoryPrincipal": {"domainName", "name", "objectClass", "restricted", "roles", "createdTimeMsecs", "lastUpdatedTimeMsecs", "sid"},
	"LdapResponse":                  {"id", "name", "baseDistinguishedName", "authType", "domainName"},
	"SimpleAuthParamsResponse":      {"userDistinguishedName"},
	"Ldaps":                         {"ldaps"},
	"LdapStatus":                    {"connectionStatus"},
	// The JWT-trust models (issue 18): responses.
	"IdentityConfigs":              {"idps"},
	"IdentityConfigResponse":       {"id", "domain", "identityProviderType", "isEnabled", "lastModifiedTimestampUsecs"},
	"OpenIdProviderResponse":       {"audienceIds", "publicKeyUrl", "pollingFrequencyMins"},
	"OAuth2ProviderResponse":       {"audiences", "publicKeyUrl", "pollingFrequencyMins"},
	"OAuthAudienceResponse":        {"audienceId", "clientIds"},
	"IdentityActionResponse":       {"identityProviderType"},
	"IdentityActionParamsResponse": {"action"},
	// Requests.
	"CreateGroupParams":              {"domain", "name"},
	"CreateUserParameters":           {"domain", "username"},
	"CreateOrUpdateAPIKeyRequest":    {"name"},
	"DeleteGroupsRequest":            {"sids"},
	"DeleteUsersRequest":             {"sids"},
	"CreateAccessTokenRequestParams": {"password", "username"},
	"CreateRoleParameters":           {"name", "privileges"},
	"UpdateRoleParameters":           {"privileges"},
	"CreateTenantRequest":            {"name", "tenantIdSuffix"},
	"TenantNetwork":                  {"connectorEnabled"},
	"TenantActionBody":               {"action"},
	"OnPremTenantConfig":             {"organizationsEnabled", "organizationsStorageDomainSharingEnabled"},
	// The vendor's Active Directory and LDAP models (issue 16): requests.
	"CreateActiveDirectoryRequest":           {"domainName", "machineAccounts", "activeDirectoryAdminParams"},
	"UpdateActiveDirectoryRequest":           {"machineAccounts"},
	"ActiveDirectoryAdminParams":             {"username", "password"},
	"MachineAccount":                         {"name"},
	"DomainController":                       {"name"},
	"TrustedDomainParams":                    {"enabled"},
	"TrustedDomain":                          {"domainName"},
	"IdMappingParams":                        {"sidMappedToUnixRootUser", "userIdMappingParams"},
	"UserIdMappingParams":                    {"type"},
	"AddActiveDirectoryPrincipalsParameters": {"domainName", "name", "objectClass"},
	"Ldap":                                   {"name", "baseDistinguishedName", "authType", "domainName"},
	"IdentityConfig":                         {"domain", "identityProviderType"},
	"OpenIdProvider":                         {"audienceIds", "publicKeyUrl"},
	"OAuth2Provider":                         {"audiences", "publicKeyUrl"},
	"OAuthAudience":                          {"audienceId", "clientIds"},
	"IdentityAction":                         {"identityProviderType"},
	"IdentityActionParams":                   {"action"},
}

// wantModels is every model of wire-format.md (the request/response splits under their own
// names) with its JSON property names.
var wantModels = map[string][]string{
	"LocalGroupParams":               {"userSids"},
	"LocalGroupResponseParams":       {"userSids"},
	"CreateGroupParams":              {"description", "domain", "localGroupParams", "name", "restricted", "roles", "tenantIds"},
	"SMBPrincipal":                   {"domain", "name", "objectClass"},
	"GroupParams":                    {"description", "domain", "localGroupParams", "name", "restricted", "roles", "tenantIds", "createdTimeMsecs", "lastUpdatedTimeMsecs", "sid", "smbPrincipals"},
	"Groups":                         {"groups"},
	"CreateUserSessionRequestParams": {"certificate", "domain", "otpCode", "otpType", "password", "privateKey", "username"},
	"UserSession":                    {"sessionId"},
	"CreateOrUpdateAPIKeyRequest":    {"expiryTimeMsecs", "isActive", "name"},
	"CreatedUserAPIKey":              {"createdByUserSid", "createdTimeMsecs", "expiryTimeMsecs", "id", "isActive", "isExpired", "lastRotatedTimeMsecs", "name", "userSid", "apiKey"},
	"LocalUserParams":                {"email", "groups", "password", "primaryGroup"},
	"CreateUserParameters":           {"allowSmbAccessToken", "description", "domain", "effectiveTimeMsecs", "expiryTimeMsecs", "localUserParams", "locked", "otherGroups", "primaryGroup", "restricted", "roles", "username"},
	"LocalUserResponseParams":        {"email"},
	"S3AccountParams":                {"s3AccessKeyId", "s3AccountId"},
	"UserParams":                     {"description", "effectiveTimeMsecs", "expiryTimeMsecs", "locked", "restricted", "roles", "createdTimeMsecs", "domain", "forcePasswordChange", "lastLoginTimeMsecs", "lastUpdatedTimeMsecs", "localUserParams", "lockedReason", "otherGroups", "primaryGroup", "s3AccountParams", "sid", "tenantId", "username"},
	"UsersList":                      {"users"},
	"DeleteGroupsRequest":            {"sids"},
	"DeleteUsersRequest":             {"sids"},
	"UserSessionsCount":              {"sessionsCount", "sid"},
	"ActiveSessionsCountParams":      {"sessionsPerUser", "totalSessionsCount"},
	"UserAPIKey":                     {"createdByUserSid", "createdTimeMsecs", "expiryTimeMsecs", "id", "isActive", "isExpired", "lastRotatedTimeMsecs", "name", "userSid"},
	"UserAPIKeys":                    {"apiKeys"},
	"AssignedSources":                {"sourceIds", "viewIds"},
	"AssignedSourcesResponse":        {"sourceIds", "viewIds"},
	"SecurityPrincipal":              {"domainName", "fullName", "objectClass", "principalName", "sid"},
	"SecurityPrincipals":             {"securityPrincipals"},
	"SecretKeyEntity":                {"secret-key"},
	"UpdateGroupParameters":          {"description", "localGroupParams", "restricted", "roles", "tenantIds"},
	"LocalUserUpdateParams":          {"email", "groups", "password", "primaryGroup", "currentPassword"},
	"UpdateUserParameters":           {"description", "effectiveTimeMsecs", "expiryTimeMsecs", "locked", "restricted", "roles", "localUserParams"},
	"CreateAccessTokenRequestParams": {"domain", "password", "username"},
	"AccessTokenResponse":            {"accessToken", "privileges", "tokenType"},
	"Role":                           {"name", "description", "privileges", "createdTimestampMsecs", "isUserCreatedRole", "label", "lastUpdatedTimestampMsecs", "tenantIds"},
	"Roles":                          {"roles"},
	"Privilege":                      {"category", "description", "id", "isAvailableOnHelios", "isCustomRoleDefault", "isSpecial", "isViewOnly", "label", "name"},
	"Privileges":                     {"privileges"},
	"CreateRoleParameters":           {"description", "privileges", "name"},
	"UpdateRoleParameters":           {"description", "privileges"},
	"Error":                          {"errorCode", "message", "taskLogId"},
	"Health":                         {"status", "version"},
	// The vendor's audit-log models (issue 6).
	"AuditLog": {"action", "details", "domain", "entityName", "entityType", "ip", "isImpersonation", "timestampUsecs", "username",
		"tenantId", "tenantName", "originalTenantId", "originalTenantName"},
	"AuditLogs":            {"auditLogs", "count"},
	"AuditLogsActions":     {"actions"},
	"AuditLogsEntityTypes": {"entityTypes"},
	// The vendor's tenant models (issue 12).
	"TenantNetwork":              {"connectorEnabled", "clusterHostname", "clusterIps"},
	"TenantNetworkResponse":      {"connectorEnabled", "clusterHostname", "clusterIps"},
	"CreateTenantRequest":        {"name", "tenantIdSuffix", "description", "isManagedOnHelios", "network"},
	"UpdateTenantBody":           {"name", "description", "network"},
	"TenantActionBody":           {"action"},
	"TenantInfo":                 {"id", "name", "description", "status", "network", "isManagedOnHelios", "createdAtTimeMsecs", "lastUpdatedAtTimeMsecs", "deletedAtTimeMsecs"},
	"TenantsInfo":                nil,
	"OnPremTenantConfig":         {"organizationsEnabled", "organizationsStorageDomainSharingEnabled"},
	"OnPremTenantConfigResponse": {"organizationsEnabled", "organizationsStorageDomainSharingEnabled"},
	// The vendor's MFA models (issue 13).
	"MfaConfigInfo":             {"enabled", "authenticationTypes", "retainUserMfaSettings"},
	"MfaConfigInfoResponse":     {"enabled", "authenticationTypes", "retainUserMfaSettings"},
	"CreateTotpKeyRequestBody":  {"totpKeyName"},
	"TotpKeyInfo":               {"totpKeyId", "totpKeyName", "totpSecretKey", "totpUri"},
	"CreateEmailOtpRequestBody": {"domain", "password", "username"},
	// The vendor's security settings (issue 16).
	"SecurityConfig":                             {"passwordStrength", "passwordReuse", "passwordLifetime", "accountLockout", "dataClassification", "sessionConfiguration", "certificateBasedAuth", "sshConfiguration", "authTokenTimeoutMinutes", "inactivityTimeoutMSecs"},
	"SecurityConfigResponse":                     {"passwordStrength", "passwordReuse", "passwordLifetime", "accountLockout", "dataClassification", "sessionConfiguration", "certificateBasedAuth", "sshConfiguration", "authTokenTimeoutMinutes", "inactivityTimeoutMSecs"},
	"SecurityConfigPasswordStrength":             {"minLength", "includeUpperLetter", "includeLowerLetter", "includeNumber", "includeSpecialChar"},
	"SecurityConfigPasswordStrengthResponse":     {"minLength", "includeUpperLetter", "includeLowerLetter", "includeNumber", "includeSpecialChar"},
	"SecurityConfigPasswordReuse":                {"numDisallowedOldPasswords", "numDifferentChars"},
	"SecurityConfigPasswordReuseResponse":        {"numDisallowedOldPasswords", "numDifferentChars"},
	"SecurityConfigPasswordLifetime":             {"minLifetimeDays", "maxLifetimeDays"},
	"SecurityConfigPasswordLifetimeResponse":     {"minLifetimeDays", "maxLifetimeDays"},
	"SecurityConfigAccountLockout":               {"maxFailedLoginAttempts", "failedLoginLockTimeDurationMins", "inactivityTimeDays"},
	"SecurityConfigAccountLockoutResponse":       {"maxFailedLoginAttempts", "failedLoginLockTimeDurationMins", "inactivityTimeDays"},
	"SecurityConfigDataClassification":           {"isDataClassified", "classifiedDataMessage", "unclassifiedDataMessage"},
	"SecurityConfigDataClassificationResponse":   {"isDataClassified", "classifiedDataMessage", "unclassifiedDataMessage"},
	"SecurityConfigSessionConfiguration":         {"absoluteTimeout", "inactivityTimeout", "limitSessions", "sessionLimitPerUser", "sessionLimitSystemWide"},
	"SecurityConfigSessionConfigurationResponse": {"absoluteTimeout", "inactivityTimeout", "limitSessions", "sessionLimitPerUser", "sessionLimitSystemWide"},
	"SecurityConfigCertificateBasedAuth":         {"enableMappingBasedAuthentication", "certificateMapping", "adMapping"},
	"SecurityConfigCertificateBasedAuthResponse": {"enableMappingBasedAuthentication", "certificateMapping", "adMapping"},
	"SecurityConfigSshConfiguration":             {"sshTimeoutInMins"},
	"SecurityConfigSshConfigurationResponse":     {"sshTimeoutInMins"},
	// The vendor's Active Directory and LDAP models (issue 16), the request/response splits under
	// their own names.
	"CreateActiveDirectoryRequest": {"domainName", "activeDirectoryAdminParams", "overwriteMachineAccounts",
		"machineAccounts", "id", "organizationalUnitName", "workGroupName", "preferredDomainControllers", "domainControllersDenyList", "ldapProviderId", "nisProviderDomainName", "connectionId", "trustedDomainParams", "transitiveAdTrustLevelLimit", "idMappingParams"},
	"UpdateActiveDirectoryRequest": {"domainName", "activeDirectoryAdminParams", "overwriteMachineAccounts",
		"machineAccounts", "id", "organizationalUnitName", "workGroupName", "preferredDomainControllers", "domainControllersDenyList", "ldapProviderId", "nisProviderDomainName", "connectionId", "trustedDomainParams", "transitiveAdTrustLevelLimit", "idMappingParams"},
	"ActiveDirectory": {"domainName", "domainControllers", "securityPrincipals", "permissions", "error",
		"machineAccounts", "id", "organizationalUnitName", "workGroupName", "preferredDomainControllers", "domainControllersDenyList", "ldapProviderId", "nisProviderDomainName", "connectionId", "trustedDomainParams", "transitiveAdTrustLevelLimit", "idMappingParams"},
	"ActiveDirectories":                      {"activeDirectories"},
	"ActiveDirectoryAdminParams":             {"username", "password"},
	"MachineAccount":                         {"name", "dnsHostName", "encryption", "servicePrincipalNames"},
	"MachineAccountResponse":                 {"name", "dnsHostName", "encryption", "servicePrincipalNames"},
	"DomainController":                       {"name", "status"},
	"DomainControllerResponse":               {"name", "status"},
	"DomainControllers":                      {"domainName", "controllers"},
	"DomainControllersResponse":              {"domainControllers"},
	"TrustedDomainParams":                    {"enabled", "trustedDomains", "blacklistedDomains", "whitelistedDomains", "onlyUseWhitelistedDomains", "discoveryStatus", "taskIdentifier"},
	"TrustedDomainParamsResponse":            {"enabled", "trustedDomains", "blacklistedDomains", "whitelistedDomains", "onlyUseWhitelistedDomains", "discoveryStatus", "taskIdentifier"},
	"TrustedDomain":                          {"domainName", "preferredDomainControllers", "domainControllersDenyList"},
	"TrustedDomainResponse":                  {"domainName", "preferredDomainControllers", "domainControllersDenyList"},
	"IdMappingParams":                        {"sidMappedToUnixRootUser", "userIdMappingParams"},
	"IdMappingParamsResponse":                {"sidMappedToUnixRootUser", "userIdMappingParams"},
	"UserIdMappingParams":                    {"type"},
	"UserIdMappingParamsResponse":            {"type"},
	"PartialError":                           {"errorCode", "errorMessage"},
	"Tenant":                                 {"id", "name"},
	"ActiveDirectoryPrincipal":               {"domainName", "fullName", "sid", "name", "objectClass"},
	"ActiveDirectoryPrincipals":              {"principals"},
	"AddActiveDirectoryPrincipalsParameters": {"domainName", "name", "objectClass", "description", "restricted", "roles"},
	"AddedActiveDirectoryPrincipal":          {"domainName", "name", "objectClass", "description", "restricted", "roles", "createdTimeMsecs", "lastUpdatedTimeMsecs", "sid"},
	"Ldap": {"name", "baseDistinguishedName", "authType", "domainName", "preferredLdapServers", "port", "activeDirectoryId", "adDomainName",
		"attributeCommonName", "attributeGid", "attributeUid", "attributeMemberOf", "attributeUsername", "objectClassGroup", "objectClassUser", "simpleAuthParams", "id", "tenantId"},
	"LdapResponse": {"name", "baseDistinguishedName", "authType", "domainName", "preferredLdapServers", "port", "activeDirectoryId", "adDomainName",
		"attributeCommonName", "attributeGid", "attributeUid", "attributeMemberOf", "attributeUsername", "objectClassGroup", "objectClassUser", "simpleAuthParams", "id", "tenantId"},
	"SimpleAuthParams":             {"userDistinguishedName", "userPassword", "useSsl"},
	"SimpleAuthParamsResponse":     {"userDistinguishedName", "useSsl"},
	"Ldaps":                        {"ldaps"},
	"LdapStatus":                   {"connectionStatus"},
	"IdentityConfigs":              {"idps"},
	"IdentityConfig":               {"id", "domain", "identityProviderType", "isEnabled", "lastModifiedTimestampUsecs", "openIdConnectParams", "oAuth2Params", "tenantId"},
	"IdentityConfigResponse":       {"id", "domain", "identityProviderType", "isEnabled", "lastModifiedTimestampUsecs", "openIdConnectParams", "oAuth2Params", "tenantId"},
	"OpenIdProvider":               {"audienceIds", "publicKeyUrl", "pollingFrequencyMins"},
	"OpenIdProviderResponse":       {"audienceIds", "publicKeyUrl", "pollingFrequencyMins"},
	"OAuth2Provider":               {"audiences", "publicKeyUrl", "pollingFrequencyMins"},
	"OAuth2ProviderResponse":       {"audiences", "publicKeyUrl", "pollingFrequencyMins"},
	"OAuthAudience":                {"audienceId", "clientIds"},
	"OAuthAudienceResponse":        {"audienceId", "clientIds"},
	"IdentityAction":               {"identityProviderType", "openIdConnectParams", "oAuth2Params"},
	"IdentityActionResponse":       {"identityProviderType", "openIdConnectParams", "oAuth2Params"},
	"IdentityActionParams":         {"action"},
	"IdentityActionParamsResponse": {"action"},
}

func TestModels(t *testing.T) {
	doc := load(t)
	schemas := doc.Components.Schemas
	for name, props := range wantModels {
		ref := schemas[name]
		if ref == nil {
			t.Errorf("schema %s missing", name)
			continue
		}
		got := slices.Sorted(maps.Keys(ref.Value.Properties))
		if want := slices.Sorted(slices.Values(props)); !slices.Equal(got, want) {
			t.Errorf("%s: properties %v, want %v", name, got, want)
		}
		gotReq := slices.Sorted(slices.Values(ref.Value.Required))
		if want := slices.Sorted(slices.Values(wantRequired[name])); !slices.Equal(gotReq, want) {
			t.Errorf("%s: required %v, want %v", name, gotReq, want)
		}
		if ref.Value.Description == "" {
			t.Errorf("%s: no description", name)
		}
	}
	for name := range schemas {
		if _, ok := wantModels[name]; !ok {
			t.Errorf("unexpected schema %s", name)
		}
	}
}

// walk visits s and every schema below it (properties, items, allOf), once each.
func walk(s *openapi3.SchemaRef, seen map[*openapi3.Schema]bool, visit func(*openapi3.Schema)) {
	if s == nil || s.Value == nil || seen[s.Value] {
		return
	}
	seen[s.Value] = true
	visit(s.Value)
	for _, p := range s.Value.Properties {
		walk(p, seen, visit)
	}
	walk(s.Value.Items, seen, visit)
	for _, a := range s.Value.AllOf {
		walk(a, seen, visit)
	}
}

// verbatim are the response objects the server returns as a client gave them, so they may hold
// properties the document does not list: idMappingParams, kept as given (only
// sidMappedToUnixRootUser and userIdMappingParams.type are checked).
var verbatim = []string{"IdMappingParamsResponse", "UserIdMappingParamsResponse"}

// TestResponseSchemasStrict: every object a response can carry rejects unknown properties (but the
// verbatim ones), and nothing in a response is nullable (unset fields are omitted). No schema is
// shared between a request and a response.
func TestResponseSchemasStrict(t *testing.T) {
	doc := load(t)
	free := map[*openapi3.Schema]bool{}
	for _, name := range verbatim {
		free[doc.Components.Schemas[name].Value] = true
	}
	inResponse := map[*openapi3.Schema]bool{}
	inRequest := map[*openapi3.Schema]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				for _, mt := range resp.Value.Content {
					walk(mt.Schema, inResponse, func(s *openapi3.Schema) {
						if s.Nullable {
							t.Errorf("%s: nullable schema in a response: %s", op.OperationID, s.Description)
						}
						if s.Type.Is("object") && !free[s] && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
							t.Errorf("%s: response object without additionalProperties: false: %s", op.OperationID, s.Description)
						}
						if s.Type.Is("integer") && s.Format != "int64" {
							t.Errorf("%s: integer without format int64: %s", op.OperationID, s.Description)
						}
					})
				}
			}
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema, inRequest, func(s *openapi3.Schema) {
						if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
							t.Errorf("%s: request object with additionalProperties: false: %s", op.OperationID, s.Description)
						}
					})
				}
			}
		}
	}
	for s := range inRequest {
		if inResponse[s] && s.Type.Is("object") {
			t.Errorf("schema %q is used both in a request and a response", s.Description)
		}
	}
}

// TestRequestsAcceptNull: the Go SDK sends unset optional fields as null; every optional
// property of a request model accepts null, and says what its null does; every required one
// rejects it.
func TestRequestsAcceptNull(t *testing.T) {
	doc := load(t)
	requests := []string{"CreateGroupParams", "UpdateGroupParameters", "LocalGroupParams", "DeleteGroupsRequest",
		"CreateUserSessionRequestParams", "CreateOrUpdateAPIKeyRequest", "LocalUserParams", "CreateUserParameters",
		"LocalUserUpdateParams", "UpdateUserParameters", "DeleteUsersRequest", "AssignedSources",
		"CreateAccessTokenRequestParams", "CreateRoleParameters", "UpdateRoleParameters",
		"MfaConfigInfo", "CreateTotpKeyRequestBody", "CreateEmailOtpRequestBody",
		"SecurityConfig", "SecurityConfigPasswordStrength", "SecurityConfigPasswordReuse", "SecurityConfigPasswordLifetime", "SecurityConfigAccountLockout", "SecurityConfigDataClassification", "SecurityConfigSessionConfiguration", "SecurityConfigCertificateBasedAuth", "SecurityConfigSshConfiguration",
		"CreateActiveDirectoryRequest", "UpdateActiveDirectoryRequest", "ActiveDirectoryAdminParams", "MachineAccount", "DomainController",
		"TrustedDomainParams", "TrustedDomain", "IdMappingParams", "UserIdMappingParams", "AddActiveDirectoryPrincipalsParameters",
		"Ldap", "SimpleAuthParams",
		"IdentityConfig", "OpenIdProvider", "OAuth2Provider", "OAuthAudience", "IdentityAction", "IdentityActionParams"}
	for _, name := range requests {
		s := doc.Components.Schemas[name].Value
		for prop, ps := range s.Properties {
			err := ps.Value.VisitJSON(nil, openapi3.VisitAsRequest())
			if slices.Contains(s.Required, prop) {
				if err == nil {
					t.Errorf("%s.%s is required but accepts null", name, prop)
				}
			} else if err != nil {
				t.Errorf("%s.%s is optional but rejects null: %v", name, prop, err)
			} else if !strings.Contains(ps.Value.Description, "null: ") {
				t.Errorf("%s.%s accepts null but its description does not say what null does (\"null: ...\")", name, prop)
			}
		}
	}

	// A create_users body as the Go SDK sends it.
	body := []any{map[string]any{
		"username": "alice", "domain": "LOCAL", "roles": nil, "description": nil, "locked": nil,
		"localUserParams":    map[string]any{"email": "a@example.test", "password": "pw", "groups": nil},
		"effectiveTimeMsecs": nil, "somethingNew": true,
	}}
	rb := doc.Paths.Value("/v2/users").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	if err := rb.VisitJSON(body, openapi3.VisitAsRequest()); err != nil {
		t.Errorf("create_users body with nulls rejected: %v", err)
	}
	// otpType: null or one of the enum values.
	otp := doc.Components.Schemas["CreateUserSessionRequestParams"].Value.Properties["otpType"].Value
	for _, v := range []any{nil, "email", "totp", "salesforce"} {
		if err := otp.VisitJSON(v); err != nil {
			t.Errorf("otpType %v rejected: %v", v, err)
		}
	}
	if err := otp.VisitJSON("sms"); err == nil {
		t.Error("otpType sms accepted")
	}
}
