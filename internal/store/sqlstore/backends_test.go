package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/sqlite"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// backend opens stores of one engine at a location (a file, a schema) that
// outlives them, and gives raw access to it.
type backend struct {
	name     string
	location func(t *testing.T) string // a new, empty one
	open     func(ctx context.Context, loc string) (store.Store, error)
	raw      func(t *testing.T, loc string) *sql.DB
	newest   int64
	param    func(n int) string // the n-th placeholder
	// migrations is the folder of the engine's migrations; indexes
	// selects the names of the indexes on the tables named in a JSON
	// array (the first placeholder).
	migrations, indexes string
}

func backends() []backend {
	return []backend{{
		name:     "sqlite",
		location: func(t *testing.T) string { return filepath.Join(t.TempDir(), "iam.db") },
		open: func(ctx context.Context, loc string) (store.Store, error) {
			return sqlite.Open(ctx, loc)
		},
		raw: func(t *testing.T, loc string) *sql.DB {
			db, err := sql.Open("sqlite", "file:"+loc+"?_pragma=busy_timeout(10000)")
			must(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
		newest:     sqlite.SchemaVersion(),
		param:      func(int) string { return "?" },
		migrations: "../sqlite/migrations",
		indexes: `SELECT name FROM sqlite_master WHERE type = 'index'
			AND tbl_name IN (SELECT value FROM json_each(?))`,
	}, {
		name:     "postgres",
		location: func(t *testing.T) string { return pgtest.Schema(t) },
		open: func(ctx context.Context, loc string) (store.Store, error) {
			return postgres.Open(ctx, loc, postgres.Options{})
		},
		raw: func(t *testing.T, loc string) *sql.DB {
			cfg, err := pgx.ParseConfig(loc)
			must(t, err)
			db := stdlib.OpenDB(*cfg)
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
		newest:     postgres.SchemaVersion(),
		param:      func(n int) string { return fmt.Sprintf("$%d", n) },
		migrations: "../postgres/migrations",
		indexes: `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
			AND tablename IN (SELECT jsonb_array_elements_text($1::jsonb))`,
	}}
}

// forEach runs test once per backend.
func forEach(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestReopenPersists: everything written is there after the store is
// closed and opened again.
func TestReopenPersists(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		loc := b.location(t)
		s, err := b.open(ctx, loc)
		must(t, err)
		ci := store.ClusterInfo{ClusterID: 42, Incarnation: 7}
		_, err = s.ClusterInfo(ctx, ci)
		must(t, err)
		first, err := s.NextRIDs(ctx, 10)
		must(t, err)
		must(t, storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "admin", Privileges: []string{"all"}}))
		exp := int64(123)
		must(t, storetest.Single{Store: s}.CreateUsers(ctx, []store.User{{SID: "S-1", Domain: "LOCAL", Username: "bob",
			Roles: []string{"admin"}, ExpiryTimeMsecs: &exp, S3SecretEnc: []byte("sealed")}}))
		must(t, storetest.Single{Store: s}.CreateGroups(ctx, []store.Group{{SID: "S-2", Domain: "LOCAL", Name: "ops", Members: []string{"S-1"}}}))
		must(t, storetest.Single{Store: s}.CreateAPIKey(ctx, store.APIKey{ID: "k", UserSID: "S-1", Hash: []byte("h")}))
		must(t, storetest.Single{Store: s}.CreateSession(ctx, store.Session{Hash: []byte("s"), UserSID: "S-1", ExpiresMsecs: 1000}))
		_, err = s.Setting(ctx, "k", []byte("v1"))
		must(t, err)
		must(t, s.Close())

		s, err = b.open(ctx, loc)
		must(t, err)
		defer s.Close()
		got, err := s.ClusterInfo(ctx, store.ClusterInfo{ClusterID: 1, Incarnation: 1})
		must(t, err)
		if got != ci {
			t.Errorf("ClusterInfo after reopen = %+v, want %+v", got, ci)
		}
		next, err := s.NextRIDs(ctx, 1)
		must(t, err)
		if next != first+10 {
			t.Errorf("NextRIDs after reopen = %d, want %d", next, first+10)
		}
		u, err := s.GetUserByName(ctx, "", "local", "BOB")
		must(t, err)
		if u.SID != "S-1" || len(u.Roles) != 1 || len(u.Groups) != 1 || u.ExpiryTimeMsecs == nil ||
			*u.ExpiryTimeMsecs != exp || string(u.S3SecretEnc) != "sealed" {
			t.Errorf("user after reopen = %+v", u)
		}
		if _, err := s.GetAPIKeyByHash(ctx, []byte("h")); err != nil {
			t.Errorf("api key after reopen: %v", err)
		}
		if _, err := s.GetSessionByHash(ctx, []byte("s")); err != nil {
			t.Errorf("session after reopen: %v", err)
		}
		if v, err := s.Setting(ctx, "k", []byte("v2")); err != nil || string(v) != "v1" {
			t.Errorf("Setting after reopen = %q, %v; want v1", v, err)
		}
		checkMigrations(t, b, loc)
	})
}

// checkMigrations fails t unless every migration is recorded once.
func checkMigrations(t *testing.T, b backend, loc string) {
	t.Helper()
	var n, maxV int64
	q := "SELECT COUNT(*), MAX(version) FROM schema_migrations"
	must(t, b.raw(t, loc).QueryRowContext(t.Context(), q).Scan(&n, &maxV))
	if n != b.newest || maxV != b.newest {
		t.Errorf("schema_migrations has %d rows up to version %d, want %d", n, maxV, b.newest)
	}
}

// TestSchemaTooNew: a store migrated by a newer binary is refused with a
// message naming both versions.
func TestSchemaTooNew(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		loc := b.location(t)
		s, err := b.open(ctx, loc)
		must(t, err)
		must(t, s.Close())
		newer := b.newest + 1
		_, err = b.raw(t, loc).ExecContext(ctx,
			"INSERT INTO schema_migrations (version, applied_msecs) VALUES ("+b.param(1)+", 0)", newer)
		must(t, err)

		_, err = b.open(ctx, loc)
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("open of a newer schema = %v, want ErrSchemaTooNew", err)
		}
		for _, w := range []string{fmt.Sprint(newer), fmt.Sprint(b.newest), "upgrade"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %s", err, w)
			}
		}
	})
}

// TestConcurrentOpen: processes opening one empty database at once all
// succeed, and each migration is applied once.
func TestConcurrentOpen(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		loc := b.location(t)
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				s, err := b.open(ctx, loc)
				if err == nil {
					_, err = s.ClusterInfo(ctx, store.ClusterInfo{ClusterID: int64(i + 1), Incarnation: 1})
					err = errors.Join(err, s.Close())
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("opener %d: %v", i, err)
			}
		}
		checkMigrations(t, b, loc)
		s, err := b.open(ctx, loc)
		must(t, err)
		defer s.Close()
		ci, err := s.ClusterInfo(ctx, store.ClusterInfo{ClusterID: 99, Incarnation: 1})
		must(t, err)
		if ci.ClusterID < 1 || ci.ClusterID > n {
			t.Errorf("cluster id %d, want one of the openers' 1..%d", ci.ClusterID, n)
		}
	})
}
