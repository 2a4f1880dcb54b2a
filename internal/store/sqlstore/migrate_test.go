package sqlstore_test

import (
	"database/sql"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// migrateRaw applies the engine's migrations up to version to db, as a
// binary of that version would have, and records them.
func migrateRaw(t *testing.T, b backend, db *sql.DB, version int64) {
	t.Helper()
	ctx := t.Context()
	_, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_msecs BIGINT NOT NULL)`)
	must(t, err)
	files, err := filepath.Glob(filepath.Join(b.migrations, "*.sql"))
	must(t, err)
	slices.Sort(files)
	for _, f := range files {
		num, _, _ := strings.Cut(filepath.Base(f), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		must(t, err)
		if v > version {
			break
		}
		text, err := os.ReadFile(f)
		must(t, err)
		_, err = db.ExecContext(ctx, string(text))
		must(t, err)
		_, err = db.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_msecs) VALUES ("+b.param(1)+", 0)", v)
		must(t, err)
	}
}

// bind rewrites the '?' placeholders of query for b.
func bind(b backend, query string) string {
	parts := strings.Split(query, "?")
	var sb strings.Builder
	for i, p := range parts {
		if i > 0 {
			sb.WriteString(b.param(i))
		}
		sb.WriteString(p)
	}
	return sb.String()
}

// seedVersion8 writes, with the SQL of schema version 8, users with roles
// (one of an old tenant string), groups with roles, members and the old
// JSON list of tenants, API keys, sessions and an audit entry.
func seedVersion8(t *testing.T, b backend, db *sql.DB) {
	t.Helper()
	exec := func(query string, args ...any) {
		t.Helper()
		_, err := db.ExecContext(t.Context(), bind(b, query), args...)
		must(t, err)
	}
	exec(`INSERT INTO roles (name, name_key, label, description, privileges, is_user_created, tenant_ids,
		created_msecs, updated_msecs) VALUES ('admin', 'admin', 'Admin', '', '["all"]', FALSE, '["t-old"]', 1, 1),
		('viewer', 'viewer', 'Viewer', '', '[]', TRUE, '[]', 2, 2)`)
	for i, u := range [][3]string{{"S-1", "bob", ""}, {"S-2", "carol", ""}, {"S-3", "dave", "t-old"}} {
		exec(`INSERT INTO users (sid, domain, domain_key, username, username_key, description, email,
			email_key, password_hash, locked, locked_reason, restricted, allow_smb, force_pw_change,
			s3_access_key_id, s3_account_id, tenant_id, source_ids, view_ids, created_msecs, updated_msecs,
			last_login_msecs) VALUES (?, 'LOCAL', 'local', ?, ?, '', '', '', '', FALSE, '', FALSE, FALSE,
			FALSE, '', '', ?, '[]', '[]', ?, 0, 0)`, u[0], u[1], u[1], u[2], int64(i))
	}
	exec(`INSERT INTO user_roles (user_sid, role, pos) VALUES ('S-1', 'admin', 0), ('S-1', 'viewer', 1),
		('S-2', 'viewer', 0)`)
	exec(`INSERT INTO groups (sid, domain, domain_key, name, name_key, description, restricted, tenant_ids,
		source_ids, view_ids, created_msecs, updated_msecs) VALUES
		('G-1', 'LOCAL', 'local', 'ops', 'ops', '', FALSE, '["t-a", "t-b"]', '[]', '[]', 1, 1),
		('G-2', 'LOCAL', 'local', 'devs', 'devs', '', FALSE, '[]', '[]', '[]', 2, 2)`)
	exec(`INSERT INTO group_roles (group_sid, role, pos) VALUES ('G-1', 'admin', 0)`)
	exec(`INSERT INTO group_members (group_sid, user_sid, pos) VALUES ('G-1', 'S-1', 0), ('G-1', 'S-2', 1),
		('G-2', 'S-3', 0)`)
	for _, k := range [][2]string{{"k1", "S-1"}, {"k2", "S-2"}} {
		exec(`INSERT INTO api_keys (id, user_sid, name, hash, is_active, created_by_sid, created_msecs,
			last_rotated_msecs) VALUES (?, ?, ?, ?, TRUE, '', 0, 0)`, k[0], k[1], k[0], []byte("h"+k[0]))
		exec(`INSERT INTO sessions (hash, user_sid, kind, created_msecs, expires_msecs)
			VALUES (?, ?, 'session', 0, ?)`, []byte("s"+k[0]), k[1], int64(1)<<50)
	}
	exec(`INSERT INTO audit_log (time_usecs, actor_sid, actor_domain, actor_username, actor_domain_key,
		actor_username_key, ip, action, entity_type, entity_id, entity_name, details, search_key)
		VALUES (1, 'S-1', 'LOCAL', 'bob', 'local', 'bob', '', 'Create', 'User', 'S-2', 'carol', '', '')`)
}

// migratedTables are the tables whose rows TestMigrateToTenants counts.
var migratedTables = []string{"roles", "users", "user_roles", "groups", "group_roles", "group_members",
	"api_keys", "sessions", "audit_log"}

// rowCounts counts the rows of migratedTables.
func rowCounts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range migratedTables {
		var n int
		must(t, db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n))
		out[table] = n
	}
	return out
}

// TestMigrateToTenants: a database at schema version 8 migrates to 9
// (tenants, names unique per tenant) and loses nothing: every row is
// there, every reference leads where it did and still cascades, groups
// and roles belong to the cluster, users keep their tenant, and every
// index is there again.
func TestMigrateToTenants(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		loc := b.location(t)
		db := b.raw(t, loc)
		migrateRaw(t, b, db, 8)
		seedVersion8(t, b, db)
		before := rowCounts(t, db)

		s, err := b.open(ctx, loc)
		must(t, err)
		defer s.Close()
		checkMigrations(t, b, loc)
		if after := rowCounts(t, db); !maps.Equal(after, before) {
			t.Fatalf("rows per table after the migration %v, want %v", after, before)
		}
		checkMigratedRecords(t, s)
		checkIndexes(t, b, db)

		// The references cascade to the rebuilt tables; names are per
		// tenant now.
		single := storetest.Single{Store: s}
		must(t, single.DeleteUsers(ctx, []string{"S-2"}))
		if after := rowCounts(t, db); after["user_roles"] != 2 || after["group_members"] != 2 ||
			after["api_keys"] != 1 || after["sessions"] != 1 {
			t.Errorf("rows after deleting S-2: %v; want its role, membership, key and session gone", after)
		}
		must(t, single.CreateUsers(ctx, []store.User{{SID: "S-4", Domain: "LOCAL", Username: "bob", TenantID: "t1/"}}))
		must(t, single.CreateGroups(ctx, []store.Group{{SID: "G-3", Domain: "LOCAL", Name: "ops", TenantID: "t1/",
			Members: []string{"S-4"}}}))
		if b.name == "sqlite" {
			rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
			must(t, err)
			if rows.Next() {
				t.Error("foreign_key_check finds broken references")
			}
			must(t, rows.Close())
		}
	})
}

// checkMigratedRecords fails t unless s holds what seedVersion8 wrote,
// read through the store.
func checkMigratedRecords(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	for _, want := range []store.User{
		{SID: "S-1", Username: "bob", Roles: []string{"admin", "viewer"}, Groups: []string{"G-1"}},
		{SID: "S-2", Username: "carol", Roles: []string{"viewer"}, Groups: []string{"G-1"}},
		{SID: "S-3", Username: "dave", TenantID: "t-old", Roles: []string{}, Groups: []string{"G-2"}},
	} {
		u, err := s.GetUserByName(ctx, want.TenantID, "LOCAL", want.Username)
		if err != nil || u.SID != want.SID || !slices.Equal(u.Roles, want.Roles) || !slices.Equal(u.Groups, want.Groups) {
			t.Errorf("user %s: %+v, %v; want roles %q, groups %q", want.SID, u, err, want.Roles, want.Groups)
		}
	}
	for _, want := range []store.Group{
		{SID: "G-1", Roles: []string{"admin"}, Members: []string{"S-1", "S-2"}},
		{SID: "G-2", Roles: []string{}, Members: []string{"S-3"}},
	} {
		g, err := s.GetGroup(ctx, want.SID)
		if err != nil || g.TenantID != "" || !slices.Equal(g.Roles, want.Roles) || !slices.Equal(g.Members, want.Members) {
			t.Errorf("group %s: %+v, %v; want no tenant, roles %q, members %q", want.SID, g, err, want.Roles, want.Members)
		}
	}
	roles, err := s.ListRoles(ctx, store.RoleFilter{TenantIDs: []string{""}})
	if err != nil || len(roles) != 2 || roles[0].TenantID != "" || roles[1].TenantID != "" {
		t.Errorf("roles of the cluster: %+v, %v; want admin and viewer", roles, err)
	}
	for _, k := range [][2]string{{"k1", "S-1"}, {"k2", "S-2"}} {
		key, err := s.GetAPIKeyByHash(ctx, []byte("h"+k[0]))
		if err != nil || key.ID != k[0] || key.UserSID != k[1] {
			t.Errorf("key %s: %+v, %v", k[0], key, err)
		}
		sess, err := s.GetSessionByHash(ctx, []byte("s"+k[0]))
		if err != nil || sess.UserSID != k[1] {
			t.Errorf("session of %s: %+v, %v", k[1], sess, err)
		}
	}
	entries, _, err := s.ListAudit(ctx, store.AuditFilter{TenantIDs: []string{""}})
	if err != nil || len(entries) != 1 || entries[0].TenantID != "" || entries[0].IsImpersonation {
		t.Errorf("audit entries of the cluster: %+v, %v; want the one written", entries, err)
	}
}

// checkIndexes fails t unless the tables migrated to version 9 have the
// indexes of every version.
func checkIndexes(t *testing.T, b backend, db *sql.DB) {
	t.Helper()
	tables, err := json.Marshal([]string{"users", "groups", "roles", "user_roles", "group_roles",
		"group_members", "api_keys", "sessions", "audit_log", "tenants"})
	must(t, err)
	rows, err := db.QueryContext(t.Context(), b.indexes, string(tables))
	must(t, err)
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		have[name] = true
	}
	must(t, rows.Err())
	for _, want := range []string{"users_username_key", "users_email_key", "users_tenant_id", "users_created",
		"users_username_skeleton", "users_domain_key", "groups_name_key", "groups_created", "groups_name_skeleton",
		"groups_tenant_id", "groups_domain_key", "roles_name_skeleton", "roles_tenant_id", "user_roles_role",
		"group_roles_role", "group_members_user_sid", "api_keys_user_sid", "sessions_user_sid",
		"sessions_expires", "audit_log_time", "audit_log_actor", "audit_log_tenant", "tenants_name_key"} {
		if !have[want] {
			t.Errorf("index %s is missing after the migration (have %v)", want, slices.Sorted(maps.Keys(have)))
		}
	}
}

// TestMigrateToSecuritySettings: a database at schema version 10 migrates
// to 11: a password counts as set when its user's row last changed, a
// session as used when it was made, no administrator has unlocked anyone
// yet, and former passwords are kept per user and go with their user.
func TestMigrateToSecuritySettings(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		loc := b.location(t)
		db := b.raw(t, loc)
		migrateRaw(t, b, db, 10)
		exec := func(query string, args ...any) {
			t.Helper()
			_, err := db.ExecContext(ctx, bind(b, query), args...)
			must(t, err)
		}
		for _, u := range []struct {
			sid     string
			updated int64
		}{{"S-1", 1_700_000_000_123}, {"S-2", 0}} {
			exec(`INSERT INTO users (sid, domain, domain_key, username, username_key, description, email,
				email_key, password_hash, locked, locked_reason, restricted, allow_smb, force_pw_change,
				s3_access_key_id, s3_account_id, tenant_id, source_ids, view_ids, created_msecs, updated_msecs,
				last_login_msecs) VALUES (?, 'LOCAL', 'local', ?, ?, '', '', '', 'h', FALSE, '', FALSE, FALSE,
				FALSE, '', '', '', '[]', '[]', 5, ?, 0)`, u.sid, u.sid, strings.ToLower(u.sid), u.updated)
		}
		exec(`INSERT INTO sessions (hash, user_sid, kind, created_msecs, expires_msecs)
			VALUES (?, 'S-1', 'session', 1700000000456, ?)`, []byte("s1"), int64(1)<<50)

		s, err := b.open(ctx, loc)
		must(t, err)
		defer s.Close()
		checkMigrations(t, b, loc)
		for sid, want := range map[string]int64{"S-1": 1_700_000_000_123, "S-2": 0} {
			u, err := s.GetUser(ctx, sid)
			if err != nil || u.PasswordSetMsecs != want || u.ReactivatedMsecs != 0 {
				t.Errorf("user %s after the migration: password set %d, reactivated %d, %v; want %d, 0",
					sid, u.PasswordSetMsecs, u.ReactivatedMsecs, err, want)
			}
		}
		sess, err := s.GetSessionByHash(ctx, []byte("s1"))
		if err != nil || sess.LastUsedMsecs != 1_700_000_000_456 {
			t.Errorf("session after the migration: last used %d, %v; want its creation", sess.LastUsedMsecs, err)
		}
		single := storetest.Single{Store: s}
		must(t, single.Update(ctx, func(tx store.Tx) error { return tx.AddPasswordHistory(ctx, "S-1", "old", 3) }))
		must(t, single.DeleteUsers(ctx, []string{"S-1"}))
		var n int
		must(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM password_history").Scan(&n))
		if n != 0 {
			t.Errorf("%d former passwords left after deleting their user", n)
		}
	})
}
