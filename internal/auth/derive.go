package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

// Labels of the keys derived from the master key (the S3-secret key), one
// per purpose, so that no derived key tells anything of another or of the
// master. Changing one changes every value made with its key.
const (
	pepperLabel   = "clusteriam password pepper v1"
	auditTagLabel = "clusteriam audit name tag v1"
	codeTagLabel  = "clusteriam one-time code tag v1"
	requestLabel  = "clusteriam sso request tag v1"
)

// deriveKey derives the 256-bit key of the purpose label names from master
// with HKDF-SHA256.
func deriveKey(master []byte, label string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, master, nil, label, 32)
	if err != nil {
		return nil, fmt.Errorf("auth: derive the key %q: %w", label, err)
	}
	return k, nil
}

// DeriveAuditTagKey derives from master the key of the audit trail's
// tags of names it must not keep (see SecretBox.AuditTag).
func DeriveAuditTagKey(master []byte) ([]byte, error) { return deriveKey(master, auditTagLabel) }

// auditTag is the HMAC-SHA256 of s under key.
func auditTag(key []byte, s string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(s))
	return mac.Sum(nil)
}
