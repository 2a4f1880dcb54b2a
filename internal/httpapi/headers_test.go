package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/api"
)

// TestResponseHeaders: every answer of every route, and of what no route
// serves, has Cache-Control: no-store, and over TLS Strict-Transport-
// Security; over plain HTTP it has no Strict-Transport-Security. The table
// is routes() itself, so a new route is covered.
func TestResponseHeaders(t *testing.T) {
	e := newEnv(t)
	plain := httptest.NewServer(NewServer(e.svc, Options{Logger: slog.New(slog.DiscardHandler), Metrics: NewMetrics(), ServeMetrics: true, Spec: api.Spec()}))
	t.Cleanup(plain.Close)

	type call struct{ name, method, path string }
	var calls []call
	for _, rt := range routes(e.svc, Options{Metrics: NewMetrics(), ServeMetrics: true}) {
		method, path, _ := strings.Cut(rt.pattern, " ")
		for _, p := range []string{"{sid}", "{userSid}", "{id}", "{name}"} {
			path = strings.ReplaceAll(path, p, "no-such-thing")
		}
		// sid= keeps delete_session from ending the caller's session.
		calls = append(calls, call{rt.op, method, path + "?sid=no-such-thing"})
	}
	calls = append(calls, call{"log-in", "POST", "/v2/access-tokens"}, call{"no route", "GET", "/v2/nothing"},
		call{"method not allowed", "PATCH", "/v2/users"}, call{"bad query", "GET", "/v2/users?sids=%zz"},
		call{"no credential", "GET", "/v2/users"}, call{"oversized header", "GET", "/v2/users"})

	for _, srv := range []struct {
		name string
		srv  *httptest.Server
		hsts string
	}{{"TLS", e.srv, "max-age=63072000"}, {"plain HTTP", plain, ""}} {
		for _, c := range calls {
			t.Run(srv.name+"/"+c.name, func(t *testing.T) {
				body := ""
				if c.method == "POST" || c.method == "PUT" {
					body = "{}"
				}
				if c.name == "log-in" {
					body = `{"username":"admin","password":"` + adminPassword + `"}`
				}
				req, err := http.NewRequest(c.method, srv.srv.URL+c.path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if c.name != "no credential" {
					req.Header.Set(e.admin.name, e.admin.value)
				}
				if c.name == "oversized header" {
					req.Header.Set("X-Big", strings.Repeat("h", DefaultMaxHeaderBytes))
				}
				res, err := srv.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if got := res.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("%s %s -> %d: Cache-Control %q, want no-store", c.method, c.path, res.StatusCode, got)
				}
				if got := res.Header.Get("Strict-Transport-Security"); got != srv.hsts {
					t.Errorf("%s %s -> %d: Strict-Transport-Security %q, want %q", c.method, c.path, res.StatusCode, got, srv.hsts)
				}
			})
		}
	}
}

// TestCanonicalHeaderKeys checks the keys read and written without
// Header.Get and Header.Set: they must be the canonical forms of the
// names, or a credential or header would go unseen.
func TestCanonicalHeaderKeys(t *testing.T) {
	for name, key := range map[string]string{"apiKey": "Apikey", "Authorization": "Authorization", "session-id": "Session-Id",
		ImpersonateHeader: "X-Impersonate-Tenant-Id", "Cache-Control": "Cache-Control",
		"Strict-Transport-Security": "Strict-Transport-Security", "Content-Type": "Content-Type", "Content-Length": "Content-Length"} {
		if got := http.CanonicalHeaderKey(name); got != key {
			t.Errorf("%s: canonical %q, the code uses %q", name, got, key)
		}
	}
}
