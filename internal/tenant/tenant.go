// Package tenant holds the rules of organization (tenant) ids: their
// syntax, how a child's id derives from its parent's, and how a tenant
// user names its organization when it logs in. The vendor's clusters
// form an id as the parent's id, a suffix and "/": "acme/" is a
// top-level organization and "acme/eu/" one inside it. The cluster
// itself is the empty id, a prefix of every other.
package tenant

import (
	"errors"
	"fmt"
	"strings"
)

// Limits of ids.
const (
	// MaxSuffix is the longest suffix (the vendor's tenantIdSuffix).
	MaxSuffix = 10
	// MaxDepth is how deep organizations nest.
	MaxDepth = 8
)

// ErrMalformed is the error of an id or suffix that breaks the syntax.
var ErrMalformed = errors.New("malformed organization id")

// CheckSuffix reports whether s may end a tenant id: 1 to MaxSuffix
// ASCII letters, digits, '-' or '_', beginning with a letter or digit.
// '/' separates levels and '@' the organization in a log-in name, so
// neither may appear.
func CheckSuffix(s string) error {
	if s == "" || len(s) > MaxSuffix {
		return fmt.Errorf("%w: suffix %q must be 1 to %d characters", ErrMalformed, s, MaxSuffix)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_')
		if !ok {
			return fmt.Errorf("%w: suffix %q may hold only ASCII letters, digits, '-' and '_', and begins with a letter or digit", ErrMalformed, s)
		}
	}
	return nil
}

// Check reports whether id is a well-formed tenant id: one or more
// suffixes, each followed by "/", at most MaxDepth of them.
func Check(id string) error {
	if !strings.HasSuffix(id, "/") {
		return fmt.Errorf("%w: %q must end with '/'", ErrMalformed, truncate(id))
	}
	parts := strings.Split(strings.TrimSuffix(id, "/"), "/")
	if len(parts) > MaxDepth {
		return fmt.Errorf("%w: %q nests deeper than %d levels", ErrMalformed, truncate(id), MaxDepth)
	}
	for _, p := range parts {
		if err := CheckSuffix(p); err != nil {
			return fmt.Errorf("%w (in %q)", err, truncate(id))
		}
	}
	return nil
}

// truncate shortens what is quoted back in errors.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Child returns the id of the organization with suffix inside parent
// ("" for the cluster).
func Child(parent, suffix string) (string, error) {
	if err := CheckSuffix(suffix); err != nil {
		return "", err
	}
	id := parent + suffix + "/"
	if err := Check(id); err != nil {
		return "", err
	}
	return id, nil
}

// Parent returns the id of the organization id is inside ("" for a
// top-level one).
func Parent(id string) string {
	i := strings.LastIndexByte(strings.TrimSuffix(id, "/"), '/')
	return id[:i+1]
}

// Within reports whether id is scope or inside it. Every id is within
// the cluster ("").
func Within(id, scope string) bool { return strings.HasPrefix(id, scope) }

// Below reports whether id is strictly inside scope.
func Below(id, scope string) bool { return id != scope && Within(id, scope) }

// Ancestors returns the ids of the organizations id is inside, outermost
// first, and id itself last.
func Ancestors(id string) []string {
	var out []string
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			out = append(out, id[:i+1])
		}
	}
	return out
}

// SplitLogin splits a log-in name of the form "user@org" into the user
// and the organization's id ("org/"; "org/sub" gives "org/sub/"), as
// the vendor's tenant users log in. ok is false when name holds no '@'
// followed by a well-formed id.
func SplitLogin(name string) (user, id string, ok bool) {
	i := strings.LastIndexByte(name, '@')
	if i <= 0 || i == len(name)-1 {
		return "", "", false
	}
	id = name[i+1:]
	if !strings.HasSuffix(id, "/") {
		id += "/"
	}
	if Check(id) != nil {
		return "", "", false
	}
	return name[:i], id, true
}

// LoginName is the name a user of organization id logs in with.
func LoginName(user, id string) string {
	if id == "" {
		return user
	}
	return user + "@" + strings.TrimSuffix(id, "/")
}
