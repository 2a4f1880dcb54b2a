package domainspec

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/clusteriam/clusteriam/internal/samlsp"
)

// DefaultCertificateFilename is certificateFilename when none is given.
const DefaultCertificateFilename = "idp_certificate.pem"

// MaxCertificateLen bounds the certificate text an IdP configuration holds.
const MaxCertificateLen = 64 << 10

// SAMLIdP is the vendor's IdentityProviderConfiguration (a SAML IdP of
// /v2/idps) and, with ID and the three create-only fields left out, its
// CommonIdentityProviderConfiguration (the PUT body). Pointers tell a
// null or absent field (kept on PUT, as Python round trips send null)
// from a given one.
type SAMLIdP struct {
	ID                  *int64   `json:"id,omitempty"`
	TenantID            *string  `json:"tenantId,omitempty"`
	Name                *string  `json:"name,omitempty"`
	Domain              *string  `json:"domain,omitempty"`
	IssuerID            *string  `json:"issuerId"`
	SSOURL              *string  `json:"ssoUrl"`
	Certificate         *string  `json:"certificate"`
	CertificateFilename *string  `json:"certificateFilename,omitempty"`
	Roles               []string `json:"roles"`
	SAMLAttributeName   *string  `json:"samlAttributeName,omitempty"`
	AllowLocalUserLogin *bool    `json:"allowLocalUserLogin"`
	SignRequest         *bool    `json:"signRequest"`
	IsEnabled           *bool    `json:"isEnabled"`
}

// CheckCreate checks a POST /idps body.
func (c *SAMLIdP) CheckCreate() error {
	switch {
	case deref(c.Name) == "":
		return errors.New("name is required")
	case c.Domain == nil:
		return errors.New("domain is required: the domain of the IdP's users")
	}
	if err := checkText("name", *c.Name, 128); err != nil {
		return err
	}
	if err := CheckDomainName("domain", *c.Domain); err != nil {
		return err
	}
	return c.check()
}

// Merge returns cur with the fields of a PUT body that are given; the
// create-only fields, when given, must be unchanged.
func (c *SAMLIdP) Merge(cur SAMLIdP) (SAMLIdP, error) {
	switch {
	case c.Name != nil && *c.Name != deref(cur.Name):
		return SAMLIdP{}, errors.New("name cannot change; delete the IdP and create another")
	case c.Domain != nil && !strings.EqualFold(*c.Domain, deref(cur.Domain)):
		return SAMLIdP{}, errors.New("domain cannot change; delete the IdP and create another")
	case c.TenantID != nil && *c.TenantID != deref(cur.TenantID):
		return SAMLIdP{}, errors.New("tenantId cannot change; delete the IdP and create another")
	}
	next := cur
	set := func(dst **string, v *string) {
		if v != nil {
			*dst = v
		}
	}
	set(&next.IssuerID, c.IssuerID)
	set(&next.SSOURL, c.SSOURL)
	set(&next.Certificate, c.Certificate)
	set(&next.CertificateFilename, c.CertificateFilename)
	set(&next.SAMLAttributeName, c.SAMLAttributeName)
	if c.Roles != nil {
		next.Roles = c.Roles
	}
	for _, b := range []struct {
		dst **bool
		v   *bool
	}{
		{&next.AllowLocalUserLogin, c.AllowLocalUserLogin}, {&next.SignRequest, c.SignRequest}, {&next.IsEnabled, c.IsEnabled},
	} {
		if b.v != nil {
			*b.dst = b.v
		}
	}
	return next, next.check()
}

// check checks the common fields.
func (c *SAMLIdP) check() error {
	switch {
	case deref(c.IssuerID) == "":
		return errors.New("issuerId is required: the IdP's entity id")
	case deref(c.SSOURL) == "":
		return errors.New("ssoUrl is required: the IdP's single sign-on URL")
	case deref(c.Certificate) == "":
		return errors.New("certificate is required: the IdP's signing certificate, PEM or base64 DER")
	case len(c.Roles) == 0 && strings.TrimSpace(deref(c.SAMLAttributeName)) == "":
		return errors.New("roles or samlAttributeName is required: the roles the IdP's users get")
	}
	if err := checkText("issuerId", *c.IssuerID, 1024); err != nil {
		return err
	}
	if err := CheckSSOURL(*c.SSOURL); err != nil {
		return err
	}
	if len(*c.Certificate) > MaxCertificateLen {
		return fmt.Errorf("certificate is %d bytes long; at most %d", len(*c.Certificate), MaxCertificateLen)
	}
	if _, err := samlsp.ParseCertificates(*c.Certificate); err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	if err := checkText("certificateFilename", deref(c.CertificateFilename), 255); err != nil {
		return err
	}
	if err := checkText("samlAttributeName", deref(c.SAMLAttributeName), 1024); err != nil {
		return err
	}
	return checkList("roles", c.Roles, func(f, r string) error {
		if strings.TrimSpace(r) == "" {
			return fmt.Errorf("%s is empty", f)
		}
		return checkText(f, r, 255)
	})
}

// CheckSSOURL accepts an https URL, or plain http to a loopback address
// only (an IdP on the same machine, for tests): the AuthnRequest and the
// user's log-in at the IdP must not cross a network in the clear.
func CheckSSOURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("ssoUrl %q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			return nil
		}
	}
	return fmt.Errorf("ssoUrl %q must be https (plain http only to a loopback address)", s)
}

// WithDefaults returns c with the fields every answer carries filled in.
func (c SAMLIdP) WithDefaults() SAMLIdP {
	f := false
	t := true
	if c.AllowLocalUserLogin == nil {
		c.AllowLocalUserLogin = &f
	}
	if c.SignRequest == nil {
		c.SignRequest = &f
	}
	if c.IsEnabled == nil {
		c.IsEnabled = &t
	}
	if deref(c.CertificateFilename) == "" {
		name := DefaultCertificateFilename
		c.CertificateFilename = &name
	}
	if c.Roles == nil {
		c.Roles = []string{}
	}
	if deref(c.SAMLAttributeName) == "" {
		c.SAMLAttributeName = nil // none: left out of an answer
	}
	return c
}
