package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// listUsers returns the users f selects, ordered by creation time then
// sid, with their roles and groups loaded in two further queries.
func listUsers(ctx context.Context, q querier, f store.UserFilter) ([]store.User, error) {
	w := &where{paged: f.Limit > 0, inlineNames: f.Limit > 0 && q.d.PageNamesInline}
	size := 0 // how many users to make room for; 0: let them grow
	if f.Limit > 0 && (f.MatchPartialNames && len(f.Usernames) > 0 || len(f.Roles) > 0) {
		// A page. A name or role filter that few users match drives the
		// plan from its matches, which are then sorted; one that most
		// match would have every match read and sorted to keep the first
		// few, so it is tested row by row along the (created_msecs, sid)
		// index instead, which meets Limit early.
		broad, matches, err := broadFilter(ctx, q, f)
		if err != nil {
			return nil, err
		}
		w.inline = broad
		// At most this many, room made once: a page of 10,000 grown by
		// append copied and cleared 2.5 times its size.
		size = min(matches, f.Limit)
	}
	with, from, cond, args := q.d.scoped("users", userWhere(q.d, w, &f), f.TenantIDs)
	if f.After != nil {
		// Applied after the scope, so that a list by tenant alone still
		// reads the (tenant_id, created_msecs, sid) index from the cursor,
		// and a materialized scope (see scoped) is not the whole table.
		// Row values compare the same on both engines, and both serve
		// them from the (created_msecs, sid) index.
		cond += andOrWhere(cond) + `(created_msecs, sid) > (?, ?)`
		args = append(args, f.After.CreatedMsecs, f.After.SID)
	}
	if f.Limit > 0 {
		cond += fmt.Sprintf(" ORDER BY created_msecs, sid LIMIT %d", f.Limit)
	}
	if !w.inline || q.d.WalkOrder[0] == "" {
		return queryUsersFrom(ctx, q, size, with, from, cond, args...)
	}
	if _, err := q.ExecContext(ctx, q.d.WalkOrder[0]); err != nil {
		return nil, q.d.mapErr("plan a page along the list's order", err)
	}
	users, err := queryUsersFrom(ctx, q, size, with, from, cond, args...)
	if err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, q.d.WalkOrder[1]); err != nil {
		return nil, q.d.mapErr("plan a page along the list's order", err)
	}
	return users, nil
}

// broadMatches and broadPages say how many matches make a page's filter
// broad (see listUsers): more than broadMatches, and more than broadPages
// pages' worth. Driven from its matches, a page reads every match after
// the cursor; along the index, it tests some Limit × users/matches rows.
// At a million users, a role held by 10,000 of them costs 10,000 lookups
// a page driven from them, 100,000 rows tested along the index for a
// page of 1,000.
const (
	broadMatches = 1000
	broadPages   = 10
)

// broadFilter reports whether the name and role filters of f match more
// than broadMatches users and broadPages pages, counting no further, and
// how many it counted: a bound on a page's users.
func broadFilter(ctx context.Context, q querier, f store.UserFilter) (broad bool, matches int, err error) {
	most := max(broadMatches, broadPages*f.Limit)
	w := userWhere(q.d, &where{inline: true, count: true}, &store.UserFilter{Usernames: f.Usernames, MatchPartialNames: f.MatchPartialNames, Roles: f.Roles})
	from := `users` + w.String()
	if len(f.Usernames) == 0 {
		// Roles alone are counted on their own index: tested user by
		// user, a role that 1% hold has 100 users read per match counted.
		// A user holding two of them counts twice, which a guess allows.
		from = `user_roles WHERE role IN (SELECT value FROM json_each(?))`
		w.args = []any{jsonList(f.Roles)}
	}
	var n int
	err = q.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM %s LIMIT %d) AS m`,
		from, most+1), w.args...).Scan(&n)
	if err != nil {
		return false, 0, q.d.mapErr("count the users a filter matches", err)
	}
	return n > most, n, nil
}

// userWhere renders f as a WHERE clause on users, its tenants aside (see
// scoped).
func userWhere(d *Dialect, w *where, f *store.UserFilter) *where {
	if f.Domain != "" {
		w.add(`domain_key = ?`, store.Fold(f.Domain))
	}
	if len(f.SIDs) > 0 {
		w.add(`sid IN (SELECT value FROM json_each(?))`, jsonList(f.SIDs))
	}
	if len(f.Usernames) > 0 {
		names := foldAll(f.Usernames, store.Fold)
		if f.MatchPartialNames {
			w.addContains(d, "users", "username_key", names)
		} else {
			w.add(`username_key IN (SELECT value FROM json_each(?))`, jsonList(names))
		}
	}
	if len(f.Emails) > 0 {
		w.add(`email_key IN (SELECT value FROM json_each(?))`, jsonList(foldAll(f.Emails, store.Fold)))
	}
	if len(f.Roles) > 0 {
		held := `SELECT user_sid FROM user_roles WHERE role IN (SELECT value FROM json_each(?))`
		if w.inline {
			w.add(`EXISTS (`+held+` AND user_sid = users.sid)`, jsonList(f.Roles))
		} else {
			w.add(d.inSet("sid", held), jsonList(f.Roles))
		}
	}
	if len(f.InDirectoryGroups) > 0 {
		w.add(`EXISTS (SELECT 1 FROM json_each(users.directory_groups) d
			WHERE d.value IN (SELECT value FROM json_each(?)))`, jsonList(f.InDirectoryGroups))
	}
	if f.Locked != nil {
		addLocked(w, *f.Locked, f.Lock, f.NowMsecs)
	}
	if f.Expired != nil {
		cond := `expiry_msecs IS NOT NULL AND expiry_msecs <= ?`
		if !*f.Expired {
			cond = `(expiry_msecs IS NULL OR expiry_msecs > ?)`
		}
		w.add(cond, f.NowMsecs)
	}
	return w
}

// andOrWhere is what joins one more condition to cond: " AND ", or
// " WHERE " when cond is empty.
func andOrWhere(cond string) string {
	if cond == "" {
		return " WHERE "
	}
	return " AND "
}

// addLocked selects the users locked (or not) by lt at now: those whose
// stored lock has not run out, and those unused since lt.UnusedSince (see
// store.LockTerms). It is exact: every term the service computes a lock
// from is a column. No index serves it; it filters what the list reads
// in order.
func addLocked(w *where, locked bool, lt store.LockTerms, now int64) {
	cond := `(locked AND NOT (locked_reason = ? AND locked_until_msecs <> 0 AND locked_until_msecs <= ?))`
	args := []any{lt.RunsOutReason, now}
	if lt.UnusedSince > 0 {
		unused := `domain_key = ? AND created_msecs <= ? AND last_login_msecs <= ? AND reactivated_msecs <= ?`
		args = append(args, store.Fold(lt.UnusedDomain), lt.UnusedSince, lt.UnusedSince, lt.UnusedSince)
		if len(lt.Exempt) > 0 {
			// NOT (x IN ...), not x NOT IN: PostgreSQL's rebind rewrites
			// the IN form only.
			unused += ` AND NOT (sid IN (SELECT value FROM json_each(?)))`
			args = append(args, jsonList(lt.Exempt))
		}
		cond = `(` + cond + ` OR (` + unused + `))`
	}
	if !locked {
		cond = `NOT ` + cond
	}
	w.add(cond, args...)
}

// queryUsers reads the users matching cond (a WHERE clause or "", which may
// end with its own ORDER BY) in order, then fills their roles and groups.
func queryUsers(ctx context.Context, q querier, cond string, args ...any) ([]store.User, error) {
	return queryUsersFrom(ctx, q, 0, "", "users", cond, args...)
}

// queryUsersFrom is queryUsers selecting from a table of users' columns
// (see scoped) after with, making room for size users at once.
func queryUsersFrom(ctx context.Context, q querier, size int, with, from, cond string, args ...any) ([]store.User, error) {
	if !strings.Contains(cond, " ORDER BY ") {
		cond += ` ORDER BY created_msecs, sid`
	}
	users := make([]store.User, 0, size)
	err := eachRow(ctx, q, "list users", scanUser, func(u store.User) error { users = append(users, u); return nil },
		with+`SELECT `+userCols+` FROM `+from+cond, args...)
	if err != nil {
		return nil, err
	}
	if err := fillUsers(ctx, q, users); err != nil {
		return nil, err
	}
	return users, nil
}

// indexSIDs returns the sids of n records (sid gives the i-th) and the
// index of each, for filling the records from queries keyed by sid.
func indexSIDs(n int, sid func(i int) string) (map[string]int, []string) {
	idx := make(map[string]int, n)
	sids := make([]string, n)
	for i := range n {
		sids[i] = sid(i)
		idx[sids[i]] = i
	}
	return idx, sids
}

// fillUsers loads the roles and groups of all users in two queries.
func fillUsers(ctx context.Context, q querier, users []store.User) error {
	if len(users) == 0 {
		return nil
	}
	idx, sids := indexSIDs(len(users), func(i int) string { return users[i].SID })
	const rolesQ = `SELECT user_sid, role FROM user_roles
		WHERE user_sid IN (SELECT value FROM json_each(?)) ORDER BY user_sid, pos`
	err := eachPair(ctx, q, rolesQ, jsonList(sids), func(sid, role string) {
		u := &users[idx[sid]]
		u.Roles = append(u.Roles, role)
	})
	if err != nil {
		return q.d.mapErr("load user roles", err)
	}
	const groupsQ = `SELECT m.user_sid, m.group_sid FROM group_members m
		JOIN groups g ON g.sid = m.group_sid
		WHERE m.user_sid IN (SELECT value FROM json_each(?))
		ORDER BY m.user_sid, g.created_msecs, g.sid`
	err = eachPair(ctx, q, groupsQ, jsonList(sids), func(sid, group string) {
		u := &users[idx[sid]]
		u.Groups = append(u.Groups, group)
	})
	return q.d.mapErr("load user groups", err)
}

// eachPair runs a query selecting two text columns and calls fn per row.
func eachPair(ctx context.Context, q querier, query string, arg any, fn func(a, b string)) error {
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		fn(a, b)
	}
	return rows.Err()
}
