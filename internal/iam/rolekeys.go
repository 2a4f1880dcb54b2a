package iam

import (
	"context"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Role names are unique per organization, as user and group names are:
// the store keys a role by its organization's id followed by its name
// ("acme/ops"); the cluster's roles, built-in ones included, by their name
// alone. Names hold no '/' (docs/names.md), so keys do not collide. Users
// and groups hold keys; the wire shows names (RoleName), and a request's
// names are read in the organization of the record they are for
// (roleKeys): its own custom role of that name, else the built-in one.

// roleKey is the store's key of the role name of organization tenantID.
func roleKey(tenantID, name string) string { return tenantID + name }

// RoleName is the name of the role keyed key, as seen from organization
// tenantID, the role's own or that of the user or group holding it.
func RoleName(key, tenantID string) string { return strings.TrimPrefix(key, tenantID) }

// RoleNames are the names of the roles keyed keys, as seen from
// organization tenantID.
func RoleNames(keys []string, tenantID string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = RoleName(k, tenantID)
	}
	return out
}

// roleKeys reads role names as a request for a record of organization
// tenantID names them: the organization's custom role of that name, else
// the name itself (a built-in role, one of the cluster's when tenantID is
// the cluster, or none: checkRolesExist then says which).
func (s *Service) roleKeys(ctx context.Context, r store.Reader, tenantID string, roleNames []string) ([]string, error) {
	out := store.Dedupe(roleNames)
	if tenantID == "" || len(out) == 0 {
		return out, nil
	}
	keys := make([]string, len(out))
	for i, n := range out {
		keys[i] = roleKey(tenantID, n)
	}
	found, err := r.ListRoles(ctx, store.RoleFilter{Names: keys, TenantIDs: []string{tenantID}})
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	own := map[string]bool{}
	for _, ro := range found {
		own[ro.Name] = ro.TenantID == tenantID
	}
	for i, k := range keys {
		if own[k] {
			out[i] = k
		}
	}
	return out, nil
}

// roleFilterKeys returns the keys a filter by role names means across the
// organizations ids (nil: every one).
func (s *Service) roleFilterKeys(ctx context.Context, ids, roleNames []string) ([]string, error) {
	if len(roleNames) == 0 {
		return nil, nil
	}
	if ids == nil {
		all, err := s.store.ListTenants(ctx, store.TenantFilter{})
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			ids = append(ids, t.ID)
		}
	}
	keys := store.Dedupe(roleNames)
	for _, id := range ids {
		if id == "" {
			continue
		}
		for _, n := range roleNames {
			keys = append(keys, roleKey(id, n))
		}
	}
	return store.Dedupe(keys), nil
}

// checkNotLikeBuiltin refuses an organization's role name that looks like
// a built-in role's: it would pass for one in the organization's lists.
// The cluster's own are checked with every other cluster role name.
func (s *Service) checkNotLikeBuiltin(name string) error {
	sk := names.Skeleton(name)
	for b := range s.builtins {
		if names.Skeleton(b) == sk && store.Fold(b) != store.Fold(name) {
			return lookalikeErr(roleName, name, b)
		}
	}
	return nil
}
