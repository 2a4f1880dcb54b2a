package httpapi

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/directory/dirtest"
	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// TestDirectoryAPI adds a real OpenLDAP and a real Samba AD domain
// through the API (LdapApi and ActiveDirectoryApi), finds a user and a
// group through /v2/active-directory-principals, adds them, logs the user
// in, and removes the domain.
func TestDirectoryAPI(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB) *dirtest.Server
	}{{"ldap", dirtest.Slapd}, {"activeDirectory", dirtest.SambaAD}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t)
			e := newEnvConfig(t, testParams, iam.Config{DirectoryCAFile: srv.CAFile})
			var id int64
			if srv.Kind == directory.TypeLDAP {
				id = testLDAPCreate(t, e, srv)
			} else {
				id = testADCreate(t, e, srv)
			}
			testDirectoryPrincipalsAPI(t, e, srv)
			testDomainRemoval(t, e, srv, id)
		})
	}
}

// hostPort splits a directory URL's host and port.
func hostPort(t *testing.T, raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Hostname(), u.Port()
}

// ldapProvider is an LDAP provider of srv as the vendor's model has it.
func ldapProvider(t *testing.T, srv *dirtest.Server, password string) map[string]any {
	host, port := hostPort(t, srv.URL)
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("port %q", port)
	}
	return map[string]any{"name": "test ldap", "domainName": srv.Domain, "baseDistinguishedName": srv.BaseDN,
		"authType": "Simple", "preferredLdapServers": []string{host}, "port": p,
		"simpleAuthParams": map[string]any{"userDistinguishedName": srv.BindDN, "userPassword": password, "useSsl": false}}
}

func testLDAPCreate(t *testing.T, e *env, srv *dirtest.Server) int64 {
	e.wantMsg(e.do("POST", "/v2/ldap", e.admin, ldapProvider(t, srv, "wrong")), 400, "saveAnyway=true")
	var l domainspec.LDAP
	e.want(e.do("POST", "/v2/ldap", e.admin, ldapProvider(t, srv, srv.BindPassword)), 201).decode(t, &l)
	if l.ID == nil || *l.ID <= 0 || l.SimpleAuthParams == nil || l.SimpleAuthParams.UserPassword != nil {
		t.Fatalf("created provider = %+v; want an id and no password", l)
	}
	var st ldapStatus
	e.want(e.do("GET", fmt.Sprintf("/v2/ldap/%d/connection-status", *l.ID), e.admin, nil), 200).decode(t, &st)
	if st.ConnectionStatus != "NoError" {
		t.Errorf("connection status %q", st.ConnectionStatus)
	}
	// A PUT without the password keeps the stored one: it still binds.
	upd := ldapProvider(t, srv, "")
	upd["id"], upd["simpleAuthParams"].(map[string]any)["userPassword"] = *l.ID, nil
	upd["name"] = "renamed"
	e.want(e.do("PUT", "/v2/ldap", e.admin, upd), 200).decode(t, &l)
	if deref(l.Name) != "renamed" {
		t.Errorf("updated name %q", deref(l.Name))
	}
	e.want(e.do("GET", fmt.Sprintf("/v2/ldap/%d/connection-status", *l.ID), e.admin, nil), 200).decode(t, &st)
	if st.ConnectionStatus != "NoError" {
		t.Errorf("connection status after an update without the password: %q", st.ConnectionStatus)
	}
	// The domain name is the provider's: a second one is a conflict, and
	// it cannot change.
	e.want(e.do("POST", "/v2/ldap?saveAnyway=true", e.admin, ldapProvider(t, srv, "x")), 409)
	upd["domainName"] = "other.example"
	e.wantMsg(e.do("PUT", "/v2/ldap", e.admin, upd), 400, "domainName cannot change")
	return *l.ID
}

func testADCreate(t *testing.T, e *env, srv *dirtest.Server) int64 {
	suffix := make([]byte, 3)
	rand.Read(suffix)
	machine := "CIAM" + strings.ToUpper(hex.EncodeToString(suffix))
	body := func(password string) map[string]any {
		return map[string]any{"domainName": srv.Domain, "machineAccounts": []map[string]any{{"name": machine}},
			"preferredDomainControllers": []map[string]any{{"name": "127.0.0.1"}},
			"activeDirectoryAdminParams": map[string]any{"username": "Administrator", "password": password}}
	}
	e.wantMsg(e.do("POST", "/v2/active-directories", e.admin, body("wrong")), 400, "refused")
	var ad domainspec.ADResponse
	e.want(e.do("POST", "/v2/active-directories", e.admin, body(srv.BindPassword)), 201).decode(t, &ad)
	if ad.ID == nil || *ad.ID <= 0 || ad.Error != nil || len(ad.MachineAccounts) != 1 {
		t.Fatalf("created domain = %+v", ad)
	}
	t.Cleanup(func() {
		d, err := directory.New(directory.Config{Domain: srv.Domain, Type: srv.Kind, URL: srv.LDAPSURL, RootCA: srv.CAFile,
			BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN})
		if err == nil {
			_ = d.Leave(t.Context(), srv.BindDN, srv.BindPassword, []string{machine})
		}
	})
	// The same machine account again is a conflict with the directory.
	e.want(e.do("POST", "/v2/active-directories", e.admin, body(srv.BindPassword)), 409)
	e.want(e.do("GET", fmt.Sprintf("/v2/active-directories/%d?includeDomainControllers=true", *ad.ID), e.admin, nil), 200).decode(t, &ad)
	if len(ad.DomainControllers) != 1 || len(ad.DomainControllers[0].Controllers) == 0 {
		t.Errorf("domain controllers = %+v", ad.DomainControllers)
	}
	// The prefix of get_active_directory_by_id's principals is a search
	// field too: escaped, and a prefix, not a substring.
	for prefix, want := range map[string]int{"ali": 1, "lice": 0, "*": 0, "a*)(|(objectClass=*": 0, `\2a`: 0} {
		var got domainspec.ADResponse
		e.want(e.do("GET", fmt.Sprintf("/v2/active-directories/%d?includeSecurityPrincipals=true&prefix=%s", *ad.ID, url.QueryEscape(prefix)),
			e.admin, nil), 200).decode(t, &got)
		if len(got.SecurityPrincipals) != want {
			t.Errorf("principals with prefix %q: %+v, want %d", prefix, got.SecurityPrincipals, want)
		}
	}
	e.want(e.do("GET", fmt.Sprintf("/v2/active-directories/%d?includeSecurityPrincipals=true", *ad.ID), e.admin, nil), 400)
	var dcs domainControllersResponse
	e.want(e.do("GET", "/v2/domain-controllers?domainNames="+srv.Domain, e.admin, nil), 200).decode(t, &dcs)
	reached := false
	for _, dc := range dcs.DomainControllers[0].Controllers {
		reached = reached || deref(dc.Status) == "Reachable"
	}
	if !reached {
		t.Errorf("no controller reachable: %+v", dcs)
	}
	var td domainspec.TrustedDomainParams
	e.want(e.do("POST", "/v2/trusted-domains?domainName="+srv.Domain, e.admin, map[string]any{"enabled": true}), 200).decode(t, &td)
	if deref(td.DiscoveryStatus) != "Completed" || len(td.TrustedDomains) != 0 {
		t.Errorf("trusted domains = %+v", td)
	}
	e.want(e.do("PUT", "/v2/trusted-domains?domainName="+srv.Domain+"&rediscover=true", e.admin, nil), 202)
	return *ad.ID
}

// testDirectoryPrincipalsAPI searches the domain, adds what it found, and
// logs the user in.
func testDirectoryPrincipalsAPI(t *testing.T, e *env, srv *dirtest.Server) {
	dom := srv.Domain
	search := func(q string) []adPrincipal {
		var out adPrincipals
		e.want(e.do("GET", "/v2/active-directory-principals?domainName="+dom+"&"+q, e.admin, nil), 200).decode(t, &out)
		return out.Principals
	}
	found := search("searchTerm=ali")
	if len(found) != 1 || found[0].Name != "alice" || found[0].FullName != "Alice Doe" || found[0].ObjectClass != "User" || deref(found[0].SID) == "" {
		t.Fatalf("search for ali = %+v", found)
	}
	for _, bad := range []string{"*", "alice)(|(objectClass=*", `\2a`, "%00"} {
		if got := search("searchTerm=" + url.QueryEscape(bad)); len(got) != 0 {
			t.Errorf("search for %q found %+v; filter values must be escaped", bad, got)
		}
	}
	if got := search("searchTerm=ops&objectClass=Group"); len(got) != 1 || got[0].ObjectClass != "Group" {
		t.Errorf("group search = %+v", got)
	}
	if got := search("sids=" + deref(found[0].SID)); len(got) != 1 || got[0].Name != "alice" {
		t.Errorf("search by sid = %+v", got)
	}
	e.want(e.do("GET", "/v2/active-directory-principals?domainName="+dom+"&searchTerm=a&sids="+deref(found[0].SID), e.admin, nil), 400)

	var added []addedADPrincipal
	e.want(e.do("POST", "/v2/active-directory-principals", e.admin, []map[string]any{
		{"domainName": dom, "name": "alice", "objectClass": "User", "roles": []string{"COHESITY_VIEWER"}},
		{"domainName": dom, "name": "ops", "objectClass": "Group", "roles": []string{"COHESITY_OPERATOR"}, "description": "ops team"},
	}), 200).decode(t, &added)
	if len(added) != 2 || added[0].SID != deref(found[0].SID) || added[1].Name != "ops" || added[1].Description != "ops team" ||
		added[0].Roles[0] != "COHESITY_VIEWER" || added[0].CreatedTimeMsecs == 0 {
		t.Errorf("added = %+v", added)
	}
	// All or none: a second add of alice with a new user fails whole.
	e.want(e.do("POST", "/v2/active-directory-principals", e.admin, []map[string]any{
		{"domainName": dom, "name": "carol", "objectClass": "User"}, {"domainName": dom, "name": "alice", "objectClass": "User"},
	}), 409)
	var carol usersList
	e.want(e.do("GET", "/v2/users?domain="+dom+"&usernames=carol", e.admin, nil), 200).decode(t, &carol)
	if len(carol.Users) != 0 {
		t.Errorf("carol was added by a refused request: %+v", carol.Users)
	}
	e.wantMsg(e.do("POST", "/v2/active-directory-principals", e.admin, []map[string]any{
		{"domainName": "LOCAL", "name": "x", "objectClass": "User"}}), 400, "LOCAL")
	code, tok := e.dirLogin(dom, "alice", "Alice-Password-1")
	if code != 201 || !slices.Contains(tok.Privileges, "PROTECTION_MODIFY") {
		t.Errorf("alice's log-in: %d %v; want her group's operator privileges", code, tok.Privileges)
	}
	// Added, she shows her directory's full name, and her e-mail finds her.
	var sp securityPrincipals
	e.want(e.do("GET", "/v2/security-principals?sids="+added[0].SID, e.admin, nil), 200).decode(t, &sp)
	if len(sp.SecurityPrincipals) != 1 || sp.SecurityPrincipals[0].FullName != "Alice Doe" {
		t.Errorf("alice as a security principal: %+v; want her full name", sp.SecurityPrincipals)
	}
	var ul usersList
	e.want(e.do("GET", "/v2/users?emailAddresses=alice@example.test", e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 || ul.Users[0].SID != added[0].SID {
		t.Errorf("users by alice's directory e-mail: %+v", ul.Users)
	}
}

// testDomainRemoval deletes the domain: refused while its principals
// remain, then allowed; its users can no longer log in.
func testDomainRemoval(t *testing.T, e *env, srv *dirtest.Server, id int64) {
	path, hdr := fmt.Sprintf("/v2/ldap/%d", id), map[string]string{}
	if srv.Kind == directory.TypeActiveDirectory {
		path = fmt.Sprintf("/v2/active-directories/%d", id)
		hdr = map[string]string{"activeDirectoryAdminUsername": "Administrator", "activeDirectoryAdminPassword": srv.BindPassword}
	}
	req := e.request("DELETE", path, e.admin, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r, _ := e.roundTrip(t, req)
	e.wantMsg(r, 400, "still has 1 users and 1 groups")
	var ul usersList
	e.want(e.do("GET", "/v2/users?domain="+srv.Domain, e.admin, nil), 200).decode(t, &ul)
	var gl groupsJSON
	e.want(e.do("GET", "/v2/groups?domain="+srv.Domain, e.admin, nil), 200).decode(t, &gl)
	e.want(e.do("POST", "/v2/users/delete", e.admin, map[string]any{"sids": []string{ul.Users[0].SID}}), 204)
	e.want(e.do("POST", "/v2/groups/delete", e.admin, map[string]any{"sids": []string{gl.Groups[0].SID}}), 204)
	req = e.request("DELETE", path, e.admin, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r, _ = e.roundTrip(t, req)
	e.want(r, 204)
	if code, _ := e.dirLogin(srv.Domain, "alice", "Alice-Password-1"); code != 401 {
		t.Errorf("log-in through a deleted domain: %d, want 401", code)
	}
}

// TestDirectoryGroupRecheck: a user taken out of a directory group loses
// the group's roles on the token it holds once the recheck period has
// passed, and keeps them before.
func TestDirectoryGroupRecheck(t *testing.T) {
	srv := dirtest.Slapd(t) // an instance of this test's own: its groups change
	d, err := directory.New(directory.Config{Domain: srv.Domain, Type: srv.Kind, URL: srv.URL, StartTLS: true,
		RootCA: srv.CAFile, BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	e := newEnvConfig(t, testParams, iam.Config{Directories: []iam.Directory{d}, GroupRecheck: time.Minute, Now: clock.now})
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "ops", "domain": srv.Domain,
		"roles": []string{"COHESITY_VIEWER"}}}), 201)
	code, tok := e.dirLogin(srv.Domain, "alice", "Alice-Password-1")
	if code != 201 {
		t.Fatalf("alice's log-in through ops: %d", code)
	}
	alice := bearerCred(tok.AccessToken)
	e.want(e.do("GET", "/v2/users", alice, nil), 200)

	c, err := ldap.DialURL(srv.LDAPSURL, ldap.DialWithTLSConfig(&tls.Config{InsecureSkipVerify: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(srv.BindDN, srv.BindPassword); err != nil {
		t.Fatal(err)
	}
	mod := ldap.NewModifyRequest("cn=ops,ou=groups,"+srv.BaseDN, nil)
	mod.Delete("member", []string{"uid=alice,ou=people," + srv.BaseDN})
	if err := c.Modify(mod); err != nil {
		t.Fatal(err)
	}
	clock.advance(30 * time.Second)
	e.want(e.do("GET", "/v2/users", alice, nil), 200) // within the period: the groups stand
	clock.advance(31 * time.Second)
	e.want(e.do("GET", "/v2/users", alice, nil), 403) // read again: no role left
}
