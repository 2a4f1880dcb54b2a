//go:build sdkcheck

// The multi-factor authentication (MFA) steps of gosdkcheck, through the Go
// SDK's v2 MFA client (package v2/client/m_f_a, c.Mfa) and its user and
// access-token clients, the way a real Go client uses them. The SDK's
// readers accept only the declared success code: UpdateMFAConfig 204,
// CreateTotpKey 201, CreateSession 201, GetMFAConfig 200.
//
// The admin's bearer token (made by main.go's first step, while MFA is
// off) keeps working once MFA is on; no new access token is issued then.
// A user without a factor who logs in (CreateSession) with a password only
// gets an enrolment session, good only for POST /v2/totp-key, GET
// /v2/mfa-config and logging out; it enrols a TOTP key (CreateTotpKey, here
// with NO body, which the SDK leaves out when Params.Body is nil) and logs
// in with the code (CreateUserSessionRequestParams.OtpCode/OtpType). The
// TOTP codes are computed here (RFC 6238: HMAC-SHA-1, 6 digits, 30-s
// steps). A code whose step was already used by the user is refused, so
// the second TOTP log-in waits for the next step (at most 30 s).
//
// main.go runs these steps with mfaSteps(r, c, admin, run, login), after
// the organization steps; they leave MFA off, so the check can be re-run.

package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"

	apiclient "github.com/cohesity/go-sdk/v2/client"
	"github.com/cohesity/go-sdk/v2/client/m_f_a"
	"github.com/cohesity/go-sdk/v2/client/user"
	"github.com/cohesity/go-sdk/v2/models"
)

const totpPeriod = 30 // seconds of a TOTP step

// totpCode is the RFC 6238 code of a base32 secret at t (HMAC-SHA-1, 6
// digits, 30-s steps), and its step.
func totpCode(secret string, t time.Time) (string, int64) {
	s := strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(s, "="))
	check(err == nil, "TOTP secret %q is not base32: %v", secret, err)
	step := t.Unix() / totpPeriod
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := (binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff) % 1_000_000
	return fmt.Sprintf("%06d", code), step
}

// waitForStepAfter sleeps until the TOTP step is later than step.
func waitForStepAfter(step int64) time.Duration {
	start := time.Now()
	for time.Now().Unix()/totpPeriod <= step {
		next := time.Unix((time.Now().Unix()/totpPeriod+1)*totpPeriod, 0)
		time.Sleep(time.Until(next) + 200*time.Millisecond)
	}
	return time.Since(start)
}

// errCode is the errorCode of a models.Error.
func errCode(e *models.Error) string { return strOf(e.ErrorCode) }

func mfaSteps(r *runner, c *apiclient.CohesityRESTAPI, admin runtime.ClientAuthInfoWriter, run string,
	login func(u, p string) (*models.AccessTokenResponse, error)) {
	viewer := "mfa_go_" + run
	pw := "Go-Mfa-Pass-1!" + run
	var sid, enrolSess, fullSess, secret, lastCode string
	var lastStep int64
	mfaOn := false
	session := func(s string) runtime.ClientAuthInfoWriter {
		return httptransport.APIKeyAuth("session-id", "header", s)
	}
	// A log-in, sent without credentials as a user's own client does.
	logIn := func(code, typ *string) (*user.CreateSessionCreated, error) {
		return c.User.CreateSession(user.NewCreateSessionParams().WithBody(&models.CreateUserSessionRequestParams{
			Username: &viewer, Password: &pw, Domain: ptr("LOCAL"), OtpCode: code, OtpType: typ}), nil)
	}
	getConfig := func(auth runtime.ClientAuthInfoWriter, what string) *models.MfaConfigInfo {
		res, err := c.Mfa.GetMFAConfig(m_f_a.NewGetMFAConfigParams(), auth)
		r.ok(err, what)
		check(res.Payload != nil, "%s: no MfaConfigInfo", what)
		return res.Payload
	}
	setConfig := func(body *models.MfaConfigInfo, what string) {
		_, err := c.Mfa.UpdateMFAConfig(m_f_a.NewUpdateMFAConfigParams().WithBody(body), admin)
		r.ok(err, what) // the SDK accepts only 204, with no body
	}

	r.step("MFA: GetMFAConfig (admin; off) + CreateUsers a COHESITY_VIEWER", func() string {
		cur := getConfig(admin, "GetMFAConfig")
		check(cur.Enabled != nil && cur.RetainUserMfaSettings != nil, "config incomplete: %s", show(cur))
		check(!*cur.Enabled, "MFA is already on (an earlier run stopped half-way?): turn it off first")
		eq(cur.AuthenticationTypes, []string{"totp"}, "authenticationTypes")
		res, err := c.User.CreateUsers(user.NewCreateUsersParams().WithBody(models.CreateUsersParameters{{
			Username: viewer, Domain: "LOCAL", Roles: []string{"COHESITY_VIEWER"},
			LocalUserParams: &models.LocalUserParams{Password: &pw}}}), admin)
		r.ok(err, "CreateUsers")
		check(len(res.Payload.Users) == 1 && res.Payload.Users[0].Sid != nil, "CreateUsers answered %s", show(res.Payload))
		sid = *res.Payload.Users[0].Sid
		return viewer + " = " + sid
	})

	r.step("MFA: UpdateMFAConfig (enable, retainUserMfaSettings; authenticationTypes null) -> 204; the admin's earlier token still works", func() string {
		// Left unset, AuthenticationTypes goes out as null (no omitempty).
		setConfig(&models.MfaConfigInfo{Enabled: ptr(true), RetainUserMfaSettings: ptr(true)}, "UpdateMFAConfig(enable)")
		r.rec.mu.Lock()
		sent := string(r.rec.last.reqBody)
		r.rec.mu.Unlock()
		mfaOn = true
		got := getConfig(admin, "GetMFAConfig after enabling")
		eq([]any{deref(got.Enabled), got.AuthenticationTypes, deref(got.RetainUserMfaSettings)},
			[]any{true, []string{"totp"}, true}, "after enabling")
		me, err := c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid), admin)
		r.ok(err, "GetUserBySID with the admin's earlier token")
		eq(me.Payload.Username, viewer, "username")
		return "sent " + strings.TrimSpace(sent)
	})

	r.step("MFA: CreateAccessToken refused 403 MfaRequired once MFA is on (admin and viewer)", func() string {
		// The admin's credentials are main.go's -username and -password.
		_, err := login(flag.Lookup("username").Value.String(), flag.Lookup("password").Value.String())
		e := r.expectErr(err, "CreateAccessToken (admin)", 403)
		eq(errCode(e), "MfaRequired", "errorCode (admin)")
		_, err = login(viewer, pw)
		e = r.expectErr(err, "CreateAccessToken (viewer)", 403)
		eq(errCode(e), "MfaRequired", "errorCode (viewer)")
		return deref(e.Message).(string)
	})

	r.step("MFA: CreateSession without a code -> 201 enrolment session; GetUserBySID with it 401; GetMFAConfig 200", func() string {
		res, err := logIn(nil, nil)
		r.ok(err, "CreateSession without a code")
		check(res.Payload != nil && res.Payload.SessionID != "", "sessionId empty: %s", show(res.Payload))
		enrolSess = res.Payload.SessionID
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid), session(enrolSess))
		e := r.expectErr(err, "GetUserBySID with an enrolment session", 401)
		eq(errCode(e), "MfaEnrolmentRequired", "errorCode")
		got := getConfig(session(enrolSess), "GetMFAConfig with an enrolment session")
		eq(deref(got.Enabled), true, "enabled")
		return "401 " + errCode(e)
	})

	r.step("MFA: CreateTotpKey with NO body (enrolment session) -> 201 totpSecretKey, totpUri; DeleteSession logs out", func() string {
		res, err := c.Mfa.CreateTotpKey(m_f_a.NewCreateTotpKeyParams(), session(enrolSess))
		r.ok(err, "CreateTotpKey without a body")
		r.rec.mu.Lock()
		sent := r.rec.last.reqBody
		r.rec.mu.Unlock()
		check(len(sent) == 0, "the SDK sent a body %q", trunc(sent))
		k := res.Payload
		check(k != nil && k.TotpSecretKey != "" && k.TotpKeyID != "", "TotpKeyInfo incomplete: %s", show(k))
		eq(k.TotpKeyName, "TOTP key", "totpKeyName (default)")
		u, err := url.Parse(k.TotpURI)
		check(err == nil && u.Scheme == "otpauth" && u.Host == "totp", "totpUri %q", k.TotpURI)
		q := u.Query()
		eq(q.Get("secret"), k.TotpSecretKey, "the URI's secret")
		for name, want := range map[string]string{"algorithm": "SHA1", "digits": "6", "period": "30"} {
			if q.Has(name) {
				eq(q.Get(name), want, "the URI's "+name)
			}
		}
		secret = k.TotpSecretKey
		_, err = c.User.DeleteSession(user.NewDeleteSessionParams().WithSid(&sid), session(enrolSess))
		r.ok(err, "DeleteSession with the enrolment session")
		_, err = c.Mfa.GetMFAConfig(m_f_a.NewGetMFAConfigParams(), session(enrolSess))
		r.expectErr(err, "GetMFAConfig after logging out", 401)
		return "key " + k.TotpKeyID
	})

	r.step("MFA: CreateSession(otpCode=<TOTP>, otpType=totp) -> 201; GetUserBySID with it 200", func() string {
		lastCode, lastStep = totpCode(secret, time.Now())
		res, err := logIn(&lastCode, ptr("totp"))
		r.ok(err, "CreateSession with a TOTP code")
		check(res.Payload.SessionID != "", "sessionId empty")
		me, err := c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid), session(res.Payload.SessionID))
		r.ok(err, "GetUserBySID with the full session")
		eq(me.Payload.Username, viewer, "username")
		eq(me.Payload.Roles, []string{"COHESITY_VIEWER"}, "roles")
		fullSess = res.Payload.SessionID
		return fmt.Sprintf("code of step %d", lastStep)
	})

	r.step("MFA: refused: the same code again 401, no code 401 MfaRequired, salesforce 400", func() string {
		_, err := logIn(&lastCode, ptr("totp"))
		e1 := r.expectErr(err, "the same code again", 401)
		_, err = logIn(nil, nil)
		e2 := r.expectErr(err, "no code", 401)
		eq(errCode(e2), "MfaRequired", "errorCode without a code")
		_, err = logIn(ptr("123456"), ptr("salesforce"))
		e3 := r.expectErr(err, "otpType salesforce", 400)
		return fmt.Sprintf("replay %s; no code %s; salesforce %s", errCode(e1), errCode(e2), errCode(e3))
	})

	r.step("MFA: CreateTotpKey with a body (full session; new key pending); the next step's code of it logs in (no otpType)", func() string {
		res, err := c.Mfa.CreateTotpKey(m_f_a.NewCreateTotpKeyParams().WithBody(
			&models.CreateTotpKeyRequestBody{TotpKeyName: ptr("go phone")}), session(fullSess))
		r.ok(err, "CreateTotpKey with a body")
		eq(res.Payload.TotpKeyName, "go phone", "totpKeyName")
		check(res.Payload.TotpSecretKey != "" && res.Payload.TotpSecretKey != secret, "new secret %q", res.Payload.TotpSecretKey)
		slept := waitForStepAfter(lastStep)
		code, step := totpCode(res.Payload.TotpSecretKey, time.Now())
		s, err := logIn(&code, nil)
		r.ok(err, "CreateSession with the new key's code")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid), session(s.Payload.SessionID))
		r.ok(err, "GetUserBySID")
		return fmt.Sprintf("waited %.1f s for step %d", slept.Seconds(), step)
	})

	r.step("MFA: UpdateMFAConfig (disable) -> 204 + GetMFAConfig; plain CreateSession and CreateAccessToken work", func() string {
		setConfig(&models.MfaConfigInfo{Enabled: ptr(false), AuthenticationTypes: []string{"totp"}, RetainUserMfaSettings: ptr(true)},
			"UpdateMFAConfig(disable)")
		eq(deref(getConfig(admin, "GetMFAConfig after disabling").Enabled), false, "enabled")
		mfaOn = false
		res, err := logIn(nil, nil)
		r.ok(err, "CreateSession without a code")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid), session(res.Payload.SessionID))
		r.ok(err, "GetUserBySID after a plain log-in")
		tok, err := login(viewer, pw)
		r.ok(err, "CreateAccessToken (viewer)")
		check(tok.AccessToken != nil && *tok.AccessToken != "", "accessToken empty")
		return ""
	})

	r.step("MFA: clean up (MFA off, DeleteUser)", func() string {
		if mfaOn {
			setConfig(&models.MfaConfigInfo{Enabled: ptr(false), AuthenticationTypes: []string{"totp"}, RetainUserMfaSettings: ptr(false)},
				"UpdateMFAConfig(disable)")
		}
		if sid != "" {
			_, err := c.User.DeleteUser(user.NewDeleteUserParams().WithSid(sid), admin)
			r.ok(err, "DeleteUser")
			_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid), admin)
			r.expectErr(err, "GetUserBySID after delete", 404)
		}
		eq(deref(getConfig(admin, "GetMFAConfig").Enabled), false, "MFA after the run")
		return ""
	})
}
