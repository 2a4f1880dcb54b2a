package iam

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

const (
	maxNameLen        = 255
	maxDescriptionLen = 1024
	// maxPasswordChars is the longest new password (ASVS 2.1.2).
	maxPasswordChars = 128
	// maxLoginPasswordLen bounds, in bytes, what a log-in may send before
	// anything is hashed; it is above every new password's length.
	maxLoginPasswordLen = 1024
)

// Password length bounds a deployer may choose between for the shortest
// new password (ASVS 2.1.1 asks 12).
const (
	DefaultMinPasswordLength = 12
	lowestMinPasswordLength  = 8
)

// checkName validates a user, group or role name.
func checkName(what, name string) error {
	switch {
	case name == "":
		return invalid("%s is required", what)
	case len(name) > maxNameLen:
		return invalid("%s is longer than %d bytes", what, maxNameLen)
	case !utf8.ValidString(name):
		return invalid("%s is not valid UTF-8", what)
	case strings.TrimSpace(name) != name:
		return invalid("%s %q has leading or trailing spaces", what, name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return invalid("%s %q contains control characters", what, name)
	}
	return nil
}

// The kinds of names checkPrincipalName checks.
const (
	userName  = names.User
	groupName = names.Group
	roleName  = names.Role
)

// checkPrincipalName validates the name of a new user, group or role:
// checkName's checks, and for a LOCAL name (a role's always is) the rule
// of package names and no look-alike among the names of its kind
// (docs/names.md). Names of directory domains are the directory's.
func (s *Service) checkPrincipalName(ctx context.Context, kind names.Kind, domain, name string) error {
	what := "name"
	if kind == names.User {
		what = "username"
	}
	if err := checkName(what, name); err != nil {
		return err
	}
	if !strings.EqualFold(domain, LocalDomain) {
		return nil
	}
	if err := names.Check(kind, name); err != nil {
		return invalid("%v", err)
	}
	// Outside the create's transaction for now, so two concurrent creates
	// of look-alikes can both pass. invalidatingStore passes on every
	// method of store.Store, and this one is not (yet) among them.
	st := s.store
	if is, ok := st.(invalidatingStore); ok {
		st = is.Store
	}
	l, ok := st.(store.Lookalikes)
	if !ok {
		return fmt.Errorf("look-alikes of %v %q: the store %T cannot find them", kind, name, st)
	}
	other, err := l.LookalikeName(ctx, kind, LocalDomain, name)
	if err != nil {
		return fmt.Errorf("look-alikes of %v %q: %w", kind, name, err)
	}
	if other != "" {
		return invalid("%s %+q looks like the existing %s %+q (their UTS #39 confusable skeletons are equal): choose a name that does not", kind, name, kind, other)
	}
	return nil
}

// checkTenantIDs validates tenant ids as names.
func checkTenantIDs(ids []string) error {
	for _, id := range ids {
		if err := checkName("tenantIds entry", id); err != nil {
			return err
		}
	}
	return nil
}

func checkDescription(d string) error {
	if len(d) > maxDescriptionLen {
		return invalid("description is longer than %d bytes", maxDescriptionLen)
	}
	if !utf8.ValidString(d) || strings.ContainsRune(d, 0) {
		return invalid("description must be UTF-8 text without NUL")
	}
	return nil
}

// checkNewPassword applies the password policy: a length in characters,
// valid UTF-8 and no NUL, not on the breached-password list, and nothing
// else (no composition rules, as ASVS 2.1.9 asks).
func (s *Service) checkNewPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		return invalid("password must be UTF-8 text without NUL")
	case n < s.minPasswordLen:
		return invalid("password must be at least %d characters", s.minPasswordLen)
	case n > maxPasswordChars:
		return invalid("password must be at most %d characters", maxPasswordChars)
	case s.breached != nil && s.breached.Contains(pw):
		return invalid("password is on a list of breached or common passwords; choose another")
	}
	return nil
}

func checkEmail(e string) error {
	if e == "" {
		return nil
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > maxNameLen {
		return invalid("email %q is not a valid address", e)
	}
	return nil
}

func checkWindow(effective, expiry *int64) error {
	if effective != nil && *effective < 0 {
		return invalid("effectiveTimeMsecs must not be negative")
	}
	if expiry != nil && *expiry < 0 {
		return invalid("expiryTimeMsecs must not be negative")
	}
	if effective != nil && expiry != nil && *expiry <= *effective {
		return invalid("expiryTimeMsecs must be after effectiveTimeMsecs")
	}
	return nil
}

// checkRoles verifies that every role exists and returns them without
// duplicates, in the order given.
func (s *Service) checkRoles(ctx context.Context, roles []string) ([]string, error) {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	found, err := s.store.ListRoles(ctx, out)
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	for _, r := range out {
		if !slices.ContainsFunc(found, func(f store.Role) bool { return f.Name == r }) {
			return nil, invalid("role %q does not exist", r)
		}
	}
	return out, nil
}

// checkNoRaise refuses a change that would give the caller privileges it
// does not hold now: nobody raises their own roles.
func (s *Service) checkNoRaise(ctx context.Context, p *Principal, roles []string) error {
	privs, err := s.privilegesOfRoles(ctx, slices.Clone(roles))
	if err != nil {
		return err
	}
	for _, priv := range privs {
		if !p.Has(priv) {
			return forbidden("you cannot give yourself privilege %q", priv)
		}
	}
	return nil
}

// checkBulk bounds the size of a bulk request.
func checkBulk(what string, n int) error {
	if n == 0 {
		return invalid("at least one %s is required", what)
	}
	if n > MaxBulk {
		return invalid("at most %d %ss per request, got %d", MaxBulk, what, n)
	}
	return nil
}
