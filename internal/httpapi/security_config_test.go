package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// secConfig is the part of SecurityConfigResponse the tests read.
type secConfig struct {
	PasswordStrength struct {
		MinLength          int64
		IncludeUpperLetter *bool
		IncludeSpecialChar *bool
	}
	AccountLockout struct {
		MaxFailedLoginAttempts          int64
		FailedLoginLockTimeDurationMins int64
	}
	SessionConfiguration    struct{ AbsoluteTimeout int64 }
	AuthTokenTimeoutMinutes int64
	InactivityTimeoutMSecs  int64
}

func (e *env) securityConfig() secConfig {
	e.t.Helper()
	var c secConfig
	e.want(e.do("GET", "/v2/security-config", e.admin, nil), 200).decode(e.t, &c)
	return c
}

// TestSecurityConfig: the settings as the flags give them, a sparse
// update as both SDKs send it, the password strength and the lock-out
// taking effect (security_settings_test.go has the other settings).
func TestSecurityConfig(t *testing.T) {
	e := newEnvConfig(t, testParams, iam.Config{Lockout: iam.LockoutPolicy{Threshold: 7, Duration: 20 * time.Minute}})
	c := e.securityConfig()
	if c.PasswordStrength.MinLength != 12 || c.AccountLockout.MaxFailedLoginAttempts != 7 || c.AccountLockout.FailedLoginLockTimeDurationMins != 20 ||
		c.SessionConfiguration.AbsoluteTimeout != 12*3600 || c.AuthTokenTimeoutMinutes != 720 || c.InactivityTimeoutMSecs != 1_800_000 {
		t.Errorf("the settings the flags give: %+v", c)
	}

	// A sparse update changes what it names and nothing else.
	var got secConfig
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"passwordStrength":{"minLength":16,"includeSpecialChar":true}}`), 200).decode(t, &got)
	if got.PasswordStrength.MinLength != 16 || !*got.PasswordStrength.IncludeSpecialChar || *got.PasswordStrength.IncludeUpperLetter ||
		got.AccountLockout.MaxFailedLoginAttempts != 7 {
		t.Errorf("after a sparse update: %+v", got)
	}
	// The Python SDK's round trip sends null for what GET left out; the
	// Go SDK may send no body: both change nothing.
	for _, body := range []any{`{"passwordReuse":{"numDisallowedOldPasswords":0,"numDifferentChars":null},"authTokenTimeoutMinutes":null,"inactivityTimeoutMSecs":null}`, nil} {
		before := string(e.want(e.do("GET", "/v2/security-config", e.admin, nil), 200).body)
		if after := string(e.want(e.do("PUT", "/v2/security-config", e.admin, body), 200).body); after != before {
			t.Errorf("a PUT of nothing changed the settings:\nbefore %s\nafter  %s", before, after)
		}
	}

	// The stored strength applies to the next password set.
	for pw, want := range map[string]int{"Short-Passwd-1!": 400, "NoSpecialChars12": 400, "Long-Enough-Pass1": 201} {
		body := []map[string]any{{"username": "u" + strings.ToLower(pw[:4]), "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"},
			"localUserParams": map[string]any{"password": pw}}}
		if r := e.do("POST", "/v2/users", e.admin, body); r.status != want {
			t.Errorf("a new password %q: %d %s, want %d", pw, r.status, r.body, want)
		}
	}

	// The lock-out takes the stored settings: two failures now lock.
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"accountLockout":{"maxFailedLoginAttempts":2,"failedLoginLockTimeDurationMins":30}}`), 200)
	victim := e.createUser("victim", "Victim-Password-1!", "COHESITY_VIEWER")
	for range 2 {
		e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "victim", "password": "Wrong-Password-1!", "domain": "LOCAL"}), 401)
		e.svc.Wait()
	}
	var u userParams
	e.want(e.do("GET", "/v2/users/"+victim, e.admin, nil), 200).decode(t, &u)
	if !u.Locked || u.LockedReason != "FailedLoginAttempts" {
		t.Errorf("after 2 failures with maxFailedLoginAttempts 2: locked %v (%s)", u.Locked, u.LockedReason)
	}
	if c := e.securityConfig(); c.AccountLockout.MaxFailedLoginAttempts != 2 || c.AccountLockout.FailedLoginLockTimeDurationMins != 30 {
		t.Errorf("the lock-out read back: %+v", c.AccountLockout)
	}

	// Sessions and tokens live as long as the settings say, from the next
	// log-in on.
	e.want(e.do("PUT", "/v2/security-config", e.admin, `{"sessionConfiguration":{"absoluteTimeout":3600},"authTokenTimeoutMinutes":90}`), 200)
	for secret, want := range map[string]time.Duration{e.session("admin", adminPassword): time.Hour,
		e.accessToken("admin", adminPassword): 90 * time.Minute} {
		sess, err := e.st.GetSessionByHash(t.Context(), auth.HashToken(secret))
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Duration(sess.ExpiresMsecs-sess.CreatedMsecs) * time.Millisecond; got != want {
			t.Errorf("a new %s lives %v, want %v", sess.Kind, got, want)
		}
	}

	// Every change is in the trail, with the record before and after.
	trail, _, _ := e.trail(e.admin, "searchString=update_security_config")
	if len(trail) == 0 || !strings.Contains(strings.Join(trail, "|"), "Modify ClusterConfig") {
		t.Errorf("changes in the trail: %q", trail)
	}
	entries := e.want(e.do("GET", "/v2/audit-logs?searchString=previousRecord", e.admin, nil), 200).obj(t)["auditLogs"].([]any)
	if len(entries) == 0 || !strings.Contains(entries[len(entries)-1].(map[string]any)["details"].(string), `"minLength":16`) {
		t.Errorf("no previous and new record in the trail: %v", entries)
	}

	// A viewer reads, and does not change.
	_, viewer := e.loginAs("valentina", "COHESITY_VIEWER") // valentina-Password-1 meets the rules
	e.want(e.do("GET", "/v2/security-config", viewer, nil), 200)
	e.want(e.do("PUT", "/v2/security-config", viewer, `{}`), 403)
}
