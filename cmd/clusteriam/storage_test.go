package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
)

func TestParseDatabase(t *testing.T) {
	tests := []struct {
		raw      string
		postgres bool
		target   string
		shown    string // String(); "" means target
		err      string
	}{
		{raw: "", target: filepath.Join("dd", "clusteriam.db")},
		{raw: "sqlite:///var/lib/iam/x.db", target: "/var/lib/iam/x.db"},
		{raw: "sqlite://rel/x.db", target: "rel/x.db"},
		{raw: "sqlite://", err: "names no file"},
		{raw: "postgres://iam:s3cret@db:5432/iam?sslmode=require", postgres: true,
			target: "postgres://iam:s3cret@db:5432/iam?sslmode=require",
			shown:  "postgres://iam:xxxxx@db:5432/iam?sslmode=require"},
		{raw: "postgresql://db/iam", postgres: true, target: "postgresql://db/iam"},
		{raw: "mysql://db/iam", err: `scheme "mysql"`},
		{raw: "postgres://iam:s3cret@db:bad port/", err: "not a valid URL"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			db, err := parseDatabase(tc.raw, "dd")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one saying %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if db.postgres != tc.postgres || db.target != tc.target {
				t.Errorf("got %+v, want postgres=%v target=%q", db, tc.postgres, tc.target)
			}
			want := tc.shown
			if want == "" {
				want = tc.target
			}
			if db.String() != want {
				t.Errorf("String() = %q, want %q", db.String(), want)
			}
		})
	}
}

func TestLoadSecretKey(t *testing.T) {
	key := bytes.Repeat([]byte{5}, 32)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secret.key")
	must(t, os.WriteFile(keyFile, key, 0o600))
	b64 := base64.StdEncoding.EncodeToString(key)
	pg := database{postgres: true}
	tests := []struct {
		name string
		flag string
		env  map[string]string
		db   database
		err  string // "" means key is returned
	}{
		{name: "flag", flag: keyFile, db: pg},
		{name: "env file", env: map[string]string{envSecretKeyFile: keyFile}, db: pg},
		{name: "env base64", env: map[string]string{envSecretKey: b64}, db: pg},
		{name: "flag and base64", flag: keyFile, env: map[string]string{envSecretKey: b64}, err: "not both"},
		{name: "bad base64", env: map[string]string{envSecretKey: "xx"}, err: envSecretKey},
		{name: "postgres needs one", db: pg, err: "every replica needs the same"},
		{name: "missing file", flag: filepath.Join(dir, "nope"), err: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := serveConfig{secretKeyFile: tc.flag, dataDir: t.TempDir()}
			got, err := loadSecretKey(cfg, tc.db, func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, key) {
				t.Fatalf("got %x, %v; want the key", got, err)
			}
		})
	}
	t.Run("sqlite default", func(t *testing.T) {
		cfg := serveConfig{dataDir: t.TempDir()}
		got, err := loadSecretKey(cfg, database{}, func(string) string { return "" })
		must(t, err)
		again, err := loadSecretKey(cfg, database{}, func(string) string { return "" })
		must(t, err)
		if len(got) != 32 || !bytes.Equal(got, again) {
			t.Errorf("data-dir key %x, then %x: want one 32-byte key", got, again)
		}
	})
}

// TestServePostgres: serve on PostgreSQL keeps its data across restarts
// and refuses to start with another S3-secret key.
func TestServePostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	key1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	key2 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	env := map[string]string{envDatabase: dsn, envSecretKey: key1, "CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}
	s := startServe(t, env, "--data-dir", t.TempDir())
	if !strings.Contains(s.stderr.String(), "(database postgres://") {
		t.Errorf("start-up line does not name the database:\n%s", s.stderr)
	}
	c := insecureClient()
	if code, _ := login(t, c, s.url, "first-Password-1"); code != 201 {
		t.Fatalf("log-in: %d", code)
	}
	res, err := c.Get(s.url + "/metrics")
	must(t, err)
	m, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := `go_sql_max_open_connections{db_name="postgres"} 10`; !strings.Contains(string(m), want) {
		t.Errorf("metrics lack the pool's: want %s", want)
	}
	s.stop(t)

	// Another replica, another data dir, the same database.
	env["CLUSTERIAM_ADMIN_PASSWORD"] = "other-Password-1"
	s = startServe(t, env, "--data-dir", t.TempDir())
	if code, _ := login(t, c, s.url, "first-Password-1"); code != 201 {
		t.Errorf("log-in on the second replica: %d", code)
	}
	s.stop(t)

	env[envSecretKey] = key2
	err = run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()},
		func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not the one this database was set up with") {
		t.Errorf("serve with another key: %v, want a refusal", err)
	}
}

// TestServeDatabaseOutage: while the database cannot be reached, requests
// get 503 with Retry-After and an Error that names no host; once it is
// back they succeed again.
func TestServeDatabaseOutage(t *testing.T) {
	proxy := pgtest.NewProxy(t, pgtest.Schema(t))
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	env := map[string]string{envDatabase: proxy.DSN(), envSecretKey: key, "CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}
	s := startServe(t, env, "--data-dir", t.TempDir())
	c := insecureClient()
	res, err := c.Post(s.url+"/v2/access-tokens", "application/json",
		strings.NewReader(`{"username":"admin","password":"first-Password-1","domain":"LOCAL"}`))
	must(t, err)
	var tok struct{ AccessToken string }
	must(t, json.NewDecoder(res.Body).Decode(&tok))
	res.Body.Close()
	get := func(path string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		res, err := c.Do(req)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	proxy.Pause()
	for _, path := range []string{"/v2/users", "/healthz"} {
		res, body := get(path)
		if res.StatusCode != 503 || !strings.Contains(body, `"message"`) {
			t.Errorf("GET %s during the outage: %d %s, want 503 with an Error", path, res.StatusCode, body)
		}
		if strings.Contains(body, "127.0.0.1") || strings.Contains(body, "tcp") {
			t.Errorf("GET %s during the outage names the network: %s", path, body)
		}
	}
	if res, _ := get("/v2/users"); res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	proxy.Resume()
	if res, body := get("/v2/users"); res.StatusCode != 200 {
		t.Errorf("GET /v2/users after the outage: %d %s", res.StatusCode, body)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestServeDirectories: serve reads --directories at start and refuses a
// bad file with the reason.
func TestServeDirectories(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "bind-password")
	must(t, os.WriteFile(pw, []byte("s3cret\n"), 0o600))
	good := filepath.Join(dir, "good.yaml")
	must(t, os.WriteFile(good, []byte("directories:\n  - domain: example.test\n    type: activeDirectory\n"+
		"    url: ldaps://127.0.0.1:1\n    bindDN: svc@example.test\n    bindPasswordFile: "+pw+"\n    baseDN: DC=example,DC=test\n"), 0o600))
	bad := filepath.Join(dir, "bad.yaml")
	must(t, os.WriteFile(bad, []byte("directories:\n  - domain: example.test\n    type: novell\n"), 0o600))

	env := map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}
	s := startServe(t, env, "--data-dir", t.TempDir(), "--directories", good)
	res, err := insecureClient().Post(s.url+"/v2/access-tokens", "application/json",
		strings.NewReader(`{"username":"alice","password":"x","domain":"example.test"}`))
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 503 { // the domain is known, its directory unreachable
		t.Errorf("log-in to the configured domain with its directory down: %d, want 503", res.StatusCode)
	}
	err = run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--directories", bad},
		func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `type "novell"`) {
		t.Errorf("serve with a bad directories file: %v", err)
	}
	badTenant := filepath.Join(dir, "bad-tenant.yaml")
	must(t, os.WriteFile(badTenant, []byte("directories:\n  - domain: example.test\n    type: ldap\n    tenant: acme\n"+
		"    url: ldap://127.0.0.1:1\n    bindDN: cn=svc\n    bindPassword: pw\n    baseDN: dc=example,dc=test\n"), 0o600))
	err = run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--directories", badTenant},
		func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `tenant: malformed organization id: "acme" must end with '/'`) {
		t.Errorf("serve with a directory serving a malformed organization id: %v", err)
	}
}
