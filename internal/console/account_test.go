package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
)

// TestAccountPassword: the current password and the new one twice; a
// slip or a weak password is a 400 with the reason, never the
// password typed.
func TestAccountPassword(t *testing.T) {
	e := newEnv(t)
	e.createUser("bob", "bob-Password-1", iam.RoleViewer)
	b := e.browser()
	b.login("bob", "bob-Password-1")
	e.want(b.do("GET", "/account", nil), http.StatusOK, `<label for="a-current">`, "1 active session,")
	for name, tc := range map[string]struct {
		form url.Values
		want string
	}{
		"differ":   {url.Values{"current": {"bob-Password-1"}, "new": {"new-Password-12"}, "again": {"new-Password-13"}}, "differ"},
		"wrong":    {url.Values{"current": {"bad-Password-1"}, "new": {"new-Password-12"}, "again": {"new-Password-12"}}, ""},
		"too weak": {url.Values{"current": {"bob-Password-1"}, "new": {"x"}, "again": {"x"}}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			a := b.post("/account/password", tc.form)
			if a.status < 400 || a.status >= 500 {
				t.Fatalf("status %d, want a 4xx\n%s", a.status, a.body)
			}
			e.want(a, a.status, tc.want, `role="alert"`)
			e.wantNot(a, "bad-Password-1", "new-Password-12")
		})
	}
	e.wantSeeOther(b.post("/account/password", url.Values{"current": {"bob-Password-1"}, "new": {"new-Password-12"}, "again": {"new-Password-12"}}), "/account")
	e.principal("bob", "new-Password-12")
}

// TestAccountPasswordGuesses: a wrong current password is a password
// guess, and spends the log-in limiter's tokens as the API's does.
func TestAccountPasswordGuesses(t *testing.T) {
	e := newEnv(t)
	e.createUser("bob", "bob-Password-1", iam.RoleViewer)
	b := e.browser()
	b.login("bob", "bob-Password-1")
	wrong := url.Values{"current": {"bad-Password-1"}, "new": {"new-Password-12"}, "again": {"new-Password-12"}}
	for range loginlimit.DefaultFailedLoginsPerAccountPerMinute {
		if a := b.post("/account/password", wrong); a.status == http.StatusTooManyRequests {
			t.Fatal("held back before the limit")
		}
	}
	e.want(b.post("/account/password", wrong), http.StatusTooManyRequests, "Too many failed password checks")
}

// TestAccountSessions: "end my other sessions" ends the others only.
func TestAccountSessions(t *testing.T) {
	e := newEnv(t)
	other := e.adminBrowser()
	b := e.adminBrowser()
	e.want(b.do("GET", "/account", nil), http.StatusOK, "2 active sessions")
	e.wantSeeOther(b.post("/account/sessions/end-others", nil), "/account")
	e.want(b.do("GET", "/account", nil), http.StatusOK, "1 active session,")
	e.wantSeeOther(other.do("GET", "/account", nil), "/login")
	e.want(b.do("POST", "/account/sessions/end-others", url.Values{}), http.StatusForbidden, "CSRF")
}

// TestAccountKeys: a key of one's own is made, its secret shown once
// with a copy button, and deactivated; a bad name is the service's 400.
func TestAccountKeys(t *testing.T) {
	e := newEnv(t)
	v := e.viewerBrowser() // a viewer manages its own keys
	a := v.post("/account/api-keys", url.Values{"name": {"mine " + hostile}, "days": {"30"}})
	e.want(a, http.StatusOK, `data-copy="secret"`, "mine &lt;img")
	e.wantNot(a, hostile)
	m := regexp.MustCompile(`<p id="secret" class="secret">([^<]+)</p>`).FindStringSubmatch(a.body)
	if m == nil {
		t.Fatal("no secret shown")
	}
	if _, err := e.svc.Authenticate(context.Background(), iam.Credential{Kind: iam.CredAPIKey, Secret: m[1]}); err != nil {
		t.Errorf("the secret shown does not authenticate: %v", err)
	}
	page := v.do("GET", "/account", nil)
	e.want(page, http.StatusOK, "mine &lt;img")
	if strings.Contains(page.body, m[1]) {
		t.Error("the account page shows the secret again")
	}
	id := regexp.MustCompile(`/account/api-keys/([^/]+)/deactivate`).FindStringSubmatch(page.body)
	if id == nil {
		t.Fatal("no deactivate button")
	}
	e.wantSeeOther(v.post("/account/api-keys/"+id[1]+"/deactivate", nil), "/account")
	if _, err := e.svc.Authenticate(context.Background(), iam.Credential{Kind: iam.CredAPIKey, Secret: m[1]}); err == nil {
		t.Error("the deactivated key still authenticates")
	}
	e.want(v.post("/account/api-keys", url.Values{"name": {" "}}), http.StatusBadRequest, "name is required")
	e.want(v.post("/account/api-keys", url.Values{"name": {"k"}, "days": {"soon"}}), http.StatusBadRequest, "days must be a whole number")
}

// TestAccountEnrolOnly: with MFA on and no factor enrolled, the log-in
// lands on the account page, which offers only the enrolment; the TOTP
// secret and URI show once; anything else is refused.
func TestAccountEnrolOnly(t *testing.T) {
	e := newEnv(t)
	e.createUser("bob", "bob-Password-1", iam.RoleViewer)
	if _, err := e.svc.SetMFAConfig(context.Background(), e.adminP(), iam.MFAConfigInput{Enabled: true, Types: []string{"totp"}}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	a := b.do("POST", "/login", url.Values{"username": {"bob"}, "password": {"bob-Password-1"}, "domain": {"LOCAL"}})
	e.wantSeeOther(a, "/account")
	page := b.do("GET", "/account", nil)
	e.want(page, http.StatusOK, "enrol an authenticator app", `action="/account/totp"`)
	e.wantNot(page, `action="/account/password"`, `action="/account/api-keys"`)
	token := csrfRE.FindStringSubmatch(page.body)[1]
	a = b.do("POST", "/account/totp", url.Values{"csrf": {token}, "name": {"phone"}})
	e.want(a, http.StatusOK, "otpauth://totp/", `data-copy="secret-uri"`, "shown only once")
	secret := regexp.MustCompile(`id="secret" class="secret">([A-Z2-7]+)<`).FindStringSubmatch(a.body)
	if secret == nil {
		t.Fatalf("no TOTP secret on the page:\n%s", a.body)
	}
	a = b.do("POST", "/account/password", url.Values{"csrf": {token}, "current": {"bob-Password-1"}, "new": {"n-Password-12"}, "again": {"n-Password-12"}})
	for _, a := range []answer{a, b.do("GET", "/users", nil)} {
		if a.status != http.StatusForbidden && a.status != http.StatusUnauthorized {
			t.Errorf("an enrolment session's other request: %d, want it refused\n%s", a.status, a.body)
		}
	}

	// The log-in page takes a code of the new key, which confirms it; from
	// then on a log-in without a code is asked for one.
	b2 := e.browser()
	e.want(b2.do("GET", "/login", nil), http.StatusOK, `id="otp"`)
	code, err := totp.GenerateCode(secret[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	login := url.Values{"username": {"bob"}, "password": {"bob-Password-1"}, "domain": {"LOCAL"}, "otp": {code}, "otpType": {"totp"}}
	e.wantSeeOther(b2.do("POST", "/login", login), "/")
	e.want(b2.do("GET", "/users", nil), http.StatusOK, "bob")
	login.Del("otp")
	e.want(e.browser().do("POST", "/login", login), http.StatusUnauthorized, `<details class="otp" open>`, "second factor")
}
