package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/api/apitest"
	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

const adminPassword = "admin-Password-1"

// testParams keep argon2id real but cheap, so that the suite runs under
// -race; production parameters are checked in TestPasswordHashAtRest.
var testParams = auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// env is a real server over HTTPS on a real SQLite file.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	svc    *iam.Service
	st     store.Store
	be     *testbackend.Backend
	logBuf *syncBuffer
	admin  cred
	v      *apitest.Validator
}

// cred is one credential header.
type cred struct{ name, value string }

func apiKeyCred(k string) cred  { return cred{"apiKey", k} }
func bearerCred(t string) cred  { return cred{"Authorization", "Bearer " + t} }
func sessionCred(s string) cred { return cred{"session-id", s} }

var noCred = cred{}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T) *env {
	return newEnvParams(t, testParams)
}

func newEnvParams(t *testing.T, params auth.Params) *env {
	t.Helper()
	return newEnvConfig(t, params, iam.Config{})
}

// newEnvConfig is newEnv with argon2 parameters and service settings of
// the test's choosing (its Audit is the env's log).
func newEnvConfig(t *testing.T, params auth.Params, cfg iam.Config) *env {
	t.Helper()
	return newEnvOptions(t, params, cfg, Options{})
}

// newEnvOptions is newEnvConfig with handler options of the test's choosing
// (its Logger, Metrics and Spec are the env's).
func newEnvOptions(t *testing.T, params auth.Params, cfg iam.Config, opts Options) *env {
	t.Helper()
	return newEnvOn(t, testbackend.Open(t), params, cfg, opts)
}

// newEnvOn is newEnvOptions on the store be holds.
func newEnvOn(t *testing.T, be *testbackend.Backend, params auth.Params, cfg iam.Config, opts Options) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := be.Store
	key, err := auth.LoadOrCreateKey(filepath.Join(dir, "s3.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := auth.NewSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	logBuf := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Audit = log
	pepper, err := auth.DerivePepper(key)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := iam.New(ctx, st, auth.NewHasher(params, 4).WithPepper(pepper), box, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait) // before the store closes
	if _, err := svc.EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	opts.Logger, opts.Metrics, opts.ServeMetrics, opts.Spec = log, NewMetrics(), true, api.Spec()
	h := NewServer(svc, opts)
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, svc: svc, st: st, be: be, logBuf: logBuf, v: apitest.NewValidator(t)}
	e.admin = bearerCred(e.accessToken("admin", adminPassword))
	return e
}

// resp is one answered request.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body into v, failing the test on error.
func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// obj returns the body as a JSON object.
func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// do sends a request and validates the response against api/openapi.yaml.
func (e *env) do(method, path string, c cred, body any) resp {
	e.t.Helper()
	r, _ := e.roundTrip(e.t, e.request(method, path, c, body))
	return r
}

// request makes a request to the env's server with credential c and body
// (nil, a string, bytes, or a value sent as JSON).
func (e *env) request(method, path string, c cred, body any) *http.Request {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.name != "" {
		req.Header.Set(c.name, c.value)
	}
	return req
}

// roundTrip sends req to the server and validates the answer against
// api/openapi.yaml; it returns the answer and the operation it reached.
func (e *env) roundTrip(t *testing.T, req *http.Request) (resp, string) {
	t.Helper()
	return e.roundTripVia(t, e.srv.Client(), req)
}

// roundTripVia is roundTrip through client c.
func (e *env) roundTripVia(t *testing.T, c *http.Client, req *http.Request) (resp, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	op := e.v.Check(t, req, res.StatusCode, res.Header, out)
	return resp{res.StatusCode, res.Header, out}, op
}

// want fails unless r has status code.
func (e *env) want(r resp, code int) resp {
	e.t.Helper()
	if r.status != code {
		e.t.Fatalf("status %d, want %d; body %s", r.status, code, r.body)
	}
	return r
}

func (e *env) accessToken(user, pw string) string {
	e.t.Helper()
	r := e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": user, "password": pw, "domain": "LOCAL"}), 201)
	var tok accessTokenResponse
	r.decode(e.t, &tok)
	return tok.AccessToken
}

func (e *env) session(user, pw string) string {
	e.t.Helper()
	r := e.want(e.do("POST", "/v2/users/sessions", noCred, map[string]string{"username": user, "password": pw, "domain": "LOCAL"}), 201)
	var s userSession
	r.decode(e.t, &s)
	return s.SessionID
}

// createUser makes a LOCAL user with roles and returns its sid.
func (e *env) createUser(name, pw string, roles ...string) string {
	e.t.Helper()
	body := []map[string]any{{"username": name, "domain": "LOCAL", "roles": roles, "localUserParams": map[string]any{"password": pw}}}
	r := e.want(e.do("POST", "/v2/users", e.admin, body), 201)
	var ul usersList
	r.decode(e.t, &ul)
	return ul.Users[0].SID
}

// loginAs makes a user with roles and returns its sid and a Bearer credential.
func (e *env) loginAs(name string, roles ...string) (string, cred) {
	e.t.Helper()
	pw := name + "-Password-1"
	sid := e.createUser(name, pw, roles...)
	return sid, bearerCred(e.accessToken(name, pw))
}

func (e *env) createAPIKey(c cred, userSID, name string) (id, secret string) {
	e.t.Helper()
	r := e.want(e.do("POST", "/v2/users/"+userSID+"/api-keys", c, map[string]any{"name": name}), 201)
	var k createdUserAPIKey
	r.decode(e.t, &k)
	return k.ID, k.APIKey
}

func (e *env) adminSID() string {
	e.t.Helper()
	var ul usersList
	e.want(e.do("GET", "/v2/users?usernames=admin", e.admin, nil), 200).decode(e.t, &ul)
	return ul.Users[0].SID
}

// closeStore closes the env's store under the running server.
func closeStore(t *testing.T, e *env) {
	t.Helper()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
}

// wantMsg is want, and also fails the test unless the Error message holds
// msg.
func (e *env) wantMsg(r resp, code int, msg string) resp {
	e.t.Helper()
	e.want(r, code)
	if got, _ := r.obj(e.t)["message"].(string); !strings.Contains(got, msg) {
		e.t.Errorf("message %q does not contain %q", got, msg)
	}
	return r
}
