package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clusteriam/clusteriam/internal/samlsp"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
)

// ssoServer is a clusteriam server with a SAML provider, a real samlidp
// on loopback, which knows the server by its metadata and has one user,
// alice, whom it asserts as COHESITY_ADMIN through the "roles" attribute.
type ssoServer struct {
	srv   *replica
	idp   *samltest.IdP
	admin header
}

const (
	ssoUser     = "alice"
	ssoPassword = "Alice-Pass-1"
	ssoNameID   = "alice@sso.test"
)

func startSSO(t *testing.T) *ssoServer {
	t.Helper()
	srv := newReplica(t, "sso", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.start(t)
	return configureSSO(t, srv)
}

// configureSSO gives the running server srv its SAML provider.
func configureSSO(t *testing.T, srv *replica) *ssoServer {
	t.Helper()
	c := insecureClient()
	_, tok := login(t, c, srv.url, "Admin-Password-1")
	admin := bearer(tok)
	idp := samltest.Start(t)
	srv.want(t, c, http.StatusCreated, "POST", "/v2/idps", admin, map[string]any{
		"name": "samlidp", "domain": "sso.test", "issuerId": idp.Issuer, "ssoUrl": idp.SSOURL,
		"certificate": idp.CertPEM, "roles": []string{"COHESITY_VIEWER"}, "samlAttributeName": "roles",
	}, nil)
	registerWithIdP(t, srv, idp)
	idp.AddUser(t, ssoUser, ssoPassword, ssoNameID, map[string][]string{"roles": {"COHESITY_ADMIN"}})
	return &ssoServer{srv: srv, idp: idp, admin: admin}
}

// registerWithIdP gives idp the metadata srv serves: a provider answers a
// sign-on only for a service provider it knows.
func registerWithIdP(t *testing.T, srv *replica, idp *samltest.IdP) {
	t.Helper()
	res, err := insecureClient().Get(srv.url + "/idps/metadata")
	must(t, err)
	md, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(md), "/idps/authenticate") {
		t.Fatalf("GET /idps/metadata: %s\n%s", res.Status, md)
	}
	idp.RegisterSP(t, md)
}

// TestSAMLOverHTTP drives a sign-on as raw HTTP, as a browser makes it:
// /v2/idps/login sends the client to the provider with a request; the
// provider's page posts its answer to /idps/authenticate, which opens a
// console session holding the asserted role. The same answer again, or
// an answer brought without the binding cookie, is refused.
func TestSAMLOverHTTP(t *testing.T) {
	s := startSSO(t)
	jar, _ := cookiejar.New(nil)
	c := insecureClient()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Get(s.srv.url + "/v2/idps/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, s.idp.SSOURL+"?SAMLRequest=") {
		t.Fatalf("GET /v2/idps/login: %s, Location %q", res.Status, loc)
	}
	c.CheckRedirect = nil
	posted := s.idp.LogIn(t, c, loc, ssoUser, ssoPassword)
	if want := s.srv.url + "/idps/authenticate"; posted.Action != want {
		t.Fatalf("the provider posts to %q, want %q", posted.Action, want)
	}
	post := func(c *http.Client) (int, string) {
		res, err := c.PostForm(posted.Action, url.Values{"SAMLResponse": {posted.SAMLResponse}, "RelayState": {posted.RelayState}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// Another browser, without the binding cookie, is refused first: the
	// answer stays unused, and still works for the browser that asked.
	other := insecureClient()
	if code, body := post(other); code/100 == 2 && !strings.Contains(body, "failed") {
		t.Fatalf("an answer brought by another browser: %d\n%s", code, body)
	}
	code, body := post(c)
	if code != http.StatusOK || !strings.Contains(body, "Signed in") {
		t.Fatalf("POST /idps/authenticate: %d\n%s", code, body)
	}
	u, _ := url.Parse(s.srv.url)
	var session string
	for _, ck := range jar.Cookies(u) {
		if ck.Name == samlsp.BindingCookie {
			t.Errorf("the binding cookie outlived the answer")
		}
		if strings.Contains(ck.Name, "clusteriam") && ck.Name != samlsp.BindingCookie {
			session = ck.Value
		}
	}
	if session == "" {
		t.Fatal("no console session after the sign-on")
	}
	// The console session is an API session too: alice holds the role
	// the provider asserted.
	var me struct {
		Users []struct {
			Username, Domain string
			Roles            []string
		}
	}
	s.srv.want(t, insecureClient(), http.StatusOK, "GET", "/v2/users?domain=sso.test", header{"session-id", session}, nil, &me)
	if len(me.Users) != 1 || me.Users[0].Username != ssoNameID {
		t.Fatalf("users of sso.test, read as alice: %+v", me.Users)
	}
	status, _ := s.srv.call(insecureClient(), "POST", "/v2/roles", header{"session-id", session},
		map[string]any{"name": "sso-made", "privileges": []string{"PRINCIPAL_VIEW"}})
	if status != http.StatusCreated {
		t.Errorf("alice, asserted COHESITY_ADMIN, creates a role: %d, want 201", status)
	}
	if code, body := post(c); code/100 == 2 && !strings.Contains(body, "failed") {
		t.Fatalf("the same answer again: %d\n%s", code, body)
	}
}

// TestSAMLReplayAcrossReplicas: an answer one replica accepted is refused
// by another on the same PostgreSQL, as behind one load balancer (the
// same host name): the request it answers is used, in the shared store.
func TestSAMLReplayAcrossReplicas(t *testing.T) {
	dsn := pgtest.Schema(t)
	bin := buildBinary(t)
	a := newReplica(t, "A", bin, replicaEnv(dsn, 1)...)
	b := newReplica(t, "B", bin, replicaEnv(dsn, 1)...)
	startAll(t, a, b)
	s := configureSSO(t, a)
	jar, _ := cookiejar.New(nil)
	c := insecureClient()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Get(a.url + "/v2/idps/login")
	must(t, err)
	res.Body.Close()
	c.CheckRedirect = nil
	posted := s.idp.LogIn(t, c, res.Header.Get("Location"), ssoUser, ssoPassword)
	aURL, _ := url.Parse(a.url)
	binding := ""
	for _, ck := range jar.Cookies(aURL) {
		if ck.Name == samlsp.BindingCookie {
			binding = ck.Value
		}
	}
	postTo := func(r *replica) (int, string) {
		req, err := http.NewRequest("POST", r.url+"/idps/authenticate",
			strings.NewReader(url.Values{"SAMLResponse": {posted.SAMLResponse}}.Encode()))
		must(t, err)
		req.Host = aURL.Host // one name for both, as behind a load balancer
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: samlsp.BindingCookie, Value: binding})
		res, err := insecureClient().Do(req)
		must(t, err)
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := postTo(a); code != http.StatusOK || !strings.Contains(body, "Signed in") {
		t.Fatalf("replica A: %d\n%s", code, body)
	}
	if code, body := postTo(b); code/100 == 2 || !strings.Contains(body, "single sign-on log-in failed") {
		t.Fatalf("the same answer at replica B: %d\n%s", code, body)
	}
}

// TestConsoleSSO signs in through the provider in Chromium: the log-in
// page's single sign-on link, the provider's own log-in form, and back in
// the console as alice, with the role the provider asserted.
func TestConsoleSSO(t *testing.T) {
	ctx := browserFor(t)
	s := startSSO(t)
	browse(t, ctx, "sign in through the provider",
		chromedp.Navigate(s.srv.url+"/login"),
		chromedp.WaitVisible(`//a[normalize-space()="Sign in with single sign-on"]`),
		chromedp.Click(`//a[normalize-space()="Sign in with single sign-on"]`),
		chromedp.WaitVisible(chromedp.CSS(`input[name="user"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), ssoUser),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), ssoPassword),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(`//*[contains(., "Logged in as")]`),
	)
	if body := bodyText(t, ctx); !strings.Contains(body, ssoNameID) {
		t.Fatalf("the console does not show alice:\n%s", body)
	}
	browse(t, ctx, "open alice's account", chromedp.Navigate(s.srv.url+"/account"), chromedp.WaitReady(chromedp.CSS("main")))
	if body := bodyText(t, ctx); !strings.Contains(body, "COHESITY_ADMIN") {
		t.Fatalf("alice's account page does not show the asserted role:\n%s", body)
	}
	screenshots(t, ctx, s.srv.url, "/login", "login-sso")
}
