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
	"github.com/clusteriam/clusteriam/internal/tenant"
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

// The kinds of names checkNameRule checks.
const (
	userName  = names.User
	groupName = names.Group
	roleName  = names.Role
)

// checkNameRule validates the name of a new user, group or role:
// checkName's checks and, for a LOCAL name (a role's always is), the rule
// of package names (docs/names.md). Names of directory domains are the
// directory's.
func checkNameRule(kind names.Kind, domain, name string) error {
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
	return nil
}

// checkLookalike is checkLookalikes for one name.
func checkLookalike(ctx context.Context, r store.Reader, kind names.Kind, tenantID, domain, name string) error {
	return checkLookalikes(ctx, r, kind, tenantID, domain, []string{name}, func(_ int, err error) error { return err })
}

// checkLookalikes refuses new LOCAL names of kind that look like another
// name of their kind: their UTS #39 confusable skeletons are equal, their
// keys not. entryName names the entry of the i-th name in the refusal.
// Run it in the create's transaction, so that two look-alikes created at
// once cannot both pass.
func checkLookalikes(ctx context.Context, r store.Reader, kind names.Kind, tenantID, domain string, newNames []string, entryName func(i int, err error) error) error {
	if !strings.EqualFold(domain, LocalDomain) || len(newNames) == 0 {
		return nil
	}
	found, err := r.LookalikeNames(ctx, kind, tenantID, LocalDomain, newNames)
	if err != nil {
		return fmt.Errorf("look-alikes of %d %v names: %w", len(newNames), kind, err)
	}
	for i, name := range newNames {
		if other, ok := found[name]; ok {
			return entryName(i, lookalikeErr(kind, name, other))
		}
	}
	return nil
}

func lookalikeErr(kind names.Kind, name, other string) error {
	return invalid("%s %+q looks like the %s %+q (their UTS #39 confusable skeletons are equal): choose a name that does not", kind, name, kind, other)
}

// checkBatchLookalikes refuses two names of one request that look alike.
func checkBatchLookalikes(kind names.Kind, entries []string) error {
	seen := make(map[string]string, len(entries))
	for _, name := range entries {
		sk := names.Skeleton(name)
		if other, ok := seen[sk]; ok && store.Fold(other) != store.Fold(name) {
			return lookalikeErr(kind, name, other)
		}
		seen[sk] = name
	}
	return nil
}

// checkOwner checks what a request says of the organization a record
// belongs to (field: tenantIds, tenantId): nothing, or owner itself. A
// record belongs to the organization it is created in, for good; to make
// one in another, act inside it (Impersonate).
func checkOwner(owner, field string, ids []string) error {
	for _, id := range ids {
		if err := tenant.Check(id); err != nil {
			return invalid("%s: %v", field, err)
		}
		if id != owner {
			return invalid("%s: a record belongs to the organization it was created in (%q) and cannot name another; "+
				"to act inside an organization below yours, send the x-impersonate-tenant-id header", field, owner)
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

// checkNewPassword applies the password policy: valid UTF-8 and no NUL,
// at most maxPasswordChars, not on the breached-password list, and the
// security config's passwordStrength: a length in characters and, only
// when an administrator asks for them, kinds of character (ASVS 2.1.9
// advises against such rules; the vendor's model offers them).
func (s *Service) checkNewPassword(ctx context.Context, pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		return invalid("password must be UTF-8 text without NUL")
	case n > maxPasswordChars:
		return invalid("password must be at most %d characters", maxPasswordChars)
	}
	if err := s.checkPasswordStrength(ctx, pw); err != nil {
		return err
	}
	if s.breached != nil && s.breached.Contains(pw) {
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

// checkRolesExist verifies, on what r reads, that every role keyed (see
// roleKeys) exists for records of organization tenantID: built in, or
// the organization's own.
func (s *Service) checkRolesExist(ctx context.Context, r store.Reader, tenantID string, roles []string) error {
	roles = store.Dedupe(roles)
	if len(roles) == 0 {
		return nil
	}
	found, err := r.ListRoles(ctx, store.RoleFilter{Names: roles, TenantIDs: []string{tenantID}})
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	for _, name := range roles {
		if !slices.ContainsFunc(found, func(f store.Role) bool { return f.Name == name }) {
			return invalid("role %q does not exist", RoleName(name, tenantID))
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
