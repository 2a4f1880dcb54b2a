package tlscert

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/atomicfile"
)

func mustLoadOrCreate(t *testing.T, dir string) tls.Certificate {
	t.Helper()
	cert, err := LoadOrCreate(dir, "", "")
	if err != nil {
		t.Fatalf("LoadOrCreate(%q): %v", dir, err)
	}
	if cert.Leaf == nil {
		t.Fatal("Leaf not set")
	}
	return cert
}

func TestCreatesFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "tls") // created with parents
	mustLoadOrCreate(t, dir)
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not meaningful on Windows")
	}
	for _, tt := range []struct {
		path string
		want os.FileMode
	}{
		{filepath.Join(dir, KeyFileName), 0o600},
		{filepath.Join(dir, CertFileName), 0o644},
		{dir, 0o700 | os.ModeDir},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != tt.want {
			t.Errorf("%s mode %v, want %v", tt.path, got, tt.want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s and %s", names, CertFileName, KeyFileName)
	}
}

func TestReloadGivesSameCert(t *testing.T) {
	dir := t.TempDir()
	first := mustLoadOrCreate(t, dir)
	second := mustLoadOrCreate(t, dir)
	if !bytes.Equal(first.Certificate[0], second.Certificate[0]) {
		t.Fatal("reload returned a different certificate")
	}
	if !first.PrivateKey.(*ecdsa.PrivateKey).Equal(second.PrivateKey) {
		t.Fatal("reload returned a different key")
	}
	other := mustLoadOrCreate(t, t.TempDir())
	if other.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) == 0 {
		t.Fatal("two new certificates share a serial number")
	}
}

func TestCertificateContents(t *testing.T) {
	before := time.Now()
	cert := mustLoadOrCreate(t, t.TempDir())
	leaf := cert.Leaf

	wantDNS := []string{"localhost"}
	if dns, _ := sans(hostname(t)); len(dns) > 1 {
		wantDNS = append(wantDNS, dns[1])
	}
	for _, name := range wantDNS {
		if !slices.Contains(leaf.DNSNames, name) {
			t.Errorf("DNS SANs %v lack %q", leaf.DNSNames, name)
		}
	}
	for _, ip := range []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")} {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			t.Errorf("IP SANs %v lack %v", leaf.IPAddresses, ip)
		}
	}

	key, ok := cert.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("private key is %T, want *ecdsa.PrivateKey", cert.PrivateKey)
	}
	if key.Curve != elliptic.P256() {
		t.Errorf("curve %s, want P-256", key.Curve.Params().Name)
	}
	if !key.PublicKey.Equal(leaf.PublicKey) {
		t.Error("certificate public key does not match the private key")
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("algorithms %v/%v, want ECDSA/ECDSAWithSHA256", leaf.PublicKeyAlgorithm, leaf.SignatureAlgorithm)
	}

	if leaf.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("KeyUsage %v, want DigitalSignature only", leaf.KeyUsage)
	}
	if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("ExtKeyUsage %v, want [ServerAuth]", leaf.ExtKeyUsage)
	}
	if leaf.IsCA {
		t.Error("certificate is a CA")
	}
	if n := leaf.SerialNumber; n.Sign() <= 0 || n.BitLen() > 128 {
		t.Errorf("serial %v is not a positive 128-bit number", n)
	}
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got != Validity {
		t.Errorf("validity %v, want %v (825 days)", got, Validity)
	}
	if leaf.NotBefore.After(before) || leaf.NotBefore.Before(before.Add(-time.Hour)) {
		t.Errorf("NotBefore %v not just before %v", leaf.NotBefore, before)
	}
	if !bytes.Equal(leaf.RawIssuer, leaf.RawSubject) {
		t.Error("issuer differs from subject")
	}
	if err := leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
}

func hostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}

func TestHandshake(t *testing.T) {
	cert := mustLoadOrCreate(t, t.TempDir())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are expected
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	trusted := x509.NewCertPool()
	trusted.AddCert(cert.Leaf)

	tests := []struct {
		name       string
		serverName string // "" means verify the IP in the URL
		roots      *x509.CertPool
		wantErr    string
	}{
		{"localhost", "localhost", trusted, ""},
		{"127.0.0.1", "", trusted, ""},
		{"wrong name", "example.com", trusted, "certificate is valid for"},
		{"untrusted", "localhost", x509.NewCertPool(), "unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := &http.Client{
				Timeout: 10 * time.Second,
				Transport: &http.Transport{TLSClientConfig: &tls.Config{
					RootCAs:    tt.roots,
					ServerName: tt.serverName,
				}},
			}
			// Always dial 127.0.0.1 (where httptest listens); the name
			// checked is ServerName, or the IP when it is empty.
			resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%s/", port))
			if tt.wantErr != "" {
				if err == nil {
					resp.Body.Close()
					t.Fatal("request succeeded, want a verification error")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "ok" {
				t.Fatalf("body %q", body)
			}
			if !resp.TLS.PeerCertificates[0].Equal(cert.Leaf) {
				t.Fatal("server presented another certificate")
			}
		})
	}

	// The leaf also verifies for every SAN without a server.
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: trusted}); err != nil {
			t.Errorf("Verify(%s): %v", name, err)
		}
	}
}

func TestFlags(t *testing.T) {
	// A valid pair on disk, given explicitly.
	src := t.TempDir()
	made := mustLoadOrCreate(t, src)
	certPath, keyPath := filepath.Join(src, CertFileName), filepath.Join(src, KeyFileName)
	missing := filepath.Join(t.TempDir(), "nope.pem")

	tests := []struct {
		name              string
		dir, cert, key    string
		wantErr           string // "" means success
		wantSameAsCreated bool
	}{
		{"only cert", t.TempDir(), certPath, "", "without a key file", false},
		{"only key", t.TempDir(), "", keyPath, "without a certificate file", false},
		{"only cert, no dir", "", certPath, "", "without a key file", false},
		{"both given", t.TempDir(), certPath, keyPath, "", true},
		{"both given, no dir", "", certPath, keyPath, "", true},
		{"cert missing", t.TempDir(), missing, keyPath, "nope.pem", false},
		{"swapped", t.TempDir(), keyPath, certPath, "loading", false},
		{"nothing at all", "", "", "", "no certificate files and no directory", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := LoadOrCreate(tt.dir, tt.cert, tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				if tt.dir != "" {
					if entries, _ := os.ReadDir(tt.dir); len(entries) != 0 {
						t.Fatal("a failed call wrote files")
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cert.Leaf == nil || !cert.Leaf.Equal(made.Leaf) {
				t.Fatal("did not load the given pair")
			}
			if entries, _ := os.ReadDir(tt.dir); tt.dir != "" && len(entries) != 0 {
				t.Fatal("self-signed files created although a pair was given")
			}
		})
	}
}

// writePair writes a certificate generated as of now into dir.
func writePair(t *testing.T, dir string, now time.Time) {
	t.Helper()
	certPEM, keyPEM, err := generate(now, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(filepath.Join(dir, KeyFileName), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(filepath.Join(dir, CertFileName), certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRegenerates(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		regen bool
	}{
		{"valid", func(t *testing.T, dir string) { writePair(t, dir, now.Add(-24*time.Hour)) }, false},
		{"expires soon but valid", func(t *testing.T, dir string) { writePair(t, dir, now.Add(-Validity+backdate+time.Hour)) }, false},
		{"expired", func(t *testing.T, dir string) { writePair(t, dir, now.Add(-Validity)) }, true},
		{"long expired", func(t *testing.T, dir string) { writePair(t, dir, now.Add(-3*Validity)) }, true},
		{"key missing", func(t *testing.T, dir string) {
			writePair(t, dir, now)
			os.Remove(filepath.Join(dir, KeyFileName))
		}, true},
		{"cert missing", func(t *testing.T, dir string) {
			writePair(t, dir, now)
			os.Remove(filepath.Join(dir, CertFileName))
		}, true},
		{"expired, key already renewed (crash mid-renewal)", func(t *testing.T, dir string) {
			writePair(t, dir, now.Add(-Validity-time.Hour))
			_, keyPEM, err := generate(now, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := atomicfile.Write(filepath.Join(dir, KeyFileName), keyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			oldCert, _ := os.ReadFile(filepath.Join(dir, CertFileName))
			cert := mustLoadOrCreate(t, dir)
			newCert, err := os.ReadFile(filepath.Join(dir, CertFileName))
			if err != nil {
				t.Fatal(err)
			}
			if regen := !bytes.Equal(oldCert, newCert); regen != tt.regen {
				t.Fatalf("regenerated = %v, want %v", regen, tt.regen)
			}
			if !time.Now().Before(cert.Leaf.NotAfter) {
				t.Fatalf("returned certificate expired %v", cert.Leaf.NotAfter)
			}
			if tt.regen && time.Until(cert.Leaf.NotAfter) < Validity-time.Hour {
				t.Fatalf("new certificate valid only until %v", cert.Leaf.NotAfter)
			}
			again := mustLoadOrCreate(t, dir)
			if !again.Leaf.Equal(cert.Leaf) {
				t.Fatal("returned certificate is not the one on disk")
			}
		})
	}
}

func TestRejectsBadSelfSigned(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		wantErr []string
	}{
		{"key mode 0644", func(t *testing.T, dir string) {
			if runtime.GOOS == "windows" {
				t.Skip("permission bits are not enforced on Windows")
			}
			writePair(t, dir, time.Now())
			if err := os.Chmod(filepath.Join(dir, KeyFileName), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"0644", "chmod 600"}},
		{"garbage", func(t *testing.T, dir string) {
			for _, f := range []string{CertFileName, KeyFileName} {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("junk"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}, []string{"remove", CertFileName}},
		{"mismatched pair", func(t *testing.T, dir string) {
			writePair(t, dir, time.Now())
			_, keyPEM, err := generate(time.Now(), "")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, KeyFileName), keyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"does not match", "remove"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			before, _ := os.ReadFile(filepath.Join(dir, CertFileName))
			_, err := LoadOrCreate(dir, "", "")
			if err == nil {
				t.Fatal("LoadOrCreate succeeded, want error")
			}
			if errors.Is(err, errRegenerate) {
				t.Fatal("internal errRegenerate leaked")
			}
			for _, m := range tt.wantErr {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("err %q does not mention %q", err, m)
				}
			}
			after, _ := os.ReadFile(filepath.Join(dir, CertFileName))
			if !bytes.Equal(before, after) {
				t.Fatal("files were overwritten")
			}
		})
	}
}

func TestSANs(t *testing.T) {
	base := []string{"localhost"}
	tests := []struct {
		host    string
		wantDNS []string
		wantIP  string // extra IP beyond the loopbacks
	}{
		{"", base, ""},
		{"localhost", base, ""},
		{"node1", []string{"localhost", "node1"}, ""},
		{"Node1.Example.COM.", []string{"localhost", "node1.example.com"}, ""},
		{"10.1.2.3", base, "10.1.2.3"},
		{"fe80::1", base, "fe80::1"},
		{"127.0.0.1", base, ""},
		{"bad_name", base, ""},
		{"-lead.example", base, ""},
		{"a..b", base, ""},
		{"héllo", base, ""},
		{strings.Repeat("a", 64), base, ""},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			dns, ips := sans(tt.host)
			if !slices.Equal(dns, tt.wantDNS) {
				t.Errorf("DNS = %v, want %v", dns, tt.wantDNS)
			}
			wantIPs := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
			if tt.wantIP != "" {
				wantIPs = append(wantIPs, net.ParseIP(tt.wantIP))
			}
			if !slices.EqualFunc(ips, wantIPs, net.IP.Equal) {
				t.Errorf("IPs = %v, want %v", ips, wantIPs)
			}
			// Every accepted name must make a valid certificate.
			if _, _, err := generate(time.Now(), tt.host); err != nil {
				t.Errorf("generate: %v", err)
			}
		})
	}
}
