package httpapi

import "testing"

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
