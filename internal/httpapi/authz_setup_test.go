package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
	"github.com/clusteriam/clusteriam/internal/store"
)

// newMatrix starts the server and makes the callers of the matrix.
func newMatrix(t *testing.T) *matrix {
	t.Helper()
	op := optest.Start(t, optest.User{Username: "p-sso", Password: "p-sso-Password-1"})
	e := newEnvConfig(t, testParams, iam.Config{IdPClient: op.Client()})
	m := &matrix{e: e, admin: e.admin, shared: map[string]fixture{}, op: op}
	e.enableOrgs()
	for _, name := range slices.Sorted(maps.Keys(customRoles)) {
		m.must(t, m.admin, "POST", "/v2/roles", map[string]any{"name": name, "privileges": customRoles[name]}, 201)
	}
	const admin, viewer = "COHESITY_ADMIN", "COHESITY_VIEWER"
	roles := map[string][]string{
		"p-anon": {viewer}, "p-norole": nil, "p-keys": {admin}, "p-revoked": {admin}, "p-locked": {admin}, "p-expired": {admin}, "p-notyet": {admin},
		"p-viewer": {viewer}, "p-operator": {"COHESITY_OPERATOR"}, "p-admin": {admin},
		"p-s3": {"AuthzS3"}, "p-bare": {"AuthzBare"}, "p-helpdesk": {"AuthzHelpdesk"}, "p-usermgr": {"AuthzUserManager"},
	}
	sids := m.newUsers(t, roles)
	m.norole = sids["p-norole"]
	add := func(name, user, kind string, c cred, valid bool) *principal {
		p := &principal{name: name, user: user, password: user + "-Password-1", sid: sids[user], roles: roles[user], kind: kind, cred: c, valid: valid}
		m.order = append(m.order, p)
		return p
	}
	add(pNone, "p-anon", "", noCred, false)
	add(pBadAPIKey, "p-anon", "", apiKeyCred("!!not-an-api-key!!"), false)
	add(pBadBearer, "p-anon", "", bearerCred("!!not.an.access.token!!"), false)
	add(pBadSession, "p-anon", "", sessionCred("!!not-a-session-id!!"), false)
	m.spoilCredentials(t, add)
	for _, c := range []struct{ name, user, kind string }{
		{pViewer, "p-viewer", "bearer"}, {pOperator, "p-operator", "session"}, {pAdmin, "p-admin", "apiKey"},
		{pS3, "p-s3", "bearer"}, {pBare, "p-bare", "apiKey"}, {pHelpdesk, "p-helpdesk", "session"},
		{pUserMgr, "p-usermgr", "bearer"},
	} {
		p := add(c.name, c.user, c.kind, noCred, true)
		p.cred = m.credFor(t, p)
	}
	m.addIdPUser(t, add)
	return m
}

// addIdPUser adds the callers of an identity provider: a user of the
// domain the matrix's OpenID provider serves, with COHESITY_VIEWER and
// the token the provider gave it, and that token forged.
func (m *matrix) addIdPUser(t *testing.T, add func(name, user, kind string, c cred, valid bool) *principal) {
	t.Helper()
	const domain = "sso.matrix"
	m.must(t, m.admin, "POST", "/v2/identity-providers", map[string]any{"domain": domain, "identityProviderType": "OpenIdConnect",
		"openIdConnectParams": map[string]any{"audienceIds": []string{optest.ClientID}, "publicKeyUrl": m.op.KeysURL}}, 201)
	var ul usersList
	m.must(t, m.admin, "POST", "/v2/users", []map[string]any{{"username": "p-sso", "domain": domain, "roles": []string{"COHESITY_VIEWER"}}}, 201).decode(t, &ul)
	token := m.op.IDToken(t, "p-sso", "p-sso-Password-1")
	m.must(t, bearerCred(token), "GET", "/v2/users?domain="+domain, nil, 200)
	forged := token[:len(token)-8] + "AAAAAAAA"
	p := add(pSSO, "p-sso", "bearer", bearerCred(token), true)
	p.sid, p.roles = ul.Users[0].SID, []string{"COHESITY_VIEWER"}
	// The log-in rows log the refused callers' user in: p-anon's.
	add(pForgedJWT, "p-anon", "bearer", bearerCred(forged), false)
}

// spoilCredentials makes the refused callers that hold a credential: each
// credential is shown to work first, then made unusable the way the API
// allows, so that a 401 later is due to that alone.
func (m *matrix) spoilCredentials(t *testing.T, add func(name, user, kind string, c cred, valid bool) *principal) {
	t.Helper()
	past := time.Now().Add(-time.Minute).UnixMilli()
	key := func(user string) (string, cred) {
		id, secret := m.newKey(t, m.sidOf(t, user))
		return id, apiKeyCred(secret)
	}
	works := func(c cred, user string) {
		m.must(t, c, "GET", "/v2/users/"+m.sidOf(t, user), nil, 200)
	}

	expiredID, expired := key("p-keys")
	inactiveID, inactive := key("p-keys")
	works(expired, "p-keys")
	works(inactive, "p-keys")
	keys := "/v2/users/" + m.sidOf(t, "p-keys") + "/api-keys/"
	m.must(t, m.admin, "PUT", keys+expiredID, map[string]any{"name": "expired", "expiryTimeMsecs": past}, 200)
	m.must(t, m.admin, "PUT", keys+inactiveID, map[string]any{"name": "inactive", "isActive": false}, 200)
	add(pExpiredKey, "p-keys", "apiKey", expired, false)
	add(pInactiveKey, "p-keys", "apiKey", inactive, false)

	// The user logs out: DELETE /v2/users/sessions of itself ends its
	// session and its access token.
	sess := m.login(t, "p-revoked", "p-revoked-Password-1", "session")
	tok := m.login(t, "p-revoked", "p-revoked-Password-1", "bearer")
	works(sess, "p-revoked")
	works(tok, "p-revoked")
	m.must(t, sess, "DELETE", "/v2/users/sessions?sid="+m.sidOf(t, "p-revoked"), nil, 204)
	add(pRevokedSess, "p-revoked", "session", sess, false)
	add(pRevokedTok, "p-revoked", "bearer", tok, false)

	// After they got their keys, an admin locks a user, lets another
	// expire, and puts off the effective time of a third.
	_, locked := key("p-locked")
	lockedSession := m.login(t, "p-locked", "p-locked-Password-1", "session")
	_, expiredUser := key("p-expired")
	_, notYet := key("p-notyet")
	for user, c := range map[string]cred{"p-locked": locked, "p-expired": expiredUser, "p-notyet": notYet} {
		works(c, user)
	}
	works(lockedSession, "p-locked")
	m.must(t, m.admin, "PUT", "/v2/users/"+m.sidOf(t, "p-locked"), map[string]any{"locked": true}, 200)
	m.must(t, m.admin, "PUT", "/v2/users/"+m.sidOf(t, "p-expired"), map[string]any{"expiryTimeMsecs": past}, 200)
	m.must(t, m.admin, "PUT", "/v2/users/"+m.sidOf(t, "p-notyet"), map[string]any{"effectiveTimeMsecs": time.Now().Add(time.Hour).UnixMilli()}, 200)
	// The lock ended the session; the key stays, refused.
	if n, err := m.e.st.CountSessions(t.Context(), []string{m.sidOf(t, "p-locked")}, m.e.svc.NowMsecs()); err != nil || len(n) != 0 {
		t.Fatalf("sessions of the locked user: %v, %v", n, err)
	}
	add(pLocked, "p-locked", "apiKey", locked, false)
	add(pExpiredUser, "p-expired", "apiKey", expiredUser, false)
	add(pNotYetUser, "p-notyet", "apiKey", notYet, false)
}

// sidOf returns the sid of a user of the matrix.
func (m *matrix) sidOf(t *testing.T, user string) string {
	t.Helper()
	u, err := m.e.st.GetUserByName(t.Context(), "", "LOCAL", user)
	if err != nil {
		t.Fatalf("user %s: %v", user, err)
	}
	return u.SID
}

// fixture is what one cell acts on: the values of a row's placeholders.
type fixture struct {
	caller                 *principal
	user                   string // {user}: sid of the user acted on
	key, group, role, name string // {key} of user, {group}, {role}; {name}: a name no record has
	tenant                 string // {tenant}
	ad, adName, ldap       string // {ad} and {adname}: an AD domain; {ldap}: an LDAP provider's id
	ldapName               string // {ldapname}: that provider's domain
	idp, idpName           string // {idp}: an OpenID Connect issuer's id; {idpname}: its domain
	saml                   string // {saml}: a SAML provider's id
	keysURL                string // {keysurl}: the matrix's OpenID provider's JWKS
	creates                bool   // the row may make a record named {name}
}

// fixtures makes what a cell of row acts on. Cells that must change
// nothing share the row's fixtures (each checks that it changed nothing);
// the others, and a caller's own, are fresh.
func (m *matrix) fixtures(t *testing.T, row authzRow, caller *principal, want int) fixture {
	t.Helper()
	shared := want >= 300 && row.on != onSelf
	fx, ok := m.shared[row.title()]
	if !shared || !ok {
		fx = m.newFixture(t, row, caller)
		if shared {
			m.shared[row.title()] = fx
		}
	}
	fx.caller, fx.name = caller, m.fresh("n")
	// Only a POST makes records, and those of this API take their name
	// from the body.
	fx.creates = row.mutates && strings.HasPrefix(row.req, "POST ") && strings.Contains(row.body, `"{name}"`)
	return fx
}

func (m *matrix) newFixture(t *testing.T, row authzRow, caller *principal) fixture {
	t.Helper()
	var fx fixture
	uses := func(placeholder string) bool { return strings.Contains(row.req+row.body+row.uses, placeholder) }
	switch row.on {
	case onSelf:
		fx.user = caller.sid
	case onOther, onAdmin:
		name := m.fresh("u")
		roles := []string{"AuthzOther"}
		if row.on == onAdmin {
			roles = []string{"COHESITY_ADMIN"}
		}
		fx.user = m.newUser(t, name, roles...)
		if row.withSession {
			m.login(t, name, name+"-Password-1", "session")
		}
	case onNoRole:
		fx.user = m.norole
	}
	if uses("{key}") {
		fx.key, _ = m.newKey(t, fx.user)
	}
	if uses("{group}") {
		var gl groupsJSON
		members := []string{}
		if row.groupHasUser {
			members = append(members, fx.user)
		}
		m.must(t, m.admin, "POST", "/v2/groups", []map[string]any{{"name": m.fresh("g"), "domain": "LOCAL", "roles": nonNil(row.groupRoles),
			"localGroupParams": map[string]any{"userSids": members}}}, 201).decode(t, &gl)
		fx.group = gl.Groups[0].SID
	}
	if uses("{tenant}") {
		fx.tenant = m.fresh("t") + "/"
		m.must(t, m.admin, "POST", "/v2/tenants", map[string]any{"name": fx.tenant, "tenantIdSuffix": strings.TrimSuffix(fx.tenant, "/")}, 201)
	}
	if uses("{ad}") || uses("{adname}") {
		fx.adName = m.fresh("ad") + ".example"
		fx.ad = m.newDomain(t, "/v2/active-directories", adBody(fx.adName))
	}
	if uses("{ldap}") {
		fx.ldapName = m.fresh("ldap") + ".example"
		fx.ldap = m.newDomain(t, "/v2/ldap", ldapBody(fx.ldapName, ""))
	}
	fx.keysURL = m.op.KeysURL
	if uses("{idp}") {
		var d struct {
			ID int64 `json:"id"`
		}
		fx.idpName = m.fresh("idp") + ".example"
		m.must(t, m.admin, "POST", "/v2/identity-providers", json.RawMessage(identityBody(fx.idpName, m.op.KeysURL)), 201).decode(t, &d)
		fx.idp = strconv.FormatInt(d.ID, 10)
	}
	if uses("{saml}") {
		var d struct {
			ID int64 `json:"id"`
		}
		m.must(t, m.admin, "POST", "/v2/idps", json.RawMessage(samlBody(m.fresh("saml")+".example", "AuthzOther", "")), 201).decode(t, &d)
		fx.saml = strconv.FormatInt(d.ID, 10)
	}
	fx.role = row.role
	if fx.role == "" && uses("{role}") {
		fx.role = m.fresh("r")
		m.must(t, m.admin, "POST", "/v2/roles", map[string]any{"name": fx.role, "privileges": []string{"PRINCIPAL_VIEW"}}, 201)
	}
	return fx
}

// expand fills in the placeholders of row's request.
func (fx fixture) expand(row authzRow) (method, path, body string) {
	r := strings.NewReplacer("{user}", fx.user, "{key}", fx.key, "{group}", fx.group, "{role}", fx.role,
		"{name}", fx.name, "{login}", fx.caller.user, "{password}", fx.caller.password, "{tenant}", url.PathEscape(fx.tenant),
		"{adname}", fx.adName, "{ad}", fx.ad, "{ldapname}", fx.ldapName, "{ldap}", fx.ldap, "{idp}", fx.idp, "{idpname}", fx.idpName, "{keysurl}", fx.keysURL, "{saml}", fx.saml)
	method, path, _ = strings.Cut(row.req, " ")
	return method, r.Replace(path), r.Replace(row.body)
}

// authzState is what the store holds of the records a cell may touch: the
// caller, the user acted on, their keys and sessions, the group and role
// acted on, and whatever bears the cell's fresh name.
type authzState struct {
	Users    []store.User
	Keys     []store.APIKey
	Sessions []store.SessionCount
	Groups   []store.Group
	Roles    []store.Role
	Tenants  []store.Tenant
	Domains  []store.DirectoryDomain
	// MFA holds the second factors of the caller and the user acted on,
	// and Settings the cluster's MFA and security settings.
	MFA      []store.UserMFA
	Settings string
}

func (m *matrix) snapshot(t *testing.T, fx fixture) authzState {
	t.Helper()
	ctx, st := t.Context(), m.e.st
	sids := []string{fx.caller.sid}
	if fx.user != "" && fx.user != fx.caller.sid {
		sids = append(sids, fx.user)
	}
	var s authzState
	var errs [8]error
	s.Users, errs[0] = st.ListUsers(ctx, store.UserFilter{SIDs: sids})
	s.Keys, errs[1] = st.ListAPIKeys(ctx, store.APIKeyFilter{OwnerSIDs: sids})
	s.Sessions, errs[2] = st.CountSessions(ctx, sids, m.e.svc.NowMsecs())
	if fx.group != "" {
		s.Groups, errs[3] = st.ListGroups(ctx, store.GroupFilter{SIDs: []string{fx.group}})
	}
	var names []string
	if fx.role != "" {
		names = append(names, fx.role)
	}
	if fx.creates {
		// What a create made under the fresh name.
		var users []store.User
		var groups []store.Group
		users, errs[4] = st.ListUsers(ctx, store.UserFilter{Usernames: []string{fx.name}})
		groups, errs[5] = st.ListGroups(ctx, store.GroupFilter{Names: []string{fx.name}})
		s.Users, s.Groups, names = append(s.Users, users...), append(s.Groups, groups...), append(names, fx.name)
	}
	if len(names) > 0 {
		s.Roles, errs[6] = st.ListRoles(ctx, store.RoleFilter{Names: names})
	}
	var tenants []string
	if fx.tenant != "" {
		tenants = append(tenants, fx.tenant)
	}
	if fx.creates {
		tenants = append(tenants, fx.name+"/")
	}
	if len(tenants) > 0 {
		s.Tenants, errs[7] = st.ListTenants(ctx, store.TenantFilter{IDs: tenants})
	}
	domains, err := st.ListDirectoryDomains(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	s.Domains = domains
	for _, sid := range sids {
		m, err := st.GetUserMFA(ctx, sid)
		if err == nil {
			s.MFA = append(s.MFA, m)
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("snapshot: %v", err)
		}
	}
	for _, name := range []string{"mfa_config", "security_config"} {
		if b, err := st.GetSetting(ctx, name); err == nil {
			s.Settings += name + "=" + string(b) + "\n"
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("snapshot: %v", err)
		}
	}
	for _, err := range errs {
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
	}
	return s
}

func (s authzState) String() string {
	return fmt.Sprintf("%d users %+v, keys %+v, sessions %+v, groups %+v, roles %+v, tenants %+v, domains %d, second factors %d, settings %q",
		len(s.Users), s.Users, s.Keys, s.Sessions, s.Groups, s.Roles, s.Tenants, len(s.Domains), len(s.MFA), s.Settings)
}
