// Package tlscert provides clusteriam's serving certificate: the one the
// operator configures, or else a self-signed one kept in the data directory
// so that a fresh install speaks TLS from the first start.
package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/atomicfile"
)

// File names of the self-signed certificate and its key inside the
// directory given to LoadOrCreate.
const (
	CertFileName = "tls.crt"
	KeyFileName  = "tls.key"
)

// Validity is how long a generated certificate is valid: 825 days, the
// longest lifetime that Apple platforms accept for TLS server certificates.
const Validity = 825 * 24 * time.Hour

// backdate is subtracted from the start of validity to tolerate clock skew
// between server and clients.
const backdate = 5 * time.Minute

// errRegenerate marks a self-signed pair that is missing or expired and
// may be replaced.
var errRegenerate = errors.New("self-signed certificate must be (re)generated")

// LoadOrCreate returns the certificate at certFile/keyFile (PEM) when both
// are set. If both are empty it loads the self-signed certificate kept in
// dir as "tls.crt" and "tls.key", creating it first if either file is
// missing and replacing it if it has expired. A new certificate has an ECDSA
// P-256 key, subject alternative names localhost, 127.0.0.1, ::1 and the
// host name (os.Hostname), a random 128-bit serial number, key usage
// DigitalSignature, extended key usage ServerAuth, and is valid for 825 days.
// Its files are written atomically, the key with mode 0600; dir is created
// with mode 0700 if needed.
//
// Setting only one of certFile and keyFile is an error. So is a self-signed
// key file readable by group or others, and a pair in dir that exists but
// does not load (it is left for the operator to inspect rather than
// overwritten). The returned certificate has Leaf set.
func LoadOrCreate(dir, certFile, keyFile string) (tls.Certificate, error) {
	return loadOrCreate(dir, certFile, keyFile, time.Now())
}

func loadOrCreate(dir, certFile, keyFile string, now time.Time) (tls.Certificate, error) {
	switch {
	case certFile != "" && keyFile != "":
		cert, err := loadPair(certFile, keyFile)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("tlscert: %w", err)
		}
		return cert, nil
	case certFile != "":
		return tls.Certificate{}, fmt.Errorf("tlscert: certificate file %q given without a key file; set both or neither", certFile)
	case keyFile != "":
		return tls.Certificate{}, fmt.Errorf("tlscert: key file %q given without a certificate file; set both or neither", keyFile)
	case dir == "":
		return tls.Certificate{}, errors.New("tlscert: no certificate files and no directory for a self-signed certificate")
	}

	certPath, keyPath := filepath.Join(dir, CertFileName), filepath.Join(dir, KeyFileName)
	cert, err := loadSelfSigned(certPath, keyPath, now)
	if err == nil || !errors.Is(err, errRegenerate) {
		return cert, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: creating directory: %w", err)
	}
	host, _ := os.Hostname() // best effort: the name is a convenience
	certPEM, keyPEM, err := generate(now, host)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: %w", err)
	}
	// Key first: a crash in between leaves a missing or mismatched
	// certificate, never a new certificate beside a stale key file.
	if err := atomicfile.Write(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: writing key: %w", err)
	}
	if err := atomicfile.Write(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: writing certificate: %w", err)
	}
	// Return what is on disk, so a concurrent writer cannot leave us
	// serving a certificate that differs from the files.
	cert, err = loadSelfSigned(certPath, keyPath, now)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: reloading new certificate: %w", err)
	}
	return cert, nil
}

// loadSelfSigned loads the pair kept in the data directory. It returns an
// error wrapping errRegenerate if a file is missing or the certificate has
// expired.
func loadSelfSigned(certPath, keyPath string, now time.Time) (tls.Certificate, error) {
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return tls.Certificate{}, fmt.Errorf("%w: %s missing", errRegenerate, p)
		}
	}
	// An expired certificate is replaced even if it no longer matches the
	// key file, as after a crash between the two writes of a renewal.
	if leaf, err := readLeaf(certPath); err == nil && now.After(leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("%w: expired %s", errRegenerate, leaf.NotAfter.Format(time.RFC3339))
	}
	fi, err := os.Stat(keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return tls.Certificate{}, fmt.Errorf("tlscert: key file %s has mode %04o, which grants access to group or others; restrict it with: chmod 600 %s", keyPath, perm, keyPath)
	}
	cert, err := loadPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: %w (remove %s and %s to generate a new self-signed certificate)", err, certPath, keyPath)
	}
	if now.After(cert.Leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("%w: expired %s", errRegenerate, cert.Leaf.NotAfter.Format(time.RFC3339))
	}
	return cert, nil
}

// readLeaf parses the first certificate in a PEM file.
func readLeaf(certPath string) (*x509.Certificate, error) {
	data, err := os.ReadFile(certPath)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", certPath)
	}
	return x509.ParseCertificate(block.Bytes)
}

// loadPair loads a PEM certificate chain and key and makes sure Leaf is set.
func loadPair(certPath, keyPath string) (tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("loading %s and %s: %w", certPath, keyPath, err)
	}
	if cert.Leaf == nil { // GODEBUG x509keypairleaf=0
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return tls.Certificate{}, fmt.Errorf("parsing %s: %w", certPath, err)
		}
	}
	return cert, nil
}

// generate makes a self-signed certificate valid from now and returns it
// and its private key, PEM-encoded.
func generate(now time.Time, hostname string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	dnsNames, ips := sans(hostname)
	notBefore := now.Add(-backdate)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"clusteriam"}, CommonName: "clusteriam self-signed"},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(Validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("creating certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// randomSerial returns a uniformly random positive 128-bit serial number.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("generating serial number: %w", err)
		}
		if n.Sign() > 0 { // serial numbers must be positive
			return n, nil
		}
	}
}

// sans returns the subject alternative names for a generated certificate:
// localhost, 127.0.0.1, ::1, and hostname if it is usable as a DNS name or
// an IP address.
func sans(hostname string) (dnsNames []string, ips []net.IP) {
	dnsNames = []string{"localhost"}
	ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	hostname = strings.TrimSuffix(strings.ToLower(hostname), ".")
	if ip := net.ParseIP(hostname); ip != nil {
		if !ip.IsLoopback() {
			ips = append(ips, ip)
		}
		return dnsNames, ips
	}
	if hostname != "localhost" && validDNSName(hostname) {
		dnsNames = append(dnsNames, hostname)
	}
	return dnsNames, ips
}

// validDNSName reports whether s is a plausible host name: dot-separated
// labels of 1 to 63 letters, digits and inner hyphens, 253 characters at
// most.
func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
