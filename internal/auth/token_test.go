package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	const n = 1000
	seen := make(map[string]bool, n)
	seenHash := make(map[string]bool, n)
	for range n {
		secret, hash, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) < 43 {
			t.Fatalf("secret %q is %d chars, want >= 43", secret, len(secret))
		}
		raw, err := base64.RawURLEncoding.DecodeString(secret)
		if err != nil || len(raw) != 32 {
			t.Fatalf("secret %q does not decode to 32 bytes (RawURLEncoding): %d, %v", secret, len(raw), err)
		}
		if len(hash) != sha256.Size {
			t.Fatalf("hash is %d bytes, want %d", len(hash), sha256.Size)
		}
		if !bytes.Equal(HashToken(secret), hash) {
			t.Fatal("HashToken(secret) differs from NewToken's hash")
		}
		if seen[secret] || seenHash[string(hash)] {
			t.Fatalf("duplicate token after %d", len(seen))
		}
		seen[secret], seenHash[string(hash)] = true, true
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct{ secret, wantHex string }{
		// SHA-256 test vectors.
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := HashToken(tt.secret); hex.EncodeToString(got) != tt.wantHex {
			t.Errorf("HashToken(%q) = %s, want %s", tt.secret, hex.EncodeToString(got), tt.wantHex)
		}
	}
	if bytes.Equal(HashToken("a"), HashToken("b")) {
		t.Error("different secrets hash equal")
	}
}

func TestNewID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for range 1000 {
		id, err := NewID()
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(id) {
			t.Fatalf("NewID() = %q, want 32 lowercase hex chars", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestRandomPassword(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		pw, err := RandomPassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) < 25 || len(pw) != PasswordLen {
			t.Fatalf("RandomPassword() = %q, %d chars, want %d (>= 24)", pw, len(pw), PasswordLen)
		}
		for _, class := range []struct{ name, chars string }{
			{"upper", pwUpper}, {"lower", pwLower}, {"digit", pwDigits}, {"symbol", pwSymbols},
		} {
			if !strings.ContainsAny(pw, class.chars) {
				t.Fatalf("password %q has no %s character", pw, class.name)
			}
		}
		for _, c := range pw {
			if !strings.ContainsRune(pwAlpha, c) {
				t.Fatalf("password %q has %q outside the alphabet", pw, c)
			}
			counts[c]++
		}
		if seen[pw] {
			t.Fatalf("duplicate password %q", pw)
		}
		seen[pw] = true
	}
	// Every alphabet character turns up in 48000 draws (expected ~700 each).
	for _, c := range pwAlpha {
		if counts[c] == 0 {
			t.Errorf("character %q never drawn", c)
		}
	}
}

func BenchmarkHashToken(b *testing.B) {
	secret, _, err := NewToken()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		HashToken(secret)
	}
}

func BenchmarkNewToken(b *testing.B) {
	for b.Loop() {
		if _, _, err := NewToken(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRandomPasswordSurvivesShells: bash quotes nothing of a generated
// password (its printf %q escapes whatever the shell would expand: '!',
// globs, '~', braces...), so the banner's commands run as printed, bare or
// in double quotes.
func TestRandomPasswordSurvivesShells(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on this machine")
	}
	pws := []string{pwSymbols, pwAlpha} // every character
	for range 50 {
		pw, err := RandomPassword()
		if err != nil {
			t.Fatal(err)
		}
		pws = append(pws, pw)
	}
	for _, pw := range pws {
		out, err := exec.Command(bash, "-c", `printf %q "$1"`, "bash", pw).Output()
		if err != nil || string(out) != pw {
			t.Errorf("bash quotes %q as %q (%v): it would expand a character of it", pw, out, err)
		}
	}
}
