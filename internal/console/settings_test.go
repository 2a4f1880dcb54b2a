package console

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
)

// TestMFASetting: shown, changed, and a bad factor is the service's 400.
func TestMFASetting(t *testing.T) {
	e := newEnv(t)
	b := e.adminBrowser()
	e.want(b.do("GET", "/settings/mfa", nil), http.StatusOK, "Multi-factor authentication", `<label for="m-enabled"`)
	e.wantSeeOther(b.post("/settings/mfa", url.Values{"enabled": {"1"}, "types": {"totp"}, "retain": {"1"}}), "/settings/mfa")
	cfg, err := e.svc.MFAConfig(context.Background(), e.adminP())
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Enabled || len(cfg.Types) != 1 || cfg.Types[0] != "totp" {
		t.Errorf("MFA setting %+v, want on with totp", cfg)
	}
	a := b.post("/settings/mfa", url.Values{"enabled": {"1"}, "types": {"sms"}})
	if a.status < 400 || a.status >= 500 {
		t.Fatalf("a bad factor: %d, want a 4xx\n%s", a.status, a.body)
	}
	e.want(a, a.status, "sms")
}

// TestSecuritySettings: the form sets only its three fields; bad input is
// a 4xx with the service's message.
func TestSecuritySettings(t *testing.T) {
	e := newEnv(t)
	b := e.adminBrowser()
	e.want(b.do("GET", "/settings/security", nil), http.StatusOK, `<label for="s-minlength">`, "passwordStrength.minLength")
	before, err := e.svc.SecurityConfig(context.Background(), e.adminP())
	if err != nil {
		t.Fatal(err)
	}
	e.wantSeeOther(b.post("/settings/security", url.Values{"minLength": {"14"}, "maxFailed": {"7"}, "idleSecs": {"1800"}}), "/settings/security")
	after, err := e.svc.SecurityConfig(context.Background(), e.adminP())
	if err != nil {
		t.Fatal(err)
	}
	if *after.PasswordStrength.MinLength != 14 || *after.AccountLockout.MaxFailedLoginAttempts != 7 ||
		*after.SessionConfiguration.InactivityTimeout != 1800 {
		t.Errorf("after the form: %+v %+v %+v", *after.PasswordStrength, *after.AccountLockout, *after.SessionConfiguration)
	}
	if before.PasswordReuse != nil && *before.PasswordReuse.NumDisallowedOldPasswords != *after.PasswordReuse.NumDisallowedOldPasswords {
		t.Error("a field the form does not hold changed")
	}
	e.want(b.post("/settings/security", url.Values{"minLength": {"many"}}), http.StatusBadRequest, "minLength must be a whole number")
	a := b.post("/settings/security", url.Values{"minLength": {"-3"}})
	if a.status < 400 || a.status >= 500 {
		t.Fatalf("a negative length: %d, want a 4xx\n%s", a.status, a.body)
	}
}

// TestSettingsViewer: a viewer reads both settings without a form, and
// its changes are refused.
func TestSettingsViewer(t *testing.T) {
	e := newEnv(t)
	v := e.viewerBrowser()
	a := v.do("GET", "/settings/mfa", nil)
	e.want(a, http.StatusOK, "Required")
	e.wantNot(a, `action="/settings/mfa"`)
	a = v.do("GET", "/settings/security", nil)
	e.want(a, http.StatusOK, "Every setting")
	e.wantNot(a, `action="/settings/security"`)
	testRefusals(t, e, v, []actionCase{
		{"/settings/mfa", url.Values{"enabled": {"1"}}},
		{"/settings/security", url.Values{"minLength": {"20"}}},
	})
}

// TestDirectories: none configured is said so; a viewer, who holds
// the view privilege, reads the page, with the identity providers; a
// principal without it is refused.
func TestDirectories(t *testing.T) {
	e := newEnv(t)
	e.want(e.adminBrowser().do("GET", "/directories", nil), http.StatusOK, "No Active Directory domain, LDAP provider or identity provider")
	_, cert := samltest.NewKey(t, "console idp")
	off := false
	if _, err := e.svc.CreateIdentityProvider(context.Background(), e.adminP(), domainspec.SAMLIdP{Name: ptrTo("Okta"), Domain: ptrTo("okta.example.com"),
		IssuerID: ptrTo("http://www.okta.com/x"), SSOURL: ptrTo("https://example.okta.com/sso"), Certificate: ptrTo(samltest.PEM(cert)),
		Roles: []string{"COHESITY_VIEWER"}, IsEnabled: &off}); err != nil {
		t.Fatal(err)
	}
	e.want(e.viewerBrowser().do("GET", "/directories", nil), http.StatusOK, "<th scope=\"col\">Serving</th>",
		"SAML provider", "okta.example.com", "https://example.okta.com/sso", "disabled")
	if _, err := e.svc.CreateRole(context.Background(), e.adminP(), iam.RoleInput{Name: "plain", Privileges: []string{"PRINCIPAL_VIEW"}}); err != nil {
		t.Fatal(err)
	}
	e.createUser("pat", "pat-Password-1", "plain")
	b := e.browser()
	b.login("pat", "pat-Password-1")
	e.want(b.do("GET", "/directories", nil), http.StatusForbidden)
	e.wantNot(b.do("GET", "/", nil), `href="/directories"`)
}
