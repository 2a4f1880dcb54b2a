package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

// LookalikeName returns the first, by name, of the users (groups, roles)
// in domain whose skeleton is name's and whose key is not.
func (s *Store) LookalikeName(ctx context.Context, kind names.Kind, domain, name string) (string, error) {
	return lookalikeName(ctx, s.reader(), kind, domain, name)
}

// LookalikeName is Store.LookalikeName in the transaction.
func (t *tx) LookalikeName(ctx context.Context, kind names.Kind, domain, name string) (string, error) {
	return lookalikeName(ctx, t.q, kind, domain, name)
}

func lookalikeName(ctx context.Context, q querier, kind names.Kind, domain, name string) (string, error) {
	var query string
	args := []any{names.Skeleton(name), store.Fold(name)}
	switch kind {
	case names.User:
		query = `SELECT username FROM users WHERE domain_key = ? AND username_skeleton = ?
			AND username_key <> ? ORDER BY username LIMIT 1`
	case names.Group:
		query = `SELECT name FROM groups WHERE domain_key = ? AND name_skeleton = ?
			AND name_key <> ? ORDER BY name LIMIT 1`
	case names.Role:
		query = `SELECT name FROM roles WHERE name_skeleton = ? AND name_key <> ?
			ORDER BY name LIMIT 1`
	default:
		return "", fmt.Errorf("%s: look-alikes of %v: no such kind of name", q.d.Name, kind)
	}
	if kind != names.Role {
		args = append([]any{store.Fold(domain)}, args...)
	}
	var other string
	err := q.QueryRowContext(ctx, query, args...).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", q.d.mapErr(fmt.Sprintf("look-alikes of %v %q", kind, name), err)
	}
	return other, nil
}
