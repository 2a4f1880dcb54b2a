package iam

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/samlsp"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
)

const ssoHost = "cluster.test"

// syncBuf is a log sink the service's goroutines may write to.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// ssoWorld is a service with a SAML provider at a real samlidp.
type ssoWorld struct {
	svc   *Service
	clk   *clock
	admin *Principal
	idp   *samltest.IdP
	conf  domainspec.SAMLIdP
	log   *syncBuf
}

func newSSOWorld(t *testing.T, change func(c *domainspec.SAMLIdP)) *ssoWorld {
	t.Helper()
	log := &syncBuf{}
	svc, clk, _ := newTestService(t, Config{Audit: slog.New(slog.NewTextHandler(log, nil))})
	ctx := t.Context()
	admin, err := svc.Authenticate(ctx, Credential{Kind: CredSession, Secret: mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	idp := samltest.StartAt(t, clk.now())
	in := domainspec.SAMLIdP{Name: ptr("samlidp"), Domain: ptr("sso.test"), IssuerID: ptr(idp.Issuer),
		SSOURL: ptr(idp.SSOURL), Certificate: ptr(idp.CertPEM), Roles: []string{RoleViewer}, SAMLAttributeName: ptr("roles")}
	if change != nil {
		change(&in)
	}
	conf, err := svc.CreateIdentityProvider(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	md, err := svc.SPMetadata(ctx, ssoHost)
	if err != nil {
		t.Fatal(err)
	}
	idp.RegisterSP(t, md)
	return &ssoWorld{svc: svc, clk: clk, admin: admin, idp: idp, conf: conf, log: log}
}

// browser logs in at the IdP as user, returning the binding cookie and the
// response the IdP's page posts.
func (w *ssoWorld) browser(t *testing.T, user, password string) (string, samltest.Posted) {
	t.Helper()
	start, err := w.svc.SAMLLoginStart(t.Context(), "", ssoHost)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	posted := w.idp.LogIn(t, &http.Client{Transport: w.idp.Client.Transport, Jar: jar}, start.Redirect, user, password)
	return start.Binding, posted
}

func TestSAMLLogin(t *testing.T) {
	w := newSSOWorld(t, nil)
	ctx := t.Context()
	w.idp.AddUser(t, "alice", "Alice-Pass-1", "alice@sso.test", map[string][]string{"roles": {"cohesity_admin, nosuchrole"}})
	w.idp.AddUser(t, "bob", "Bob-Pass-1", "bob@sso.test", nil)

	binding, posted := w.browser(t, "alice", "Alice-Pass-1")
	if posted.Action != "https://"+ssoHost+"/idps/authenticate" {
		t.Fatalf("the IdP posts to %s", posted.Action)
	}
	secret, p, err := w.svc.SAMLLogin(ctx, ssoHost, binding, posted.SAMLResponse)
	if err != nil {
		t.Fatalf("a genuine log-in: %v\n%s", err, w.log)
	}
	if p.User.Domain != "sso.test" || p.User.Username != "alice@sso.test" || !slices.Equal(p.User.IdPRoles, []string{RoleAdmin}) {
		t.Errorf("logged in as %s\\%s with asserted roles %v", p.User.Domain, p.User.Username, p.User.IdPRoles)
	}
	if !strings.Contains(w.log.String(), "nosuchrole") {
		t.Error("the unknown asserted role was not logged")
	}
	if _, err := w.svc.Authenticate(ctx, Credential{Kind: CredSession, Secret: secret}); err != nil {
		t.Fatalf("the session: %v", err)
	}
	// The same response again: its request was used.
	if _, _, err := w.svc.SAMLLogin(ctx, ssoHost, binding, posted.SAMLResponse); err != ErrSSOFailed {
		t.Errorf("a replayed response: %v", err)
	}
	// A response brought by another browser (no binding), or for another host.
	b2, posted2 := w.browser(t, "bob", "Bob-Pass-1")
	if _, _, err := w.svc.SAMLLogin(ctx, ssoHost, "", posted2.SAMLResponse); err != ErrSSOFailed {
		t.Errorf("without the binding cookie: %v", err)
	}
	if _, _, err := w.svc.SAMLLogin(ctx, "other.test", b2, posted2.SAMLResponse); err != ErrSSOFailed {
		t.Errorf("at another host: %v", err)
	}
	// bob gets the default role (no roles attribute), added at first log-in.
	b3, posted3 := w.browser(t, "bob", "Bob-Pass-1")
	_, p, err = w.svc.SAMLLogin(ctx, ssoHost, b3, posted3.SAMLResponse)
	if err != nil || !slices.Equal(p.User.IdPRoles, []string{RoleViewer}) {
		t.Fatalf("bob: %v %+v", err, p)
	}
	// A request answered too late: the log-in was started more than
	// SAMLRequestTTL ago.
	b4, posted4 := w.browser(t, "bob", "Bob-Pass-1")
	w.clk.add(SAMLRequestTTL + time.Second)
	if _, _, err := w.svc.SAMLLogin(ctx, ssoHost, b4, posted4.SAMLResponse); err != ErrSSOFailed {
		t.Errorf("a request answered after %v: %v", SAMLRequestTTL, err)
	}
	for _, want := range []string{"no log-in was started", "was used already", "was not made here, or for another provider or host", "the request expired"} {
		if !strings.Contains(w.log.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, w.log)
		}
	}
}

// TestSAMLAttacksRefused: forged responses, each refused with its reason
// logged; an assertion id is single use even across requests.
func TestSAMLAttacksRefused(t *testing.T) {
	w := newSSOWorld(t, nil)
	ctx := t.Context()
	otherKey, otherCert := samltest.NewKey(t, "other")
	acs := "https://" + ssoHost + "/idps/authenticate"
	tests := []struct {
		name   string
		change func(f *samltest.Forge)
		log    string
	}{
		{"unsigned", func(f *samltest.Forge) { f.Key = nil }, "not signed"},
		{"another key", func(f *samltest.Forge) { f.Key, f.Cert = otherKey, otherCert }, "not signed by the configured certificate"},
		{"wrapping", func(f *samltest.Forge) { f.Wrap, f.WrapNameID = true, "admin" }, "more than one assertion"},
		{"expired", func(f *samltest.Forge) { f.NotOnOrAfter = f.Now.Add(-2 * samlspSkew) }, "expired"},
		{"wrong audience", func(f *samltest.Forge) { f.Audience = "https://evil.test/idps/authenticate" }, "wrong audience"},
		{"wrong recipient", func(f *samltest.Forge) { f.Recipient = "https://evil.test/idps/authenticate" }, "wrong destination or recipient"},
		{"comment in NameID", func(f *samltest.Forge) {
			f.NameID, f.CommentAt = "carol@sso.test.evil.test", len("carol@sso.test")
		}, "XML comment"},
		{"genuine", func(f *samltest.Forge) { f.AssertionID = "id-fixed-assertion" }, ""},
		{"replayed assertion id, new request", func(f *samltest.Forge) { f.AssertionID = "id-fixed-assertion" }, "replayed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, err := w.svc.SAMLLoginStart(ctx, "", ssoHost)
			if err != nil {
				t.Fatal(err)
			}
			_, reqID, _ := strings.Cut(start.Binding, ".")
			f := w.idp.Genuine(acs, reqID, "carol@sso.test", w.clk.now())
			tt.change(&f)
			_, _, err = w.svc.SAMLLogin(ctx, ssoHost, start.Binding, f.Base64(t))
			if tt.log == "" {
				if err != nil {
					t.Fatalf("refused: %v\n%s", err, w.log)
				}
				return
			}
			if err != ErrSSOFailed {
				t.Fatalf("got %v, want ErrSSOFailed", err)
			}
			if !strings.Contains(w.log.String(), tt.log) {
				t.Errorf("the log does not say %q:\n%s", tt.log, w.log)
			}
		})
	}
	// Each refusal went to the audit log as a failed log-in (the trail
	// counts failures of unknown names per minute: auditflood.go).
	if n := strings.Count(w.log.String(), "audit=LoginFailed"); n < len(tests)-1 {
		t.Errorf("%d LoginFailed lines, want %d:\n%s", n, len(tests)-1, w.log)
	}
}

const samlspSkew = samlsp.Skew

func TestSAMLAllowLocalUserLogin(t *testing.T) {
	w := newSSOWorld(t, nil)
	ctx := t.Context()
	if _, err := w.svc.CreateUsers(ctx, w.admin, []NewUser{{Username: "dora", Domain: LocalDomain, Password: "dora-Password-1", Roles: []string{RoleViewer}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := login(t, w.svc, "dora", "dora-Password-1"); KindOf(err) != KindForbidden {
		t.Errorf("a LOCAL user while the IdP serves: %v", err)
	}
	if _, err := login(t, w.svc, "admin", "admin-Password-1"); err != nil {
		t.Errorf("the built-in admin: %v", err)
	}
	// A Python round trip: null everywhere but the change.
	if _, err := w.svc.UpdateIdentityProvider(ctx, w.admin, *w.conf.ID, domainspec.SAMLIdP{AllowLocalUserLogin: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	w.svc.staleDomains()
	if _, err := login(t, w.svc, "dora", "dora-Password-1"); err != nil {
		t.Errorf("allowLocalUserLogin true: %v", err)
	}
}

func TestIdentityProviderCRUD(t *testing.T) {
	w := newSSOWorld(t, nil)
	ctx := t.Context()
	list, err := w.svc.IdentityProviders(ctx, w.admin, DomainFilter{}, nil)
	if err != nil || len(list) != 1 || !*list[0].IsEnabled || *list[0].CertificateFilename != domainspec.DefaultCertificateFilename {
		t.Fatalf("%+v %v", list, err)
	}
	dup := w.conf
	dup.ID = nil
	if _, err := w.svc.CreateIdentityProvider(ctx, w.admin, dup); KindOf(err) != KindConflict {
		t.Errorf("the same domain again: %v", err)
	}
	if _, err := w.svc.UpdateIdentityProvider(ctx, w.admin, *w.conf.ID, domainspec.SAMLIdP{Domain: ptr("x.test")}); KindOf(err) != KindInvalid {
		t.Errorf("a new domain: %v", err)
	}
	if _, err := w.svc.UpdateIdentityProvider(ctx, w.admin, 999, domainspec.SAMLIdP{}); KindOf(err) != KindNotFound {
		t.Errorf("no such id: %v", err)
	}
	// A user manager without every privilege may not make an IdP that may assert any role.
	if _, err := w.svc.CreateUsers(ctx, w.admin, []NewUser{{Username: "um", Domain: LocalDomain, Password: "um-Password-12", Roles: []string{RoleViewer}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DeleteIdentityProvider(ctx, w.admin, *w.conf.ID); err != nil {
		t.Fatal(err)
	}
	w.svc.staleDomains()
	if list, _ := w.svc.IdentityProviders(ctx, w.admin, DomainFilter{}, nil); len(list) != 0 {
		t.Errorf("after delete: %+v", list)
	}
	if _, err := w.svc.SAMLLoginStart(ctx, "", ssoHost); err != ErrNoIdP {
		t.Errorf("start with no IdP: %v", err)
	}
}

// TestOneEnabledSAMLProvider: an organization has one enabled SAML
// provider, where a log-in starts; a second may be kept disabled.
func TestOneEnabledSAMLProvider(t *testing.T) {
	w := newSSOWorld(t, nil)
	ctx := t.Context()
	second := func(enabled bool) domainspec.SAMLIdP {
		c := w.conf
		c.ID, c.Domain, c.IsEnabled = nil, ptr("second.test"), &enabled
		return c
	}
	if _, err := w.svc.CreateIdentityProvider(ctx, w.admin, second(true)); KindOf(err) != KindConflict {
		t.Fatalf("a second enabled provider: %v, want a conflict", err)
	}
	c, err := w.svc.CreateIdentityProvider(ctx, w.admin, second(false))
	if err != nil {
		t.Fatalf("a second, disabled provider: %v", err)
	}
	on, off := true, false
	if _, err := w.svc.UpdateIdentityProvider(ctx, w.admin, *c.ID, domainspec.SAMLIdP{IsEnabled: &on}); KindOf(err) != KindConflict {
		t.Fatalf("enabling the second: %v, want a conflict", err)
	}
	if _, err := w.svc.UpdateIdentityProvider(ctx, w.admin, *w.conf.ID, domainspec.SAMLIdP{IsEnabled: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.UpdateIdentityProvider(ctx, w.admin, *c.ID, domainspec.SAMLIdP{IsEnabled: &on}); err != nil {
		t.Fatalf("enabling the second once the first is off: %v", err)
	}
	if start, err := w.svc.SAMLLoginStart(ctx, "", ssoHost); err != nil || !strings.HasPrefix(start.Binding, fmt.Sprint(*c.ID)+".") {
		t.Errorf("the log-in starts at %q (%v), want provider %d", start.Binding, err, *c.ID)
	}
}
