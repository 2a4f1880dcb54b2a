package certlogin

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadCAs(t *testing.T) {
	root := issue(t, caTemplate("Root A"), newECKey(t), nil)
	rootB := issue(t, caTemplate("Root B"), newRSAKey(t), nil)
	key := newECKey(t)
	leafA := issue(t, clientTemplate("alice"), key, root)
	leafB := issue(t, clientTemplate("bob"), key, rootB)

	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// Both CAs of a bundle are trusted.
	v, err := LoadCAs(write("bundle.pem", "# operator's CAs\n"+root.pem()+rootB.pem()))
	if err != nil {
		t.Fatalf("LoadCAs: %v", err)
	}
	for _, c := range []*issued{leafA, leafB} {
		if _, err := v.Verify(c.pem(), pkcs8PEM(t, key), testNow); err != nil {
			t.Errorf("Verify(%s): %v", c.cert.Subject.CommonName, err)
		}
	}

	// Bad files name themselves; a key in the file is not quoted.
	keyPEM := pkcs8PEM(t, key)
	for _, tt := range []struct {
		name, content, wantMsg string
	}{
		{"empty.pem", "", "no PEM CERTIFICATE"},
		{"text.pem", "not a certificate\n", "no PEM CERTIFICATE"},
		{"withkey.pem", root.pem() + keyPEM, `"PRIVATE KEY"`},
		{"broken.pem", root.pem() + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := write(tt.name, tt.content)
			_, err := LoadCAs(p)
			if err == nil {
				t.Fatal("LoadCAs succeeded")
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not name %s and contain %q", err, p, tt.wantMsg)
			}
			assertNoKeyMaterial(t, err, keyPEM)
		})
	}

	missing := filepath.Join(dir, "missing.pem")
	if _, err := LoadCAs(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadCAs(missing) = %v, want a wrapped fs.ErrNotExist naming the file", err)
	}
}
