package auth

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestAuditTag checks the audit trail's tags: a known answer (computed
// apart, with Python's hmac and RFC 5869's HKDF, from the key 0x07 x 32),
// so that tags stay the same across versions and replicas; the same name
// gives the same tag; another name or another key another tag; and the
// tag's key is neither the pepper nor the master key.
func TestAuditTag(t *testing.T) {
	const (
		wantKey   = "1acc68203d7773c93a12cfa8584097e98606d6aec2536a8c32a7267013c5396d"
		wantAlice = "e21aa6941ed96739a20f0e8238794ff47beaf94f4ba48b650f5e7e3eb89d6ae4"
	)
	key, err := DeriveAuditTagKey(testKey(7))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(key); got != wantKey {
		t.Errorf("DeriveAuditTagKey(0x07 x 32) = %s, want %s", got, wantKey)
	}
	box, err := NewSecretBox(testKey(7))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(box.AuditTag("alice")); got != wantAlice {
		t.Errorf(`AuditTag("alice") = %s, want %s`, got, wantAlice)
	}
	again, _ := NewSecretBox(testKey(7))
	other, _ := NewSecretBox(testKey(8))
	switch {
	case !bytes.Equal(again.AuditTag("alice"), box.AuditTag("alice")):
		t.Error("one name under one key gave two tags")
	case bytes.Equal(box.AuditTag("alicf"), box.AuditTag("alice")):
		t.Error("two names gave one tag")
	case bytes.Equal(other.AuditTag("alice"), box.AuditTag("alice")):
		t.Error("two keys gave one tag")
	}
	pepper, err := DerivePepper(testKey(7))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(pepper, key) || bytes.Equal(key, testKey(7)) {
		t.Error("the tag key is the pepper or the master key")
	}
}

// TestCodeTag checks the tags of one-time codes: stable for one owner,
// code and key; different for another of any of them; and not the audit
// tag of the same text.
func TestCodeTag(t *testing.T) {
	box, err := NewSecretBox(testKey(7))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := NewSecretBox(testKey(7))
	other, _ := NewSecretBox(testKey(8))
	tag := box.CodeTag("S-1", "123456")
	switch {
	case len(tag) != 32:
		t.Errorf("tag is %d bytes, want 32", len(tag))
	case !bytes.Equal(again.CodeTag("S-1", "123456"), tag):
		t.Error("one code under one key gave two tags")
	case bytes.Equal(box.CodeTag("S-2", "123456"), tag):
		t.Error("two owners gave one tag")
	case bytes.Equal(box.CodeTag("S-1", "123457"), tag):
		t.Error("two codes gave one tag")
	case bytes.Equal(box.CodeTag("S-11", "23456"), tag):
		t.Error("owner and code run together")
	case bytes.Equal(other.CodeTag("S-1", "123456"), tag):
		t.Error("two keys gave one tag")
	case bytes.Equal(box.AuditTag("S-1\x00123456"), tag):
		t.Error("the code tag is the audit tag")
	}
}
