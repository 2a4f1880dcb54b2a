package auth

import (
	"bytes"
	"errors"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestNewSecretBoxKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := NewSecretBox(make([]byte, n)); err == nil {
			t.Errorf("NewSecretBox(%d-byte key) succeeded, want error", n)
		}
	}
	if _, err := NewSecretBox(make([]byte, KeySize)); err != nil {
		t.Errorf("NewSecretBox(32-byte key): %v", err)
	}
}

func TestSecretBoxRoundTrip(t *testing.T) {
	box, err := NewSecretBox(testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty", nil, nil},
		{"short", []byte("s3cr3t"), nil},
		{"with ad", []byte("totp seed"), []byte("user:0123abcd")},
		{"binary", []byte{0, 1, 2, 255, 0}, []byte{0}},
		{"4 KiB", bytes.Repeat([]byte("x"), 4096), []byte("ad")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := box.Seal(tt.plaintext, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if want := len(tt.plaintext) + 12 + 16; len(sealed) != want {
				t.Fatalf("sealed length %d, want %d (nonce + ciphertext + tag)", len(sealed), want)
			}
			if len(tt.plaintext) > 4 && bytes.Contains(sealed, tt.plaintext) {
				t.Fatal("sealed value contains the plaintext")
			}
			got, err := box.Open(sealed, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tt.plaintext)
			}
			again, err := box.Seal(tt.plaintext, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(again, sealed) || bytes.Equal(again[:12], sealed[:12]) {
				t.Fatal("two seals share a nonce")
			}
		})
	}
}

func TestSecretBoxRejects(t *testing.T) {
	box, err := NewSecretBox(testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewSecretBox(testKey(2))
	if err != nil {
		t.Fatal(err)
	}
	plaintext, ad := []byte("client secret"), []byte("client:42")
	sealed, err := box.Seal(plaintext, ad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name   string
		box    *SecretBox
		sealed []byte
		ad     []byte
	}{
		{"nonce tampered", box, flip(0), ad},
		{"ciphertext tampered", box, flip(12), ad},
		{"tag tampered", box, flip(len(sealed) - 1), ad},
		{"truncated", box, sealed[:len(sealed)-1], ad},
		{"extended", box, append(bytes.Clone(sealed), 0), ad},
		{"too short", box, sealed[:27], ad},
		{"empty", box, nil, ad},
		{"wrong ad", box, sealed, []byte("client:43")},
		{"missing ad", box, sealed, nil},
		{"wrong key", other, sealed, ad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.box.Open(tt.sealed, tt.ad)
			if err == nil {
				t.Fatalf("Open succeeded with %q", got)
			}
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("error %v does not wrap ErrOpen", err)
			}
			if got != nil {
				t.Fatal("Open returned data with an error")
			}
		})
	}
	// The original still opens: nothing above modified it.
	if _, err := box.Open(sealed, ad); err != nil {
		t.Fatal(err)
	}
}

func TestSecretBoxCheck(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, KeySize)
	k2 := bytes.Repeat([]byte{2}, KeySize)
	b1, err := NewSecretBox(k1)
	if err != nil {
		t.Fatal(err)
	}
	b1again, _ := NewSecretBox(k1)
	b2, _ := NewSecretBox(k2)
	if !bytes.Equal(b1.Check(), b1again.Check()) {
		t.Error("one key gives two check values")
	}
	if bytes.Equal(b1.Check(), b2.Check()) {
		t.Error("two keys give one check value")
	}
	if len(b1.Check()) != 32 || bytes.Contains(b1.Check(), k1[:8]) {
		t.Errorf("check value %x: want 32 bytes that do not hold the key", b1.Check())
	}
}
