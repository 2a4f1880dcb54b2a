package auth

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"strings"
)

// PasswordList is a set of passwords known to be breached or common, which
// no new password may be (ASVS 2.1.7). It keeps their SHA-256 only, so
// that a memory dump does not hand out the list in clear.
type PasswordList struct {
	sums map[[sha256.Size]byte]struct{}
}

// LoadPasswordList reads a list of passwords, one per line, such as a
// breached-password corpus: lines are taken as they are (but for a
// trailing "\r"), and empty lines are skipped.
func LoadPasswordList(path string) (*PasswordList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth: password list: %w", err)
	}
	defer f.Close()
	l, err := ReadPasswordList(f)
	if err != nil {
		return nil, fmt.Errorf("auth: password list %s: %w", path, err)
	}
	return l, nil
}

// ReadPasswordList is LoadPasswordList from a reader.
func ReadPasswordList(r io.Reader) (*PasswordList, error) {
	l := &PasswordList{sums: map[[sha256.Size]byte]struct{}{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024)
	for sc.Scan() {
		if pw := strings.TrimSuffix(sc.Text(), "\r"); pw != "" {
			l.sums[sha256.Sum256([]byte(pw))] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// Len returns how many passwords the list holds.
func (l *PasswordList) Len() int { return len(l.sums) }

// Contains reports whether pw is on the list.
func (l *PasswordList) Contains(pw string) bool {
	_, ok := l.sums[sha256.Sum256([]byte(pw))]
	return ok
}
