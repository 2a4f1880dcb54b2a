package samlsp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
)

// Assertion is what a verified response says of the user.
type Assertion struct {
	// ID is the assertion's ID, single use: keep it until ReplayUntil.
	ID string
	// NameID is the subject's NameID, read in full.
	NameID string
	// ReplayUntil is when the assertion stops being acceptable; a replay
	// cache must remember ID at least until then.
	ReplayUntil time.Time
	// Attributes maps each attribute's Name (and its FriendlyName, when
	// set) to its values.
	Attributes map[string][]string
}

// Reasons a response is refused, for errors.Is; the error's text says more.
var (
	ErrMalformed    = errors.New("samlsp: malformed response")
	ErrSignature    = errors.New("samlsp: not signed by the configured certificate")
	ErrWrapping     = errors.New("samlsp: more than one assertion")
	ErrComment      = errors.New("samlsp: XML comment inside a NameID or attribute value")
	ErrAudience     = errors.New("samlsp: wrong audience")
	ErrDestination  = errors.New("samlsp: wrong destination or recipient")
	ErrExpired      = errors.New("samlsp: expired")
	ErrNotYetValid  = errors.New("samlsp: not yet valid")
	ErrInResponseTo = errors.New("samlsp: InResponseTo is not the expected request")
	ErrIssuer       = errors.New("samlsp: wrong issuer")
	ErrStatus       = errors.New("samlsp: the IdP answered with a failure status")
	ErrRefused      = errors.New("samlsp: refused")
	errNoRequestID  = errors.New("samlsp: no expected request id")
	samlToOurs      = []struct{ lib, ours error }{
		{saml.ErrInvalidSignature, ErrSignature},
		{saml.ErrAudienceMismatch, ErrAudience},
		{saml.ErrDestinationMismatch, ErrDestination},
		{saml.ErrExpired, ErrExpired},
		{saml.ErrNotYetValid, ErrNotYetValid},
		{saml.ErrRequestIDMismatch, ErrInResponseTo},
		{saml.ErrIssuerMismatch, ErrIssuer},
		{saml.ErrMalformedMessage, ErrMalformed},
		{saml.ErrMissingElement, ErrMalformed},
	}
)

// Verify checks samlResponse, the base64 SAMLResponse form value of the
// HTTP-POST binding, as an answer to requestID at time now, and returns its
// assertion. The error names why it was refused (for the log, not the user)
// and matches one of the Err values above.
func (s *SP) Verify(samlResponse, requestID string, now time.Time) (*Assertion, error) {
	if requestID == "" {
		return nil, errNoRequestID
	}
	if len(samlResponse) > base64.StdEncoding.EncodedLen(MaxResponseBytes)+1024 {
		return nil, fmt.Errorf("%w: the response is over %d bytes", ErrMalformed, MaxResponseBytes)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(samlResponse), ""))
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %v", ErrMalformed, err)
	}
	if err := precheck(raw); err != nil {
		return nil, err
	}
	a, err := s.provider(now).ParseXMLResponse(raw, []string{requestID}, s.acs)
	if err != nil {
		return nil, classify(err)
	}
	if err := strictTimes(a, now); err != nil {
		return nil, err
	}
	if a.Subject == nil || a.Subject.NameID == nil || strings.TrimSpace(a.Subject.NameID.Value) == "" {
		return nil, fmt.Errorf("%w: no NameID", ErrMalformed)
	}
	return &Assertion{
		ID:          a.ID,
		NameID:      strings.TrimSpace(a.Subject.NameID.Value),
		ReplayUntil: replayUntil(a),
		Attributes:  attributes(a),
	}, nil
}

// classify keeps the library's reason and adds ours for errors.Is.
func classify(err error) error {
	var bad saml.ErrBadStatus
	if errors.As(err, &bad) {
		return fmt.Errorf("%w: %s", ErrStatus, bad.Status)
	}
	for _, m := range samlToOurs {
		if errors.Is(err, m.lib) {
			return fmt.Errorf("%w: %w", m.ours, reason(err))
		}
	}
	return fmt.Errorf("%w: %w", ErrRefused, reason(err))
}

// reason unwraps the library's InvalidResponseError, whose own text is a
// fixed sentence, to the error that says why.
func reason(err error) error {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		return ire.PrivateErr
	}
	return err
}

// precheck refuses, before any signature work, an unsigned response, one that holds more
// than one assertion anywhere (XML signature wrapping hides a second one
// beside or inside the signed one), and any XML comment inside a NameID or
// an attribute value: exclusive canonicalization drops comments, so one can
// be added without breaking the signature, and a reader that stops at the
// comment sees a shorter name (the 2018 truncation bugs).
func precheck(raw []byte) error {
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(raw); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" {
		return fmt.Errorf("%w: the root is not a Response", ErrMalformed)
	}
	assertions, signatures := 0, 0
	var walk func(el *etree.Element) error
	walk = func(el *etree.Element) error {
		switch el.Tag {
		case "Assertion", "EncryptedAssertion":
			assertions++
		case "Signature":
			if p := el.Parent(); p != nil && (p == root || p.Tag == "Assertion") {
				signatures++
			}
		case "NameID", "AttributeValue":
			for _, t := range el.Child {
				if _, ok := t.(*etree.Comment); ok {
					return fmt.Errorf("%w (in %s)", ErrComment, el.Tag)
				}
			}
		}
		for _, c := range el.ChildElements() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return err
	}
	if assertions != 1 {
		return fmt.Errorf("%w: %d assertions", ErrWrapping, assertions)
	}
	if signatures == 0 {
		return fmt.Errorf("%w: neither the response nor the assertion is signed", ErrSignature)
	}
	return nil
}

// strictTimes applies Skew, which is stricter than the library's own
// MaxClockSkew (left as it is: it is a package variable shared by all).
func strictTimes(a *saml.Assertion, now time.Time) error {
	if a.IssueInstant.After(now.Add(Skew)) {
		return fmt.Errorf("%w: issued at %s", ErrNotYetValid, a.IssueInstant.UTC())
	}
	if c := a.Conditions; c != nil {
		if !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(Skew)) {
			return fmt.Errorf("%w: Conditions NotBefore %s", ErrNotYetValid, c.NotBefore.UTC())
		}
		if !c.NotOnOrAfter.IsZero() && !now.Before(c.NotOnOrAfter.Add(Skew)) {
			return fmt.Errorf("%w: Conditions NotOnOrAfter %s", ErrExpired, c.NotOnOrAfter.UTC())
		}
	}
	if d := confirmationDeadline(a); !now.Before(d.Add(Skew)) {
		return fmt.Errorf("%w: SubjectConfirmationData NotOnOrAfter %s", ErrExpired, d.UTC())
	}
	return nil
}

// confirmationDeadline is the latest NotOnOrAfter of the bearer
// confirmations (one valid confirmation is enough).
func confirmationDeadline(a *saml.Assertion) time.Time {
	var d time.Time
	if a.Subject == nil {
		return d
	}
	for _, c := range a.Subject.SubjectConfirmations {
		if c.Method != "urn:oasis:names:tc:SAML:2.0:cm:bearer" || c.SubjectConfirmationData == nil {
			continue
		}
		if t := c.SubjectConfirmationData.NotOnOrAfter; t.After(d) {
			d = t
		}
	}
	return d
}

// replayUntil is the last moment the assertion could be accepted again.
func replayUntil(a *saml.Assertion) time.Time {
	until := confirmationDeadline(a).Add(Skew)
	if c := a.Conditions; c != nil && !c.NotOnOrAfter.IsZero() && c.NotOnOrAfter.Add(Skew).Before(until) {
		until = c.NotOnOrAfter.Add(Skew)
	}
	if issued := a.IssueInstant.Add(saml.MaxIssueDelay); issued.Before(until) {
		until = issued
	}
	return until
}

func attributes(a *saml.Assertion) map[string][]string {
	out := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			var vals []string
			for _, v := range at.Values {
				if !v.Nil {
					vals = append(vals, v.Value)
				}
			}
			out[at.Name] = append(out[at.Name], vals...)
			if at.FriendlyName != "" && at.FriendlyName != at.Name {
				out[at.FriendlyName] = append(out[at.FriendlyName], vals...)
			}
		}
	}
	return out
}
