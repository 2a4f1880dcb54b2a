package auth

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateKeyCreatesAndReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "dir", "secret.key") // parents created
	key, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize {
		t.Fatalf("key is %d bytes, want %d", len(key), KeySize)
	}
	if bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatal("key is all zeros")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Fatalf("key file mode %04o, want 0600", perm)
		}
		pfi, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if perm := pfi.Mode().Perm(); perm != 0o700 {
			t.Fatalf("created directory mode %04o, want 0700", perm)
		}
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, key) {
		t.Fatal("returned key differs from the file")
	}
	again, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, key) {
		t.Fatal("reload returned a different key")
	}
	assertNoTempFiles(t, filepath.Dir(path))

	other, err := LoadOrCreateKey(filepath.Join(dir, "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, key) {
		t.Fatal("two new key files hold the same key")
	}
}

func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateKey(path) })
	}
	wg.Wait()
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], onDisk) {
			t.Fatalf("caller %d got a key that is not the one on disk", i)
		}
	}
	assertNoTempFiles(t, filepath.Dir(path))
}

func TestLoadOrCreateKeyRejects(t *testing.T) {
	good := bytes.Repeat([]byte{7}, KeySize)
	tests := []struct {
		name     string
		data     []byte
		perm     os.FileMode
		wantMsgs []string
		unixOnly bool
	}{
		{"mode 0644", good, 0o644, []string{"0644", "group or others", "chmod 600"}, true},
		{"mode 0640", good, 0o640, []string{"0640", "chmod 600"}, true},
		{"mode 0604", good, 0o604, []string{"0604", "chmod 600"}, true},
		{"empty", nil, 0o600, []string{"0 bytes, want 32", "remove it"}, false},
		{"31 bytes", good[:31], 0o600, []string{"31 bytes, want 32", "remove it"}, false},
		{"33 bytes", append(bytes.Clone(good), 0), 0o600, []string{"33 bytes, want 32", "remove it"}, false},
		{"hex text", []byte("0123456789abcdef0123456789abcdef\n"), 0o600, []string{"33 bytes"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unixOnly && runtime.GOOS == "windows" {
				t.Skip("permission bits are not enforced on Windows")
			}
			path := filepath.Join(t.TempDir(), "secret.key")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.perm); err != nil { // umask-proof
				t.Fatal(err)
			}
			key, err := LoadOrCreateKey(path)
			if err == nil {
				t.Fatalf("LoadOrCreateKey = %x, want error", key)
			}
			for _, m := range tt.wantMsgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			// The file is left untouched.
			onDisk, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(onDisk, tt.data) {
				t.Fatal("rejected key file was modified")
			}
		})
	}
}

func TestLoadOrCreateKeyNotRegular(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v, want a not-a-regular-file error", err)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestParseKey(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	enc := base64.StdEncoding.EncodeToString(key)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"base64", enc, true},
		{"surrounding space", " " + enc + "\n", true},
		{"not base64", "not base64!", false},
		{"too short", base64.StdEncoding.EncodeToString(key[:16]), false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseKey(tc.in)
			if tc.ok && (err != nil || !bytes.Equal(got, key)) {
				t.Errorf("ParseKey = %x, %v; want the key", got, err)
			}
			if !tc.ok && err == nil {
				t.Errorf("ParseKey(%q) succeeded, want an error", tc.in)
			}
		})
	}
}
