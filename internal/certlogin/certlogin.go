package certlogin

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// MaxInputSize is the largest certificate or private key input, in bytes,
// that Verify looks at. A client certificate with a couple of
// intermediates fits in a few KiB; the bound keeps parsing cheap.
const MaxInputSize = 16 << 10

// ErrRejected is wrapped by every refusal of a well-formed request: the
// certificate or key does not pass a check.
var ErrRejected = errors.New("the certificate is not accepted")

// ErrMalformed is wrapped when an input is empty, too large, or not PEM at
// all, so that the caller can tell a bad request from a refused log-in.
var ErrMalformed = errors.New("the certificate or key is malformed")

// Verifier checks certificate log-ins against a fixed set of CAs. It is
// safe for concurrent use.
type Verifier struct {
	roots *x509.CertPool
}

// NewVerifier returns a Verifier that trusts exactly the CAs in roots.
// A nil roots does not mean the system roots: Verify then refuses every
// log-in with an error that is not ErrRejected (a configuration fault).
func NewVerifier(roots *x509.CertPool) *Verifier {
	return &Verifier{roots: roots}
}

// LoadCAs reads the PEM file at path (the operator's --client-ca-file) and
// returns a Verifier that trusts the CA certificates in it. Every block in
// the file must be a CERTIFICATE that parses, and there must be at least
// one: a mistake in the trust anchor file should stop the server, not
// silently narrow or widen what it trusts.
func LoadCAs(path string) (*Verifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("client CA file: %w", err)
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		n++
		if block.Type != "CERTIFICATE" {
			// Only the type is named: a key put here by mistake must not
			// end up in a log.
			return nil, fmt.Errorf("client CA file %s: block %d is %q, want CERTIFICATE", path, n, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("client CA file %s: certificate %d: %w", path, n, err)
		}
		pool.AddCert(cert)
	}
	if n == 0 {
		return nil, fmt.Errorf("client CA file %s: no PEM CERTIFICATE block found", path)
	}
	return NewVerifier(pool), nil
}

// Identity is the login a certificate maps to (see the package doc for the
// rule).
type Identity struct {
	// Username is the UPN's or e-mail address's part before "@", or the CN.
	Username string
	// Domain is the part after "@", verbatim, or "" for a CN (the caller
	// supplies its default).
	Domain string
	// Source names the field that gave the identity, for the audit trail:
	// SourceUPN, SourceEmail or SourceCN.
	Source string
}

// Values of Identity.Source.
const (
	SourceUPN   = "SAN UPN"
	SourceEmail = "SAN e-mail"
	SourceCN    = "CN"
)

// Verify checks a log-in with the client certificate certPEM (the leaf,
// then any intermediates) and its private key keyPEM at time now, and
// returns the identity the leaf maps to. A zero now means the current time.
// Errors wrap ErrMalformed or ErrRejected as the package doc describes.
func (v *Verifier) Verify(certPEM, keyPEM string, now time.Time) (Identity, error) {
	if v == nil || v.roots == nil {
		// crypto/x509 would fall back to the system roots; never do that.
		return Identity{}, errors.New("certlogin: verifier has no CA pool")
	}
	if now.IsZero() {
		now = time.Now()
	}
	leaf, intermediates, err := parseChain(certPEM)
	if err != nil {
		return Identity{}, err
	}
	pub, err := parseKey(keyPEM)
	if err != nil {
		return Identity{}, err
	}
	if !pub.Equal(leaf.PublicKey) {
		return Identity{}, reject("private key does not match the certificate")
	}

	pool := x509.NewCertPool()
	for _, c := range intermediates {
		pool.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: pool,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return Identity{}, verifyError(err, now)
	}
	// crypto/x509 treats a leaf without extended key usage as good for
	// anything; a log-in certificate must say it is for client auth.
	if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		return Identity{}, reject("certificate is not for client authentication")
	}
	if leaf.IsCA {
		return Identity{}, reject("certificate is a CA certificate")
	}
	return identityOf(leaf)
}

// reject returns an error wrapping ErrRejected with the reason in front.
func reject(format string, args ...any) error {
	return fmt.Errorf("certlogin: %s: %w", fmt.Sprintf(format, args...), ErrRejected)
}

// malformed returns an error wrapping ErrMalformed with the reason in front.
func malformed(format string, args ...any) error {
	return fmt.Errorf("certlogin: %s: %w", fmt.Sprintf(format, args...), ErrMalformed)
}

// checkInput applies the checks shared by both inputs: not empty, not
// larger than MaxInputSize, and holding at least one PEM block.
func checkInput(what, s string) error {
	if strings.TrimSpace(s) == "" {
		return malformed("%s is empty", what)
	}
	if len(s) > MaxInputSize {
		return malformed("%s is larger than %d bytes", what, MaxInputSize)
	}
	if b, _ := pem.Decode([]byte(s)); b == nil {
		return malformed("%s holds no PEM block", what)
	}
	return nil
}

// parseChain returns the leaf and the intermediates of certPEM. Text outside
// PEM blocks is ignored, as crypto/tls does; any block that is not a
// CERTIFICATE is refused.
func parseChain(certPEM string) (*x509.Certificate, []*x509.Certificate, error) {
	if err := checkInput("certificate", certPEM); err != nil {
		return nil, nil, err
	}
	var certs []*x509.Certificate
	for rest := []byte(certPEM); ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		n := len(certs) + 1
		if block.Type != "CERTIFICATE" {
			// Never echo the block: it may be the private key.
			return nil, nil, reject("malformed PEM: block %d of the certificate is %q, want CERTIFICATE", n, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, nil, reject("malformed PEM: certificate %d does not parse (%v)", n, err)
		}
		certs = append(certs, c)
	}
	return certs[0], certs[1:], nil
}

// publicKey is what every public key type in the standard library has.
type publicKey interface {
	Equal(crypto.PublicKey) bool
}

// parseKey returns the public half of the one private key in keyPEM.
// Error texts name block types only; parser errors are dropped because
// they might one day quote the input.
func parseKey(keyPEM string) (publicKey, error) {
	if err := checkInput("private key", keyPEM); err != nil {
		return nil, err
	}
	var key *pem.Block
	for rest := []byte(keyPEM); ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		// OpenSSL's "ecparam -genkey" writes the curve before the key.
		if block.Type == "EC PARAMETERS" {
			continue
		}
		if key != nil {
			return nil, reject("malformed PEM: more than one block in the private key")
		}
		key = block
	}
	if key == nil {
		return nil, reject("malformed PEM: no private key block")
	}
	// RFC 1421 encryption (Proc-Type/DEK-Info) and PKCS#8 encryption: the
	// server holds no passphrase, and an encrypted key proves nothing.
	if key.Type == "ENCRYPTED PRIVATE KEY" || key.Headers["DEK-Info"] != "" ||
		strings.Contains(key.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, reject("private key is encrypted")
	}
	var (
		parsed any
		err    error
	)
	switch key.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(key.Bytes)
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(key.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(key.Bytes)
	default:
		return nil, reject("malformed PEM: private key block is %q", key.Type)
	}
	if err != nil {
		return nil, reject("malformed PEM: %s block does not parse", key.Type)
	}
	// RSA, ECDSA and Ed25519 keys are Signers; an X25519 key from PKCS#8
	// is not, and cannot be a client certificate's key anyway.
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, reject("private key type %T is not supported", parsed)
	}
	pub, ok := signer.Public().(publicKey)
	if !ok {
		return nil, reject("private key type %T is not supported", parsed)
	}
	return pub, nil
}

// verifyError turns an error of x509.Certificate.Verify into a refusal with
// a specific reason.
func verifyError(err error, now time.Time) error {
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	switch {
	case errors.As(err, &invalid):
		switch invalid.Reason {
		case x509.Expired:
			if invalid.Cert != nil && now.Before(invalid.Cert.NotBefore) {
				return reject("certificate is not yet valid")
			}
			return reject("certificate has expired")
		case x509.IncompatibleUsage:
			return reject("certificate is not for client authentication")
		}
	case errors.As(err, &unknown):
		return reject("certificate is signed by an unknown authority")
	}
	// Certificates are public, so the library's text may go to the log.
	return reject("certificate chain does not verify (%v)", err)
}
