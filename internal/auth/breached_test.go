package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPasswordList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "breached.txt")
	body := "correct horse battery staple\r\n\npassword1234567\n  spaced out  \nlast-line-without-newline"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := LoadPasswordList(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 4 {
		t.Errorf("Len = %d, want 4", l.Len())
	}
	for pw, want := range map[string]bool{
		"correct horse battery staple": true, "password1234567": true, "  spaced out  ": true,
		"last-line-without-newline": true, "": false, "Password1234567": false, "spaced out": false,
		"correct horse battery staple\r": false,
	} {
		if got := l.Contains(pw); got != want {
			t.Errorf("Contains(%q) = %v, want %v", pw, got, want)
		}
	}
	if _, err := LoadPasswordList(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing list loaded")
	}
	if _, err := ReadPasswordList(strings.NewReader(strings.Repeat("x", 70*1024))); err == nil {
		t.Error("a line over 64 KiB was read")
	}
}
