package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/clusteriam/clusteriam/internal/atomicfile"
)

// LoadOrCreateKey reads a KeySize (32) byte key from path, or, if path does
// not exist, creates one with crypto/rand. A new key is written atomically:
// to a temporary file in the same directory (mode 0600), fsynced, published
// under path, after which the directory is fsynced. Publication uses a hard
// link so that two processes racing to create the key agree on one (the
// loser loads the winner's); on file systems without hard links it falls
// back to rename. A missing parent directory is created with mode 0700.
//
// An existing file that is not KeySize bytes, or that grants any permission
// to group or others, is an error whose message says how to fix it.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := loadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("auth: creating key directory: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("auth: generating key: %w", err)
	}
	switch err := atomicfile.Create(path, key, 0o600); {
	case err == nil:
		return key, nil
	case errors.Is(err, fs.ErrExist):
		// Another process created it first; use theirs.
		return loadKey(path)
	default:
		return nil, fmt.Errorf("auth: writing key file: %w", err)
	}
}

// loadKey reads and checks an existing key file. A missing file yields an
// error wrapping fs.ErrNotExist.
// LoadKey reads the KeySize (32) byte key in path, which must exist and
// grant no access to group or others.
func LoadKey(path string) ([]byte, error) { return loadKey(path) }

// ParseKey decodes a key given as text: KeySize bytes in standard base64.
func ParseKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("auth: key is not base64: %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("auth: key is %d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}

func loadKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("auth: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("auth: key file %s is not a regular file (mode %s); replace it with the key file or remove it to create a new key", path, fi.Mode())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("auth: key file %s has mode %04o, which grants access to group or others; restrict it with: chmod 600 %s", path, perm, path)
	}
	if fi.Size() != KeySize {
		return nil, fmt.Errorf("auth: key file %s is %d bytes, want %d: restore the original key file, or remove it to create a new key (secrets sealed with the old key then become unreadable)", path, fi.Size(), KeySize)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: reading key file: %w", err)
	}
	if len(key) != KeySize { // changed since Stat
		return nil, fmt.Errorf("auth: key file %s is %d bytes, want %d", path, len(key), KeySize)
	}
	return key, nil
}
