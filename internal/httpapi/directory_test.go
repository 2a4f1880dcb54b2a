package httpapi

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/directory/dirtest"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

func TestMain(m *testing.M) { os.Exit(dirtest.Run(m)) }

// dirEnv is an env whose cluster has the directory domain of srv.
func dirEnv(t *testing.T, srv *dirtest.Server) *env {
	t.Helper()
	return dirEnvOn(t, srv, "", testbackend.Open(t))
}

// dirEnvOn is an env on be whose cluster has the directory domain of srv,
// serving organization tenant ("" the cluster).
func dirEnvOn(t *testing.T, srv *dirtest.Server, tenant string, be *testbackend.Backend) *env {
	t.Helper()
	d, err := directory.New(directory.Config{Domain: srv.Domain, Type: srv.Kind, Tenant: tenant, URL: srv.URL, StartTLS: true,
		RootCA: srv.CAFile, BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN})
	if err != nil {
		t.Fatal(err)
	}
	return newEnvOn(t, be, testParams, iam.Config{Directories: []iam.Directory{d}}, Options{})
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
			testDirectoryTenant(t, srv)
			testDirectoryTenantMoved(t, srv)
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

// testDirectoryTenant: a domain serving organization acme/ is added to
// only from inside acme/, is unknown to other organizations, logs its
// users in to acme/, and follows acme's state.
func testDirectoryTenant(t *testing.T, srv *dirtest.Server) {
	dom := srv.Domain
	e := dirEnvOn(t, srv, "acme/", testbackend.Open(t))
	e.enableOrgs()
	e.createTenant(e.admin, "acme", "Acme")
	e.createTenant(e.admin, "beta", "Beta")
	_, acmeTok := e.tenantAdmin("acme/", "boss", "COHESITY_ADMIN")
	_, betaTok := e.tenantAdmin("beta/", "other", "COHESITY_ADMIN")
	alice := []map[string]any{{"username": "alice", "domain": dom, "roles": []string{"COHESITY_VIEWER"}}}
	staff := []map[string]any{{"name": "all-staff", "domain": dom, "roles": []string{"COHESITY_VIEWER"}}}

	// The cluster's admin acting in the cluster is told where to act;
	// to another organization the domain is as unknown as any.
	for _, r := range []resp{e.do("POST", "/v2/users", e.admin, alice), e.do("POST", "/v2/groups", e.admin, staff)} {
		e.wantMsg(r, 400, "is not registered with the organization you act in (the cluster): it serves organization \"acme/\"")
	}
	unknown := fmt.Sprintf("domain %q is not registered with the cluster", dom)
	e.wantMsg(e.do("POST", "/v2/users", betaTok, alice), 400, unknown)
	e.wantMsg(e.do("POST", "/v2/groups", betaTok, staff), 400, unknown)
	e.wantMsg(e.doIn("beta/", "POST", "/v2/users", e.admin, alice), 400, unknown)

	// Acting inside acme/, the cluster's admin adds alice; acme's own
	// admin adds the group.
	var ul usersList
	e.want(e.doIn("acme/", "POST", "/v2/users", e.admin, alice), 201).decode(t, &ul)
	if u := ul.Users[0]; u.TenantID != "acme/" || u.Domain != dom || !strings.HasPrefix(u.SID, "S-1-5-21-") {
		t.Errorf("alice added inside acme/ = %+v; want tenantId acme/", u)
	}
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", acmeTok, staff), 201).decode(t, &gl)
	if g := gl.Groups[0]; !slices.Equal(g.TenantIDs, []string{"acme/"}) {
		t.Errorf("all-staff added by acme's admin has tenantIds %v; want [acme/]", g.TenantIDs)
	}

	// alice logs in to acme/ and sees acme's users only; bob, let in
	// through his groups, is added to acme/.
	code, aliceTok := e.dirLogin(dom, "alice", "Alice-Password-1")
	if code != 201 {
		t.Fatalf("alice's log-in to the domain of acme/: %d", code)
	}
	if code, _ := e.dirLogin(dom, "bob", "Bob-Password-1"); code != 201 {
		t.Fatalf("bob's log-in through the groups of acme/: %d", code)
	}
	e.want(e.do("GET", "/v2/users", bearerCred(aliceTok.AccessToken), nil), 200).decode(t, &ul)
	names := map[string]string{}
	for _, u := range ul.Users {
		names[u.Username] = u.TenantID
	}
	if len(names) != 3 || names["alice"] != "acme/" || names["bob"] != "acme/" || names["boss"] != "acme/" {
		t.Errorf("the users alice sees: %v; want alice, bob and boss, all of acme/", names)
	}
	testDirectoryTenantPrincipals(t, e, srv, acmeTok, betaTok)
	testDirectoryTenantInactive(t, e, dom)
	testDirectoryTenantLockout(t, e, dom, acmeTok)
}

// testDirectoryTenantLockout: wrong passwords of a user of acme's domain
// count on its record in acme/.
func testDirectoryTenantLockout(t *testing.T, e *env, dom string, acmeTok cred) {
	for range 5 {
		if code, _ := e.dirLogin(dom, "bob", "Wrong-Password-1"); code != 401 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	e.svc.Wait()
	var ul usersList
	e.want(e.do("GET", "/v2/users?usernames=bob", acmeTok, nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 || !ul.Users[0].Locked || ul.Users[0].LockedReason != "FailedLoginAttempts" {
		t.Errorf("bob of acme/ after 5 wrong passwords: %+v; want him locked", ul.Users)
	}
}

// testDirectoryTenantPrincipals: a sid of acme's domain resolves for
// acme and the cluster, and is unknown to beta.
func testDirectoryTenantPrincipals(t *testing.T, e *env, srv *dirtest.Server, acmeTok, betaTok cred) {
	dave, alice := e.dirPrincipalSID(t, srv, "dave"), e.dirPrincipalSID(t, srv, "alice")
	for _, c := range []struct {
		who  string
		cred cred
		want int
	}{{"acme's admin", acmeTok, 2}, {"the cluster's admin", e.admin, 2}, {"beta's admin", betaTok, 0}} {
		var sp securityPrincipals
		e.want(e.do("GET", "/v2/security-principals?sids="+alice+","+dave, c.cred, nil), 200).decode(t, &sp)
		if len(sp.SecurityPrincipals) != c.want {
			t.Errorf("%s resolves alice (added) and dave (not) of acme's domain as %+v; want %d", c.who, sp.SecurityPrincipals, c.want)
		}
	}
}

// testDirectoryTenantInactive: while acme/ is inactive its directory
// users cannot log in, nor be added at a first log-in.
func testDirectoryTenantInactive(t *testing.T, e *env, dom string) {
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": "Deactivate"}), 200)
	e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "alice", "password": "Alice-Password-1", "domain": dom}),
		403, `organization "acme/" is Inactive`)
	e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "dave", "password": "Dave-Password-1", "domain": dom}),
		403, "Inactive")
	if code, _ := e.dirLogin(dom, "alice", "Wrong-Password-1"); code != 401 {
		t.Errorf("a wrong password while acme/ is inactive: %d, want 401", code)
	}
	var ul usersList
	e.want(e.doIn("acme/", "GET", "/v2/users?usernames=dave", e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 0 {
		t.Errorf("dave was added to inactive acme/ at a refused log-in: %+v", ul.Users)
	}
	e.want(e.do("POST", tenantPath("acme/", "/actions"), e.admin, map[string]any{"action": "Activate"}), 200)
	if code, _ := e.dirLogin(dom, "alice", "Alice-Password-1"); code != 201 {
		t.Errorf("alice's log-in once acme/ is active again: %d", code)
	}
}

// testDirectoryTenantMoved: a user added while the domain served another
// organization (here moved in the store, as a reconfigured domain leaves
// it) is refused with the reason; a domain serving an organization that
// does not exist lets nobody in.
func testDirectoryTenantMoved(t *testing.T, srv *dirtest.Server) {
	dom := srv.Domain
	e := dirEnvOn(t, srv, "acme/", testbackend.Open(t))
	e.enableOrgs()
	e.createTenant(e.admin, "acme", "Acme")
	var ul usersList
	e.want(e.doIn("acme/", "POST", "/v2/users", e.admin, []map[string]any{{"username": "alice", "domain": dom,
		"roles": []string{"COHESITY_VIEWER"}}}), 201).decode(t, &ul)
	var gl groupsJSON
	e.want(e.doIn("acme/", "POST", "/v2/groups", e.admin, []map[string]any{{"name": "all-staff", "domain": dom,
		"roles": []string{"COHESITY_VIEWER"}}}), 201).decode(t, &gl)
	err := e.st.Update(t.Context(), func(tx store.Tx) error {
		_, err := tx.UpdateUser(t.Context(), ul.Users[0].SID, func(u store.User) (store.User, error) {
			u.TenantID = ""
			return u, nil
		})
		if err != nil {
			return err
		}
		_, err = tx.UpdateGroup(t.Context(), gl.Groups[0].SID, func(g store.Group) (store.Group, error) {
			g.TenantID = ""
			return g, nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "alice", "password": "Alice-Password-1", "domain": dom}),
		403, "was added to the cluster, but domain "+dom+` serves organization "acme/" now`)
	// bob's only way in was the group, which is the cluster's now.
	e.wantMsg(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "bob", "password": "Bob-Password-1", "domain": dom}),
		403, "not been added")

	ghost := dirEnvOn(t, srv, "ghost/", testbackend.Open(t))
	ghost.wantMsg(ghost.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "alice", "password": "Alice-Password-1", "domain": dom}),
		403, `organization "ghost/", which domain `+dom+" serves, does not exist")
}
