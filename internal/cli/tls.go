package cli

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// Fingerprint is the SHA-256 of a certificate's DER, as
// "sha256:ab:cd:...": what `clusteriam serve` prints and `login` shows.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := hex.EncodeToString(sum[:])
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return "sha256:" + strings.Join(parts, ":")
}

// tlsConfig is how x's server is trusted: its CA file, else its pinned
// fingerprint (the leaf must be that certificate, whoever signed it),
// else the system's CAs; or nothing, with InsecureSkipVerify.
func tlsConfig(x *Context) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case x.InsecureSkipVerify:
		tc.InsecureSkipVerify = true
	case x.CACert != "":
		pem, err := os.ReadFile(x.CACert)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-cert %s holds no PEM certificate", x.CACert)
		}
		tc.RootCAs = pool
	case x.Fingerprint != "":
		pin := x.Fingerprint
		tc.InsecureSkipVerify = true // the pin below checks instead
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || Fingerprint(cs.PeerCertificates[0].Raw) != pin {
				return fmt.Errorf("the server's certificate is not the one pinned (%s): log in again to see the new one", pin)
			}
			return nil
		}
	}
	return tc, nil
}

// httpClient is an HTTP client that trusts x's server as tlsConfig says.
func httpClient(x *Context) (*http.Client, error) {
	tc, err := tlsConfig(x)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}, nil
}

// serverCertificate fetches the certificate the server at addr (host:port)
// shows, without trusting it: what a user is asked to confirm.
func serverCertificate(addr string) (*x509.Certificate, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // read, to be confirmed
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, errors.New("the server shows no certificate")
	}
	return certs[0], nil
}
