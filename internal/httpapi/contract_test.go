package httpapi

import (
	"bytes"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/api/apitest"
)

// TestRouterMatchesDocument: every documented operation is routed under
// its name, and every route is documented.
func TestRouterMatchesDocument(t *testing.T) {
	v := apitest.NewValidator(t)
	var routed, named []string
	for _, r := range routes(nil, Options{Metrics: NewMetrics(), ServeMetrics: true}) {
		routed = append(routed, r.pattern)
		named = append(named, r.op)
	}
	documented := v.Routes()
	slices.Sort(routed)
	slices.Sort(documented)
	if !slices.Equal(routed, documented) {
		for _, r := range routed {
			if !slices.Contains(documented, r) {
				t.Errorf("routed but not documented: %s", r)
			}
		}
		for _, d := range documented {
			if !slices.Contains(routed, d) {
				t.Errorf("documented but not routed: %s", d)
			}
		}
	}
	ops := v.Operations()
	slices.Sort(ops)
	slices.Sort(named)
	if !slices.Equal(ops, named) {
		t.Errorf("operation names differ:\nrouter   %v\ndocument %v", named, ops)
	}
}

func TestServesDocumentAndHealth(t *testing.T) {
	e := newEnv(t)
	r := e.want(e.do("GET", "/v2/openapi.yaml", noCred, nil), 200)
	if !bytes.Equal(r.body, api.Spec()) {
		t.Fatal("served document differs from api/openapi.yaml")
	}
	if h := e.want(e.do("GET", "/healthz", noCred, nil), 200).obj(t); h["status"] != "ok" || h["version"] != nil {
		t.Fatalf("health %v", h)
	}
	e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "admin", "password": "wrong-password"})
	m := e.want(e.do("GET", "/metrics", noCred, nil), 200)
	for _, want := range []string{
		`clusteriam_http_requests_total{code="201",operation="create_access_token"}`,
		`clusteriam_http_requests_total{code="401",operation="create_access_token"} 1`,
		`clusteriam_login_failures_total{operation="create_access_token"} 1`,
		`clusteriam_http_request_duration_seconds_bucket{operation="get_health"`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestHealthReportsDeadStore(t *testing.T) {
	e := newEnv(t)
	if e.be.Path != "" {
		// Removing the file does not stop an open SQLite; closing the
		// store (below) does.
		if err := os.Remove(e.be.Path); err != nil {
			t.Fatal(err)
		}
	}
	closeStore(t, e)
	e.want(e.do("GET", "/healthz", noCred, nil), 503)
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	sid := e.adminSID()
	big := `[{"username":"` + strings.Repeat("a", MaxBodyBytes) + `"}]`
	cases := []struct {
		name         string
		method, path string
		ctype        string
		body         string
		status       int
	}{
		{"malformed JSON", "POST", "/v2/users", "application/json", `[{"username":`, 400},
		{"trailing garbage", "POST", "/v2/users", "application/json", `[] []`, 400},
		{"not JSON", "POST", "/v2/roles", "application/json", `name=x`, 400},
		{"wrong type", "PUT", "/v2/users/" + sid, "application/json", `{"restricted":"true"}`, 400},
		{"negative int into string", "POST", "/v2/roles", "application/json", `{"name":5,"privileges":["PRINCIPAL_VIEW"]}`, 400},
		{"overflowing int", "PUT", "/v2/users/" + sid, "application/json", `{"expiryTimeMsecs":99999999999999999999999}`, 400},
		{"float for int", "PUT", "/v2/users/" + sid, "application/json", `{"expiryTimeMsecs":1.5}`, 400},
		{"deep nesting", "POST", "/v2/users", "application/json", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), 400},
		{"missing body", "POST", "/v2/groups", "application/json", "", 400},
		{"wrong content type", "POST", "/v2/groups", "text/plain", `[]`, 415},
		{"too large", "POST", "/v2/users", "application/json", big, 413},
		{"unknown path", "GET", "/v2/nothing", "", "", 404},
		{"wrong method", "PATCH", "/v2/users", "", "", 405},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, e.srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			req.Header.Set(e.admin.name, e.admin.value)
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body bytes.Buffer
			_, _ = body.ReadFrom(res.Body)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body.String())
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.Contains(body.String(), `"errorCode"`) || !strings.Contains(body.String(), `"message"`) {
				t.Errorf("not the Error model: %s", body.String())
			}
		})
	}
	// Nothing above changed the admin.
	var u userParams
	e.want(e.do("GET", "/v2/users/"+sid, e.admin, nil), 200).decode(t, &u)
	if u.Restricted || u.ExpiryTimeMsecs != nil {
		t.Fatalf("admin changed by bad input: %+v", u)
	}
}
