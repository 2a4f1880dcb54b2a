package certlogin

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	root := issue(t, caTemplate("Test Root CA"), newECKey(t), nil)
	other := issue(t, caTemplate("Other CA"), newECKey(t), nil)
	inter := issue(t, caTemplate("Test Intermediate CA"), newRSAKey(t), root)
	v := NewVerifier(poolOf(root.cert))

	ecKey, rsaKey, spareEC := newECKey(t), newRSAKey(t), newECKey(t)

	// leaf issues a client certificate from tmpl for ecKey by parent.
	leaf := func(tmpl *x509.Certificate, parent *issued) *issued {
		return issue(t, tmpl, ecKey, parent)
	}
	with := func(cn string, f func(*x509.Certificate)) *x509.Certificate {
		tmpl := clientTemplate(cn)
		f(tmpl)
		return tmpl
	}
	san := func(names ...asn1.RawValue) func(*x509.Certificate) {
		return func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{sanExtension(t, names...)}
		}
	}

	cnOnly := leaf(clientTemplate("alice"), root)
	emailRSA := issue(t, with("not used", func(c *x509.Certificate) {
		c.EmailAddresses = []string{"bob@example.com", "bob2@example.org"}
	}), rsaKey, root)
	upn := leaf(with("not used", san(dnsName("host.example"), emailName("other@example.com"),
		upnName(t, "carol@CORP.Example"), upnName(t, "second@corp"))), root)
	viaInter := issue(t, with("not used", san(upnName(t, "dave@corp.example"))), rsaKey, inter)
	oldTmpl := caTemplate("Expired Intermediate CA")
	oldTmpl.NotAfter = testNow.Add(-time.Hour)
	oldInter := issue(t, oldTmpl, newECKey(t), root)
	viaOld := issue(t, with("not used", san(upnName(t, "dave@corp.example"))), rsaKey, oldInter)

	keyPEM := pkcs8PEM(t, ecKey)
	long := strings.Repeat("x", 255)

	tests := []struct {
		name    string
		cert    string
		key     string
		want    Identity
		wantErr error  // nil: success
		wantMsg string // substring of the error
	}{
		// Accepted.
		{name: "CN only, PKCS#8 EC", cert: cnOnly.pem(), key: keyPEM,
			want: Identity{Username: "alice", Source: SourceCN}},
		{name: "CN only, SEC1 EC", cert: cnOnly.pem(), key: sec1PEM(t, ecKey),
			want: Identity{Username: "alice", Source: SourceCN}},
		{name: "key after EC PARAMETERS, text around blocks", cert: "subject=alice\n" + cnOnly.pem() + "\n",
			key:  "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + sec1PEM(t, ecKey),
			want: Identity{Username: "alice", Source: SourceCN}},
		{name: "first e-mail SAN, PKCS#1 RSA", cert: emailRSA.pem(), key: pkcs1PEM(t, rsaKey),
			want: Identity{Username: "bob", Domain: "example.com", Source: SourceEmail}},
		{name: "first e-mail SAN, PKCS#8 RSA", cert: emailRSA.pem(), key: pkcs8PEM(t, rsaKey),
			want: Identity{Username: "bob", Domain: "example.com", Source: SourceEmail}},
		{name: "first UPN wins over e-mail and CN", cert: upn.pem(), key: keyPEM,
			want: Identity{Username: "carol", Domain: "CORP.Example", Source: SourceUPN}},
		{name: "intermediate chain", cert: viaInter.pem() + inter.pem(), key: pkcs1PEM(t, rsaKey),
			want: Identity{Username: "dave", Domain: "corp.example", Source: SourceUPN}},
		{name: "CN of 255 bytes", cert: leaf(clientTemplate(long), root).pem(), key: keyPEM,
			want: Identity{Username: long, Source: SourceCN}},
		{name: "other otherName skipped", key: keyPEM,
			cert: leaf(with("erin", san(otherName(t, asn1.ObjectIdentifier{1, 2, 3, 4},
				asn1.RawValue{Tag: asn1.TagInteger, Bytes: []byte{1}}))), root).pem(),
			want: Identity{Username: "erin", Source: SourceCN}},

		// Chain and validity.
		{name: "expired", key: keyPEM, wantErr: ErrRejected, wantMsg: "expired",
			cert: leaf(with("alice", func(c *x509.Certificate) { c.NotAfter = testNow.Add(-time.Minute) }), root).pem()},
		{name: "not yet valid", key: keyPEM, wantErr: ErrRejected, wantMsg: "not yet valid",
			cert: leaf(with("alice", func(c *x509.Certificate) { c.NotBefore = testNow.Add(time.Minute) }), root).pem()},
		{name: "self-signed", key: keyPEM, wantErr: ErrRejected, wantMsg: "unknown authority",
			cert: leaf(clientTemplate("alice"), nil).pem()},
		{name: "signed by another CA", key: keyPEM, wantErr: ErrRejected, wantMsg: "unknown authority",
			cert: leaf(clientTemplate("alice"), other).pem()},
		{name: "intermediate expired", cert: viaOld.pem() + oldInter.pem(), key: pkcs1PEM(t, rsaKey),
			wantErr: ErrRejected, wantMsg: "expired"},
		{name: "intermediate missing", cert: viaInter.pem(), key: pkcs1PEM(t, rsaKey),
			wantErr: ErrRejected, wantMsg: "unknown authority"},
		{name: "other CA given as intermediate", key: keyPEM, wantErr: ErrRejected, wantMsg: "unknown authority",
			cert: leaf(clientTemplate("alice"), other).pem() + other.pem()},

		// Key.
		{name: "key of another cert", cert: cnOnly.pem(), key: pkcs8PEM(t, spareEC),
			wantErr: ErrRejected, wantMsg: "does not match"},
		{name: "RSA key for EC cert", cert: cnOnly.pem(), key: pkcs1PEM(t, rsaKey),
			wantErr: ErrRejected, wantMsg: "does not match"},
		{name: "CA key for CA cert", cert: root.pem(), key: pkcs8PEM(t, root.key),
			wantErr: ErrRejected, wantMsg: "client authentication"},
		{name: "encrypted PEM (RFC 1421)", cert: cnOnly.pem(), key: encryptedPEM(),
			wantErr: ErrRejected, wantMsg: "encrypted"},
		{name: "encrypted PKCS#8", cert: cnOnly.pem(),
			key:     string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: randomBytes(200)})),
			wantErr: ErrRejected, wantMsg: "encrypted"},
		{name: "two keys", cert: cnOnly.pem(), key: keyPEM + keyPEM,
			wantErr: ErrRejected, wantMsg: "more than one"},
		{name: "key block garbage", cert: cnOnly.pem(),
			key:     string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: randomBytes(100)})),
			wantErr: ErrRejected, wantMsg: "does not parse"},
		{name: "certificate given as key", cert: cnOnly.pem(), key: cnOnly.pem(),
			wantErr: ErrRejected, wantMsg: "malformed PEM"},

		// Usage.
		{name: "server-auth only", key: keyPEM, wantErr: ErrRejected, wantMsg: "client authentication",
			cert: leaf(with("alice", func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }), root).pem()},
		{name: "no extended key usage", key: keyPEM, wantErr: ErrRejected, wantMsg: "client authentication",
			cert: leaf(with("alice", func(c *x509.Certificate) { c.ExtKeyUsage = nil }), root).pem()},
		{name: "CA certificate as leaf", key: keyPEM, wantErr: ErrRejected, wantMsg: "CA certificate",
			cert: leaf(with("alice", func(c *x509.Certificate) {
				c.BasicConstraintsValid, c.IsCA, c.KeyUsage = true, true, x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature
			}), root).pem()},

		// Mapping.
		{name: "UPN not a UTF8String", key: keyPEM, wantErr: ErrRejected, wantMsg: "UTF8String",
			cert: leaf(with("alice", san(emailName("a@b"), otherName(t, oidUPNTest,
				asn1.RawValue{Tag: asn1.TagIA5String, Bytes: []byte("carol@corp")}))), root).pem()},
		{name: "UPN without @", key: keyPEM, wantErr: ErrRejected, wantMsg: "exactly one",
			cert: leaf(with("alice", san(upnName(t, "carol"))), root).pem()},
		{name: "UPN with two @", key: keyPEM, wantErr: ErrRejected, wantMsg: "exactly one",
			cert: leaf(with("alice", san(upnName(t, "carol@x@corp"))), root).pem()},
		{name: "UPN empty user", key: keyPEM, wantErr: ErrRejected, wantMsg: "empty",
			cert: leaf(with("alice", san(upnName(t, "@corp"))), root).pem()},
		{name: "UPN control character", key: keyPEM, wantErr: ErrRejected, wantMsg: "control",
			cert: leaf(with("alice", san(upnName(t, "car\nol@corp"))), root).pem()},
		{name: "UPN invalid UTF-8", key: keyPEM, wantErr: ErrRejected, wantMsg: "UTF-8",
			cert: leaf(with("alice", san(upnName(t, "car\xffol@corp"))), root).pem()},
		{name: "CN of 256 bytes", key: keyPEM, wantErr: ErrRejected, wantMsg: "longer than 255",
			cert: leaf(clientTemplate(long+"x"), root).pem()},
		{name: "CN control character", key: keyPEM, wantErr: ErrRejected, wantMsg: "control",
			cert: leaf(clientTemplate("alice\x00admin"), root).pem()},
		{name: "no name at all", key: keyPEM, wantErr: ErrRejected, wantMsg: "no UPN",
			cert: leaf(clientTemplate(""), root).pem()},
		{name: "two CNs", key: keyPEM, wantErr: ErrRejected, wantMsg: "more than one common name",
			cert: leaf(with("", func(c *x509.Certificate) {
				c.Subject.ExtraNames = []pkix.AttributeTypeAndValue{
					{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "admin"},
					{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "alice"},
				}
			}), root).pem()},

		// Input shape.
		{name: "not PEM", cert: "hello, world", key: keyPEM, wantErr: ErrMalformed},
		{name: "key not PEM", cert: cnOnly.pem(), key: "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg", wantErr: ErrMalformed},
		{name: "empty certificate", cert: " \n", key: keyPEM, wantErr: ErrMalformed},
		{name: "unterminated PEM", cert: "-----BEGIN CERTIFICATE-----\nMIIB\n", key: keyPEM, wantErr: ErrMalformed},
		{name: "oversized certificate", cert: cnOnly.pem() + strings.Repeat(" ", MaxInputSize), key: keyPEM,
			wantErr: ErrMalformed, wantMsg: "larger than"},
		{name: "oversized key", cert: cnOnly.pem(), key: keyPEM + strings.Repeat("\n", MaxInputSize),
			wantErr: ErrMalformed, wantMsg: "larger than"},
		{name: "certificate block garbage", key: keyPEM, wantErr: ErrRejected, wantMsg: "malformed PEM",
			cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: randomBytes(300)}))},
		{name: "key in certificate field", cert: cnOnly.pem() + keyPEM, key: keyPEM,
			wantErr: ErrRejected, wantMsg: "malformed PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(tt.cert, tt.key, testNow)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got != tt.want {
					t.Fatalf("Verify = %+v, want %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify = %+v, want error %v", got, tt.wantErr)
			}
			if got != (Identity{}) {
				t.Errorf("Verify returned %+v with its error", got)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not wrap %q", err, tt.wantErr)
			}
			// Exactly one sentinel, so that 400 and 401 never overlap.
			if errors.Is(err, ErrRejected) == errors.Is(err, ErrMalformed) {
				t.Errorf("error %q wraps both or neither sentinel", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			assertNoKeyMaterial(t, err, tt.key)
		})
	}
}

// assertNoKeyMaterial fails if any base64 line of keyPEM (and, for a key
// put in the certificate field, of any key) shows up in the error.
func assertNoKeyMaterial(t *testing.T, err error, keyPEM string) {
	t.Helper()
	for _, line := range strings.Split(keyPEM, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
			t.Fatalf("error text holds key material: %q", err)
		}
	}
}

func TestVerifyCurrentTime(t *testing.T) {
	root := issue(t, caTemplate("Test Root CA"), newECKey(t), nil)
	key := newECKey(t)
	tmpl := clientTemplate("alice")
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	c := issue(t, tmpl, key, root)
	// A zero time means now; testNow is outside this certificate's validity.
	got, err := NewVerifier(poolOf(root.cert)).Verify(c.pem(), pkcs8PEM(t, key), time.Time{})
	if err != nil || got.Username != "alice" {
		t.Fatalf("Verify(zero time) = %+v, %v", got, err)
	}
}

func TestVerifyNoPool(t *testing.T) {
	root := issue(t, caTemplate("Test Root CA"), newECKey(t), nil)
	key := newECKey(t)
	c := issue(t, clientTemplate("alice"), key, root)
	for _, v := range []*Verifier{NewVerifier(nil), nil} {
		_, err := v.Verify(c.pem(), pkcs8PEM(t, key), testNow)
		if err == nil || errors.Is(err, ErrRejected) || errors.Is(err, ErrMalformed) {
			t.Errorf("Verify without a pool: %v, want a configuration error", err)
		}
	}
	// An empty pool trusts nothing (and not the system roots).
	_, err := NewVerifier(x509.NewCertPool()).Verify(c.pem(), pkcs8PEM(t, key), testNow)
	if !errors.Is(err, ErrRejected) {
		t.Errorf("Verify with an empty pool: %v, want ErrRejected", err)
	}
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// encryptedPEM is a legacy OpenSSL encrypted key block; its body is random
// since Verify must refuse it before trying to decrypt.
func encryptedPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{
		Type: "EC PRIVATE KEY",
		Headers: map[string]string{
			"Proc-Type": "4,ENCRYPTED",
			"DEK-Info":  "AES-256-CBC,0123456789ABCDEF0123456789ABCDEF",
		},
		Bytes: randomBytes(128),
	}))
}
