package console

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/httpapi"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

const adminPassword = "admin-Password-1"

// env is the console and the API over HTTPS on a real store, mounted as
// clusteriam serve mounts them, with one limiter for both.
type env struct {
	t   testing.TB
	srv *httptest.Server
	svc *iam.Service
	st  store.Store
	be  *testbackend.Backend
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvStopping(t, nil)
}

// newEnvStopping is newEnv whose console's streams end when stopping is
// closed.
func newEnvStopping(t testing.TB, stopping <-chan struct{}) *env {
	t.Helper()
	ctx := context.Background()
	be := testbackend.Open(t)
	st := be.Store
	key, err := auth.LoadOrCreateKey(filepath.Join(t.TempDir(), "s3.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := auth.NewSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	params := auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	svc, err := iam.New(ctx, st, auth.NewHasher(params, 4), box, iam.Config{Audit: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait)
	if _, err := svc.EnsureAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	limiter := loginlimit.New(loginlimit.DefaultFailedLoginsPerMinute, loginlimit.DefaultFailedLoginsPerAccountPerMinute, nil)
	con, err := New(svc, Options{Logger: log, Limiter: limiter, Stopping: stopping})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v2/", httpapi.NewServer(svc, httpapi.Options{Logger: log, Limiter: limiter}))
	mux.Handle("/", con)
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, svc: svc, st: st, be: be}
}

// browser is a client with its own cookies, as one browser is.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	c := *e.srv.Client() // a copy: the server's client is one, and each browser has its own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{e: e, c: &c}
}

// answer is one response, its body read.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request as the browser would; form, when not nil, is posted.
func (b *browser) do(method, path string, form url.Values, header ...string) answer {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header, string(raw)}
}

// login logs the browser in, and fails the test if it does not land.
func (b *browser) login(user, password string) {
	b.e.t.Helper()
	a := b.do("POST", "/login", url.Values{"username": {user}, "password": {password}, "domain": {"LOCAL"}})
	if a.status != http.StatusSeeOther {
		b.e.t.Fatalf("log-in of %s: %d\n%s", user, a.status, a.body)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token a page of the browser's session carries.
func (b *browser) csrf() string {
	b.e.t.Helper()
	m := csrfRE.FindStringSubmatch(b.do("GET", "/", nil).body)
	if m == nil {
		b.e.t.Fatal("the overview carries no CSRF token")
	}
	return m[1]
}

// want fails the test unless a has status and its body holds every text.
func (e *env) want(a answer, status int, texts ...string) {
	e.t.Helper()
	if a.status != status {
		e.t.Fatalf("status %d, want %d\n%s", a.status, status, a.body)
	}
	for _, s := range texts {
		if !strings.Contains(a.body, s) {
			e.t.Errorf("the page lacks %q:\n%s", s, a.body)
		}
	}
}
