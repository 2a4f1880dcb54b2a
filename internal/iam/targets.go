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
		Privileges: privs, BuiltinAdmin: isBuiltinAdmin(u), Tenant: u.TenantID}, nil
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
	t := Target{Kind: KindGroup, ID: g.SID, Name: domainUser(g.Domain, g.Name),
		Privileges: forTenant(g.TenantID, privs), Tenant: g.TenantID}
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
	name := RoleName(ro.Name, ro.TenantID)
	return Target{Kind: KindRole, ID: name, Name: name, Privileges: ro.Privileges,
		Tenant: ro.TenantID, Shared: !ro.IsUserCreated}
}

// privilegesOf returns the privileges of u's own roles and of the roles of
// its groups: the LOCAL groups it is a member of and, for a directory
// user, the added groups its directory put it in at its last log-in. A
// group deleted meanwhile grants nothing. An organization's user holds
// none of the cluster-only privileges.
func (s *Service) privilegesOf(ctx context.Context, r store.Reader, u store.User) ([]string, error) {
	roles := append(slices.Clone(u.Roles), u.IdPRoles...)
	if gsids := append(slices.Clone(u.Groups), u.DirectoryGroups...); len(gsids) > 0 {
		groups, err := r.ListGroups(ctx, store.GroupFilter{SIDs: gsids})
		if err != nil {
			return nil, fmt.Errorf("groups of %s: %w", u.SID, err)
		}
		for _, g := range groups {
			roles = append(roles, g.Roles...)
		}
	}
	privs, err := s.privilegesOfRoles(ctx, r, roles)
	return forTenant(u.TenantID, privs), err
}

// privilegesOfRoles returns the privileges the roles named grant, sorted.
func (s *Service) privilegesOfRoles(ctx context.Context, r store.Reader, names []string) ([]string, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return []string{}, nil
	}
	roles, err := r.ListRoles(ctx, store.RoleFilter{Names: names})
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
	return u.TenantID == "" && u.Domain == LocalDomain && store.Fold(u.Username) == store.Fold(AdminUsername)
}

// readUser decides act, a read, by p of user sid, and returns the user.
// Whether p may read users at all is decided before the user is looked
// for; a user of an organization p does not reach is not found.
func (s *Service) readUser(ctx context.Context, r store.Reader, p *Principal, sid string, act Act) (store.User, error) {
	if p.isSelf(sid) {
		// Read (or found in the credential cache) for this very request.
		return p.User, s.decide(p, act, p.selfTarget())
	}
	if err := s.decide(p, act, Target{Kind: KindUser}); err != nil {
		return store.User{}, err
	}
	u, err := r.GetUser(ctx, sid)
	if err == nil {
		err = s.decide(p, act, Target{Kind: KindUser, ID: sid, Tenant: u.TenantID})
	}
	if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// keepReachable returns the items whose owner (a user's sid) is of an
// organization p reaches.
func keepReachable[T any](ctx context.Context, s *Service, p *Principal, items []T, owner func(T) string) ([]T, error) {
	if p.tenant() == "" {
		return items, nil // the cluster reaches everyone
	}
	sids := make([]string, len(items))
	for i, it := range items {
		sids[i] = owner(it)
	}
	reached := map[string]bool{}
	for chunk := range slices.Chunk(store.Dedupe(sids), MaxBulk) {
		users, err := s.store.ListUsers(ctx, store.UserFilter{SIDs: chunk})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if p.reaches(u.TenantID) {
				reached[u.SID] = true
			}
		}
	}
	return slices.DeleteFunc(items, func(it T) bool { return !reached[owner(it)] }), nil
}
