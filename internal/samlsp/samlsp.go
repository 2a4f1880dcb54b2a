// Package samlsp is clusteriam's SAML 2.0 service provider: it makes the
// AuthnRequest that starts a log-in, checks the SAMLResponse the IdP posts
// back, and writes the SP metadata an IdP's administrator imports.
//
// It is a thin layer over github.com/crewjam/saml rather than
// github.com/russellhaering/gosaml2 because crewjam/saml carries a real IdP
// (samlidp) that the tests run on loopback; its ParseXMLResponse checks the
// signature, audience, Destination, Recipient, conditions and InResponseTo in
// one place; and it carries the fixes for the signature-bypass and
// multiple-assertion wrapping CVEs (it reads the response from what the
// signature covers, and refuses an unsigned response with more than one
// assertion). On top of it this package trusts only the configured
// certificates, applies a stricter clock skew (Skew) than the library's,
// refuses any response with more than one assertion, and refuses a NameID or
// attribute value that holds an XML comment.
package samlsp

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Skew is the clock skew allowed between the IdP and this server when
// checking an assertion's times.
const Skew = 60 * time.Second

// MaxResponseBytes bounds the decoded SAMLResponse this package parses.
const MaxResponseBytes = 256 << 10

// Config is one IdP as this service provider sees it.
type Config struct {
	// EntityID is this SP's entity id (the vendor uses the ACS URL).
	EntityID string
	// ACSURL is where the IdP posts its response (https://host/idps/authenticate).
	ACSURL string
	// MetadataURL is where this SP's metadata is served.
	MetadataURL string
	// IdPIssuer is the IdP's entity id (the vendor's issuerId).
	IdPIssuer string
	// SSOURL is the IdP's single sign-on URL (HTTP-Redirect binding).
	SSOURL string
	// IdPCertificates are the certificates the IdP signs with; nothing else is trusted.
	IdPCertificates []*x509.Certificate
	// SignRequest signs the AuthnRequest with Key.
	SignRequest bool
	// Key and Certificate are the SP's own signing key and its certificate.
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
}

// SP is a service provider for one IdP.
type SP struct {
	cfg     Config
	acs     url.URL
	meta    url.URL
	idpMeta *saml.EntityDescriptor
}

// New checks cfg and returns its service provider.
func New(cfg Config) (*SP, error) {
	acs, err := absoluteURL("ACS URL", cfg.ACSURL)
	if err != nil {
		return nil, err
	}
	meta, err := absoluteURL("metadata URL", cfg.MetadataURL)
	if err != nil {
		return nil, err
	}
	if _, err := absoluteURL("SSO URL", cfg.SSOURL); err != nil {
		return nil, err
	}
	switch {
	case cfg.EntityID == "":
		return nil, errors.New("samlsp: the SP entity id is empty")
	case cfg.IdPIssuer == "":
		return nil, errors.New("samlsp: the IdP issuer is empty")
	case len(cfg.IdPCertificates) == 0:
		return nil, errors.New("samlsp: no IdP certificate")
	case cfg.SignRequest && (cfg.Key == nil || cfg.Certificate == nil):
		return nil, errors.New("samlsp: signRequest needs the SP key and certificate")
	}
	var keys []saml.KeyDescriptor
	for _, c := range cfg.IdPCertificates {
		keys = append(keys, saml.KeyDescriptor{Use: "signing", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{
			X509Certificates: []saml.X509Certificate{{Data: base64.StdEncoding.EncodeToString(c.Raw)}},
		}}})
	}
	idpMeta := &saml.EntityDescriptor{
		EntityID: cfg.IdPIssuer,
		IDPSSODescriptors: []saml.IDPSSODescriptor{{
			SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{
				ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
				KeyDescriptors:             keys,
			}},
			SingleSignOnServices: []saml.Endpoint{{Binding: saml.HTTPRedirectBinding, Location: cfg.SSOURL}},
		}},
	}
	return &SP{cfg: cfg, acs: *acs, meta: *meta, idpMeta: idpMeta}, nil
}

func absoluteURL(what, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("samlsp: the %s %q is not an absolute http(s) URL", what, s)
	}
	return u, nil
}

// provider returns the library's service provider with its clock at now. It
// is built for each call so that no state is shared between log-ins.
func (s *SP) provider(now time.Time) *saml.ServiceProvider {
	sp := &saml.ServiceProvider{
		EntityID:                         s.cfg.EntityID,
		AcsURL:                           s.acs,
		MetadataURL:                      s.meta,
		IDPMetadata:                      s.idpMeta,
		AuthnNameIDFormat:                saml.UnspecifiedNameIDFormat,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		Clock:                            dsig.NewFakeClockAt(now),
		RejectSHA1Signatures:             true,
		RequireSignedResponseForCBC:      true,
	}
	if s.cfg.Key != nil {
		sp.Key = s.cfg.Key
		sp.Certificate = s.cfg.Certificate
	}
	if s.cfg.SignRequest {
		sp.SignatureMethod = dsig.RSASHA256SignatureMethod
	}
	return sp
}

// AuthnRequest returns the URL that sends the browser to the IdP with an
// AuthnRequest (HTTP-Redirect binding, signed when SignRequest is set), and
// the request's ID, which the response must answer: requestID when given
// (an XML NCName), else one the library draws.
func (s *SP) AuthnRequest(now time.Time, requestID, relayState string) (redirect, id string, err error) {
	sp := s.provider(now)
	req, err := sp.MakeAuthenticationRequest(s.cfg.SSOURL, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", "", fmt.Errorf("samlsp: make the AuthnRequest: %w", err)
	}
	if requestID != "" {
		req.ID = requestID
	}
	u, err := req.Redirect(relayState, sp)
	if err != nil {
		return "", "", fmt.Errorf("samlsp: encode the AuthnRequest: %w", err)
	}
	return u.String(), req.ID, nil
}

// Metadata returns this SP's metadata XML. It always lists the SP's
// signing certificate, so that an IdP can be told to expect signed requests
// before signRequest is turned on.
func (s *SP) Metadata(now time.Time) ([]byte, error) {
	sp := s.provider(now)
	sp.SignatureMethod = dsig.RSASHA256SignatureMethod // lists the signing key
	if sp.Key == nil {
		sp.SignatureMethod = ""
	}
	md := sp.Metadata()
	signed := s.cfg.SignRequest
	for i := range md.SPSSODescriptors {
		md.SPSSODescriptors[i].AuthnRequestsSigned = &signed
		md.SPSSODescriptors[i].SingleLogoutServices = nil
	}
	out, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("samlsp: write metadata: %w", err)
	}
	return append([]byte(xml.Header), out...), nil
}

// ParseCertificates reads one or more certificates as admins paste them:
// PEM blocks, or the base64 of one DER certificate without headers. Its
// errors are plain sentences for an API's 400 answer.
func ParseCertificates(text string) ([]*x509.Certificate, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errors.New("the certificate is empty")
	}
	if !strings.Contains(text, "-----BEGIN") {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return nil, errors.New("the certificate is neither PEM nor base64 DER")
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("the certificate does not parse: %w", err)
		}
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("the PEM block is a %q, not a CERTIFICATE", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("the certificate does not parse: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 || len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("the certificate is not well-formed PEM")
	}
	return out, nil
}
