package httpapi

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// testClock is a clock the test moves, so that TOTP codes of several
// steps can be tried without waiting for them.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mfaEnv is an env whose clock the test moves, with MFA turned on.
type mfaEnv struct {
	*env
	clock *testClock
}

func newMFAEnv(t *testing.T, cfg iam.Config, types ...string) *mfaEnv {
	t.Helper()
	clock := &testClock{t: time.Now()}
	cfg.Now = clock.Now
	e := &mfaEnv{env: newEnvConfig(t, testParams, cfg), clock: clock}
	body := map[string]any{"enabled": true, "retainUserMfaSettings": true}
	if len(types) > 0 {
		body["authenticationTypes"] = types
	}
	e.want(e.do("PUT", "/v2/mfa-config", e.admin, body), 204)
	return e
}

// code is the TOTP code of secret at the test clock's time plus skew.
func (e *mfaEnv) code(secret string, skew time.Duration) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.Now().Add(skew), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// logIn is a create_session with a one-time code ("" none).
func (e *mfaEnv) logIn(user, pw, otpType, code string) resp {
	e.t.Helper()
	body := map[string]any{"username": user, "password": pw, "domain": "LOCAL", "otpType": nil, "otpCode": nil}
	if otpType != "" {
		body["otpType"] = otpType
	}
	if code != "" {
		body["otpCode"] = code
	}
	return e.do("POST", "/v2/users/sessions", noCred, body)
}

// enrol logs user in without a code, which gives an enrolment session,
// enrols a TOTP key with it and returns the key's secret.
func (e *mfaEnv) enrol(user, pw string) string {
	e.t.Helper()
	var s userSession
	e.want(e.logIn(user, pw, "", ""), 201).decode(e.t, &s)
	var k totpKeyInfo
	e.want(e.do("POST", "/v2/totp-key", sessionCred(s.SessionID), map[string]any{"totpKeyName": "phone"}), 201).decode(e.t, &k)
	if k.TotpSecretKey == "" || !strings.HasPrefix(k.TotpURI, "otpauth://totp/") || k.TotpKeyName != "phone" || k.TotpKeyID == "" {
		e.t.Fatalf("totp-key answered %+v", k)
	}
	return k.TotpSecretKey
}

func sessionOf(t *testing.T, r resp) cred {
	t.Helper()
	var s userSession
	r.decode(t, &s)
	return sessionCred(s.SessionID)
}

// TestMFATOTPLogIn walks the TOTP flow end to end: enrolment through an
// enrolment session, a log-in with a code, and every refusal around it.
func TestMFATOTPLogIn(t *testing.T) {
	e := newMFAEnv(t, iam.Config{})
	const pw = "Bob-Password-1"
	bob := e.createUser("bob", pw, "COHESITY_VIEWER")

	// Without a factor, a password gives an enrolment session that can
	// do nothing but enrol (and read the MFA setting, and log out).
	enrolSess := sessionOf(t, e.want(e.logIn("bob", pw, "", ""), 201))
	r := e.wantMsg(e.do("GET", "/v2/users/"+bob, enrolSess, nil), 401, "only multi-factor authentication")
	if got := r.obj(t)["errorCode"]; got != "MfaEnrolmentRequired" {
		t.Errorf("errorCode %v, want MfaEnrolmentRequired", got)
	}
	e.want(e.do("POST", "/v2/users/"+bob+"/api-keys", enrolSess, map[string]any{"name": "k"}), 401)
	e.want(e.do("GET", "/v2/mfa-config", enrolSess, nil), 200)
	var k totpKeyInfo
	e.want(e.do("POST", "/v2/totp-key", enrolSess, nil), 201).decode(t, &k)
	secret := k.TotpSecretKey

	// The first code logs in and puts the key in use.
	full := sessionOf(t, e.want(e.logIn("bob", pw, "totp", e.code(secret, 0)), 201))
	e.want(e.do("GET", "/v2/users/"+bob, full, nil), 200)

	tests := []struct {
		name, otpType, code string
		status              int
		msg                 string
	}{
		{"the same code again", "totp", e.code(secret, 0), 401, "was used already"},
		{"no code", "", "", 401, `otpType "totp"`},
		{"a code two steps ahead", "totp", e.code(secret, 60*time.Second), 401, "wrong"},
		{"a code two steps behind", "totp", e.code(secret, -60*time.Second), 401, "wrong"},
		{"salesforce", "salesforce", "123456", 400, "not supported"},
		{"e-mail, not a factor here", "email", "123456", 400, "not among the factors"},
		{"a wrong password with a good code", "totp", e.code(secret, 30*time.Second), 401, "invalid username, password or domain"},
	}
	for _, tc := range tests {
		password := pw
		if strings.HasPrefix(tc.name, "a wrong password") {
			password = "Wrong-Password-1"
		}
		e.wantMsg(e.logIn("bob", password, tc.otpType, tc.code), tc.status, tc.msg)
	}
	// The code of the next step, inside the window, is good once.
	e.want(e.logIn("bob", pw, "totp", e.code(secret, 30*time.Second)), 201)
	// With no otpType, the enrolled factor is assumed.
	e.clock.Add(90 * time.Second)
	e.want(e.logIn("bob", pw, "", e.code(secret, 0)), 201)

	// No bypass: an access token cannot carry a code.
	r = e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "bob", "password": pw, "domain": "LOCAL"}), 403, "API key")
	if got := r.obj(t)["errorCode"]; got != "MfaRequired" {
		t.Errorf("errorCode %v, want MfaRequired", got)
	}
	// API keys stay single-factor.
	_, key := e.createAPIKey(full, bob, "machine")
	e.want(e.do("GET", "/v2/users/"+bob, apiKeyCred(key), nil), 200)

	// Nothing secret in the log.
	logs := e.logBuf.String()
	for _, s := range []string{secret, e.code(secret, 0)} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
	}
}

// TestMFAWrongCodesLockOut: wrong codes count towards the lock-out as
// wrong passwords do, so that six digits cannot be guessed.
func TestMFAWrongCodesLockOut(t *testing.T) {
	e := newMFAEnv(t, iam.Config{Lockout: iam.LockoutPolicy{Threshold: 3}})
	const pw = "Carol-Password-1"
	carol := e.createUser("carol", pw, "COHESITY_VIEWER")
	secret := e.enrol("carol", pw)
	good := e.code(secret, 0)
	for i, c := range []string{"000000", "111111", "222222"} {
		if c == good {
			c = "333333"
		}
		e.want(e.logIn("carol", pw, "totp", c), 401)
		e.svc.Wait() // failures settle after the answer
		_ = i
	}
	var u userParams
	e.want(e.do("GET", "/v2/users/"+carol, e.admin, nil), 200).decode(t, &u)
	if !u.Locked || u.LockedReason != "FailedLoginAttempts" {
		t.Fatalf("after 3 wrong codes: locked %v (%s), want locked after failed log-ins", u.Locked, u.LockedReason)
	}
	// Locked: even the right password and code are refused.
	e.want(e.logIn("carol", pw, "totp", good), 401)
}

// TestMFAResetAndRekey: an administrator's reset erases the factors and
// ends the sessions; a new key enrolled from a full session is pending
// until its first code, the old one serving until then.
func TestMFAResetAndRekey(t *testing.T) {
	e := newMFAEnv(t, iam.Config{})
	const pw = "Dave-Password-1"
	dave := e.createUser("dave", pw, "COHESITY_VIEWER")
	old := e.enrol("dave", pw)
	full := sessionOf(t, e.want(e.logIn("dave", pw, "totp", e.code(old, 0)), 201))

	var k totpKeyInfo
	e.want(e.do("POST", "/v2/totp-key", full, map[string]any{}), 201).decode(t, &k)
	e.clock.Add(30 * time.Second)
	e.want(e.logIn("dave", pw, "totp", e.code(old, 0)), 201) // the old key still serves
	e.clock.Add(30 * time.Second)
	e.want(e.logIn("dave", pw, "totp", e.code(k.TotpSecretKey, 0)), 201) // the new one takes over
	e.clock.Add(30 * time.Second)
	e.want(e.logIn("dave", pw, "totp", e.code(old, 0)), 401)

	// Reset: audited, sessions ended, the next log-in enrols anew.
	e.wantMsg(e.do("POST", "/v2/users/"+dave+"/reset-mfa", full, nil), 403, "another administrator") // never one's own
	e.want(e.do("POST", "/v2/users/"+dave+"/reset-mfa", e.admin, nil), 204)
	e.want(e.do("GET", "/v2/users/"+dave, full, nil), 401)
	enrolSess := sessionOf(t, e.want(e.logIn("dave", pw, "", ""), 201))
	e.want(e.do("GET", "/v2/users/"+dave, enrolSess, nil), 401)
	trail, _, _ := e.trail(e.admin, "searchString=reset_mfa")
	if len(trail) != 2 || trail[0] != `Delete MfaFactor LOCAL\dave` || trail[1] != "Refused MfaFactor" {
		t.Errorf("reset in the trail: %q", trail)
	}
}

// TestMFAConfig: the setting as the SDKs send it, and what it erases.
func TestMFAConfig(t *testing.T) {
	e := newEnv(t)
	var c mfaConfigInfo
	e.want(e.do("GET", "/v2/mfa-config", e.admin, nil), 200).decode(t, &c)
	if c.Enabled || strings.Join(c.AuthenticationTypes, ",") != "totp" || c.RetainUserMfaSettings {
		t.Errorf("default setting %+v", c)
	}
	// The Go SDK's body: enabled set, the list null.
	e.want(e.do("PUT", "/v2/mfa-config", e.admin, `{"enabled":true,"authenticationTypes":null}`), 204)
	e.want(e.do("GET", "/v2/mfa-config", e.admin, nil), 200).decode(t, &c)
	if !c.Enabled || strings.Join(c.AuthenticationTypes, ",") != "totp" {
		t.Errorf("after enabling: %+v", c)
	}
	// Enrol, then turn MFA off without retaining: the key is erased, and
	// the next time MFA is on the user enrols again.
	const pw = "Erin-Password-1"
	e.createUser("erin", pw, "COHESITY_VIEWER")
	enrolSess := sessionCred(e.session("erin", pw))
	e.want(e.do("POST", "/v2/totp-key", enrolSess, nil), 201)
	// The Python SDK's body: "enabled": false unless set.
	e.want(e.do("PUT", "/v2/mfa-config", e.admin, `{"authenticationTypes":["totp"],"enabled":false}`), 204)
	trail, _, _ := e.trail(e.admin, "searchString=update_mfa_config")
	if len(trail) == 0 || !strings.Contains(strings.Join(trail, " "), "Modify ClusterConfig") {
		t.Errorf("config changes in the trail: %q", trail)
	}
	// A viewer reads the setting but cannot change it.
	_, viewer := e.loginAs("vic", "COHESITY_VIEWER")
	e.want(e.do("GET", "/v2/mfa-config", viewer, nil), 200)
	e.want(e.do("PUT", "/v2/mfa-config", viewer, `{"enabled":true}`), 403)
}
