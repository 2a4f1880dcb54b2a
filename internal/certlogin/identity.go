package certlogin

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLen bounds Username and Domain, in bytes.
const maxNameLen = 255

// identityOf maps a verified leaf to its login by the rule in the package
// doc: first SAN UPN, else first SAN e-mail, else the subject CN.
func identityOf(leaf *x509.Certificate) (Identity, error) {
	upn, ok, err := firstUPN(leaf)
	if err != nil {
		return Identity{}, reject("malformed subject alternative name: %v", err)
	}
	if ok {
		return splitAt(upn, SourceUPN)
	}
	if len(leaf.EmailAddresses) > 0 {
		return splitAt(leaf.EmailAddresses[0], SourceEmail)
	}

	// pkix.Name keeps only the last CN; several would make the choice
	// depend on order, so count them.
	oidCN := asn1.ObjectIdentifier{2, 5, 4, 3}
	n := 0
	for _, atv := range leaf.Subject.Names {
		if atv.Type.Equal(oidCN) {
			n++
		}
	}
	switch {
	case n == 0:
		return Identity{}, reject("certificate has no UPN, e-mail address or common name")
	case n > 1:
		return Identity{}, reject("certificate subject has more than one common name")
	}
	cn := leaf.Subject.CommonName
	if err := checkName(cn); err != nil {
		return Identity{}, reject("common name %v", err)
	}
	return Identity{Username: cn, Source: SourceCN}, nil
}

// splitAt splits a UPN or e-mail address at its one "@".
func splitAt(s, source string) (Identity, error) {
	user, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return Identity{}, reject("%s must have exactly one \"@\"", source)
	}
	if err := checkName(user); err != nil {
		return Identity{}, reject("%s user %v", source, err)
	}
	if err := checkName(domain); err != nil {
		return Identity{}, reject("%s domain %v", source, err)
	}
	return Identity{Username: user, Domain: domain, Source: source}, nil
}

// checkName enforces the bounds on a Username or Domain. Its error texts
// do not quote the name, which may hold anything.
func checkName(s string) error {
	switch {
	case s == "":
		return errors.New("is empty")
	case len(s) > maxNameLen:
		return fmt.Errorf("is longer than %d bytes", maxNameLen)
	case !utf8.ValidString(s):
		return errors.New("is not valid UTF-8")
	case strings.ContainsFunc(s, unicode.IsControl):
		return errors.New("has a control character")
	}
	return nil
}

// firstUPN returns the value of the first UPN otherName in the leaf's
// subject alternative names, and whether there is one. crypto/x509 skips
// otherName entries, so the extension is parsed here. A UPN entry whose
// value is not a UTF8String is an error rather than skipped: falling
// through to the e-mail address could log in someone else.
func firstUPN(leaf *x509.Certificate) (string, bool, error) {
	oidSAN := asn1.ObjectIdentifier{2, 5, 29, 17}
	oidUPN := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}
	for _, ext := range leaf.Extensions {
		// crypto/x509 refuses certificates with duplicate extensions, so
		// the first SAN extension is the only one.
		if !ext.Id.Equal(oidSAN) {
			continue
		}
		// GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
		var seq asn1.RawValue
		if rest, err := asn1.Unmarshal(ext.Value, &seq); err != nil {
			return "", false, err
		} else if len(rest) != 0 {
			return "", false, errors.New("trailing data")
		}
		if seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
			return "", false, errors.New("not a SEQUENCE")
		}
		for rest := seq.Bytes; len(rest) > 0; {
			var gn asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
				return "", false, err
			}
			// otherName [0] IMPLICIT OtherName
			if gn.Class != asn1.ClassContextSpecific || gn.Tag != 0 {
				continue
			}
			id, valueDER, err := splitOtherName(gn)
			if err != nil {
				return "", false, err
			}
			if !id.Equal(oidUPN) {
				continue // another kind of otherName: not ours to judge
			}
			upn, err := utf8Value(valueDER)
			if err != nil {
				return "", false, fmt.Errorf("UPN: %w", err)
			}
			return upn, true, nil
		}
		return "", false, nil
	}
	return "", false, nil
}

// splitOtherName splits
//
//	OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }
//
// (tagged implicitly as [0] inside GeneralName) into its type and the
// encoding of its value.
func splitOtherName(gn asn1.RawValue) (asn1.ObjectIdentifier, []byte, error) {
	if !gn.IsCompound {
		return nil, nil, errors.New("otherName is not constructed")
	}
	var id asn1.ObjectIdentifier
	rest, err := asn1.Unmarshal(gn.Bytes, &id)
	if err != nil {
		return nil, nil, fmt.Errorf("otherName type: %w", err)
	}
	return id, rest, nil
}

// utf8Value returns the string in value [0] EXPLICIT UTF8String.
func utf8Value(der []byte) (string, error) {
	var explicit, value asn1.RawValue
	rest, err := asn1.Unmarshal(der, &explicit)
	if err != nil {
		return "", err
	}
	if len(rest) != 0 || explicit.Class != asn1.ClassContextSpecific || explicit.Tag != 0 || !explicit.IsCompound {
		return "", errors.New("value is not [0] EXPLICIT")
	}
	rest, err = asn1.Unmarshal(explicit.Bytes, &value)
	if err != nil {
		return "", err
	}
	if len(rest) != 0 || value.Class != asn1.ClassUniversal || value.Tag != asn1.TagUTF8String || value.IsCompound {
		return "", errors.New("value is not a UTF8String")
	}
	return string(value.Bytes), nil
}
