package console

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

const viewerPassword = "viewer-Password-1"

// adminP is the admin's principal, for setting things up through iam.
func (e *env) adminP() *iam.Principal {
	e.t.Helper()
	return e.principal("admin", adminPassword)
}

// principal logs user in through the service and returns its principal.
func (e *env) principal(user, password string) *iam.Principal {
	e.t.Helper()
	ctx := context.Background()
	secret, _, err := e.svc.Login(ctx, iam.LoginInput{Username: user, Password: password, Domain: iam.LocalDomain}, store.SessionKindSession)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := e.svc.Authenticate(ctx, iam.Credential{Kind: iam.CredSession, Secret: secret})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// createUser makes a local user with roles, through the service.
func (e *env) createUser(name, password string, roles ...string) store.User {
	e.t.Helper()
	us, err := e.svc.CreateUsers(context.Background(), e.adminP(), []iam.NewUser{
		{Username: name, Domain: iam.LocalDomain, Password: password, Roles: roles}})
	if err != nil {
		e.t.Fatal(err)
	}
	return us[0]
}

// adminBrowser is a browser logged in as the admin.
func (e *env) adminBrowser() *browser {
	b := e.browser()
	b.login("admin", adminPassword)
	return b
}

// viewerBrowser is a browser logged in as a new COHESITY_VIEWER, vera.
func (e *env) viewerBrowser() *browser {
	e.createUser("vera", viewerPassword, iam.RoleViewer)
	b := e.browser()
	b.login("vera", viewerPassword)
	return b
}

// post sends form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) answer {
	b.e.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf", b.csrf())
	return b.do("POST", path, f)
}

// wantNot fails the test if a's body holds any of texts.
func (e *env) wantNot(a answer, texts ...string) {
	e.t.Helper()
	for _, s := range texts {
		if strings.Contains(a.body, s) {
			e.t.Errorf("the page holds %q:\n%s", s, a.body)
		}
	}
}

// wantSeeOther fails the test unless a sends the browser to path.
func (e *env) wantSeeOther(a answer, path string) {
	e.t.Helper()
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), path) {
		e.t.Fatalf("status %d to %q, want 303 to %s\n%s", a.status, a.header.Get("Location"), path, a.body)
	}
}

// actionCase is one state-changing request that a page offers: the
// viewer's refusal and the missing token's are alike for all of them.
type actionCase struct {
	path string
	form url.Values
}

// testRefusals: each action, posted without the CSRF token, is refused
// with 403 and a word on CSRF; posted by a viewer with it, the service
// refuses it with 403.
func testRefusals(t *testing.T, e *env, viewer *browser, actions []actionCase) {
	t.Helper()
	admin := e.adminBrowser()
	for _, a := range actions {
		t.Run(a.path, func(t *testing.T) {
			e.want(admin.do("POST", a.path, a.form), http.StatusForbidden, "CSRF")
			got := viewer.post(a.path, a.form)
			if got.status != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d to %q, want 403\n%s", a.path, got.status, got.header.Get("Location"), got.body)
			}
		})
	}
}

// TestSectionTemplates: every page the sections name has its template.
func TestSectionTemplates(t *testing.T) {
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := parsePages(templateFS, static)
	if err != nil {
		t.Fatal(err)
	}
	for name := range sectionTitles {
		if pg.byName[name] == nil {
			t.Errorf("no template %s.html", name)
		}
	}
}
