package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

const groupCols = `sid, domain, name, description, restricted, tenant_id,
	source_ids, view_ids, created_msecs, updated_msecs`

// groupWriteCols are written in this order, from groupArgs; sid apart.
var groupWriteCols = []string{"domain", "domain_key", "name", "name_key", "description",
	"restricted", "tenant_id", "source_ids", "view_ids", "created_msecs", "updated_msecs",
	"name_skeleton"}

// groupIdentity are the columns of a group's name, as userIdentity.
var groupIdentity = map[string]bool{"domain": true, "domain_key": true, "name": true,
	"name_key": true, "name_skeleton": true}

var (
	insertGroupSQL = `INSERT INTO groups (sid, ` + strings.Join(groupWriteCols, ", ") + `)
		VALUES (?` + strings.Repeat(", ?", len(groupWriteCols)) + `) ON CONFLICT DO NOTHING`
	updateGroupSQL, _               = updateSQL("groups", "sid", groupWriteCols, nil)
	updateGroupKeepNameSQL, keepGrp = updateSQL("groups", "sid", groupWriteCols, groupIdentity)
)

// groupArgs are g's values for groupWriteCols.
func groupArgs(g *store.Group) []any {
	return []any{g.Domain, store.Fold(g.Domain), g.Name, store.Fold(g.Name),
		g.Description, g.Restricted, g.TenantID, jsonList(g.SourceIDs),
		jsonList(g.ViewIDs), g.CreatedMsecs, g.UpdatedMsecs, names.Skeleton(g.Name)}
}

func scanGroup(sc scanner) (store.Group, error) {
	var g store.Group
	var sources, views string
	err := sc.Scan(&g.SID, &g.Domain, &g.Name, &g.Description, &g.Restricted,
		&g.TenantID, &sources, &views, &g.CreatedMsecs, &g.UpdatedMsecs)
	if err != nil {
		return g, err
	}
	if g.SourceIDs, err = parseList[int64]("groups.source_ids", sources); err != nil {
		return g, err
	}
	if g.ViewIDs, err = parseList[int64]("groups.view_ids", views); err != nil {
		return g, err
	}
	g.Roles, g.Members = []string{}, []string{}
	return g, nil
}

// groupName names a group in errors.
func groupName(g *store.Group) string {
	return fmt.Sprintf("group %q in domain %q", g.Name, g.Domain) + ofTenant(g.TenantID)
}

// ofTenant names the tenant of a user or group in errors: nothing for the
// cluster's.
func ofTenant(tenantID string) string {
	if tenantID == "" {
		return ""
	}
	return fmt.Sprintf(" of tenant %q", tenantID)
}

// CreateGroups inserts all groups or none. Members must be existing users
// and roles existing roles (ErrInvalidReference otherwise); repeats are
// stored once.
func (t *tx) CreateGroups(ctx context.Context, groups []store.Group) error {
	if len(groups) == 0 {
		return nil
	}
	q := t.q
	t.everyone() // members gain the groups' roles
	var roleRefs, userRefs []string
	for i := range groups {
		roleRefs = append(roleRefs, groups[i].Roles...)
		userRefs = append(userRefs, groups[i].Members...)
	}
	roles, err := existingRoles(ctx, q, roleRefs)
	if err != nil {
		return err
	}
	users, err := existingUsers(ctx, q, userRefs)
	if err != nil {
		return err
	}
	for i := range groups {
		g := &groups[i]
		if err := checkGroupRefs(groupName(g), g, roles, users); err != nil {
			return err
		}
		if err := insertGroup(ctx, q, g); err != nil {
			return err
		}
		if err := writeGroupLinks(ctx, q, g); err != nil {
			return err
		}
	}
	return nil
}

// checkGroupRefs fails with ErrInvalidReference naming the first unknown
// role or member of g.
func checkGroupRefs(what string, g *store.Group, roles, users map[string]bool) error {
	if err := checkRoles(what, g.Roles, roles); err != nil {
		return err
	}
	for _, m := range g.Members {
		if !users[m] {
			return fmt.Errorf("%s: member %q: %w", what, m, store.ErrInvalidReference)
		}
	}
	return nil
}

// insertGroup inserts g's row, naming the key that is taken on a conflict
// (as insertUser does).
func insertGroup(ctx context.Context, q querier, g *store.Group) error {
	inserted, err := execCount(ctx, q, insertGroupSQL, append([]any{g.SID}, groupArgs(g)...)...)
	if err != nil || inserted == 1 {
		return q.d.mapErr(fmt.Sprintf("insert %s", groupName(g)), err)
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM groups WHERE sid = ?`, g.SID).Scan(&n); err != nil {
		return q.d.mapErr(fmt.Sprintf("insert %s", groupName(g)), err)
	}
	if n > 0 {
		return fmt.Errorf("group sid %q: %w", g.SID, store.ErrAlreadyExists)
	}
	return fmt.Errorf("%s: %w", groupName(g), store.ErrAlreadyExists)
}

// writeGroupLinks replaces g's roles and members, keeping their order.
func writeGroupLinks(ctx context.Context, q querier, g *store.Group) error {
	if err := setRoles(ctx, q, "group_roles", "group_sid", g.SID, g.Roles); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM group_members WHERE group_sid = ?`, g.SID); err != nil {
		return q.d.mapErr(fmt.Sprintf("clear members of %s", groupName(g)), err)
	}
	const query = `INSERT INTO group_members (group_sid, user_sid, pos) VALUES (?, ?, ?)`
	for i, m := range store.Dedupe(g.Members) {
		if _, err := q.ExecContext(ctx, query, g.SID, m, i); err != nil {
			if q.d.IsForeignKey(err) {
				return fmt.Errorf("%s: member %q: %w", groupName(g), m, store.ErrInvalidReference)
			}
			return q.d.mapErr(fmt.Sprintf("add members to %s", groupName(g)), err)
		}
	}
	return nil
}

// getGroup reads one group with its roles and members.
func getGroup(ctx context.Context, q querier, sid string) (store.Group, error) {
	groups, err := queryGroups(ctx, q, ` WHERE sid = ?`, sid)
	if err != nil {
		return store.Group{}, err
	}
	if len(groups) == 0 {
		return store.Group{}, fmt.Errorf("group %q: %w", sid, store.ErrNotFound)
	}
	return groups[0], nil
}

// UpdateGroup calls fn with the stored group inside the write transaction
// and stores what it returns, roles and members included. The sid cannot
// change: the stored one is kept.
func (t *tx) UpdateGroup(ctx context.Context, sid string, fn func(store.Group) (store.Group, error)) (store.Group, error) {
	t.everyone()
	get := func(q querier) (store.Group, error) { return getGroup(ctx, q, sid) }
	return updateRow(ctx, t, "groups", "sid", sid, get, fn, func(q querier, cur store.Group, g *store.Group) error {
		g.SID = sid
		roles, err := existingRoles(ctx, q, g.Roles)
		if err != nil {
			return err
		}
		users, err := existingUsers(ctx, q, g.Members)
		if err != nil {
			return err
		}
		if err := checkGroupRefs(fmt.Sprintf("group %q", sid), g, roles, users); err != nil {
			return err
		}
		query, args := updateGroupSQL, groupArgs(g)
		if g.Name == cur.Name && g.Domain == cur.Domain {
			query, args = updateGroupKeepNameSQL, keepGrp(args)
		}
		_, err = q.ExecContext(ctx, query, append(args, g.SID)...)
		if q.d.IsUnique(err) {
			return fmt.Errorf("%s: %w", groupName(g), store.ErrAlreadyExists)
		}
		if err != nil {
			return q.d.mapErr(fmt.Sprintf("update group %q", sid), err)
		}
		return writeGroupLinks(ctx, q, g)
	}, nil)
}

// DeleteGroups deletes all the groups or none (ErrNotFound naming the
// first missing sid), with their roles and memberships.
func (t *tx) DeleteGroups(ctx context.Context, sids []string) error {
	sids = store.Dedupe(sids)
	if len(sids) == 0 {
		return nil
	}
	t.everyone()
	return deleteAll(ctx, t.q, "groups", "group", sids)
}
