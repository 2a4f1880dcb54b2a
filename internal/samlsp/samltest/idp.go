// Package samltest runs a real SAML identity provider on loopback for tests
// (crewjam/saml's samlidp, with its own users, over HTTPS), and forges
// responses with its key for the attacks a service provider must refuse.
package samltest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdP is a running identity provider.
type IdP struct {
	// URL is the server's base URL; Issuer its entity id; SSOURL where
	// AuthnRequests go.
	URL, Issuer, SSOURL string
	// Key and Cert are what it signs with; CertPEM is Cert as an admin pastes it.
	Key     *rsa.PrivateKey
	Cert    *x509.Certificate
	CertPEM string
	// Client trusts the server's TLS certificate.
	Client *http.Client

	srv   *samlidp.Server
	mu    sync.Mutex
	extra map[string][]saml.Attribute // by user name
}

// Start runs an IdP on the real clock until the test ends.
func Start(t testing.TB) *IdP {
	t.Helper()
	return StartAt(t, time.Time{})
}

// StartAt runs an IdP whose clock stands at now (zero: the real clock),
// for a service provider on a test clock.
func StartAt(t testing.TB, now time.Time) *IdP {
	t.Helper()
	var clock *dsig.Clock
	if !now.IsZero() {
		clock = dsig.NewFakeClockAt(now)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	base, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	key, cert := NewKey(t, "samltest idp")
	idp := &IdP{URL: ts.URL, Key: key, Cert: cert, CertPEM: PEM(cert), Client: ts.Client(),
		extra: map[string][]saml.Attribute{}}
	srv, err := samlidp.New(samlidp.Options{
		URL: *base, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{},
		Logger: tlog{t}, Clock: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.IDP.SessionProvider = sessions{srv: srv, idp: idp}
	idp.srv = srv
	ts.Config.Handler = srv
	idp.Issuer = srv.IDP.MetadataURL.String()
	idp.SSOURL = srv.IDP.SSOURL.String()
	return idp
}

// tlog sends the IdP's log to the test's.
type tlog struct{ t testing.TB }

func (l tlog) Printf(f string, v ...any) { l.t.Logf("samlidp: "+f, v...) }
func (l tlog) Print(v ...any)            { l.t.Log(append([]any{"samlidp:"}, v...)...) }
func (l tlog) Println(v ...any)          { l.t.Log(append([]any{"samlidp:"}, v...)...) }
func (l tlog) Fatal(v ...any)            { l.t.Fatal(v...) }
func (l tlog) Fatalf(f string, v ...any) { l.t.Fatalf(f, v...) }
func (l tlog) Fatalln(v ...any)          { l.t.Fatal(v...) }
func (l tlog) Panic(v ...any)            { panic(fmt.Sprint(v...)) }
func (l tlog) Panicf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
func (l tlog) Panicln(v ...any)          { panic(fmt.Sprint(v...)) }

// sessions is samlidp's own log-in, with the extra attributes of the user.
type sessions struct {
	srv *samlidp.Server
	idp *IdP
}

func (s sessions) GetSession(w http.ResponseWriter, r *http.Request, req *saml.IdpAuthnRequest) *saml.Session {
	sess := s.srv.GetSession(w, r, req)
	if sess == nil {
		return nil
	}
	s.idp.mu.Lock()
	defer s.idp.mu.Unlock()
	cp := *sess
	cp.CustomAttributes = append([]saml.Attribute(nil), s.idp.extra[sess.UserName]...)
	return &cp
}

// AddUser adds a user who logs in with password; its NameID is email, and
// attrs are added to its assertions (for example groups, or a roles attribute).
func (i *IdP) AddUser(t testing.TB, name, password, email string, attrs map[string][]string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "password": password, "email": email})
	i.admin(t, http.MethodPut, "/users/"+url.PathEscape(name), "application/json", body)
	var list []saml.Attribute
	for n, vs := range attrs {
		a := saml.Attribute{Name: n, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"}
		for _, v := range vs {
			a.Values = append(a.Values, saml.AttributeValue{Type: "xs:string", Value: v})
		}
		list = append(list, a)
	}
	i.mu.Lock()
	i.extra[name] = list
	i.mu.Unlock()
}

// RegisterSP makes the IdP accept a service provider by its metadata.
func (i *IdP) RegisterSP(t testing.TB, metadata []byte) {
	t.Helper()
	i.admin(t, http.MethodPut, "/services/sp", "application/xml", metadata)
}

func (i *IdP) admin(t testing.TB, method, path, ctype string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(method, i.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := i.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("samltest: %s %s: %s", method, path, resp.Status)
	}
}

// NewKey makes an RSA key and a self-signed certificate for it.
func NewKey(t testing.TB, name string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(20, 0, 0), // past the tests' clocks
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// PEM encodes cert.
func PEM(cert *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
}

// TLSConfig trusts the IdP's HTTPS certificate, for clients built elsewhere.
func (i *IdP) TLSConfig() *tls.Config {
	return i.Client.Transport.(*http.Transport).TLSClientConfig.Clone()
}

func (i *IdP) String() string { return fmt.Sprintf("samltest IdP at %s", i.URL) }
