package auth

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// weakImports are packages the module's code must not use: broken or
// weak primitives, and random number generators that are not
// cryptographically secure.
var weakImports = map[string]string{
	"crypto/des":                    "a 64-bit block cipher",
	"crypto/md5":                    "a broken hash",
	"crypto/rc4":                    "a broken stream cipher",
	"crypto/sha1":                   "a broken hash",
	"golang.org/x/crypto/blowfish":  "a 64-bit block cipher",
	"golang.org/x/crypto/md4":       "a broken hash",
	"golang.org/x/crypto/ripemd160": "a deprecated hash",
	"golang.org/x/crypto/cast5":     "a 64-bit block cipher",
	"golang.org/x/crypto/twofish":   "not an approved cipher",
	"golang.org/x/crypto/xtea":      "a 64-bit block cipher",
	"golang.org/x/crypto/tea":       "a 64-bit block cipher",
	"golang.org/x/crypto/openpgp":   "deprecated",
	"math/rand":                     "not a cryptographically secure generator",
	"math/rand/v2":                  "not a cryptographically secure generator",
	"golang.org/x/exp/rand":         "not a cryptographically secure generator",
}

// allowedWeak are the uses that make no secret, each with why; any other
// file importing a weak package fails the test.
var allowedWeak = map[string]map[string]string{
	"internal/store/sqlstore/sqlstore.go":      {"math/rand/v2": "jitter of the retry back-off; nothing secret"},
	"internal/directory/dirtest/slapd.go":      {"crypto/sha1": "{SSHA} passwords of the throw-away test directory server"},
	"internal/store/storetest/partialnames.go": {"math/rand/v2": "seeded random names of the conformance suite, its seed logged to replay a failure; test code"},
}

// TestNoWeakCryptoImports: no code of the module (tests aside) imports a
// weak cryptographic primitive or a non-cryptographic random generator,
// except the uses listed in allowedWeak. Random values come from
// crypto/rand, hashes are SHA-256 or argon2id, the cipher AES-GCM.
func TestNoWeakCryptoImports(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	files, used := 0, map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir // hidden, test data, or another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			why, weak := weakImports[p]
			if !weak {
				continue
			}
			if _, ok := allowedWeak[rel][p]; ok {
				used[rel+" "+p] = true
				continue
			}
			t.Errorf("%s imports %s, %s", rel, p, why)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("scanned %d files under %s; the walk missed the module", files, root)
	}
	for file, imps := range allowedWeak {
		for p := range imps {
			if !used[file+" "+p] {
				t.Errorf("allowedWeak lists %s in %s, which no longer imports it: drop the entry", p, file)
			}
		}
	}
}

// moduleRoot is the directory of the go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	return dir
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
