package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/store"
)

// TestLoginLogout: a page without a session goes to the log-in; the
// log-in sets a __Host- cookie that scripts cannot read and other sites
// do not send; the log-out needs the CSRF token and ends this session
// only.
func TestLoginLogout(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	a := b.do("GET", "/users", nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login?next=%2Fusers" {
		t.Fatalf("a page without a session: %d to %q", a.status, a.header.Get("Location"))
	}
	e.want(b.do("GET", "/login?next=%2Fusers", nil), 200, `<option value="LOCAL">`, `name="next" value="/users"`)
	a = b.do("POST", "/login", url.Values{"username": {"admin"}, "password": {adminPassword}, "domain": {"LOCAL"}, "next": {"/users"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/users" {
		t.Fatalf("log-in: %d to %q", a.status, a.header.Get("Location"))
	}
	ck := a.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-clusteriam=", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(ck, want) {
			t.Errorf("session cookie %q lacks %s", ck, want)
		}
	}
	e.want(b.do("GET", "/", nil), 200, `Logged in as LOCAL\admin`)

	// Another session of the admin, through the API's door.
	other, _, err := e.svc.Login(context.Background(), iam.LoginInput{Username: "admin", Password: adminPassword, Domain: "LOCAL"}, store.SessionKindSession)
	if err != nil {
		t.Fatal(err)
	}
	e.want(b.do("POST", "/logout", url.Values{}), 403, "CSRF")
	e.want(b.do("GET", "/", nil), 200) // still logged in
	a = b.do("POST", "/logout", url.Values{"csrf": {b.csrf()}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login" {
		t.Fatalf("log-out: %d to %q", a.status, a.header.Get("Location"))
	}
	if a := b.do("GET", "/", nil); a.status != http.StatusSeeOther {
		t.Errorf("after the log-out the overview answered %d, want a redirect to the log-in", a.status)
	}
	if _, err := e.svc.Authenticate(context.Background(), iam.Credential{Kind: iam.CredSession, Secret: other}); err != nil {
		t.Errorf("the log-out ended the admin's other session: %v", err)
	}
}

// TestLoginRefusals: a wrong password and an unknown user read alike; the
// console spends the API's limiter, so failures through either door add
// up.
func TestLoginRefusals(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	wrong := b.do("POST", "/login", url.Values{"username": {"admin"}, "password": {"Wrong-Password-9"}, "domain": {"LOCAL"}})
	unknown := b.do("POST", "/login", url.Values{"username": {"nobody"}, "password": {"Wrong-Password-9"}, "domain": {"LOCAL"}})
	for name, a := range map[string]answer{"wrong password": wrong, "unknown user": unknown} {
		e.want(a, http.StatusUnauthorized, "invalid username, password or domain")
		if strings.Contains(a.body, "Wrong-Password-9") {
			t.Errorf("%s: the page shows the password typed", name)
		}
	}
	e.want(b.do("POST", "/login", url.Values{"username": {"admin"}}), http.StatusBadRequest, "Give a username")

	// bob fails through the console up to the per-account limit ...
	for range loginlimit.DefaultFailedLoginsPerAccountPerMinute - 1 {
		b.do("POST", "/login", url.Values{"username": {"bob"}, "password": {"Wrong-Password-9"}, "domain": {"LOCAL"}})
	}
	// ... then once through the API, and the next through the console is
	// held back.
	res, err := e.srv.Client().Post(e.srv.URL+"/v2/access-tokens", "application/json",
		strings.NewReader(`{"username":"bob","password":"Wrong-Password-9","domain":"LOCAL"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	a := b.do("POST", "/login", url.Values{"username": {"bob"}, "password": {"Wrong-Password-9"}, "domain": {"LOCAL"}})
	e.want(a, http.StatusTooManyRequests, "Too many failed log-ins")
	if a.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestCrossSiteRefused: a state change another site sends with the
// user's cookie is refused, whatever token it carries.
func TestCrossSiteRefused(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("admin", adminPassword)
	token := b.csrf()
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		e.want(b.do("POST", "/logout", url.Values{"csrf": {token}}, h...), http.StatusForbidden, "another site")
	}
	e.want(b.do("GET", "/", nil), 200, "Logged in as") // nothing happened
	e.want(b.do("POST", "/logout", url.Values{"csrf": {"x" + token}}), http.StatusForbidden, "CSRF")
}

// TestNextStaysHere: the page a log-in goes on to is one of the
// console's, never another site.
func TestNextStaysHere(t *testing.T) {
	for next, want := range map[string]string{
		"/users": "/users", "//evil.example/x": "/", "https://evil.example": "/", `/\evil.example`: "/", "": "/",
	} {
		if got := localNext(next); got != want {
			t.Errorf("localNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestHeaders: every page forbids framing, inline script, sniffing and
// caching; the static files, whose URLs change with their content, may be
// cached.
func TestHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	a := b.do("GET", "/login", nil)
	e.want(a, 200)
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
		"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
	} {
		if !strings.Contains(a.header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, a.header.Get(h), want)
		}
	}
	if csp := a.header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %s", csp)
	}
	if strings.Contains(a.body, "<script>") || strings.Contains(a.body, " style=") {
		t.Errorf("the page holds inline script or style")
	}
	css := b.do("GET", "/static/console.css", nil)
	e.want(css, 200, "prefers-color-scheme")
	if !strings.Contains(css.header.Get("Cache-Control"), "immutable") {
		t.Errorf("static Cache-Control %q", css.header.Get("Cache-Control"))
	}
	e.want(b.do("GET", "/no/such/page", nil), 404, "no such page")
}
