package sqlstore_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/sqlstore"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// TestRekeyOldRows: rows written before the PRECIS key and the skeletons
// (keys by strings.ToLower, no skeleton) are re-keyed when the store
// opens, so that lookups by name find them, though a row's new key be
// another's old one (S-0 and S-1); a row whose new key another holds
// keeps its old key, is logged, and is still there by sid. Rows with
// skeletons are re-keyed when the key version changes.
func TestRekeyOldRows(t *testing.T) {
	var logs bytes.Buffer
	def := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(def) })

	forEach(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		loc := b.location(t)
		s, err := b.open(ctx, loc)
		must(t, err)
		must(t, storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "r\u00f4le"}))
		must(t, storetest.Single{Store: s}.CreateUsers(ctx, []store.User{
			{SID: "S-0", Domain: "LOCAL", Username: "ismail-tmp"},
			{SID: "S-1", Domain: "LOCAL", Username: "\u0130smail"},
			{SID: "S-2", Domain: "LOCAL", Username: "bob-tmp"},
			{SID: "S-3", Domain: "LOCAL", Username: "jose-tmp"},
			{SID: "S-4", Domain: "LOCAL", Username: "ren\u00e9"},
			{SID: "S-5", Domain: "LOCAL", Username: "rene-tmp"},
			{SID: "S-6", Domain: "LOCAL", Username: "Alice"},
		}))
		must(t, storetest.Single{Store: s}.CreateGroups(ctx, []store.Group{{SID: "S-7", Domain: "LOCAL", Name: "equipe-tmp"}}))
		must(t, s.Close())

		// What an older binary left: names it allowed, keyed by
		// strings.ToLower, without skeletons.
		db := b.raw(t, loc)
		p1, p2, p3 := b.param(1), b.param(2), b.param(3)
		for sid, name := range map[string]string{"S-0": "\uff49smail", "S-1": "\u0130smail", "S-2": "\uff42\uff4f\uff42",
			"S-3": "jose\u0301", "S-4": "ren\u00e9", "S-5": "rene\u0301", "S-6": "Alice"} {
			_, err := db.ExecContext(ctx, `UPDATE users SET username = `+p1+`, username_key = `+p2+
				`, username_skeleton = '' WHERE sid = `+p3, name, strings.ToLower(name), sid)
			must(t, err)
		}
		_, err = db.ExecContext(ctx, `UPDATE groups SET name = `+p1+`, name_key = `+p2+
			`, name_skeleton = '' WHERE sid = 'S-7'`, "E\u0301quipe Ops", strings.ToLower("E\u0301quipe Ops"))
		must(t, err)
		_, err = db.ExecContext(ctx, `UPDATE roles SET name_key = `+p1+`, name_skeleton = ''`, "ro\u0302le")
		must(t, err)

		for range 2 { // the second open finds nothing to do
			s, err = b.open(ctx, loc)
			must(t, err)
			for name, want := range map[string]string{"ismail": "S-0", "\u0130smail": "S-1", "bob": "S-2", "BOB": "S-2",
				"jos\u00e9": "S-3", "jose\u0301": "S-3", "Ren\u00e9": "S-4", "alice": "S-6"} {
				u, err := s.GetUserByName(ctx, "", "LOCAL", name)
				if err != nil || u.SID != want {
					t.Errorf("GetUserByName(LOCAL, %+q) = %s, %v; want %s", name, u.SID, err, want)
				}
			}
			if u, err := s.GetUser(ctx, "S-5"); err != nil || u.Username != "rene\u0301" {
				t.Errorf("GetUser(S-5) = %+q, %v; want the colliding row, kept", u.Username, err)
			}
			gs, err := s.ListGroups(ctx, store.GroupFilter{Names: []string{"\u00c9QUIPE OPS"}})
			if err != nil || len(gs) != 1 {
				t.Errorf("ListGroups(ÉQUIPE OPS) = %v, %v; want S-7", gs, err)
			}
			if err := (storetest.Single{Store: s}).CreateRole(ctx, store.Role{Name: "R\u00d4LE"}); err == nil {
				t.Errorf("CreateRole(RÔLE) beside the re-keyed rôle succeeded")
			}
			l := s
			for _, c := range []struct {
				kind names.Kind
				name string
				want string
			}{{names.User, "\u0410lice", "Alice"}, {names.Group, "\u00c9qu\u0131pe Ops", "E\u0301quipe Ops"}, {names.Role, "r\u00f4Ie", "r\u00f4le"}} {
				found, err := l.LookalikeNames(ctx, c.kind, "", "LOCAL", []string{c.name})
				if got := found[c.name]; err != nil || got != c.want {
					t.Errorf("LookalikeNames(%v, %+q) = %+q, %v; want %+q", c.kind, c.name, got, err, c.want)
				}
			}
			must(t, s.Close())
		}
		var key string
		must(t, db.QueryRowContext(ctx, `SELECT username_key FROM users WHERE sid = 'S-5'`).Scan(&key))
		if key != "rene\u0301" {
			t.Errorf("the colliding row's key = %+q, want its old %+q", key, "rene\u0301")
		}
		if !strings.Contains(logs.String(), "id=S-5") {
			t.Errorf("the colliding row S-5 is not logged: %s", logs.String())
		}

		// A key computed under another key version, skeleton and all.
		_, err = db.ExecContext(ctx, `UPDATE users SET username_key = `+p1+` WHERE sid = 'S-3'`, "jose\u0301")
		must(t, err)
		_, err = db.ExecContext(ctx, `UPDATE settings SET value = `+p1+` WHERE name = 'name_keys'`, []byte("older"))
		must(t, err)
		s, err = b.open(ctx, loc)
		must(t, err)
		defer s.Close()
		if u, err := s.GetUserByName(ctx, "", "LOCAL", "jos\u00e9"); err != nil || u.SID != "S-3" {
			t.Errorf("after a new key version, GetUserByName(LOCAL, jos\u00e9) = %s, %v; want S-3", u.SID, err)
		}
	})
}

// TestRekeyScopes: re-keying keeps to the scopes names are unique in:
// users of two tenants may share a name, and so may deleted tenants,
// with each other and with one not deleted. None is taken for a
// collision; every key becomes this binary's.
func TestRekeyScopes(t *testing.T) {
	var logs bytes.Buffer
	def := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(def) })

	forEach(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		loc := b.location(t)
		s, err := b.open(ctx, loc)
		must(t, err)
		single := storetest.Single{Store: s}
		must(t, single.CreateUsers(ctx, []store.User{{SID: "S-1", Domain: "LOCAL", Username: "jos\u00e9"},
			{SID: "S-2", Domain: "LOCAL", Username: "jos\u00e9", TenantID: "t1/"}}))
		for _, tn := range []store.Tenant{{ID: "a/", Name: "\u00c9quipe", Status: store.TenantActive},
			{ID: "b/", Name: "\u00c9quipe", Status: store.TenantDeleted},
			{ID: "c/", Name: "\u00c9quipe", Status: store.TenantDeleted}} {
			must(t, single.CreateTenant(ctx, tn))
		}
		must(t, s.Close())

		// Keys an older binary computed, under another key version.
		db := b.raw(t, loc)
		p1 := b.param(1)
		_, err = db.ExecContext(ctx, `UPDATE users SET username_key = `+p1, "jose\u0301")
		must(t, err)
		_, err = db.ExecContext(ctx, `UPDATE tenants SET name_key = `+p1, "e\u0301quipe")
		must(t, err)
		_, err = db.ExecContext(ctx, `UPDATE settings SET value = `+p1+` WHERE name = 'name_keys'`, []byte("older"))
		must(t, err)

		s, err = b.open(ctx, loc)
		must(t, err)
		defer s.Close()
		for tenant, want := range map[string]string{"": "S-1", "t1/": "S-2"} {
			if u, err := s.GetUserByName(ctx, tenant, "LOCAL", "JOS\u00c9"); err != nil || u.SID != want {
				t.Errorf("GetUserByName(%q, LOCAL, JOSÉ) = %s, %v; want %s", tenant, u.SID, err, want)
			}
		}
		err = storetest.Single{Store: s}.CreateTenant(ctx, store.Tenant{ID: "d/", Name: "\u00c9QUIPE", Status: store.TenantActive})
		if !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("CreateTenant(ÉQUIPE) beside the re-keyed Équipe = %v, want ErrAlreadyExists", err)
		}
		rows, err := db.QueryContext(ctx, `SELECT name_key FROM tenants`)
		must(t, err)
		defer rows.Close()
		for rows.Next() {
			var key string
			must(t, rows.Scan(&key))
			if key != store.Fold("\u00c9quipe") {
				t.Errorf("a tenant's key %+q, want %+q", key, store.Fold("\u00c9quipe"))
			}
		}
		must(t, rows.Err())
		if strings.Contains(logs.String(), "keeps its old key") {
			t.Errorf("a name was taken for a collision: %s", logs.String())
		}
	})
}

// TestUnskeletonedLookupIndexed: the look-up of rows still without a
// skeleton, which every opening of the store makes, is a search of an
// index that holds those rows, never a read of every row or of a whole
// index. Reading all of users_username_skeleton made the cold start grow
// with the store: most of it at 1M users (issue 17).
func TestUnskeletonedLookupIndexed(t *testing.T) {
	want := map[string]string{"users": "users_unskeletoned", "groups": "groups_unskeletoned", "roles": "roles_name_skeleton"}
	forEach(t, func(t *testing.T, b backend) {
		loc := b.location(t)
		s, err := b.open(t.Context(), loc)
		must(t, err)
		must(t, s.Close())
		db := b.raw(t, loc)
		explain, scan := "EXPLAIN QUERY PLAN ", "SCAN "
		var setup []string
		if b.name == "postgres" {
			// The tables are empty, a scan of them costs as little:
			// the planner is told it costs more.
			explain, scan = "EXPLAIN ", "Seq Scan"
			setup = []string{"SET LOCAL enable_seqscan = off"}
		}
		qs := sqlstore.UnskeletonedQueries()
		if len(qs) != len(want) {
			t.Errorf("look-ups of %d tables, want %d: %v", len(qs), len(want), qs)
		}
		for table, q := range qs {
			plan := queryPlan(t, db, setup, explain+q)
			if !strings.Contains(plan, want[table]) || strings.Contains(plan, scan) {
				t.Errorf("%s: the plan does not search %s:\n%s", q, want[table], plan)
			}
		}
	})
}
