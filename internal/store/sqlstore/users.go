package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

// userCols are read in this order by scanUser.
const userCols = `sid, domain, username, description, email, password_hash,
	effective_msecs, expiry_msecs, locked, locked_reason, restricted, allow_smb,
	force_pw_change, s3_access_key_id, s3_account_id, s3_secret_enc, tenant_id,
	source_ids, view_ids, created_msecs, updated_msecs, last_login_msecs,
	directory_groups, failed_logins, failed_since_msecs, locked_until_msecs,
	logins_pending, logins_pending_until_msecs, password_cap, password_set_msecs,
	reactivated_msecs, full_name, idp_roles`

// userWriteCols are written in this order, from userArgs; sid apart.
var userWriteCols = []string{"domain", "domain_key", "username", "username_key",
	"description", "email", "email_key", "password_hash", "effective_msecs",
	"expiry_msecs", "locked", "locked_reason", "restricted", "allow_smb",
	"force_pw_change", "s3_access_key_id", "s3_account_id", "s3_secret_enc",
	"tenant_id", "source_ids", "view_ids", "created_msecs", "updated_msecs",
	"last_login_msecs", "directory_groups", "failed_logins", "failed_since_msecs",
	"locked_until_msecs", "logins_pending", "logins_pending_until_msecs", "password_cap", "username_skeleton",
	"password_set_msecs", "reactivated_msecs", "full_name", "idp_roles"}

// userIdentity are the columns of a user's name: written when it is made
// or renamed and left alone otherwise, so that a row keeps the key it has
// (one an older binary computed, docs/names.md).
var userIdentity = map[string]bool{"domain": true, "domain_key": true, "username": true,
	"username_key": true, "username_skeleton": true}

var (
	updateUserSQL, _               = updateSQL("users", "sid", userWriteCols, nil)
	updateUserKeepNameSQL, keepUsr = updateSQL("users", "sid", userWriteCols, userIdentity)
)

// userArgs are u's values for userWriteCols.
func userArgs(u *store.User) []any {
	return []any{u.Domain, store.Fold(u.Domain), u.Username, store.Fold(u.Username),
		u.Description, u.Email, store.Fold(u.Email), u.PasswordHash,
		nullInt(u.EffectiveTimeMsecs), nullInt(u.ExpiryTimeMsecs), u.Locked,
		u.LockedReason, u.Restricted, u.AllowSMBAccessToken, u.ForcePasswordChange,
		u.S3AccessKeyID, u.S3AccountID, nilIfEmpty(u.S3SecretEnc), u.TenantID,
		jsonList(u.SourceIDs), jsonList(u.ViewIDs), u.CreatedMsecs, u.UpdatedMsecs,
		u.LastLoginMsecs, jsonList(u.DirectoryGroups), u.FailedLogins, u.FailedSinceMsecs,
		u.LockedUntilMsecs, u.LoginsPending, u.LoginsPendingUntilMsecs, nullList(u.PasswordCap),
		names.Skeleton(u.Username), u.PasswordSetMsecs, u.ReactivatedMsecs, u.FullName, jsonList(u.IdPRoles)}
}

func scanUser(sc scanner) (store.User, error) {
	var u store.User
	var eff, exp sql.NullInt64
	var sources, views, dirGroups, idpRoles string
	var pwCap sql.NullString
	err := sc.Scan(&u.SID, &u.Domain, &u.Username, &u.Description, &u.Email,
		&u.PasswordHash, &eff, &exp, &u.Locked, &u.LockedReason, &u.Restricted,
		&u.AllowSMBAccessToken, &u.ForcePasswordChange, &u.S3AccessKeyID,
		&u.S3AccountID, &u.S3SecretEnc, &u.TenantID, &sources, &views,
		&u.CreatedMsecs, &u.UpdatedMsecs, &u.LastLoginMsecs, &dirGroups,
		&u.FailedLogins, &u.FailedSinceMsecs, &u.LockedUntilMsecs,
		&u.LoginsPending, &u.LoginsPendingUntilMsecs, &pwCap, &u.PasswordSetMsecs,
		&u.ReactivatedMsecs, &u.FullName, &idpRoles)
	if err != nil {
		return u, err
	}
	if u.PasswordCap, err = parseNullList("users.password_cap", pwCap); err != nil {
		return u, err
	}
	u.EffectiveTimeMsecs, u.ExpiryTimeMsecs = ptrInt(eff), ptrInt(exp)
	if u.SourceIDs, err = parseList[int64]("users.source_ids", sources); err != nil {
		return u, err
	}
	if u.ViewIDs, err = parseList[int64]("users.view_ids", views); err != nil {
		return u, err
	}
	if u.DirectoryGroups, err = parseList[string]("users.directory_groups", dirGroups); err != nil {
		return u, err
	}
	if u.IdPRoles, err = parseList[string]("users.idp_roles", idpRoles); err != nil {
		return u, err
	}
	u.Roles, u.Groups = []string{}, []string{}
	return u, nil
}

// userName names a user in errors.
func userName(u *store.User) string {
	return fmt.Sprintf("user %q in domain %q", u.Username, u.Domain) + ofTenant(u.TenantID)
}

// CreateUsers inserts all users or none. User.Groups is ignored: membership
// belongs to groups. Repeated roles are stored once.
func (t *tx) CreateUsers(ctx context.Context, users []store.User) error {
	if len(users) == 0 {
		return nil
	}
	q := t.q
	t.user(sidsOfUsers(users)...)
	var refs []string
	for i := range users {
		refs = append(refs, users[i].Roles...)
	}
	roles, err := existingRoles(ctx, q, refs)
	if err != nil {
		return err
	}
	for i := range users {
		if err := checkRoles(userName(&users[i]), users[i].Roles, roles); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(users, insertChunk) {
		if err := insertUsers(ctx, q, chunk); err != nil {
			return err
		}
	}
	return nil
}

func sidsOfUsers(users []store.User) []string {
	sids := make([]string, len(users))
	for i := range users {
		sids[i] = users[i].SID
	}
	return sids
}

// insertChunk is how many users one INSERT carries: 35 arguments each stay
// well under both engines' limits on bound arguments.
const insertChunk = 500

// insertUsers inserts users and their roles with one statement each, and
// names the first key that is taken on a conflict. The insert skips a
// conflicting row rather than fail, which would abort the whole
// transaction on some engines before the conflict is named.
func insertUsers(ctx context.Context, q querier, users []store.User) error {
	row := "(?" + strings.Repeat(", ?", len(userWriteCols)) + ")"
	rows := strings.TrimSuffix(strings.Repeat(row+", ", len(users)), ", ")
	args := make([]any, 0, len(users)*(len(userWriteCols)+1))
	for i := range users {
		args = append(args, users[i].SID)
		args = append(args, userArgs(&users[i])...)
	}
	query := `INSERT INTO users (sid, ` + strings.Join(userWriteCols, ", ") + `) VALUES ` + rows +
		` ON CONFLICT DO NOTHING RETURNING sid`
	inserted, err := queryAll(ctx, q, "insert users", func(sc scanner) (sid string, err error) {
		return sid, sc.Scan(&sid)
	}, query, args...)
	if err != nil {
		return err
	}
	if len(inserted) < len(users) {
		done := make(map[string]int, len(inserted)) // a sid twice in users is inserted once
		for _, sid := range inserted {
			done[sid]++
		}
		for i := range users {
			if done[users[i].SID] == 0 {
				return userConflict(ctx, q, &users[i])
			}
			done[users[i].SID]--
		}
	}
	var roleArgs []any
	for i := range users {
		for pos, r := range store.Dedupe(users[i].Roles) {
			roleArgs = append(roleArgs, users[i].SID, r, pos)
		}
	}
	for chunk := range slices.Chunk(roleArgs, 3*insertChunk) {
		query := `INSERT INTO user_roles (user_sid, role, pos) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(chunk)/3), ", ")
		if _, err := q.ExecContext(ctx, query, chunk...); err != nil {
			return q.d.mapErr("insert user roles", err)
		}
	}
	return nil
}

// checkRoles fails with ErrInvalidReference naming the first of roles not
// in found.
func checkRoles(what string, roles []string, found map[string]bool) error {
	for _, r := range roles {
		if !found[r] {
			return fmt.Errorf("%s: role %q: %w", what, r, store.ErrInvalidReference)
		}
	}
	return nil
}

// userConflict names the unique key of u that is taken: its sid, or its
// name in its domain.
func userConflict(ctx context.Context, q querier, u *store.User) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE sid = ?`, u.SID).Scan(&n); err != nil {
		return q.d.mapErr(fmt.Sprintf("insert %s", userName(u)), err)
	}
	if n > 0 {
		return fmt.Errorf("user sid %q: %w", u.SID, store.ErrAlreadyExists)
	}
	return fmt.Errorf("%s: %w", userName(u), store.ErrAlreadyExists)
}

// setRoles replaces the roles of the user or group owner in table (whose
// owner column is col), keeping their order.
func setRoles(ctx context.Context, q querier, table, col, owner string, roles []string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+col+` = ?`, owner); err != nil {
		return q.d.mapErr(fmt.Sprintf("clear roles of %q", owner), err)
	}
	query := `INSERT INTO ` + table + ` (` + col + `, role, pos) VALUES (?, ?, ?)`
	for i, r := range store.Dedupe(roles) {
		if _, err := q.ExecContext(ctx, query, owner, r, i); err != nil {
			if q.d.IsForeignKey(err) {
				return fmt.Errorf("%q: role %q: %w", owner, r, store.ErrInvalidReference)
			}
			return q.d.mapErr(fmt.Sprintf("set roles of %q", owner), err)
		}
	}
	return nil
}

// getUserByName reads the user of tenantID named username in domain,
// matched by their Fold keys.
func getUserByName(ctx context.Context, q querier, tenantID, domain, username string) (store.User, error) {
	users, err := queryUsers(ctx, q, ` WHERE tenant_id = ? AND domain_key = ? AND username_key = ?`,
		tenantID, store.Fold(domain), store.Fold(username))
	if err != nil {
		return store.User{}, err
	}
	if len(users) == 0 {
		return store.User{}, fmt.Errorf("user %q in domain %q%s: %w", username, domain, ofTenant(tenantID), store.ErrNotFound)
	}
	return users[0], nil
}

// getUser reads one user with its roles and groups.
func getUser(ctx context.Context, q querier, sid string) (store.User, error) {
	users, err := queryUsers(ctx, q, ` WHERE sid = ?`, sid)
	if err != nil {
		return store.User{}, err
	}
	if len(users) == 0 {
		return store.User{}, fmt.Errorf("user %q: %w", sid, store.ErrNotFound)
	}
	return users[0], nil
}

// UpdateUser calls fn with the stored user inside the write transaction and
// stores what it returns, roles included. The sid cannot change: the stored
// one is kept. Groups is ignored, as on create.
func (t *tx) UpdateUser(ctx context.Context, sid string, fn func(store.User) (store.User, error)) (store.User, error) {
	t.user(sid)
	get := func(q querier) (store.User, error) { return getUser(ctx, q, sid) }
	return updateRow(ctx, t, "users", "sid", sid, get, fn, func(q querier, cur store.User, u *store.User) error {
		u.SID = sid
		// Most updates (a log-in's among them) keep the roles: the stored
		// ones exist, by their foreign keys, and need no rewrite.
		sameRoles := slices.Equal(store.Dedupe(u.Roles), cur.Roles)
		if !sameRoles {
			roles, err := existingRoles(ctx, q, u.Roles)
			if err != nil {
				return err
			}
			if err := checkRoles(fmt.Sprintf("user %q", sid), u.Roles, roles); err != nil {
				return err
			}
		}
		query, args := updateUserSQL, userArgs(u)
		if u.Username == cur.Username && u.Domain == cur.Domain {
			query, args = updateUserKeepNameSQL, keepUsr(args)
		}
		_, err := q.ExecContext(ctx, query, append(args, u.SID)...)
		if q.d.IsUnique(err) {
			return fmt.Errorf("%s: %w", userName(u), store.ErrAlreadyExists)
		}
		if err != nil {
			return q.d.mapErr(fmt.Sprintf("update user %q", sid), err)
		}
		if sameRoles {
			return nil
		}
		return setRoles(ctx, q, "user_roles", "user_sid", u.SID, u.Roles)
	}, asStored)
}

// asStored makes u, just written over cur, what a read of it returns:
// lists never nil, bytes nil when empty, roles without repeats, and the
// groups as they were (an update does not change them). The conformance
// test UserUpdateReturnsStored holds it to that.
func asStored(cur store.User, u *store.User) {
	*u = store.AsStored(*u)
	u.Groups = cur.Groups
}

// DeleteUsers deletes all the users or none, with their memberships, roles,
// API keys and sessions (by cascade).
func (t *tx) DeleteUsers(ctx context.Context, sids []string) error {
	sids = store.Dedupe(sids)
	if len(sids) == 0 {
		return nil
	}
	t.user(sids...)
	return deleteAll(ctx, t.q, "users", "user", sids)
}

// deleteAll deletes the rows of table (users or groups) whose sids are
// given, all or none. It locks them first, so that of concurrent deletes
// of one row only the first finds it; a missing one fails with
// ErrNotFound naming it (what names the kind of record).
func deleteAll(ctx context.Context, q querier, table, what string, sids []string) error {
	found, err := existingNames(ctx, q, `SELECT sid FROM `+table+
		` WHERE sid IN (SELECT value FROM json_each(?)) ORDER BY sid`+q.d.LockRow, sids)
	if err != nil {
		return q.d.mapErr("look up "+table, err)
	}
	for _, sid := range sids {
		if !found[sid] {
			return fmt.Errorf("%s %q: %w", what, sid, store.ErrNotFound)
		}
	}
	_, err = q.ExecContext(ctx, `DELETE FROM `+table+` WHERE sid IN (SELECT value FROM json_each(?))`, jsonList(sids))
	return q.d.mapErr("delete "+table, err)
}
