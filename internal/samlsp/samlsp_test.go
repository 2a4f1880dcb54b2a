package samlsp_test

import (
	"compress/flate"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/samlsp"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
)

const acs = "https://cluster.example/idps/authenticate"

func newSP(t *testing.T, idp *samltest.IdP, sign bool) *samlsp.SP {
	t.Helper()
	certs, err := samlsp.ParseCertificates(idp.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	key, cert := samltest.NewKey(t, "sp")
	sp, err := samlsp.New(samlsp.Config{
		EntityID: acs, ACSURL: acs, MetadataURL: "https://cluster.example/idps/metadata",
		IdPIssuer: idp.Issuer, SSOURL: idp.SSOURL, IdPCertificates: certs,
		SignRequest: sign, Key: key, Certificate: cert,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// TestRealIdP logs in at a real samlidp, signed request and not, and checks
// what the verified assertion says.
func TestRealIdP(t *testing.T) {
	idp := samltest.Start(t)
	idp.AddUser(t, "alice", "Alice-Pass-1", "alice@example.com",
		map[string][]string{"groups": {"ops", "dev"}, "roles": {"COHESITY_VIEWER, auditor"}})
	for _, sign := range []bool{false, true} {
		sp := newSP(t, idp, sign)
		md, err := sp.Metadata(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		idp.RegisterSP(t, md)
		redirect, reqID, err := sp.AuthnRequest(time.Now(), "", "rs")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(redirect, "Signature="); got != sign {
			t.Errorf("sign=%v: the redirect carries a signature: %v", sign, got)
		}
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Transport: idp.Client.Transport, Jar: jar}
		posted := idp.LogIn(t, client, redirect, "alice", "Alice-Pass-1")
		if posted.Action != acs || posted.RelayState != "rs" {
			t.Fatalf("posted to %q with RelayState %q", posted.Action, posted.RelayState)
		}
		a, err := sp.Verify(posted.SAMLResponse, reqID, time.Now())
		if err != nil {
			t.Fatalf("sign=%v: a genuine response was refused: %v", sign, err)
		}
		if a.NameID != "alice@example.com" || a.ID == "" {
			t.Errorf("assertion %+v", a)
		}
		if g := a.Attributes["groups"]; len(g) != 2 || g[0] != "ops" {
			t.Errorf("groups %q", g)
		}
		if r := a.Attributes["roles"]; len(r) != 1 || r[0] != "COHESITY_VIEWER, auditor" {
			t.Errorf("roles %q", r)
		}
		if until := time.Until(a.ReplayUntil); until <= 0 || until > 10*time.Minute {
			t.Errorf("ReplayUntil in %s", until)
		}
		// The same response for another request id is refused.
		if _, err := sp.Verify(posted.SAMLResponse, "id-other", time.Now()); !errors.Is(err, samlsp.ErrInResponseTo) {
			t.Errorf("another request id: %v", err)
		}
	}
}

// TestAttacks builds each attack as one change to a genuine response, and
// checks that the genuine one passes and each attack is refused for its
// reason.
func TestAttacks(t *testing.T) {
	idp := samltest.Start(t)
	sp := newSP(t, idp, false)
	otherKey, otherCert := samltest.NewKey(t, "other")
	now := time.Now()
	const reqID = "id-request-1"
	genuine := func() samltest.Forge { return idp.Genuine(acs, reqID, "alice@example.com", now) }
	tests := []struct {
		name   string
		change func(f *samltest.Forge)
		want   error
	}{
		{"genuine", func(f *samltest.Forge) {}, nil},
		{"genuine, only the assertion signed", func(f *samltest.Forge) { f.SignResponse = false }, nil},
		{"unsigned", func(f *samltest.Forge) { f.Key = nil }, samlsp.ErrSignature},
		{"signed by another key", func(f *samltest.Forge) { f.Key, f.Cert = otherKey, otherCert }, samlsp.ErrSignature},
		{"another key, the configured certificate in KeyInfo", func(f *samltest.Forge) { f.Key = otherKey }, samlsp.ErrSignature},
		{"wrapping: an unsigned assertion beside the signed one", func(f *samltest.Forge) {
			f.Wrap, f.WrapNameID = true, "admin@example.com"
		}, samlsp.ErrWrapping},
		{"expired (past the 60 s skew, within the library's)", func(f *samltest.Forge) {
			f.NotOnOrAfter = now.Add(-61 * time.Second)
		}, samlsp.ErrExpired},
		{"still valid within the skew", func(f *samltest.Forge) { f.NotOnOrAfter = now.Add(-59 * time.Second) }, nil},
		{"not yet valid", func(f *samltest.Forge) { f.NotBefore = now.Add(61 * time.Second) }, samlsp.ErrNotYetValid},
		{"issued long ago", func(f *samltest.Forge) { f.Now = now.Add(-10 * time.Minute) }, samlsp.ErrExpired},
		{"wrong audience", func(f *samltest.Forge) { f.Audience = "https://other.example/idps/authenticate" }, samlsp.ErrAudience},
		{"wrong recipient", func(f *samltest.Forge) { f.Recipient = "https://other.example/idps/authenticate" }, samlsp.ErrDestination},
		{"wrong destination", func(f *samltest.Forge) { f.Destination = "https://other.example/idps/authenticate" }, samlsp.ErrDestination},
		{"wrong InResponseTo", func(f *samltest.Forge) { f.InResponseTo = "id-request-2" }, samlsp.ErrInResponseTo},
		{"wrong issuer", func(f *samltest.Forge) { f.Issuer = "https://evil.example/metadata" }, samlsp.ErrIssuer},
		{"comment inside the NameID", func(f *samltest.Forge) {
			f.NameID, f.CommentAt = "alice@example.com.evil.example", len("alice@example.com")
		}, samlsp.ErrComment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := genuine()
			tt.change(&f)
			a, err := sp.Verify(f.Base64(t), reqID, now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if a.NameID != f.NameID {
					t.Errorf("NameID %q, want %q", a.NameID, f.NameID)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// TestReplayID shows what a replay cache keys on: the same response verifies
// to the same assertion id (refusing the second use is the caller's job).
func TestReplayID(t *testing.T) {
	idp := samltest.Start(t)
	sp := newSP(t, idp, false)
	now := time.Now()
	resp := idp.Genuine(acs, "id-r", "bob@example.com", now).Base64(t)
	a1, err1 := sp.Verify(resp, "id-r", now)
	a2, err2 := sp.Verify(resp, "id-r", now.Add(time.Second))
	if err1 != nil || err2 != nil || a1.ID != a2.ID || a1.ReplayUntil.Before(now) {
		t.Fatalf("%v %v %+v %+v", err1, err2, a1, a2)
	}
}

func TestVerifyMalformed(t *testing.T) {
	idp := samltest.Start(t)
	sp := newSP(t, idp, false)
	for _, in := range []string{"", "!!!", base64.StdEncoding.EncodeToString([]byte("<a/>")),
		base64.StdEncoding.EncodeToString([]byte("not xml")), strings.Repeat("A", 2<<20)} {
		if _, err := sp.Verify(in, "id-x", time.Now()); !errors.Is(err, samlsp.ErrMalformed) {
			t.Errorf("%.20q: %v", in, err)
		}
	}
	if _, err := sp.Verify("x", "", time.Now()); err == nil {
		t.Error("no request id accepted")
	}
}

func TestAuthnRequest(t *testing.T) {
	idp := samltest.Start(t)
	sp := newSP(t, idp, false)
	redirect, id, err := sp.AuthnRequest(time.Now(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(redirect)
	raw, _ := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	xml, _ := io.ReadAll(flate.NewReader(strings.NewReader(string(raw))))
	for _, want := range []string{`ID="` + id + `"`, `AssertionConsumerServiceURL="` + acs + `"`, `>` + acs + `</`} {
		if !strings.Contains(string(xml), want) {
			t.Errorf("the AuthnRequest lacks %s: %s", want, xml)
		}
	}
	if !strings.HasPrefix(redirect, idp.SSOURL+"?") {
		t.Errorf("redirect %s", redirect)
	}
}

func TestParseCertificates(t *testing.T) {
	_, cert := samltest.NewKey(t, "c")
	pemText := samltest.PEM(cert)
	bare := base64.StdEncoding.EncodeToString(cert.Raw)
	wrapped := bare[:64] + "\n" + bare[64:]
	tests := []struct {
		name, in string
		n        int
		errText  string
	}{
		{"pem", pemText, 1, ""},
		{"two pem", pemText + pemText, 2, ""},
		{"base64 der", bare, 1, ""},
		{"base64 der wrapped", wrapped, 1, ""},
		{"empty", "  ", 0, "empty"},
		{"junk", "hello", 0, "neither PEM nor base64"},
		{"base64 not a cert", base64.StdEncoding.EncodeToString([]byte("abc")), 0, "does not parse"},
		{"a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0, "not a CERTIFICATE"},
		{"pem then junk", pemText + "junk", 0, "not well-formed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := samlsp.ParseCertificates(tt.in)
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("error %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil || len(got) != tt.n {
				t.Fatalf("%d certificates, %v", len(got), err)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	idp := samltest.Start(t)
	for _, sign := range []bool{false, true} {
		md, err := newSP(t, idp, sign).Metadata(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		s := string(md)
		for _, want := range []string{`entityID="` + acs + `"`, `Location="` + acs + `"`, `use="signing"`,
			map[bool]string{false: `AuthnRequestsSigned="false"`, true: `AuthnRequestsSigned="true"`}[sign]} {
			if !strings.Contains(s, want) {
				t.Errorf("sign=%v: metadata lacks %s:\n%s", sign, want, s)
			}
		}
		if strings.Contains(s, "SingleLogoutService") {
			t.Error("metadata lists a logout service")
		}
	}
}
