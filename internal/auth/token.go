package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// tokenBytes is the entropy of a token secret: 256 bits.
const tokenBytes = 32

// NewToken returns a random secret (32 bytes from crypto/rand, encoded with
// unpadded URL-safe base64, 43 characters) and its SHA-256 hash. Store only
// the hash; show the secret once.
func NewToken() (secret string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: generating token: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret), nil
}

// HashToken returns the SHA-256 of a presented secret, for lookup by hash.
// Tokens carry 256 bits of entropy, so an unsalted fast hash is sufficient.
func HashToken(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// NewID returns a random 128-bit identifier as 32 lowercase hex characters.
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: generating id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Password alphabet classes. Look-alike characters (0 O o 1 l I) are left out
// so that a password read off a screen can be typed back. The symbols are
// those no shell gives a meaning to, quoted or not: no quote, backslash,
// '$', '!' (history in interactive bash, even in double quotes), '*' or
// '?' (globs), '~', '#', '^', ',' (braces) or whitespace.
const (
	pwUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwLower   = "abcdefghijkmnpqrstuvwxyz"
	pwDigits  = "23456789"
	pwSymbols = "-_.+=@%:"
	pwAlpha   = pwUpper + pwLower + pwDigits + pwSymbols

	// PasswordLen is the length of passwords from RandomPassword.
	// 25 characters from a 64-symbol alphabet carry 150 bits, no fewer
	// than the 146 of the 24 from 69 before the alphabet shrank.
	PasswordLen = 25
)

// RandomPassword returns a strong random password of PasswordLen characters
// drawn uniformly from a mixed alphabet of upper- and lower-case letters,
// digits and symbols, containing at least one of each class (for password
// policies that demand it). It uses crypto/rand.
func RandomPassword() (string, error) {
	// Rejection sampling: bytes >= limit would bias the modulo.
	const limit = 256 - 256%len(pwAlpha)
	out := make([]byte, PasswordLen)
	buf := make([]byte, 64)
	for {
		n := 0
		for n < len(out) {
			if _, err := rand.Read(buf); err != nil {
				return "", fmt.Errorf("auth: generating password: %w", err)
			}
			for _, c := range buf {
				if int(c) < limit && n < len(out) {
					out[n] = pwAlpha[int(c)%len(pwAlpha)]
					n++
				}
			}
		}
		// Redrawing whole passwords keeps the result uniform over the
		// passwords that satisfy every class.
		if hasAll(out, pwUpper, pwLower, pwDigits, pwSymbols) {
			return string(out), nil
		}
	}
}

// hasAll reports whether s contains a character of every class.
func hasAll(s []byte, classes ...string) bool {
	for _, class := range classes {
		found := false
		for _, c := range s {
			if strings.IndexByte(class, c) >= 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
