package iam

import (
	"context"
	"fmt"
	"slices"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Targets are read through a store.Reader: inside the write transaction
// of the act they are checked for, so that the check and the write see
// the same rows.

// userTarget describes user u for decide, with its effective privileges.
func (s *Service) userTarget(ctx context.Context, r store.Reader, u store.User) (Target, error) {
	privs, err := s.privilegesOf(ctx, r, u)
	if err != nil {
		return Target{}, err
	}
	return Target{Kind: KindUser, ID: u.SID, Name: domainUser(u.Domain, u.Username),
		Privileges: privs, BuiltinAdmin: isBuiltinAdmin(u)}, nil
}

// userTargets describes the users sids name, in the order given; an
// unknown sid is ErrNotFound naming it.
func (s *Service) userTargets(ctx context.Context, r store.Reader, sids []string) ([]store.User, []Target, error) {
	users, err := r.ListUsers(ctx, store.UserFilter{SIDs: sids})
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]store.User, len(users))
	for _, u := range users {
		byID[u.SID] = u
	}
	outU := make([]store.User, len(sids))
	outT := make([]Target, len(sids))
	for i, sid := range sids {
		u, ok := byID[sid]
		if !ok {
			return nil, nil, fmt.Errorf("user %q: %w", sid, store.ErrNotFound)
		}
		t, err := s.userTarget(ctx, r, u)
		if err != nil {
			return nil, nil, err
		}
		outU[i], outT[i] = u, t
	}
	return outU, outT, nil
}

// groupTarget describes group g for decide: its privileges, and as
// Affected the members given.
func (s *Service) groupTarget(ctx context.Context, r store.Reader, g store.Group, affected []string) (Target, error) {
	privs, err := s.privilegesOfRoles(ctx, r, g.Roles)
	if err != nil {
		return Target{}, err
	}
	t := Target{Kind: KindGroup, ID: g.SID, Name: domainUser(g.Domain, g.Name), Privileges: privs}
	if len(affected) > 0 {
		_, t.Affected, err = s.userTargets(ctx, r, affected)
		if err != nil {
			return Target{}, err
		}
	}
	return t, nil
}

// roleTarget describes role ro for decide.
func roleTarget(ro store.Role) Target {
	return Target{Kind: KindRole, ID: ro.Name, Name: ro.Name, Privileges: ro.Privileges}
}

// privilegesOf returns the privileges of u's own roles and of the roles of
// its groups: the LOCAL groups it is a member of and, for a directory
// user, the added groups its directory put it in at its last log-in. A
// group deleted meanwhile grants nothing.
func (s *Service) privilegesOf(ctx context.Context, r store.Reader, u store.User) ([]string, error) {
	roles := slices.Clone(u.Roles)
	if gsids := append(slices.Clone(u.Groups), u.DirectoryGroups...); len(gsids) > 0 {
		groups, err := r.ListGroups(ctx, store.GroupFilter{SIDs: gsids})
		if err != nil {
			return nil, fmt.Errorf("groups of %s: %w", u.SID, err)
		}
		for _, g := range groups {
			roles = append(roles, g.Roles...)
		}
	}
	return s.privilegesOfRoles(ctx, r, roles)
}

// privilegesOfRoles returns the privileges the roles named grant, sorted.
func (s *Service) privilegesOfRoles(ctx context.Context, r store.Reader, names []string) ([]string, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return []string{}, nil
	}
	roles, err := r.ListRoles(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	var privs []string
	for _, ro := range roles {
		privs = append(privs, ro.Privileges...)
	}
	slices.Sort(privs)
	return slices.Compact(privs), nil
}

// isBuiltinAdmin reports whether u is the admin made at first start, which
// the vendor's clusters, and this one, never delete.
func isBuiltinAdmin(u store.User) bool {
	return u.Domain == LocalDomain && store.Fold(u.Username) == store.Fold(AdminUsername)
}
