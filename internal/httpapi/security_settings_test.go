package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/secconfig"
)

// settings is GET /v2/security-config as the vendor's model reads it.
func (e *env) settings() secconfig.Config {
	e.t.Helper()
	var c secconfig.Config
	e.want(e.do("GET", "/v2/security-config", e.admin, nil), 200).decode(e.t, &c)
	return c
}

// num is *v, or -1 when v is nil.
func num(v *int64) int64 {
	if v == nil {
		return -1
	}
	return *v
}

// changeOwnPassword has c, user sid, change its own password from cur to pw.
func (e *env) changeOwnPassword(c cred, sid, cur, pw string) resp {
	e.t.Helper()
	return e.do("PUT", "/v2/users/"+sid, c, map[string]any{"localUserParams": map[string]any{"password": pw, "currentPassword": cur}})
}

// setPassword has the admin set user sid's password to pw.
func (e *env) setPassword(sid, pw string) resp {
	e.t.Helper()
	return e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"localUserParams": map[string]any{"password": pw}})
}

// TestPasswordReuseSettings: passwordReuse over the wire: its bound, the
// characters a user's own new password must bring, and the former
// passwords no one may set again.
func TestPasswordReuseSettings(t *testing.T) {
	e := newEnv(t)
	e.wantMsg(e.do("PUT", "/v2/security-config", e.admin, `{"passwordReuse":{"numDisallowedOldPasswords":25}}`), 400,
		"passwordReuse.numDisallowedOldPasswords: 25 is out of range: it takes 0 to 24")
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"passwordReuse":{"numDisallowedOldPasswords":2,"numDifferentChars":2}}`), 200)
	if c := e.settings(); num(c.PasswordReuse.NumDisallowedOldPasswords) != 2 || num(c.PasswordReuse.NumDifferentChars) != 2 {
		t.Errorf("passwordReuse read back: %+v", c.PasswordReuse)
	}
	sid := e.createUser("dave", "dave-Password-1", "COHESITY_VIEWER")
	dave := sessionCred(e.session("dave", "dave-Password-1"))
	e.wantMsg(e.changeOwnPassword(dave, sid, "dave-Password-1", "dave-Password-2"), 400, "passwordReuse.numDifferentChars is 2")
	e.want(e.changeOwnPassword(dave, sid, "dave-Password-1", "dave-Password-2x"), 200)
	e.wantMsg(e.setPassword(sid, "dave-Password-1"), 400, "passwordReuse.numDisallowedOldPasswords is 2")
	e.wantMsg(e.setPassword(sid, "dave-Password-2x"), 400, "passwordReuse.numDisallowedOldPasswords is 2")
	e.want(e.setPassword(sid, "dave-Password-3"), 200)
}

// newClockEnv is an env whose service clock the test moves.
func newClockEnv(t *testing.T, cfg iam.Config) (*env, *testClock) {
	t.Helper()
	clock := &testClock{t: time.Now()}
	cfg.Now = clock.Now
	return newEnvConfig(t, testParams, cfg), clock
}

// TestPasswordLifetimeSettings: passwordLifetime over the wire: a log-in
// with a password maxLifetimeDays old succeeds with forcePasswordChange
// true, as the vendor's scripts read it, and may only change it; the new
// one may not be changed again before minLifetimeDays.
func TestPasswordLifetimeSettings(t *testing.T) {
	e, clock := newClockEnv(t, iam.Config{})
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"passwordLifetime":{"minLifetimeDays":1,"maxLifetimeDays":30}}`), 200)
	if c := e.settings(); num(c.PasswordLifetime.MinLifetimeDays) != 1 || num(c.PasswordLifetime.MaxLifetimeDays) != 30 {
		t.Errorf("passwordLifetime read back: %+v", c.PasswordLifetime)
	}
	sid := e.createUser("erin", "erin-Password-1", "COHESITY_VIEWER")
	clock.Add(30 * 24 * time.Hour)
	erin := sessionCred(e.session("erin", "erin-Password-1"))
	var u userParams
	e.want(e.do("GET", "/v2/users/"+sid, erin, nil), 200).decode(t, &u)
	if !u.ForcePasswordChange {
		t.Error("a log-in with a 30-day-old password: forcePasswordChange is false")
	}
	e.wantMsg(e.do("GET", "/v2/roles", erin, nil), 403, "must be changed first")
	e.want(e.changeOwnPassword(erin, sid, "erin-Password-1", "erin-Password-2"), 200)
	e.want(e.do("GET", "/v2/roles", erin, nil), 200)
	e.wantMsg(e.changeOwnPassword(erin, sid, "erin-Password-2", "erin-Password-3"), 400, "passwordLifetime.minLifetimeDays is 1")
}

// TestInactivitySettings: accountLockout.inactivityTimeDays over the
// wire: its range, the PUT's audit entry saying what it will lock and
// when, the lock shown on reads before the user tries, the log-in
// refused, and an administrator's unlock.
func TestInactivitySettings(t *testing.T) {
	e, clock := newClockEnv(t, iam.Config{})
	sid := e.createUser("frank", "frank-Password-1", "COHESITY_VIEWER")
	e.wantMsg(e.do("PUT", "/v2/security-config", e.admin, `{"accountLockout":{"inactivityTimeDays":366}}`), 400,
		"accountLockout.inactivityTimeDays: 366 is out of range: it takes 1 to 365")
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"accountLockout":{"inactivityTimeDays":7}}`), 200)
	if c := e.settings(); num(c.AccountLockout.InactivityTimeDays) != 7 {
		t.Errorf("inactivityTimeDays read back: %+v", c.AccountLockout)
	}
	_, entries, _ := e.trail(e.admin, "searchString=inactivityTimeDays+7+counts")
	if len(entries) != 1 || !strings.Contains(entries[0].Details, "locks 1 accounts at ") {
		t.Errorf("the PUT's audit entry: %+v", entries)
	}
	clock.Add(7 * 24 * time.Hour)
	e.admin = bearerCred(e.accessToken("admin", adminPassword)) // the built-in admin is never locked so
	var u userParams
	e.want(e.do("GET", "/v2/users/"+sid, e.admin, nil), 200).decode(t, &u)
	if !u.Locked || u.LockedReason != "Inactivity" {
		t.Errorf("after 7 unused days: locked %v (%s), want locked for Inactivity", u.Locked, u.LockedReason)
	}
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "frank", "password": "frank-Password-1", "domain": "LOCAL"}), 401)
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"locked": false}), 200)
	e.accessToken("frank", "frank-Password-1")
}

// TestIdleTimeoutSettings: sessionConfiguration.inactivityTimeout over
// the wire: its range, sessions and access tokens in use living on,
// unused ones refused once it has passed, API keys not held to it.
func TestIdleTimeoutSettings(t *testing.T) {
	e, clock := newClockEnv(t, iam.Config{})
	e.wantMsg(e.do("PUT", "/v2/security-config", e.admin, `{"sessionConfiguration":{"inactivityTimeout":59}}`), 400,
		"sessionConfiguration.inactivityTimeout: 59 is out of range: it takes 60 to 43200")
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"sessionConfiguration":{"inactivityTimeout":600}}`), 200)
	if c := e.settings(); num(c.SessionConfiguration.InactivityTimeout) != 600 {
		t.Errorf("inactivityTimeout read back: %+v", c.SessionConfiguration)
	}
	sid := e.createUser("gail", "gail-Password-1", "COHESITY_VIEWER")
	_, key := e.createAPIKey(e.admin, sid, "k")
	busy, idle := sessionCred(e.session("gail", "gail-Password-1")), bearerCred(e.accessToken("gail", "gail-Password-1"))
	for range 4 {
		clock.Add(5 * time.Minute)
		e.want(e.do("GET", "/v2/users/"+sid, busy, nil), 200)
	}
	e.want(e.do("GET", "/v2/users/"+sid, idle, nil), 401)
	e.want(e.do("GET", "/v2/users/"+sid, apiKeyCred(key), nil), 200)
	var counts activeSessionsCountParams
	e.want(e.do("GET", "/v2/users/sessions?sids="+sid, busy, nil), 200).decode(t, &counts)
	if counts.TotalSessionsCount != 1 {
		t.Errorf("live sessions counted: %+v, want the one in use", counts)
	}
	clock.Add(11 * time.Minute)
	e.want(e.do("GET", "/v2/users/"+sid, busy, nil), 401)
}

// TestSessionLimitSettings: the session limits over the wire: their
// range; at a user's limit its oldest session ends; at the cluster's, a
// log-in gets 403 with the Error model saying so. Access tokens count as
// sessions do; API keys do not.
func TestSessionLimitSettings(t *testing.T) {
	e := newEnv(t)
	e.wantMsg(e.do("PUT", "/v2/security-config", e.admin, `{"sessionConfiguration":{"sessionLimitPerUser":0}}`), 400,
		"sessionConfiguration.sessionLimitPerUser: 0 is out of range: it takes 1 to 10000")
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"sessionConfiguration":{"limitSessions":true,"sessionLimitPerUser":1,"sessionLimitSystemWide":3}}`), 200)
	if sc := e.settings().SessionConfiguration; sc.LimitSessions == nil || !*sc.LimitSessions || num(sc.SessionLimitPerUser) != 1 || num(sc.SessionLimitSystemWide) != 3 {
		t.Errorf("the limits read back: %+v", sc)
	}
	sid := e.createUser("hank", "hank-Password-1", "COHESITY_VIEWER")
	_, key := e.createAPIKey(e.admin, sid, "k")
	first := sessionCred(e.session("hank", "hank-Password-1"))
	second := bearerCred(e.accessToken("hank", "hank-Password-1"))
	e.want(e.do("GET", "/v2/users/"+sid, first, nil), 401)
	e.want(e.do("GET", "/v2/users/"+sid, second, nil), 200)
	e.want(e.do("GET", "/v2/users/"+sid, apiKeyCred(key), nil), 200)

	// The admin's token and hank's make 2 of 3: one more gets in.
	e.createUser("ivy", "ivy-Password-1", "COHESITY_VIEWER")
	e.createUser("jack", "jack-Password-1", "COHESITY_VIEWER")
	e.session("ivy", "ivy-Password-1")
	r := e.wantMsg(e.do("POST", "/v2/users/sessions", noCred, map[string]string{"username": "jack", "password": "jack-Password-1", "domain": "LOCAL"}), 403,
		"the cluster's session limit is reached: 3 sessions and access tokens are open and sessionConfiguration.sessionLimitSystemWide is 3")
	if code, _ := r.obj(t)["errorCode"].(string); code == "" {
		t.Errorf("no errorCode in %s", r.body)
	}
	// At its own limit, a user's log-in replaces its session even when
	// the cluster is at its limit.
	e.accessToken("hank", "hank-Password-1")
	e.want(e.do("GET", "/v2/users/"+sid, second, nil), 401)
}
