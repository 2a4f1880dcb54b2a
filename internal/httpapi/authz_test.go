package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
)

// The callers of the authorization matrix. Every one acts with a real
// credential made through the API; each has a user of its own (the none and
// malformed callers share p-anon, whose password the log-in rows use).
const (
	pNone        = "none"
	pBadAPIKey   = "malformed-apiKey"
	pBadBearer   = "malformed-bearer"
	pBadSession  = "malformed-session-id"
	pExpiredKey  = "expired-apiKey"
	pInactiveKey = "inactive-apiKey"
	pRevokedSess = "revoked-session"
	pRevokedTok  = "revoked-access-token"
	pLocked      = "locked-user"            // its API key, after an admin locked it
	pExpiredUser = "expired-user"           // its API key, after its expiryTimeMsecs passed
	pNotYetUser  = "not-yet-effective-user" // its API key, after its effectiveTimeMsecs was put off
	pViewer      = "viewer"                 // COHESITY_VIEWER, Bearer token
	pOperator    = "operator"               // COHESITY_OPERATOR, session-id
	pAdmin       = "admin"                  // COHESITY_ADMIN, API key
	pS3          = "custom-s3"              // AuthzS3: ROLE_VIEW, S3_KEY_MODIFY; Bearer token
	pBare        = "custom-bare"            // AuthzBare: CLUSTER_VIEW, nothing of this API; API key
	pHelpdesk    = "custom-helpdesk"        // AuthzHelpdesk: PRINCIPAL_VIEW, PRINCIPAL_MODIFY, ROLE_MODIFY, S3_KEY_MODIFY; session-id
	pUserMgr     = "user-manager"           // AuthzUserManager: PRINCIPAL_VIEW, PRINCIPAL_MODIFY; Bearer token
	// An IdP user: sso.matrix\p-sso, COHESITY_VIEWER, with a Bearer JWT
	// its OpenID provider issued; and that token with its signature
	// broken (a refused caller, whose user is p-anon).
	pSSO       = "sso-viewer"
	pForgedJWT = "forged-jwt"
)

// refused are the callers whose credential must not authenticate: every
// operation that needs credentials answers them 401, and its rows need not
// say so.
var refused = []string{pNone, pBadAPIKey, pBadBearer, pBadSession, pExpiredKey, pInactiveKey, pRevokedSess, pRevokedTok, pLocked, pExpiredUser, pNotYetUser, pForgedJWT}

// callers hold valid credentials; every row gives each of them a status.
var callers = []string{pViewer, pOperator, pAdmin, pS3, pBare, pHelpdesk, pUserMgr}

// Custom roles of the matrix.
var customRoles = map[string][]string{
	"AuthzS3":       {"ROLE_VIEW", "S3_KEY_MODIFY"},
	"AuthzBare":     {"CLUSTER_VIEW"},
	"AuthzHelpdesk": {"PRINCIPAL_VIEW", "PRINCIPAL_MODIFY", "ROLE_MODIFY", "S3_KEY_MODIFY"},
	// A user manager: Manage Users and nothing else beyond viewing them.
	"AuthzUserManager": {"PRINCIPAL_VIEW", "PRINCIPAL_MODIFY"},
	"AuthzOther":       {"PRINCIPAL_VIEW"}, // of the users acted on (onOther), so that they may log in
}

// principal is one caller of the matrix.
type principal struct {
	name           string
	user, password string // its user, and that user's password
	sid            string
	roles          []string
	kind           string // of its credential: "apiKey", "bearer", "session"; "" none
	cred           cred
	valid          bool // one of callers
}

// matrix is the server under test and its callers.
type matrix struct {
	e      *env
	admin  cred // the bootstrap admin, which makes the fixtures
	order  []*principal
	norole string // sid of p-norole, a user without roles
	seq    int
	shared map[string]fixture // per row, for the cells that must change nothing
	op     *optest.OP         // the OpenID provider the identity-provider rows trust
}

// TestAuthorizationMatrix runs every operation of routes() as each caller
// above and checks the status docs/privileges.md gives it, that the answer
// is within the contract (errors being the Error model), that a refused or
// read-only request changes nothing, and that a successful change does
// change something. An operation without rows fails the test: add its rows
// to authzRows (authz_rows_test.go).
func TestAuthorizationMatrix(t *testing.T) {
	start := time.Now()
	rows := authzRows()
	checkCoverage(t, rows)
	m := newMatrix(t)
	cells := 0
	for _, row := range rows {
		t.Run(row.title(), func(t *testing.T) {
			for _, p := range m.order {
				t.Run(p.name, func(t *testing.T) { m.run(t, row, p) })
				cells++
			}
		})
	}
	t.Logf("%d rows, %d cells in %v", len(rows), cells, time.Since(start).Round(time.Millisecond))
}

// checkCoverage fails the test for every operation routes() serves without
// a row, every row naming an operation it does not serve, and every row
// lacking a status for one of its callers.
func checkCoverage(t *testing.T, rows []authzRow) {
	t.Helper()
	served := map[string]bool{}
	for _, r := range routes(nil, Options{Metrics: NewMetrics(), ServeMetrics: true}) {
		served[r.op] = true
	}
	covered := map[string]bool{}
	titles := map[string]bool{}
	for _, row := range rows {
		if !served[row.op] {
			t.Errorf("authorization matrix: row %q names operation %q, which routes() does not serve", row.title(), row.op)
		}
		if titles[row.title()] {
			t.Errorf("authorization matrix: two rows are titled %q; give one a name", row.title())
		}
		covered[row.op], titles[row.title()] = true, true
		need := callers
		if row.open {
			need = append(slices.Clone(refused), callers...)
		}
		for _, name := range need {
			if _, ok := row.want[name]; !ok {
				t.Errorf("authorization matrix: row %q gives no status for caller %s", row.title(), name)
			}
		}
		for name := range row.want {
			if !slices.Contains(need, name) {
				t.Errorf("authorization matrix: row %q gives a status for %q, which is not one of its callers", row.title(), name)
			}
		}
	}
	for _, op := range slices.Sorted(maps.Keys(served)) {
		if !covered[op] {
			t.Errorf("authorization matrix: operation %s has no rows; add them to authzRows (authz_rows_test.go)", op)
		}
	}
}

// run sends one row's request as p and checks the answer and its effect.
func (m *matrix) run(t *testing.T, row authzRow, p *principal) {
	want := row.status(p.name)
	if p.name == pSSO {
		// An IdP user is decided as a LOCAL user of its roles. Its own
		// credentials and password (it has none) are
		// TestIdentityProvidersAPI's.
		if row.on == onSelf {
			t.Skip("acts on the caller's own credentials")
		}
		want = row.status(pViewer)
	}
	caller := p
	if row.on == onSelf && row.mutates && p.valid {
		// The row changes the caller (its sessions, password, roles):
		// a copy takes it, so that the other rows keep theirs.
		caller = m.clone(t, p)
	}
	fx := m.fixtures(t, row, caller, want)
	method, path, body := fx.expand(row)
	before := m.snapshot(t, fx)
	r, op := m.send(t, caller.cred, method, path, body)
	if op != row.op {
		t.Errorf("%s %s reached operation %q, not %q", method, path, op, row.op)
	}
	if r.status != want {
		t.Errorf("%s %s as %s: status %d, want %d; body %s", method, path, p.name, r.status, want, r.body)
	}
	checkErrorModel(t, r)
	m.e.svc.Wait() // what a refused log-in settles after its answer
	after := m.snapshot(t, fx)
	ok := r.status >= 200 && r.status < 300
	switch changed := !reflect.DeepEqual(before, after); {
	case changed && !(ok && row.mutates):
		t.Errorf("%s %s as %s (status %d) changed the state:\nbefore %+v\nafter  %+v", method, path, p.name, r.status, before, after)
	case !changed && ok && row.mutates:
		t.Errorf("%s %s as %s succeeded (status %d) but changed nothing: %+v", method, path, p.name, r.status, after)
	}
	if ok && row.check != nil {
		row.check(t, fx, r)
	}
	if ok && row.restore != nil {
		row.restore(m, t)
	}
}

// errorCodes of the statuses the matrix expects.
var wantErrorCode = map[int]string{400: "InvalidRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "AlreadyExists", 429: "TooManyRequests", 503: "Unavailable"}

// checkErrorModel fails unless an error answer is the Error model with the
// errorCode of its status and a message.
func checkErrorModel(t *testing.T, r resp) {
	t.Helper()
	if r.status < 400 {
		return
	}
	var e errorJSON
	if err := json.Unmarshal(r.body, &e); err != nil || e.ErrorCode != wantErrorCode[r.status] || e.Message == "" {
		t.Errorf("status %d: not the Error model with errorCode %q: %s", r.status, wantErrorCode[r.status], r.body)
	}
}

// send makes one request and validates its answer against
// api/openapi.yaml; it returns the answer and the operation it reached.
func (m *matrix) send(t *testing.T, c cred, method, path, body string) (resp, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, m.e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.name != "" {
		req.Header.Set(c.name, c.value)
	}
	return m.e.roundTrip(t, req)
}

// must sends a request with a JSON body (nil: none) and fails the test
// unless the answer has status.
func (m *matrix) must(t *testing.T, c cred, method, path string, body any, status int) resp {
	t.Helper()
	s := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		s = string(b)
	}
	r, _ := m.send(t, c, method, path, s)
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, status, r.body)
	}
	return r
}

func (m *matrix) fresh(prefix string) string {
	m.seq++
	return fmt.Sprintf("%s%04d", prefix, m.seq)
}

// newUsers makes LOCAL users, each with its roles and the password
// NAME-Password-1, in one request; it returns their sids by name.
func (m *matrix) newUsers(t *testing.T, roles map[string][]string) map[string]string {
	t.Helper()
	var body []map[string]any
	for _, name := range slices.Sorted(maps.Keys(roles)) {
		body = append(body, map[string]any{"username": name, "domain": "LOCAL", "roles": nonNil(roles[name]),
			"localUserParams": map[string]any{"password": name + "-Password-1"}})
	}
	var ul usersList
	m.must(t, m.admin, "POST", "/v2/users", body, 201).decode(t, &ul)
	sids := map[string]string{}
	for _, u := range ul.Users {
		sids[u.Username] = u.SID
	}
	return sids
}

func (m *matrix) newUser(t *testing.T, name string, roles ...string) string {
	t.Helper()
	return m.newUsers(t, map[string][]string{name: roles})[name]
}

// newKey makes an API key for user sid and returns its id and secret.
func (m *matrix) newKey(t *testing.T, sid string) (string, string) {
	t.Helper()
	var k createdUserAPIKey
	m.must(t, m.admin, "POST", "/v2/users/"+sid+"/api-keys", map[string]any{"name": m.fresh("k")}, 201).decode(t, &k)
	return k.ID, k.APIKey
}

// login logs user in and returns a credential of kind "bearer" or "session".
func (m *matrix) login(t *testing.T, user, password, kind string) cred {
	t.Helper()
	body := map[string]string{"username": user, "password": password, "domain": "LOCAL"}
	if kind == "session" {
		var s userSession
		m.must(t, noCred, "POST", "/v2/users/sessions", body, 201).decode(t, &s)
		return sessionCred(s.SessionID)
	}
	var tok accessTokenResponse
	m.must(t, noCred, "POST", "/v2/access-tokens", body, 201).decode(t, &tok)
	return bearerCred(tok.AccessToken)
}

// credFor makes p a credential of its kind.
func (m *matrix) credFor(t *testing.T, p *principal) cred {
	t.Helper()
	if p.kind == "apiKey" {
		_, secret := m.newKey(t, p.sid)
		return apiKeyCred(secret)
	}
	return m.login(t, p.user, p.password, p.kind)
}

// clone returns a fresh user with p's roles and a credential of p's kind,
// and a session of its own.
func (m *matrix) clone(t *testing.T, p *principal) *principal {
	t.Helper()
	c := *p
	c.user = m.fresh("c")
	c.password = c.user + "-Password-1"
	c.sid = m.newUser(t, c.user, p.roles...)
	c.cred = m.credFor(t, &c)
	if c.kind == "apiKey" {
		m.login(t, c.user, c.password, "session")
	}
	return &c
}

// relogin gives every caller that holds a session or access token a new
// one, after a row ended every session.
func (m *matrix) relogin(t *testing.T) {
	t.Helper()
	m.admin = m.login(t, "admin", adminPassword, "bearer")
	for _, p := range m.order {
		if p.valid && p.kind != "apiKey" && p.name != pSSO { // a JWT is no session
			p.cred = m.login(t, p.user, p.password, p.kind)
		}
	}
}
