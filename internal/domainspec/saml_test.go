package domainspec

import (
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
)

func idpCert(t *testing.T) string {
	_, cert := samltest.NewKey(t, "idp")
	return samltest.PEM(cert)
}

func validSAML(certPEM string) SAMLIdP {
	return SAMLIdP{Name: ptr("Okta"), Domain: ptr("okta.example.com"), IssuerID: ptr("http://www.okta.com/x"),
		SSOURL: ptr("https://example.okta.com/app/sso/saml"), Certificate: ptr(certPEM),
		Roles: []string{"COHESITY_VIEWER"}}
}

func TestSAMLCheckCreate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *SAMLIdP)
		want   string
	}{
		{"valid", func(c *SAMLIdP) {}, ""},
		{"attribute instead of roles", func(c *SAMLIdP) { c.Roles, c.SAMLAttributeName = nil, ptr("roles") }, ""},
		{"loopback http", func(c *SAMLIdP) { c.SSOURL = ptr("http://127.0.0.1:8080/sso") }, ""},
		{"no name", func(c *SAMLIdP) { c.Name = nil }, "name is required"},
		{"null domain", func(c *SAMLIdP) { c.Domain = nil }, "domain is required"},
		{"LOCAL", func(c *SAMLIdP) { c.Domain = ptr("local") }, "LOCAL"},
		{"bad domain", func(c *SAMLIdP) { c.Domain = ptr("a b") }, "not a domain name"},
		{"null issuer", func(c *SAMLIdP) { c.IssuerID = nil }, "issuerId is required"},
		{"null ssoUrl", func(c *SAMLIdP) { c.SSOURL = nil }, "ssoUrl is required"},
		{"http ssoUrl", func(c *SAMLIdP) { c.SSOURL = ptr("http://idp.example.com/sso") }, "must be https"},
		{"relative ssoUrl", func(c *SAMLIdP) { c.SSOURL = ptr("/sso") }, "not an absolute URL"},
		{"null certificate", func(c *SAMLIdP) { c.Certificate = nil }, "certificate is required"},
		{"junk certificate", func(c *SAMLIdP) { c.Certificate = ptr("junk!") }, "certificate: the certificate is neither"},
		{"no roles", func(c *SAMLIdP) { c.Roles = nil }, "roles or samlAttributeName"},
		{"blank attribute", func(c *SAMLIdP) { c.Roles, c.SAMLAttributeName = nil, ptr(" ") }, "roles or samlAttributeName"},
		{"empty role", func(c *SAMLIdP) { c.Roles = []string{""} }, "roles[0] is empty"},
		{"repeated role", func(c *SAMLIdP) { c.Roles = []string{"a", "A"} }, "given twice"},
		{"control in name", func(c *SAMLIdP) { c.Name = ptr("a\nb") }, "control character"},
	}
	pem := idpCert(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validSAML(pem)
			tt.change(&c)
			checkErr(t, c.CheckCreate(), tt.want)
		})
	}
}

func TestSAMLMerge(t *testing.T) {
	cur := validSAML(idpCert(t)).WithDefaults()
	cur.ID, cur.TenantID = ptr(int64(7)), ptr("acme/")
	// A Python round trip: every field null but one.
	next, err := (&SAMLIdP{IsEnabled: ptr(false)}).Merge(cur)
	if err != nil || *next.IsEnabled || *next.IssuerID != *cur.IssuerID || len(next.Roles) != 1 {
		t.Fatalf("%+v %v", next, err)
	}
	for _, in := range []SAMLIdP{{Name: ptr("Other")}, {Domain: ptr("other.example")}, {TenantID: ptr("")}} {
		if _, err := in.Merge(cur); err == nil || !strings.Contains(err.Error(), "cannot change") {
			t.Errorf("%+v: %v", in, err)
		}
	}
	// The same values are not a change.
	if _, err := (&SAMLIdP{Name: cur.Name, Domain: ptr("OKTA.example.com"), TenantID: ptr("acme/")}).Merge(cur); err != nil {
		t.Error(err)
	}
	if _, err := (&SAMLIdP{Certificate: ptr("x")}).Merge(cur); err == nil {
		t.Error("a bad certificate merged")
	}
}

func TestSAMLDefaults(t *testing.T) {
	d := SAMLIdP{}.WithDefaults()
	if *d.IsEnabled != true || *d.AllowLocalUserLogin || *d.SignRequest || *d.CertificateFilename != DefaultCertificateFilename {
		t.Fatalf("%+v", d)
	}
}
