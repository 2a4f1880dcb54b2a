package sqlstore

import (
	"context"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

// LookalikeNames returns, for each of names that has one, the first by
// name of the users (groups) of tenantID in domain, or of the roles,
// whose skeleton is its and whose key is not.
func (s *Store) LookalikeNames(ctx context.Context, kind names.Kind, tenantID, domain string, candidates []string) (map[string]string, error) {
	return lookalikeNames(ctx, s.reader(), kind, tenantID, domain, candidates)
}

// LookalikeNames is Store.LookalikeNames in the transaction.
func (t *tx) LookalikeNames(ctx context.Context, kind names.Kind, tenantID, domain string, candidates []string) (map[string]string, error) {
	return lookalikeNames(ctx, t.q, kind, tenantID, domain, candidates)
}

// lookalikeNames reads, in one query, every stored name of kind whose
// skeleton is one of the candidates', and pairs them in Go. Users and
// groups are looked up in their tenant and domain, as their names are
// unique there; roles across the cluster.
func lookalikeNames(ctx context.Context, q querier, kind names.Kind, tenantID, domain string, candidates []string) (map[string]string, error) {
	out := map[string]string{}
	if len(candidates) == 0 {
		return out, nil
	}
	skeletons := make([]string, len(candidates))
	for i, c := range candidates {
		skeletons[i] = names.Skeleton(c)
	}
	var query string
	args := []any{jsonList(skeletons)}
	switch kind {
	case names.User:
		query = `SELECT username, username_skeleton, username_key FROM users
			WHERE tenant_id = ? AND domain_key = ? AND username_skeleton IN (SELECT value FROM json_each(?))
			ORDER BY username`
	case names.Group:
		query = `SELECT name, name_skeleton, name_key FROM groups
			WHERE tenant_id = ? AND domain_key = ? AND name_skeleton IN (SELECT value FROM json_each(?))
			ORDER BY name`
	case names.Role:
		query = `SELECT name, name_skeleton, name_key FROM roles
			WHERE name_skeleton IN (SELECT value FROM json_each(?)) ORDER BY name`
	default:
		return nil, fmt.Errorf("%s: look-alikes of %v: no such kind of name", q.d.Name, kind)
	}
	if kind != names.Role {
		args = append([]any{tenantID, store.Fold(domain)}, args...)
	}
	type stored struct{ name, skeleton, key string }
	rows, err := queryAll(ctx, q, fmt.Sprintf("look-alikes of %d %v names", len(candidates), kind),
		func(sc scanner) (r stored, err error) { return r, sc.Scan(&r.name, &r.skeleton, &r.key) }, query, args...)
	if err != nil {
		return nil, err
	}
	for i, c := range candidates {
		key := store.Fold(c)
		for _, r := range rows {
			if r.skeleton == skeletons[i] && r.key != key {
				out[c] = r.name
				break
			}
		}
	}
	return out, nil
}
