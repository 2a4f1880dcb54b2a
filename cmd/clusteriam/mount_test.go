package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/httpapi"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// mounted returns serve's handler for the flags given, on a fresh SQLite
// store, and an API key of the admin's.
func mounted(t testing.TB, flags ...string) (http.Handler, string, string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := parseServeFlags(append([]string{"--data-dir", t.TempDir()}, flags...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st, db, err := openStore(ctx, cfg, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	log := slog.New(slog.DiscardHandler)
	svc, err := newService(ctx, cfg, st, db, func(string) string { return "" }, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait)
	if _, err := svc.EnsureAdmin(ctx, "Admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	_, p, err := svc.Login(ctx, iam.LoginInput{Username: "admin", Password: "Admin-Password-1", Domain: "LOCAL"}, store.SessionKindToken)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := svc.CreateAPIKey(ctx, p, p.User.SID, iam.APIKeyInput{Name: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers(cfg, svc, log, httpapi.NewMetrics(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return h, key, p.User.SID
}

// TestMount: with the console on, the API keeps its paths and its JSON
// answers (unknown /v2 paths included), and the console takes the rest;
// with --console=false the API answers everything, as before.
func TestMount(t *testing.T) {
	for _, c := range []struct {
		flags             []string
		path              string
		status            int
		contentTypePrefix string
	}{
		{nil, "/healthz", 200, "application/json"},
		{nil, "/v2/no-such-thing", 404, "application/json"},
		{nil, "/", 303, ""},
		{nil, "/login", 200, "text/html"},
		{[]string{"--console=false"}, "/login", 404, "application/json"},
		{[]string{"--console=false"}, "/healthz", 200, "application/json"},
	} {
		h, _, _ := mounted(t, c.flags...)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), c.contentTypePrefix) {
			t.Errorf("%v GET %s: %d %q, want %d %q", c.flags, c.path, rec.Code, rec.Header().Get("Content-Type"), c.status, c.contentTypePrefix)
		}
	}
}

// BenchmarkMount measures an authenticated GET /v2/users/{sid} through
// serve's handler with the console mounted and without it: the console
// should cost the API nothing measurable.
func BenchmarkMount(b *testing.B) {
	for _, c := range []struct {
		name  string
		flags []string
	}{{"with-console", nil}, {"api-only", []string{"--console=false"}}} {
		b.Run(c.name, func(b *testing.B) {
			h, key, sid := mounted(b, c.flags...)
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/v2/users/"+sid, nil)
				req.Header.Set("apiKey", key)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
