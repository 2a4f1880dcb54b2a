package dirtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// tlsFiles are the absolute paths of the PEM files written by writeCerts.
type tlsFiles struct {
	CA   string // the CA certificate that signed Cert
	Cert string // the server certificate
	Key  string // the server's RSA key, PKCS#1, mode 0600
}

// writeCerts generates a throwaway CA (ECDSA P-256) and a server certificate
// signed by it (RSA 2048, which both GnuTLS-based slapd and Samba load), and
// writes them to dir as ca.pem, cert.pem and key.pem. The server certificate
// names IP 127.0.0.1 and DNS localhost and dc1.example.test (the host name of
// the Samba domain controller).
func writeCerts(dir string) (tlsFiles, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return tlsFiles{}, fmt.Errorf("certificates: %w", err)
	}
	files := tlsFiles{
		CA:   filepath.Join(dir, "ca.pem"),
		Cert: filepath.Join(dir, "cert.pem"),
		Key:  filepath.Join(dir, "key.pem"),
	}
	notBefore := time.Now().Add(-time.Hour)
	notAfter := notBefore.Add(365 * 24 * time.Hour)

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tlsFiles{}, fmt.Errorf("certificates: CA key: %w", err)
	}
	caSerial, err := serialNumber()
	if err != nil {
		return tlsFiles{}, err
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{CommonName: "clusteriam dirtest CA", Organization: []string{"clusteriam tests"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return tlsFiles{}, fmt.Errorf("certificates: create CA: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tlsFiles{}, fmt.Errorf("certificates: parse CA: %w", err)
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return tlsFiles{}, fmt.Errorf("certificates: server key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return tlsFiles{}, err
	}
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"clusteriam tests"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", "dc1.example.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
	if err != nil {
		return tlsFiles{}, fmt.Errorf("certificates: create server certificate: %w", err)
	}

	writes := []struct {
		path  string
		block *pem.Block
		mode  os.FileMode
	}{
		{files.CA, &pem.Block{Type: "CERTIFICATE", Bytes: caDER}, 0o644},
		{files.Cert, &pem.Block{Type: "CERTIFICATE", Bytes: der}, 0o644},
		{files.Key, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}, 0o600},
	}
	for _, w := range writes {
		if err := os.WriteFile(w.path, pem.EncodeToMemory(w.block), w.mode); err != nil {
			return tlsFiles{}, fmt.Errorf("certificates: %w", err)
		}
		// WriteFile applies the umask; Samba insists on exactly 0600 for the key.
		if err := os.Chmod(w.path, w.mode); err != nil {
			return tlsFiles{}, fmt.Errorf("certificates: %w", err)
		}
	}
	return files, nil
}

// serialNumber returns a random positive 127-bit certificate serial number.
func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certificates: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
