package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the size in bytes of a SecretBox key (AES-256).
const KeySize = 32

// ErrOpen is returned (wrapped) by SecretBox.Open when sealed data is too
// short, was tampered with, was sealed under another key, or is opened with
// different additional data.
var ErrOpen = errors.New("cannot open sealed value")

// SecretBox seals small secrets with AES-256-GCM. Each sealed message is a
// random 12-byte nonce followed by the ciphertext and 16-byte tag. Random
// nonces limit one key to about 2^32 messages, ample for secrets at rest.
// A SecretBox is safe for concurrent use.
type SecretBox struct {
	aead     cipher.AEAD
	check    []byte
	auditKey []byte // of AuditTag, derived from the key
	codeKey  []byte // of CodeTag, derived from the key
	reqKey   []byte // of RequestTag, derived from the key
}

// NewSecretBox returns a SecretBox using key, which must be KeySize (32)
// bytes long.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("auth: secretbox key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: secretbox cipher: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("auth: secretbox gcm: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("clusteriam secret key check v1"))
	auditKey, err := DeriveAuditTagKey(key)
	if err != nil {
		return nil, err
	}
	codeKey, err := deriveKey(key, codeTagLabel)
	if err != nil {
		return nil, err
	}
	reqKey, err := deriveKey(key, requestLabel)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead, check: mac.Sum(nil), auditKey: auditKey, codeKey: codeKey, reqKey: reqKey}, nil
}

// AuditTag returns a keyed hash of s (HMAC-SHA256 under a key derived from
// the box's key for this alone): the audit trail keeps it in place of a
// name it must not keep, such as the username of a failed log-in, which
// may be a password typed in the wrong field. The same s gives the same
// tag, so repeated attempts correlate; without the key, which is never
// stored in the database, a tag tells nothing of s.
func (b *SecretBox) AuditTag(s string) []byte { return auditTag(b.auditKey, s) }

// CodeTag returns a keyed hash of a one-time code sent to the user owner
// (HMAC-SHA256 under a key of its own, derived from the box's key): the
// store keeps it in place of the code. A code has few digits, so a plain
// hash would give it away to whoever reads the database; without the
// key, which is never stored there, the tag tells nothing.
func (b *SecretBox) CodeTag(owner, code string) []byte {
	return auditTag(b.codeKey, owner+"\x00"+code)
}

// RequestTag returns a keyed hash of s under a key of its own: what
// proves that a request the cluster sent out (a SAML AuthnRequest) was
// made here, so that its id need not be stored until it comes back.
func (b *SecretBox) RequestTag(s string) []byte { return auditTag(b.reqKey, s) }

// Check returns a value that identifies the key without revealing it: an
// HMAC-SHA256 under the key of a fixed message. Stored beside the sealed
// secrets, it lets a process tell that it was given another key before
// it seals anything with it.
func (b *SecretBox) Check() []byte { return append([]byte(nil), b.check...) }

// Seal encrypts and authenticates plaintext, and authenticates
// additionalData (for example the id of the record the secret belongs to,
// so that a sealed value cannot be moved to another record). It returns
// nonce || ciphertext || tag in a new slice.
func (b *SecretBox) Seal(plaintext, additionalData []byte) ([]byte, error) {
	// NewGCMWithRandomNonce draws the nonce itself and cannot fail here;
	// the error return leaves room for other constructions.
	return b.aead.Seal(nil, nil, plaintext, additionalData), nil
}

// Open authenticates and decrypts a value from Seal with the same
// additionalData. Any failure wraps ErrOpen.
func (b *SecretBox) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < b.aead.Overhead() {
		return nil, fmt.Errorf("auth: sealed value is %d bytes, shorter than the %d-byte overhead: %w",
			len(sealed), b.aead.Overhead(), ErrOpen)
	}
	plaintext, err := b.aead.Open(nil, nil, sealed, additionalData)
	if err != nil {
		return nil, fmt.Errorf("auth: %w: %w", ErrOpen, err)
	}
	return plaintext, nil
}
