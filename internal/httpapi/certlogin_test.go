package httpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/certlogin"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// testCA is a certificate authority made in the test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key := newECKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert, key}
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// issue returns the PEM of a client certificate for cn, valid from
// notBefore to notAfter, signed by ca (by its own key when ca is nil),
// and the PEM of its key.
func issue(t *testing.T, ca *testCA, cn string, notBefore, notAfter time.Time) (certPEM, keyPEM string) {
	t.Helper()
	key := newECKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// TestCertificateLogIn: a certificate from the configured CA, valid now,
// with its key, logs in the user its CN names; anything else is refused.
func TestCertificateLogIn(t *testing.T) {
	ca := newTestCA(t, "clusteriam test client CA")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	e := newEnvConfig(t, testParams, iam.Config{ClientCAs: certlogin.NewVerifier(pool)})
	bob := e.createUser("bob", "Bob-Password-1", "COHESITY_VIEWER")

	now := time.Now()
	good, goodKey := issue(t, &ca, "bob", now.Add(-time.Minute), now.Add(time.Hour))
	expired, expiredKey := issue(t, &ca, "bob", now.Add(-2*time.Hour), now.Add(-time.Hour))
	self, selfKey := issue(t, nil, "bob", now.Add(-time.Minute), now.Add(time.Hour))
	_, otherKey := issue(t, &ca, "bob", now.Add(-time.Minute), now.Add(time.Hour))
	nobody, nobodyKey := issue(t, &ca, "nobody", now.Add(-time.Minute), now.Add(time.Hour))
	other := newTestCA(t, "another CA")
	foreign, foreignKey := issue(t, &other, "bob", now.Add(-time.Minute), now.Add(time.Hour))

	login := func(cert, key string, extra map[string]any) resp {
		body := map[string]any{"certificate": cert, "privateKey": key}
		for k, v := range extra {
			body[k] = v
		}
		return e.do("POST", "/v2/users/sessions", noCred, body)
	}
	tests := []struct {
		name      string
		cert, key string
		extra     map[string]any
		status    int
	}{
		{"a good certificate", good, goodKey, nil, 201},
		{"a good certificate naming its user", good, goodKey, map[string]any{"username": "bob", "domain": "LOCAL"}, 201},
		{"another user named", good, goodKey, map[string]any{"username": "admin"}, 401},
		{"expired", expired, expiredKey, nil, 401},
		{"self-signed", self, selfKey, nil, 401},
		{"from another CA", foreign, foreignKey, nil, 401},
		{"the key of another certificate", good, otherKey, nil, 401},
		{"a user the cluster does not have", nobody, nobodyKey, nil, 401},
		{"a password too", good, goodKey, map[string]any{"password": "Bob-Password-1"}, 400},
		{"no key", good, "", nil, 400},
		{"not PEM", "hello", "world", nil, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := login(tc.cert, tc.key, tc.extra)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if r.status == 201 {
				e.want(e.do("GET", "/v2/users/"+bob, sessionOf(t, r), nil), 200)
			}
		})
	}
	e.svc.Wait()
	// The private key reaches neither the log nor the trail.
	if logs := e.logBuf.String(); strings.Contains(logs, goodKey[40:80]) || strings.Contains(logs, otherKey[40:80]) {
		t.Error("the log holds a private key")
	}
	trail, _, _ := e.trail(e.admin, "searchString=certificate")
	if len(trail) == 0 {
		t.Error("no certificate log-in in the trail")
	}

	// A locked user's certificate is refused too.
	e.want(e.do("PUT", "/v2/users/"+bob, e.admin, map[string]any{"locked": true}), 200)
	e.want(login(good, goodKey, nil), 401)
}

// TestCertificateLogInOff: without --client-ca-file, certificates are
// refused with a clear 400.
func TestCertificateLogInOff(t *testing.T) {
	e := newEnv(t)
	ca := newTestCA(t, "ca")
	cert, key := issue(t, &ca, "admin", time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	e.wantMsg(e.do("POST", "/v2/users/sessions", noCred, map[string]any{"certificate": cert, "privateKey": key}), 400, "--client-ca-file")
}

// TestCertificateLogInWithMFA: a certificate stands in for the password
// only; with MFA on, the code is still needed.
func TestCertificateLogInWithMFA(t *testing.T) {
	ca := newTestCA(t, "ca")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	e := newMFAEnv(t, iam.Config{ClientCAs: certlogin.NewVerifier(pool)})
	const pw = "Gus-Password-1"
	e.createUser("gus", pw, "COHESITY_VIEWER")
	secret := e.enrol("gus", pw)
	e.want(e.logIn("gus", pw, "totp", e.code(secret, 0)), 201) // puts the key in use
	e.clock.Add(30 * time.Second)
	cert, key := issue(t, &ca, "gus", time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	e.wantMsg(e.do("POST", "/v2/users/sessions", noCred, map[string]any{"certificate": cert, "privateKey": key}), 401, "otpCode")
	e.want(e.do("POST", "/v2/users/sessions", noCred, map[string]any{"certificate": cert, "privateKey": key,
		"otpType": "totp", "otpCode": e.code(secret, 0)}), 201)
}
