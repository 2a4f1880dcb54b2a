package httpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strconv"
	"sync"
	"testing"
	"time"
)

// relaxPasswords undoes the password rule a row set, so that the rows
// after it set passwords as before.
func (m *matrix) relaxPasswords(t *testing.T) {
	t.Helper()
	r, _ := m.send(t, m.admin, "PUT", "/v2/security-config", `{"passwordStrength":{"includeNumber":false}}`)
	if r.status != 200 {
		t.Fatalf("relax the password rule: %d %s", r.status, r.body)
	}
}

// mfaRows are the MFA operations. The matrix's server has no mail server,
// so asking for an e-mailed code is refused (400) once the caller is let
// through; MFA itself stays off, so that the other rows' log-ins work.
func mfaRows() []authzRow {
	ownLogin := `{"username":"{login}","password":"{password}","domain":"LOCAL"}`
	cannotLogIn := statuses{pLocked: 401, pExpiredUser: 401, pNotYetUser: 401}
	return []authzRow{
		{op: "get_mfa_config", req: "GET /v2/mfa-config", want: all(200)},
		{op: "update_mfa_config", req: "PUT /v2/mfa-config", body: `{"enabled":false,"authenticationTypes":["totp"],"retainUserMfaSettings":true}`,
			mutates: true, want: only(204, pAdmin)},
		{op: "update_mfa_config", name: "salesforce", req: "PUT /v2/mfa-config", body: `{"enabled":true,"authenticationTypes":["salesforce"]}`,
			want: all(400)},
		// One's own key only: no vendor operation names another user.
		{op: "create_totp_key", req: "POST /v2/totp-key", body: `{"totpKeyName":"phone"}`, on: onSelf, mutates: true, want: all(201)},
		{op: "create_totp_key", name: "no-body", req: "POST /v2/totp-key", on: onSelf, mutates: true, want: all(201)},
		{op: "create_email_otp", name: "own-password", req: "POST /v2/email-otp", body: ownLogin, on: onSelf, open: true, want: everyone(400, cannotLogIn)},
		{op: "create_email_otp", name: "caller", req: "POST /v2/email-otp", on: onSelf, want: all(400)},
		{op: "send_email_otp", req: "POST /v2/send-email-otp", on: onSelf, want: all(400)},
		// Resetting factors ends sessions: an act on the user as ending
		// them is, and never on oneself.
		{op: "reset_user_mfa", name: "own", req: "POST /v2/users/{user}/reset-mfa", on: onSelf, want: all(403)},
		{op: "reset_user_mfa", name: "other", req: "POST /v2/users/{user}/reset-mfa", on: onOther, withSession: true, mutates: true, want: only(204, principalManagers...)},
		{op: "reset_user_mfa", name: "admin", req: "POST /v2/users/{user}/reset-mfa", on: onAdmin, withSession: true, mutates: true, want: only(204, pAdmin)},
	}
}

// securityRows are the security settings: read with the view privilege
// every built-in role has, changed by the admin only.
func securityRows() []authzRow {
	return []authzRow{
		{op: "get_security_config", req: "GET /v2/security-config", want: only(200, pViewer, pOperator, pAdmin)},
		{op: "update_security_config", req: "PUT /v2/security-config", body: `{"passwordStrength":{"includeNumber":true}}`,
			mutates: true, want: only(200, pAdmin), restore: (*matrix).relaxPasswords},
		{op: "update_security_config", name: "a value out of range", req: "PUT /v2/security-config",
			body: `{"passwordReuse":{"numDisallowedOldPasswords":25}}`, want: only(400, pAdmin)},
	}
}

// adBody is a create_active_directory body for domain name, whose only
// domain controller does not answer: saved anyway, unjoined.
func adBody(name string) string {
	return `{"domainName":"` + name + `","machineAccounts":[{"name":"CIAM1"}],` +
		`"preferredDomainControllers":[{"name":"127.0.0.1:1"}],"activeDirectoryAdminParams":{"username":"a","password":"b"}}`
}

// ldapBody is an LDAP provider for domain name (with id, an update of
// provider id) whose server does not answer.
func ldapBody(name, id string) string {
	b := `{"name":"` + name + `","domainName":"` + name + `","baseDistinguishedName":"dc=x","authType":"Simple",` +
		`"preferredLdapServers":["127.0.0.1:1"],"simpleAuthParams":{"userDistinguishedName":"cn=a,dc=x","userPassword":"pw"}`
	if id != "" {
		b += `,"id":` + id
	}
	return b + "}"
}

// identityBody is an OpenID Connect issuer for domain name, trusting the
// provider whose keys are at keysURL.
func identityBody(name, keysURL string) string {
	return `{"domain":"` + name + `","identityProviderType":"OpenIdConnect",` +
		`"openIdConnectParams":{"audienceIds":["clusteriam"],"publicKeyUrl":"` + keysURL + `"}}`
}

// samlCert is the signing certificate of the matrices' SAML providers, as
// base64 DER: one line, as a JSON string takes it.
var samlCert = sync.OnceValue(func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "matrix idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
})

// samlBody is a disabled SAML provider for domain name, whose users get
// role, or, with attr, the roles its attribute attr names: any role.
// Disabled, it starts no sign-on, so that idps_login answers alike in
// every cell.
func samlBody(name, role, attr string) string {
	b := `{"name":"matrix","domain":"` + name + `","issuerId":"https://idp.example/m","ssoUrl":"https://idp.example/sso",` +
		`"certificate":"` + samlCert() + `","isEnabled":false,"roles":["` + role + `"]`
	if attr != "" {
		b += `,"samlAttributeName":"` + attr + `"`
	}
	return b + "}"
}

// samlRows are the SAML operations: read with PRINCIPAL_VIEW, changed with
// PRINCIPAL_MODIFY and the reach of what the provider may grant
// (AuthzOther: PRINCIPAL_VIEW); a
// provider that asserts roles may grant any, so only the administrator
// may make one.
func samlRows() []authzRow {
	return []authzRow{
		{op: "get_identity_providers", req: "GET /v2/idps?ids={saml}", want: only(200, principalViewers...)},
		{op: "create_identity_provider", req: "POST /v2/idps", body: samlBody("{name}.example", "AuthzOther", ""), mutates: true, want: only(201, principalManagers...)},
		{op: "create_identity_provider", name: "asserts-roles", req: "POST /v2/idps", body: samlBody("{name}.example", "AuthzOther", "roles"),
			mutates: true, want: only(201, pAdmin)},
		{op: "update_identity_provider", req: "PUT /v2/idps/{saml}", body: `{"issuerId":"https://idp.example/m2","ssoUrl":"https://idp.example/sso2",` +
			`"certificate":"` + samlCert() + `"}`, mutates: true, want: only(200, principalManagers...)},
		{op: "update_identity_provider", name: "to-assert-roles", req: "PUT /v2/idps/{saml}", body: `{"issuerId":"https://idp.example/m2","ssoUrl":"https://idp.example/sso2",` +
			`"certificate":"` + samlCert() + `","samlAttributeName":"roles"}`, mutates: true, want: only(200, pAdmin)},
		{op: "delete_identity_provider", req: "DELETE /v2/idps/{saml}", mutates: true, want: only(204, principalManagers...)},
		{op: "idps_login", req: "GET /v2/idps/login", open: true, want: everyone(404, nil)},
	}
}

// identityRows are the JWT-trust operations: read with PRINCIPAL_VIEW,
// changed with PRINCIPAL_MODIFY and the reach of the domain's users.
func identityRows() []authzRow {
	refresh := `{"identityProviderType":"OpenIdConnect","openIdConnectParams":{"action":"RefreshPublicKeys"}}`
	return []authzRow{
		{op: "get_identities", req: "GET /v2/identity-providers?ids={idp}", want: only(200, principalViewers...)},
		{op: "create_identity", req: "POST /v2/identity-providers", body: identityBody("{name}.example", "{keysurl}"),
			mutates: true, want: only(201, principalManagers...)},
		{op: "create_identity", name: "no-issuer", req: "POST /v2/identity-providers", body: identityBody("{name}.example", "{keysurl}x"),
			want: only(400, principalManagers...)},
		{op: "update_identity", req: "PUT /v2/identity-providers/{idp}", body: `{"domain":"{idpname}","identityProviderType":"OpenIdConnect","isEnabled":false,` +
			`"openIdConnectParams":{"audienceIds":["x"],"publicKeyUrl":"{keysurl}"}}`, mutates: true, want: only(200, principalManagers...)},
		{op: "delete_identity", req: "DELETE /v2/identity-providers/{idp}", mutates: true, want: only(204, principalManagers...)},
		// The action names no issuer: ?for={idp} only makes the fixture one.
		{op: "perform_identity_action", req: "POST /v2/identity-providers/actions?for={idp}", body: refresh, want: only(201, principalManagers...)},
	}
}

// newDomain makes a directory domain, saved anyway, and returns its id.
func (m *matrix) newDomain(t *testing.T, path, body string) string {
	t.Helper()
	var d struct {
		ID int64 `json:"id"`
	}
	m.must(t, m.admin, "POST", path+"?saveAnyway=true", json.RawMessage(body), 201).decode(t, &d)
	return strconv.FormatInt(d.ID, 10)
}

// directoryRows are the AD and LDAP operations. The matrix has no
// directory server: its domains are saved anyway and cannot serve, so
// the rows that would reach a directory are refused once past the
// privileges (adding principals, LOCAL here, is 400).
func directoryRows() []authzRow {
	adMakers := []string{pAdmin}
	searchers := []string{pViewer, pOperator, pAdmin} // PRINCIPAL_VIEW and AD_LDAP_VIEW
	return []authzRow{
		{op: "get_active_directory", req: "GET /v2/active-directories?domainNames={adname}", want: only(200, directoryViewers...)},
		{op: "get_active_directory_by_id", req: "GET /v2/active-directories/{ad}", want: only(200, directoryViewers...)},
		{op: "create_active_directory", req: "POST /v2/active-directories?saveAnyway=true", body: adBody("{name}.example"),
			mutates: true, want: only(201, adMakers...)},
		{op: "create_active_directory", name: "unreachable", req: "POST /v2/active-directories", body: adBody("{name}.example"),
			want: only(400, adMakers...)},
		{op: "update_active_directory", req: "PUT /v2/active-directories/{ad}", body: `{"machineAccounts":[{"name":"CIAM1"}],"workGroupName":"W"}`,
			mutates: true, want: only(200, adMakers...)},
		{op: "delete_active_directory", req: "DELETE /v2/active-directories/{ad}?forceRemove=true", mutates: true, want: only(204, adMakers...)},
		{op: "delete_active_directory", name: "no-credentials", req: "DELETE /v2/active-directories/{ad}", want: only(400, adMakers...)},
		{op: "get_active_directory_principals", req: "GET /v2/active-directory-principals?domainName=LOCAL&searchTerm=p-", want: only(200, searchers...)},
		{op: "add_active_directory_principals", req: "POST /v2/active-directory-principals",
			body: `[{"domainName":"LOCAL","name":"{name}","objectClass":"User"}]`, want: only(400, principalManagers...)},
		{op: "get_trusted_domains", req: "GET /v2/trusted-domains?domainName={adname}", want: only(200, directoryViewers...)},
		{op: "update_trusted_domains", req: "POST /v2/trusted-domains?domainName={adname}", body: `{"enabled":false,"blacklistedDomains":["x.example"]}`,
			mutates: true, want: only(200, adMakers...)},
		{op: "trigger_trusted_domains_discovery", req: "PUT /v2/trusted-domains?domainName={adname}&rediscover=false", want: only(202, adMakers...)},
		{op: "get_domain_controllers", req: "GET /v2/domain-controllers?domainNames=nowhere.example", want: only(404, directoryViewers...)},
		{op: "get_ldaps", req: "GET /v2/ldap?ids={ldap}", want: only(200, directoryViewers...)},
		{op: "create_ldap_provider", req: "POST /v2/ldap?saveAnyway=true", body: ldapBody("{name}.example", ""), mutates: true, want: only(201, adMakers...)},
		{op: "create_ldap_provider", name: "unreachable", req: "POST /v2/ldap", body: ldapBody("{name}.example", ""), want: only(400, adMakers...)},
		{op: "update_ldap_provider", req: "PUT /v2/ldap?saveAnyway=true", body: ldapBody("{ldapname}", "{ldap}"),
			mutates: true, want: only(200, adMakers...)},
		{op: "delete_ldap_provider", req: "DELETE /v2/ldap/{ldap}", mutates: true, want: only(204, adMakers...)},
		{op: "get_ldap_connection_status", req: "GET /v2/ldap/{ldap}/connection-status", want: only(200, directoryViewers...)},
	}
}
