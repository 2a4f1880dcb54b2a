package httpapi

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/directory/dirtest"
	"github.com/clusteriam/clusteriam/internal/iam"
)

func TestMain(m *testing.M) { os.Exit(dirtest.Run(m)) }

// dirEnv is an env whose cluster has the directory domain of srv.
func dirEnv(t *testing.T, srv *dirtest.Server) *env {
	t.Helper()
	d, err := directory.New(directory.Config{Domain: srv.Domain, Type: srv.Kind, URL: srv.URL, StartTLS: true,
		RootCA: srv.CAFile, BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN})
	if err != nil {
		t.Fatal(err)
	}
	return newEnvConfig(t, testParams, iam.Config{Directories: []iam.Directory{d}})
}

// dirLogin logs in as a directory user and returns the status and token.
func (e *env) dirLogin(domain, user, pw string) (int, accessTokenResponse) {
	e.t.Helper()
	r := e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": user, "password": pw, "domain": domain})
	var tok accessTokenResponse
	if r.status == 201 {
		r.decode(e.t, &tok)
	}
	return r.status, tok
}

// TestDirectoryDomains runs the API against a real OpenLDAP and a real
// Samba AD domain controller.
func TestDirectoryDomains(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB) *dirtest.Server
	}{{"ldap", dirtest.Slapd}, {"activeDirectory", dirtest.SambaAD}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t)
			testDirectoryDomain(t, srv)
			testDirectoryLockout(t, srv)
		})
	}
}

func testDirectoryDomain(t *testing.T, srv *dirtest.Server) {
	e := dirEnv(t, srv)
	alice := testDirectoryAdd(t, e, srv.Domain)
	bobTok := testDirectoryLogins(t, e, srv.Domain)
	testDirectoryPrincipals(t, e, srv, alice.SID)
	testDirectoryDown(t, e, srv, bobTok)
}

// testDirectoryAdd adds a user and a group of the directory and tries the
// refusals; it returns the user.
func testDirectoryAdd(t *testing.T, e *env, dom string) userParams {
	// Add a user with a role of its own, and a group whose roles reach
	// its members through two levels of nesting (bob is in eng, eng in
	// staff, staff in all-staff).
	var ul usersList
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "Alice", "domain": strings.ToUpper(dom),
		"roles": []string{"COHESITY_VIEWER"}}}), 201).decode(t, &ul)
	alice := ul.Users[0]
	if alice.Username != "alice" || alice.Domain != dom || !strings.HasPrefix(alice.SID, "S-1-5-21-") || alice.LocalUserParams != nil {
		t.Errorf("added user = %+v; want the directory's name, domain and SID, and no localUserParams", alice)
	}
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "all-staff", "domain": dom,
		"roles": []string{"COHESITY_OPERATOR"}}}), 201).decode(t, &gl)
	if g := gl.Groups[0]; g.Domain != dom || !strings.HasPrefix(g.SID, "S-1-5-21-") {
		t.Errorf("added group = %+v", g)
	}

	// Refusals when adding.
	e.wantMsg(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "nobody", "domain": dom, "roles": []string{}}}),
		400, "no user nobody in domain "+dom)
	e.wantMsg(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "*", "domain": dom, "roles": []string{}}}),
		400, "no user * in domain")
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "carol", "domain": dom, "roles": []string{},
		"localUserParams": map[string]any{"password": "Carol-Password-1"}}}), 400)
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "alice", "domain": dom, "roles": []string{}}}), 409)
	e.wantMsg(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "nogroup", "domain": dom, "roles": []string{}}}),
		400, "no group nogroup in domain "+dom)
	return alice
}

// testDirectoryLogins logs in through a direct role, through nested
// groups, and tries the refusals; it returns bob's token.
func testDirectoryLogins(t *testing.T, e *env, dom string) accessTokenResponse {
	var ul usersList
	code, aliceTok := e.dirLogin(dom, "alice", "Alice-Password-1")
	if code != 201 || slices.Contains(aliceTok.Privileges, "PRINCIPAL_MODIFY") || !slices.Contains(aliceTok.Privileges, "PRINCIPAL_VIEW") {
		t.Errorf("alice's log-in: %d %v; want the viewer's privileges", code, aliceTok.Privileges)
	}
	code, bobTok := e.dirLogin(dom, "bob", "Bob-Password-1")
	if code != 201 || !slices.Contains(bobTok.Privileges, "PROTECTION_MODIFY") {
		t.Errorf("bob's log-in through nested groups: %d %v; want the operator's privileges", code, bobTok.Privileges)
	}
	e.want(e.do("GET", "/v2/users?domain="+dom+"&usernames=bob", bearerCred(bobTok.AccessToken), nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 || len(ul.Users[0].Roles) != 0 {
		t.Errorf("bob after his first log-in: %+v; want him added without roles of his own", ul.Users)
	}
	for _, bad := range []struct{ user, pw string }{
		{"alice", "wrong"}, {"nobody", "x"}, {"*", "Alice-Password-1"}, {"alice)(uid=*", "Alice-Password-1"},
	} {
		if code, _ := e.dirLogin(dom, bad.user, bad.pw); code != 401 {
			t.Errorf("log-in %q/%q: %d, want 401", bad.user, bad.pw, code)
		}
	}
	// An empty password is refused as a bad request, before any bind.
	if code, _ := e.dirLogin(dom, "alice", ""); code != 400 {
		t.Errorf("log-in with an empty password: %d, want 400", code)
	}
	e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "carol", "password": "Carol-Password-1", "domain": dom}),
		403, "not been added")
	return bobTok
}

// testDirectoryPrincipals resolves an added user from the store and one
// not added from the directory.
func testDirectoryPrincipals(t *testing.T, e *env, srv *dirtest.Server, aliceSID string) {
	dom := srv.Domain
	dave := e.dirPrincipalSID(t, srv, "dave")
	var sp securityPrincipals
	e.want(e.do("GET", "/v2/security-principals?sids="+aliceSID+","+dave, e.admin, nil), 200).decode(t, &sp)
	byName := map[string]securityPrincipal{}
	for _, p := range sp.SecurityPrincipals {
		byName[p.PrincipalName] = p
	}
	if p := byName["dave"]; p.SID != dave || p.FullName != "Dave Moe" || p.ObjectClass != "User" || p.DomainName != dom {
		t.Errorf("dave, not added, resolved as %+v", p)
	}
	if p := byName["alice"]; p.SID != aliceSID || p.DomainName != dom {
		t.Errorf("alice resolved as %+v", p)
	}
}

// testDirectoryDown stops the directory: its users get 503, LOCAL users
// and sessions already made keep working.
func testDirectoryDown(t *testing.T, e *env, srv *dirtest.Server, bobTok accessTokenResponse) {
	dom := srv.Domain
	srv.Stop(t)
	e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "alice", "password": "Alice-Password-1", "domain": dom}),
		503, "unavailable")
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "dave", "domain": dom, "roles": []string{}}}), 503)
	if logs := e.logBuf.String(); !strings.Contains(logs, `"cause":"directory `+dom+`: connect`) {
		t.Errorf("the log does not say why the directory is unavailable:\n%s", logs)
	}
	e.want(e.do("GET", "/v2/users", bearerCred(bobTok.AccessToken), nil), 200)
	e.accessToken("admin", adminPassword)
	srv.Start(t)
	if code, _ := e.dirLogin(dom, "alice", "Alice-Password-1"); code != 201 {
		t.Errorf("alice's log-in once the directory is back: %d", code)
	}
}

// dirPrincipalSID returns the SID the directory gives user.
func (e *env) dirPrincipalSID(t *testing.T, srv *dirtest.Server, user string) string {
	t.Helper()
	d, err := directory.New(directory.Config{Domain: srv.Domain, Type: srv.Kind, URL: srv.LDAPSURL, RootCA: srv.CAFile,
		BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN})
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.User(t.Context(), user)
	if err != nil {
		t.Fatal(err)
	}
	return p.SID
}

// testDirectoryLockout: wrong directory passwords lock the cluster account
// as LOCAL ones do, and leave the directory account alone.
func testDirectoryLockout(t *testing.T, srv *dirtest.Server) {
	e := dirEnv(t, srv)
	dom := srv.Domain
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "alice", "domain": dom,
		"roles": []string{"COHESITY_VIEWER"}}}), 201)
	for range 5 {
		if code, _ := e.dirLogin(dom, "alice", "Wrong-Password-1"); code != 401 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	e.svc.Wait()
	var ul usersList
	e.want(e.do("GET", "/v2/users?domain="+dom+"&usernames=alice", e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 || !ul.Users[0].Locked || ul.Users[0].LockedReason != "FailedLoginAttempts" {
		t.Fatalf("alice after 5 wrong passwords: %+v", ul.Users)
	}
	if code, _ := e.dirLogin(dom, "alice", "Alice-Password-1"); code != 401 {
		t.Errorf("right password while locked on the cluster: %d, want 401", code)
	}
	d, err := directory.New(directory.Config{Domain: dom, Type: srv.Kind, URL: srv.LDAPSURL, RootCA: srv.CAFile,
		BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Authenticate(t.Context(), "alice", "Alice-Password-1"); err != nil {
		t.Errorf("the directory itself refuses alice after the cluster locked her: %v", err)
	}
}
