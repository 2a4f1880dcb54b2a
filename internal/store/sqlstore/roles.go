package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

const roleCols = `name, label, description, privileges, is_user_created,
	tenant_id, created_msecs, updated_msecs`

// maxHolders caps the holders an InUseError lists by name.
const maxHolders = 10

func scanRole(sc scanner) (store.Role, error) {
	var r store.Role
	var privs string
	err := sc.Scan(&r.Name, &r.Label, &r.Description, &privs, &r.IsUserCreated,
		&r.TenantID, &r.CreatedMsecs, &r.UpdatedMsecs)
	if err != nil {
		return r, err
	}
	if r.Privileges, err = parseList[string]("roles.privileges", privs); err != nil {
		return r, err
	}
	return r, nil
}

// UpsertBuiltinRole creates or replaces a built-in role (IsUserCreated is
// stored false). Replacing keeps the role's CreatedMsecs and its holders.
// The insert skips any conflict, since PostgreSQL may check name_key
// before name when another process inserts the role at the same time;
// the update then finds the row, or says the name is taken.
func (t *tx) UpsertBuiltinRole(ctx context.Context, r store.Role) error {
	const insert = `INSERT INTO roles (` + roleCols + `, name_key, name_skeleton)
		VALUES (?, ?, ?, ?, FALSE, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	const update = `UPDATE roles SET label = ?, description = ?, privileges = ?,
		is_user_created = FALSE, tenant_id = ?, updated_msecs = ? WHERE name = ?`
	q := t.q
	t.everyone()
	what := fmt.Sprintf("upsert role %q", r.Name)
	n, err := execCount(ctx, q, insert, r.Name, r.Label, r.Description, jsonList(r.Privileges),
		r.TenantID, r.CreatedMsecs, r.UpdatedMsecs, store.Fold(r.Name), names.Skeleton(r.Name))
	if err != nil || n == 1 {
		return q.d.mapErr(what, err)
	}
	n, err = execCount(ctx, q, update, r.Label, r.Description, jsonList(r.Privileges),
		r.TenantID, r.UpdatedMsecs, r.Name)
	if err != nil {
		return q.d.mapErr(what, err)
	}
	if n == 0 {
		return fmt.Errorf("role %q: the name is taken: %w", r.Name, store.ErrAlreadyExists)
	}
	return nil
}

// CreateRole inserts r. Role names are unique by their Fold keys.
func (t *tx) CreateRole(ctx context.Context, r store.Role) error {
	const query = `INSERT INTO roles (` + roleCols + `, name_key, name_skeleton) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	q := t.q
	t.everyone()
	_, err := q.ExecContext(ctx, query, r.Name, r.Label, r.Description, jsonList(r.Privileges),
		r.IsUserCreated, r.TenantID, r.CreatedMsecs, r.UpdatedMsecs, store.Fold(r.Name), names.Skeleton(r.Name))
	if q.d.IsUnique(err) {
		return fmt.Errorf("role %q: %w", r.Name, store.ErrAlreadyExists)
	}
	return q.d.mapErr(fmt.Sprintf("create role %q", r.Name), err)
}

func getRole(ctx context.Context, q querier, name string) (store.Role, error) {
	r, err := scanRole(q.QueryRowContext(ctx, `SELECT `+roleCols+` FROM roles WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return r, q.d.mapErr(fmt.Sprintf("get role %q", name), err)
	}
	return r, nil
}

// listRoles returns the roles f selects, ordered by creation time then
// name: those named (unknown names are left out), and of those the
// built-in ones and the custom ones of the tenants given.
func listRoles(ctx context.Context, q querier, f store.RoleFilter) ([]store.Role, error) {
	w := &where{}
	if len(f.Names) > 0 {
		w.add(`name IN (SELECT value FROM json_each(?))`, jsonList(f.Names))
	}
	if len(f.TenantIDs) > 0 {
		// A built-in role serves every tenant, whatever tenant_id says.
		w.add(`(NOT is_user_created OR tenant_id IN (SELECT value FROM json_each(?)))`, jsonList(f.TenantIDs))
	}
	query := `SELECT ` + roleCols + ` FROM roles` + w.String() + ` ORDER BY created_msecs, name`
	return queryAll(ctx, q, "list roles", scanRole, query, w.args...)
}

// UpdateRole calls fn with the stored role inside the write transaction and
// stores what it returns. The name cannot change: the stored one is kept.
func (t *tx) UpdateRole(ctx context.Context, name string, fn func(store.Role) (store.Role, error)) (store.Role, error) {
	t.everyone()
	const query = `UPDATE roles SET label = ?, description = ?, privileges = ?,
		is_user_created = ?, tenant_id = ?, created_msecs = ?, updated_msecs = ?
		WHERE name = ?`
	get := func(q querier) (store.Role, error) { return getRole(ctx, q, name) }
	return updateRow(ctx, t, "roles", "name", name, get, fn, func(q querier, _ store.Role, r *store.Role) error {
		r.Name = name
		_, err := q.ExecContext(ctx, query, r.Label, r.Description, jsonList(r.Privileges),
			r.IsUserCreated, r.TenantID, r.CreatedMsecs, r.UpdatedMsecs, r.Name)
		return q.d.mapErr(fmt.Sprintf("update role %q", name), err)
	}, nil)
}

// DeleteRole deletes the role named name. It fails with an
// *store.InUseError while users or groups hold it.
func (t *tx) DeleteRole(ctx context.Context, name string) error {
	q := t.q
	t.everyone()
	if err := lockRow(ctx, q, "roles", "name", name); err != nil {
		return err
	}
	if _, err := getRole(ctx, q, name); err != nil {
		return err
	}
	holders, err := roleHolders(ctx, q, name)
	if err != nil {
		return err
	}
	if len(holders) > 0 {
		return &store.InUseError{What: fmt.Sprintf("role %q", name), Holders: holders}
	}
	_, err = q.ExecContext(ctx, `DELETE FROM roles WHERE name = ?`, name)
	if q.d.IsForeignKey(err) { // a backstop: the check above lists holders
		return fmt.Errorf("role %q: %w", name, store.ErrInUse)
	}
	return q.d.mapErr(fmt.Sprintf("delete role %q", name), err)
}

// roleHolders lists who holds role name directly: users first, then groups,
// by name, at most maxHolders of them and then "and N more".
func roleHolders(ctx context.Context, q querier, name string) ([]string, error) {
	const holdersQ = `SELECT h, COUNT(*) OVER () FROM (
			SELECT 0 AS k, u.domain_key AS d, u.username_key AS n,
				'user ' || u.domain || '\' || u.username AS h
			FROM user_roles ur JOIN users u ON u.sid = ur.user_sid WHERE ur.role = ?
			UNION ALL
			SELECT 1, g.domain_key, g.name_key, 'group ' || g.domain || '\' || g.name
			FROM group_roles gr JOIN groups g ON g.sid = gr.group_sid WHERE gr.role = ?
		) AS holders ORDER BY k, d, n LIMIT ?`
	rows, err := q.QueryContext(ctx, holdersQ, name, name, maxHolders)
	if err != nil {
		return nil, q.d.mapErr(fmt.Sprintf("holders of role %q", name), err)
	}
	defer rows.Close()
	var holders []string
	var total int
	for rows.Next() {
		var h string
		if err := rows.Scan(&h, &total); err != nil {
			return nil, q.d.mapErr(fmt.Sprintf("holders of role %q", name), err)
		}
		holders = append(holders, h)
	}
	if err := rows.Err(); err != nil {
		return nil, q.d.mapErr(fmt.Sprintf("holders of role %q", name), err)
	}
	if total > len(holders) {
		holders = append(holders, fmt.Sprintf("and %d more", total-len(holders)))
	}
	return holders, nil
}

// existingNames returns which of names the query (selecting one column
// from json_each(?)) finds.
func existingNames(ctx context.Context, q querier, query string, names []string) (map[string]bool, error) {
	found := make(map[string]bool, len(names))
	if len(names) == 0 {
		return found, nil
	}
	rows, err := q.QueryContext(ctx, query, jsonList(names))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		found[n] = true
	}
	return found, rows.Err()
}

// existingRoles returns which of names are roles.
func existingRoles(ctx context.Context, q querier, names []string) (map[string]bool, error) {
	found, err := existingNames(ctx, q,
		`SELECT name FROM roles WHERE name IN (SELECT value FROM json_each(?))`, names)
	return found, q.d.mapErr("look up roles", err)
}

// existingUsers returns which of sids are users.
func existingUsers(ctx context.Context, q querier, sids []string) (map[string]bool, error) {
	found, err := existingNames(ctx, q,
		`SELECT sid FROM users WHERE sid IN (SELECT value FROM json_each(?))`, sids)
	return found, q.d.mapErr("look up users", err)
}
