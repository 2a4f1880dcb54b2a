package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"github.com/clusteriam/clusteriam/internal/mail/mailtest"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// started is a running `clusteriam serve`.
type started struct {
	url    string
	stderr *lockedText
	done   chan error
	cancel context.CancelFunc
	once   sync.Once
}

var servingRe = regexp.MustCompile(`serving (https?://\S+) `)

// lockedText collects the command's stderr while tests read it.
type lockedText struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedText) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedText) Write(b []byte) (int, error) {
	l.WriteString(string(b))
	return len(b), nil
}

func (l *lockedText) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs serve in-process on a free port until the test ends.
func startServe(t *testing.T, env map[string]string, args ...string) *started {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{stderr: &lockedText{}, done: make(chan error, 1), cancel: cancel}
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, pw, pw)
		pw.Close()
	}()
	urlc := watchServing(pr, s.stderr, nil)
	select {
	case s.url = <-urlc:
	case err := <-s.done:
		t.Fatalf("serve exited: %v\n%s", err, s.stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// watchServing copies the lines of stderr into log, sends the URL of the
// serving line on the channel it returns, and calls done (if not nil) at
// the end of stderr.
func watchServing(stderr io.Reader, log *lockedText, done func()) <-chan string {
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := servingRe.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		if done != nil {
			done()
		}
	}()
	return urlc
}

func (s *started) stop(t *testing.T) {
	s.once.Do(func() { s.stopOnce(t) })
}

func (s *started) stopOnce(t *testing.T) {
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop")
	}
}

func insecureClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

// login logs the admin in with pw and returns the status and the access
// token ("" on failure).
func login(t *testing.T, c *http.Client, url, pw string) (int, string) {
	t.Helper()
	res, err := c.Post(url+"/v2/access-tokens", "application/json",
		strings.NewReader(`{"username":"admin","password":`+mustJSON(pw)+`,"domain":"LOCAL"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct{ AccessToken string }
	if res.StatusCode == http.StatusCreated {
		if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
			t.Fatalf("log-in answer: %v", err)
		}
	}
	return res.StatusCode, tok.AccessToken
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestServeFirstStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startServe(t, nil, "--data-dir", dir)
	m := regexp.MustCompile(`created LOCAL user "admin" with password (\S+)`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no generated password printed:\n%s", s.stderr)
	}
	c := insecureClient()
	code, tok := login(t, c, s.url, m[1])
	if code != 201 {
		t.Fatalf("log-in with printed password: %d", code)
	}
	if code, _ := login(t, c, s.url, "admin"); code != 401 {
		t.Fatalf("log-in with a default password: %d", code)
	}
	// The printed password only serves to choose another; the refusal says
	// how, with the admin's sid.
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := call("GET", "/v2/users", "")
	sid := regexp.MustCompile(`PUT /v2/users/(S-1-[0-9-]+) `).FindStringSubmatch(body)
	if code != 403 || sid == nil {
		t.Fatalf("list users before choosing a password: %d %s, want 403 naming the change", code, body)
	}
	change := `{"localUserParams":{"password":"Chosen-Password-1","currentPassword":` + mustJSON(m[1]) + `}}`
	if code, body := call("PUT", "/v2/users/"+sid[1], change); code != 200 {
		t.Fatalf("choose a password: %d %s", code, body)
	}
	if code, body := call("GET", "/v2/users", ""); code != 200 {
		t.Fatalf("list users after choosing a password: %d %s, want 200", code, body)
	}
	// Self-signed ECDSA certificate with the expected names, kept in the data dir.
	pem, err := os.ReadFile(filepath.Join(dir, "tls.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("tls.crt is not PEM")
	}
	for _, name := range []string{"localhost", "127.0.0.1"} {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(s.url, "https://"), &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatalf("verify certificate for %s: %v", name, err)
		}
		conn.Close()
	}
	for _, f := range []string{"clusteriam.db", "s3-secret.key", "tls.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", f, st.Mode(), err)
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v", st.Mode())
	}
	// Health and metrics need no credentials.
	for _, path := range []string{"/healthz", "/metrics", "/v2/openapi.yaml"} {
		res, err := c.Get(s.url + path)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, res, err)
		}
		res.Body.Close()
		wantTransportHeaders(t, res, "max-age=63072000")
	}
	res, err := c.Post(s.url+"/v2/access-tokens", "application/json", strings.NewReader(`{"username":"admin","password":"Chosen-Password-1"}`))
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("log-in: %v %v", res, err)
	}
	res.Body.Close()
	wantTransportHeaders(t, res, "max-age=63072000")
}

// wantTransportHeaders fails t unless res may not be stored by any cache
// and has the Strict-Transport-Security hsts ("" for none).
func wantTransportHeaders(t *testing.T, res *http.Response, hsts string) {
	t.Helper()
	where := res.Request.Method + " " + res.Request.URL.String()
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", where, got)
	}
	if got, ok := res.Header["Strict-Transport-Security"]; hsts == "" && ok || hsts != "" && (len(got) != 1 || got[0] != hsts) {
		t.Errorf("%s: Strict-Transport-Security %q, want %q", where, got, hsts)
	}
}

func TestServeRestartKeepsDataAndPassword(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "Env-Password-1"}
	s := startServe(t, env, "--data-dir", dir)
	if strings.Contains(s.stderr.String(), "Env-Password-1") {
		t.Fatal("the admin password from the environment was printed")
	}
	c := insecureClient()
	if code, _ := login(t, c, s.url, "Env-Password-1"); code != 201 {
		t.Fatalf("log-in: %d", code)
	}
	s.stop(t)
	// A second start neither recreates the admin nor takes a new password.
	s2 := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "Other-Password-1"}, "--data-dir", dir)
	if code, _ := login(t, c, s2.url, "Env-Password-1"); code != 201 {
		t.Fatalf("log-in after restart: %d", code)
	}
	if code, _ := login(t, c, s2.url, "Other-Password-1"); code != 401 {
		t.Fatalf("second start changed the password: %d", code)
	}
}

func TestServeInsecureHTTPAndMetricsListen(t *testing.T) {
	s := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "Env-Password-1"},
		"--data-dir", t.TempDir(), "--insecure-http", "--metrics-listen", "127.0.0.1:0")
	if !strings.HasPrefix(s.url, "http://") || !strings.Contains(s.stderr.String(), "plain HTTP") {
		t.Fatalf("url %s, log:\n%s", s.url, s.stderr)
	}
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatalf("/metrics on the API address with --metrics-listen: %d", res.StatusCode)
	}
	wantTransportHeaders(t, res, "")
	if res, err = http.Post(s.url+"/v2/access-tokens", "application/json", strings.NewReader(`{"username":"admin","password":"Env-Password-1"}`)); err != nil || res.StatusCode != 201 {
		t.Fatalf("log-in: %v %v", res, err)
	}
	res.Body.Close()
	wantTransportHeaders(t, res, "")
}

func TestServeFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--tls-cert", "x.pem"},
		{"--bogus"},
		{"--max-header-bytes", "10"},
		{"--audit-max-rows", "0"},
		{"--audit-max-rows", "many"},
		{"extra"},
		{"--trusted-proxies", "proxy.example.com"},
		{"--trusted-proxies", "10.0.0.0/8,10.0.0.0/99"},
	} {
		if _, err := parseServeFlags(args, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	for args, want := range map[string]int64{"": iam.DefaultAuditMaxRows, "--audit-max-rows=5000": 5000, "--audit-max-rows=-1": -1} {
		c, err := parseServeFlags(strings.Fields(args), io.Discard)
		if err != nil || c.auditMaxRows != want {
			t.Errorf("%q: audit-max-rows %d, %v; want %d", args, c.auditMaxRows, err, want)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, os.Getenv, io.Discard, io.Discard); err == nil {
		t.Error("unknown command accepted")
	}
}

// TestServeLimiterFlags: the failed-log-in limits and --trusted-proxies
// reach the handler. The test is the trusted proxy, and names its clients
// in X-Forwarded-For: one account per client address fails once, the
// address twice; another client logs in; the log names the client.
func TestServeLimiterFlags(t *testing.T) {
	env := map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "Admin-Password-1"}
	s := startServe(t, env, "--data-dir", t.TempDir(), "--trusted-proxies", "192.0.2.0/24, 127.0.0.1",
		"--failed-logins-per-minute", "2", "--failed-logins-per-account-per-minute", "1")
	c := insecureClient()
	post := func(client, user, pw string) int {
		req, _ := http.NewRequest("POST", s.url+"/v2/access-tokens",
			strings.NewReader(`{"username":`+mustJSON(user)+`,"password":`+mustJSON(pw)+`}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", client)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, step := range []struct {
		client, user, pw string
		want             int
	}{
		{"203.0.113.5", "admin", "Wrong-Password-9", 401},
		{"203.0.113.5", "admin", "Admin-Password-1", 429}, // one failure per account
		{"203.0.113.5", "nobody", "Wrong-Password-9", 401},
		{"203.0.113.5", "someone", "Wrong-Password-9", 429}, // two per address
		{"203.0.113.6", "admin", "Admin-Password-1", 201},
	} {
		if got := post(step.client, step.user, step.pw); got != step.want {
			t.Fatalf("%+v: status %d", step, got)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.stderr.String(), `"status":429,"actor":"","ip":"203.0.113.5"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line of the 429 names the client:\n%s", s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServePasswordPolicyFlags: --breached-passwords and
// --min-password-length reach the service; a list that cannot be read or a
// bound out of range stops serve before it listens.
func TestServePasswordPolicyFlags(t *testing.T) {
	list := filepath.Join(t.TempDir(), "breached.txt")
	if err := os.WriteFile(list, []byte("Common-Password-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "Admin-Password-1"}
	s := startServe(t, env, "--data-dir", t.TempDir(), "--breached-passwords", list, "--min-password-length", "16")
	c := insecureClient()
	_, tok := login(t, c, s.url, "Admin-Password-1")
	for pw, want := range map[string]int{"Common-Password-1": 400, "fifteen-chars-1": 400, "sixteen-chars-12": 201} {
		body := `[{"username":"u` + strings.ReplaceAll(pw, "-", "") + `","domain":"LOCAL","roles":[],"localUserParams":{"password":` + mustJSON(pw) + `}}]`
		if got := authedCall(t, c, s.url, tok, "POST", "/v2/users", body); got != want {
			t.Errorf("a new password %q: %d, want %d", pw, got, want)
		}
	}
	for _, args := range [][]string{{"--breached-passwords", list + ".missing"}, {"--min-password-length", "7"}} {
		args = append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)
		if err := run(context.Background(), args, func(k string) string { return env[k] }, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: serve started", args)
		}
	}
}

// TestServeSecondFactorFlags: --smtp-url (or $CLUSTERIAM_SMTP_URL) makes
// e-mail a factor, through a real SMTP server; a bad one, or a
// --client-ca-file that holds no CA, stops the start, and no error shows
// the mail server's password.
func TestServeSecondFactorFlags(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{Username: "relay", Password: "Relay-Secret-1"})
	env := map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "Admin-Password-1", "CLUSTERIAM_SMTP_URL": smtp.URL()}
	s := startServe(t, env, "--data-dir", t.TempDir(), "--smtp-insecure", "--email-codes-per-hour", "2")
	c := insecureClient()
	_, tok := login(t, c, s.url, "Admin-Password-1")
	do := func(method, path, body string) int { return authedCall(t, c, s.url, tok, method, path, body) }
	if got := do("PUT", "/v2/users/"+adminSID(t, c, s.url, tok), `{"localUserParams":{"email":"admin@example.test"}}`); got != 200 {
		t.Fatalf("set the admin's address: %d", got)
	}
	if got := do("PUT", "/v2/mfa-config", `{"enabled":true,"authenticationTypes":["email"],"retainUserMfaSettings":true}`); got != 204 {
		t.Fatalf("e-mail as a factor with --smtp-url: %d, want 204", got)
	}
	creds := `{"username":"admin","password":"Admin-Password-1","domain":"LOCAL"}`
	for i, want := range []int{204, 204, 429} { // --email-codes-per-hour 2
		if got := do("POST", "/v2/email-otp", creds); got != want {
			t.Errorf("code %d: %d, want %d", i+1, got, want)
		}
	}
	if msgs := smtp.Wait(t, 2, 5*time.Second); msgs[0].To[0] != "admin@example.test" {
		t.Errorf("a code went to %v", msgs[0].To)
	}
	if strings.Contains(s.stderr.String(), "Relay-Secret-1") {
		t.Error("the log shows the mail server's password")
	}

	notCA := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notCA, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--smtp-url", "ftp://relay:Relay-Secret-1@host"}, {"--client-ca-file", notCA},
		{"--client-ca-file", notCA + ".missing"}, {"--email-codes-per-hour", "0"}} {
		args = append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second) // a server that starts stops here
		err := run(ctx, args, func(k string) string { return env[k] }, io.Discard, io.Discard)
		cancel()
		if err == nil {
			t.Errorf("%v: serve started", args)
		} else if strings.Contains(err.Error(), "Relay-Secret-1") {
			t.Errorf("%v: the error shows the password: %v", args, err)
		}
	}
}

// adminSID returns the sid of the built-in admin.
func adminSID(t *testing.T, c *http.Client, url, tok string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v2/users?usernames=admin", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var ul usersList
	if err := json.NewDecoder(res.Body).Decode(&ul); err != nil || len(ul.Users) != 1 {
		t.Fatalf("the admin: %v %+v", err, ul)
	}
	return ul.Users[0].SID
}

// authedCall sends body as JSON with the admin's token and returns the
// status.
func authedCall(t *testing.T, c *http.Client, url, tok, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
