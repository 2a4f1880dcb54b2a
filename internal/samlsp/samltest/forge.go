package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Forge describes one response. Its zero values for times are filled from
// Now; a test changes one field from a genuine response to make an attack.
type Forge struct {
	Issuer       string // the IdP's entity id
	Audience     string // the SP's entity id
	Recipient    string // SubjectConfirmationData Recipient
	Destination  string // Response Destination
	InResponseTo string
	NameID       string
	Attributes   map[string][]string
	Now          time.Time
	// NotOnOrAfter of the Conditions and the confirmation; zero is Now+5m.
	NotOnOrAfter time.Time
	// NotBefore of the Conditions; zero is Now-1m.
	NotBefore time.Time
	// AssertionID; empty is random.
	AssertionID string

	// Key and Cert sign; nil Key leaves the response unsigned.
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
	// SignResponse signs the Response as well as the assertion.
	SignResponse bool
	// Wrap adds a second, unsigned assertion for WrapNameID before the signed one.
	Wrap       bool
	WrapNameID string
	// CommentAt, when > 0, splits the NameID's text with an XML comment
	// after that many bytes, after signing (the signature stays valid).
	CommentAt int
}

// Genuine is a valid response from idp for an SP at acs (also its entity id).
func (i *IdP) Genuine(acs, requestID, nameID string, now time.Time) Forge {
	return Forge{Issuer: i.Issuer, Audience: acs, Recipient: acs, Destination: acs,
		InResponseTo: requestID, NameID: nameID, Now: now, Key: i.Key, Cert: i.Cert, SignResponse: true}
}

// Base64 builds the response as the SAMLResponse form value.
func (f Forge) Base64(t testing.TB) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(f.response(t))
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func (f Forge) response(t testing.TB) *etree.Element {
	a := f.assertion(f.NameID, f.AssertionID)
	ael := a.Element()
	if f.Key != nil {
		a.Signature = f.sign(t, ael)
		ael = a.Element()
	}
	resp := &saml.Response{
		ID: randomID(), InResponseTo: f.InResponseTo, Version: "2.0", IssueInstant: f.Now,
		Destination: f.Destination,
		Issuer:      &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: f.Issuer},
		Status:      saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}},
	}
	rel := resp.Element()
	if f.Wrap {
		rel.AddChild(f.assertion(f.WrapNameID, "").Element())
	}
	rel.AddChild(ael)
	if f.Key != nil && f.SignResponse && !f.Wrap {
		resp.Signature = f.sign(t, rel)
		rel = resp.Element()
		rel.AddChild(ael)
	}
	if f.CommentAt > 0 {
		for _, n := range rel.FindElements("//NameID") {
			text := n.Text()
			n.SetText(text[:f.CommentAt])
			n.CreateComment("")
			n.CreateText(text[f.CommentAt:])
		}
	}
	return rel
}

func (f Forge) assertion(nameID, id string) *saml.Assertion {
	if id == "" {
		id = randomID()
	}
	notOnOrAfter := f.NotOnOrAfter
	if notOnOrAfter.IsZero() {
		notOnOrAfter = f.Now.Add(5 * time.Minute)
	}
	notBefore := f.NotBefore
	if notBefore.IsZero() {
		notBefore = f.Now.Add(-time.Minute)
	}
	a := &saml.Assertion{
		ID: id, IssueInstant: f.Now, Version: "2.0",
		Issuer: saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: f.Issuer},
		Subject: &saml.Subject{
			NameID: &saml.NameID{Format: string(saml.EmailAddressNameIDFormat), Value: nameID},
			SubjectConfirmations: []saml.SubjectConfirmation{{
				Method: "urn:oasis:names:tc:SAML:2.0:cm:bearer",
				SubjectConfirmationData: &saml.SubjectConfirmationData{
					InResponseTo: f.InResponseTo, NotOnOrAfter: notOnOrAfter, Recipient: f.Recipient,
				},
			}},
		},
		Conditions: &saml.Conditions{NotBefore: notBefore, NotOnOrAfter: notOnOrAfter,
			AudienceRestrictions: []saml.AudienceRestriction{{Audience: saml.Audience{Value: f.Audience}}}},
		AuthnStatements: []saml.AuthnStatement{{AuthnInstant: f.Now, SessionIndex: randomID(),
			AuthnContext: saml.AuthnContext{AuthnContextClassRef: &saml.AuthnContextClassRef{
				Value: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}}}},
	}
	if len(f.Attributes) > 0 {
		var st saml.AttributeStatement
		for n, vs := range f.Attributes {
			at := saml.Attribute{Name: n, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"}
			for _, v := range vs {
				at.Values = append(at.Values, saml.AttributeValue{Type: "xs:string", Value: v})
			}
			st.Attributes = append(st.Attributes, at)
		}
		a.AttributeStatements = []saml.AttributeStatement{st}
	}
	return a
}

// sign returns the enveloped Signature of el made with f.Key.
func (f Forge) sign(t testing.TB, el *etree.Element) *etree.Element {
	t.Helper()
	ctx, err := dsig.NewSigningContext(f.Key, [][]byte{f.Cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		t.Fatal(err)
	}
	return signed.Child[len(signed.Child)-1].(*etree.Element)
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "id-" + hex.EncodeToString(b)
}
