package storetest

import (
	"fmt"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Times used by fixtures: large enough to catch truncation to 32 bits.
const (
	t0 = int64(1_700_000_000_000)
	t1 = t0 + 1_000
	t2 = t0 + 2_000
)

// newRole returns a role with every field set.
func newRole(name string) store.Role {
	return store.Role{
		Name:          name,
		Label:         "Label of " + name,
		Description:   "Role " + name,
		Privileges:    []string{"priv." + name + ".read", "priv." + name + ".write"},
		IsUserCreated: true,
		TenantID:      "tenant-a/",
		CreatedMsecs:  t0,
		UpdatedMsecs:  t1,
	}
}

// createRoles creates user-defined roles with the given names.
func createRoles(t *testing.T, s Single, names ...string) {
	t.Helper()
	for _, n := range names {
		must(t, s.CreateRole(t.Context(), newRole(n)))
	}
}

// newUser returns a minimal user.
func newUser(sid, domain, name string, roles ...string) store.User {
	return store.User{SID: sid, Domain: domain, Username: name, Roles: roles,
		CreatedMsecs: t0, UpdatedMsecs: t0}
}

// fullUser returns a user with every field set to a non-zero value.
func fullUser(sid, name string, roles ...string) store.User {
	return store.User{
		SID:                 sid,
		Domain:              "LOCAL",
		Username:            name,
		Description:         "The user " + name,
		Email:               name + "@Example.com",
		FullName:            "Full " + name,
		PasswordHash:        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Roles:               roles,
		EffectiveTimeMsecs:  ptr(int64(0)), // zero, not absent
		ExpiryTimeMsecs:     ptr(t2 + 86_400_000),
		Locked:              true,
		LockedReason:        "AdminLocked",
		Restricted:          true,
		AllowSMBAccessToken: true,
		ForcePasswordChange: true,
		S3AccessKeyID:       "AKIA" + name,
		S3AccountID:         "acct-" + name,
		S3SecretEnc:         []byte{0, 1, 2, 0xfe, 0xff},
		TenantID:            "tenant-a/",
		SourceIDs:           []int64{3, 1, 1 << 40},
		ViewIDs:             []int64{-1, 7},
		CreatedMsecs:        t0,
		UpdatedMsecs:        t1,
		LastLoginMsecs:      t2,
		PasswordSetMsecs:    t1,
		ReactivatedMsecs:    t2 + 1,
		Groups:              []string{},
		DirectoryGroups:     []string{"S-1-5-21-1-2-3-1105", "S-1-5-21-1-2-3-1104"},
		IdPRoles:            []string{"b", "a"},
		FailedLogins:        3,
		FailedSinceMsecs:    t1,
		LockedUntilMsecs:    t2 + 900_000,
	}
}

// createUsers creates users, failing t on error.
func createUsers(t *testing.T, s Single, users ...store.User) {
	t.Helper()
	must(t, s.CreateUsers(t.Context(), users))
}

// newGroup returns a group with the given roles and members.
func newGroup(sid, domain, name string, roles, members []string) store.Group {
	return store.Group{SID: sid, Domain: domain, Name: name, Roles: roles,
		Members: members, CreatedMsecs: t0, UpdatedMsecs: t0}
}

// fullGroup returns a group with every field set.
func fullGroup(sid, name string, roles, members []string) store.Group {
	return store.Group{
		SID:          sid,
		Domain:       "LOCAL",
		Name:         name,
		Description:  "The group " + name,
		Roles:        roles,
		Restricted:   true,
		TenantID:     "tenant-b/",
		Members:      members,
		SourceIDs:    []int64{9, 8},
		ViewIDs:      []int64{1 << 50},
		CreatedMsecs: t0,
		UpdatedMsecs: t1,
	}
}

// createGroups creates groups, failing t on error.
func createGroups(t *testing.T, s Single, groups ...store.Group) {
	t.Helper()
	must(t, s.CreateGroups(t.Context(), groups))
}

// newKey returns an active API key of user with a hash derived from id.
func newKey(id, user string) store.APIKey {
	return store.APIKey{
		ID:               id,
		UserSID:          user,
		Name:             "key " + id,
		Hash:             []byte("hash-of-" + id),
		IsActive:         true,
		CreatedBySID:     "S-creator",
		CreatedMsecs:     t0,
		LastRotatedMsecs: 0,
	}
}

// newSession returns a session of user expiring at expires.
func newSession(hash, user string, expires int64) store.Session {
	return store.Session{Hash: []byte(hash), UserSID: user, Kind: store.SessionKindSession,
		CreatedMsecs: t0, ExpiresMsecs: expires, LastUsedMsecs: t0}
}

// sid makes a distinct sid for fixtures.
func sid(n int) string { return fmt.Sprintf("S-1-5-21-1-2-3-%d", n) }
