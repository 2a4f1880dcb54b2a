package sqlstore

import (
	"context"

	"github.com/clusteriam/clusteriam/internal/store"
)

// listGroups returns the groups f selects, ordered by creation time then
// sid, with their roles and members loaded in two further queries.
func listGroups(ctx context.Context, q querier, f store.GroupFilter) ([]store.Group, error) {
	with, from, cond, args := q.d.scoped("groups", groupWhere(q.d, &f), f.TenantIDs)
	return queryGroupsFrom(ctx, q, with, from, cond, args...)
}

// groupWhere renders f as a WHERE clause on groups, its tenants aside
// (see scoped).
func groupWhere(d *Dialect, f *store.GroupFilter) *where {
	w := &where{}
	if f.Domain != "" {
		w.add(`domain_key = ?`, store.Fold(f.Domain))
	}
	if len(f.SIDs) > 0 {
		w.add(`sid IN (SELECT value FROM json_each(?))`, jsonList(f.SIDs))
	}
	if len(f.Names) > 0 {
		names := foldAll(f.Names, store.Fold)
		if f.MatchPartialNames {
			w.addContains(d, "groups", "name_key", names)
		} else {
			w.add(`name_key IN (SELECT value FROM json_each(?))`, jsonList(names))
		}
	}
	if len(f.Roles) > 0 {
		w.add(`sid IN (SELECT group_sid FROM group_roles
			WHERE role IN (SELECT value FROM json_each(?)))`, jsonList(f.Roles))
	}
	return w
}

// queryGroups reads the groups matching cond (a WHERE clause or "") in
// order, then fills their roles and members.
func queryGroups(ctx context.Context, q querier, cond string, args ...any) ([]store.Group, error) {
	return queryGroupsFrom(ctx, q, "", "groups", cond, args...)
}

// queryGroupsFrom is queryGroups selecting from a table of groups'
// columns (see scoped) after with.
func queryGroupsFrom(ctx context.Context, q querier, with, from, cond string, args ...any) ([]store.Group, error) {
	groups, err := queryAll(ctx, q, "list groups", scanGroup,
		with+`SELECT `+groupCols+` FROM `+from+cond+` ORDER BY created_msecs, sid`, args...)
	if err != nil {
		return nil, err
	}
	if err := fillGroups(ctx, q, groups); err != nil {
		return nil, err
	}
	return groups, nil
}

// fillGroups loads the roles and members of all groups in two queries.
func fillGroups(ctx context.Context, q querier, groups []store.Group) error {
	if len(groups) == 0 {
		return nil
	}
	idx, sids := indexSIDs(len(groups), func(i int) string { return groups[i].SID })
	const rolesQ = `SELECT group_sid, role FROM group_roles
		WHERE group_sid IN (SELECT value FROM json_each(?)) ORDER BY group_sid, pos`
	err := eachPair(ctx, q, rolesQ, jsonList(sids), func(sid, role string) {
		g := &groups[idx[sid]]
		g.Roles = append(g.Roles, role)
	})
	if err != nil {
		return q.d.mapErr("load group roles", err)
	}
	const membersQ = `SELECT group_sid, user_sid FROM group_members
		WHERE group_sid IN (SELECT value FROM json_each(?)) ORDER BY group_sid, pos`
	err = eachPair(ctx, q, membersQ, jsonList(sids), func(sid, member string) {
		g := &groups[idx[sid]]
		g.Members = append(g.Members, member)
	})
	return q.d.mapErr("load group members", err)
}
